/**
 * The Standard Webhooks source against the reference libraries' own test
 * vectors and behaviours, against deliveries the `standardwebhooks` and
 * `svix` libraries sign, and through `Inbound.webHandler` (a plain `Request`
 * in, a `Response` out).
 *
 * The vectors are copied from the test files of both libraries:
 * standard-webhooks/standard-webhooks `libraries/javascript/src/webhook.test.ts`
 * and svix's `src/webhook.test.ts` as the svix 2.5.0 package ships it
 * (`node_modules/svix/src/webhook.test.ts`): the secret
 * `MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`, the message `msg_p5jXN8AQM9LWM0D4loKWxJek`,
 * the body `{"test": 2432232314}`, and "sign function works": at 1614265330
 * the signature is `v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=`. The
 * behaviours ported from the same files: missing headers, "hello" as a
 * timestamp, invalid and partial signatures, unbranded headers, ±(tolerance +
 * 1 s), several signatures in one header, the secret with and without
 * `whsec_`, and an empty/undefined/null secret refused.
 */
import { Cause, Effect, Exit, Option, Redacted, Schema } from "effect"
import { type IntegrationError, WebhookSource } from "@wedsync/core"
import { Webhook as StandardWebhook } from "standardwebhooks"
import { Webhook as SvixWebhook } from "svix"
import { describe, expect, it } from "vitest"
import { decodeSecret, sign } from "../src/internal/standardWebhooksSignature.ts"
import { StandardWebhooks } from "../src/index.ts"

// From the reference libraries' webhook.test.ts (see the header).
const VECTOR = {
  secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  body: `{"test": 2432232314}`,
  timestamp: 1614265330,
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  // "multi sig payload is valid": entries that do not match, around the valid one.
  otherSignatures: [
    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
    "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
  ]
} as const
const TOLERANCE_MS = 5 * 60 * 1000

type Headers = Record<string, string>
type Exited = Exit.Exit<WebhookSource.WebhookEvent, IntegrationError.IntegrationError>

const sourceOf = <A = unknown>(options: Partial<StandardWebhooks.Options<A>> = {}) =>
  Effect.runSync(
    StandardWebhooks.make<A>({
      provider: "vector",
      secret: Redacted.make(`whsec_${VECTOR.secret}`),
      // The vector's body has no `type`.
      describe: () => ({ type: "test" }),
      ...options
    } as StandardWebhooks.Options<A>)
  )

const request = (headers: Headers, body: string, receivedAt: number) =>
  new WebhookSource.WebhookRequest({
    method: "POST",
    url: "https://hooks.wedsync.test/standard",
    headers,
    body,
    receivedAt
  })

const verify = (source: WebhookSource.WebhookSource["Service"], headers: Headers, body: string, receivedAt: number) =>
  Effect.runSyncExit(source.verify(request(headers, body, receivedAt)))

/** A delivery of the vector's message at `seconds`, signed as the libraries' tests sign it. */
const vectorHeaders = (seconds: number, prefix: "webhook" | "svix" = "webhook"): Headers => {
  const key = decodeSecret(VECTOR.secret)!
  return {
    [`${prefix}-id`]: VECTOR.id,
    [`${prefix}-timestamp`]: String(seconds),
    [`${prefix}-signature`]: sign(key, VECTOR.id, String(seconds), VECTOR.body)
  }
}

const reasonOf = (exit: Exited): string => {
  if (Exit.isSuccess(exit)) return "accepted"
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  if (error === undefined) throw new Error(`a defect, not a typed failure: ${Cause.pretty(exit.cause)}`)
  return error.reason._tag
}

const messageOf = (exit: Exit.Exit<unknown, IntegrationError.IntegrationError>): string => {
  const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
  if (error === undefined) throw new Error("expected a typed failure")
  return `${error.message}\n${JSON.stringify(error)}`
}

describe("StandardWebhooks: the reference libraries' vectors", () => {
  const now = VECTOR.timestamp * 1000

  it("signs the published vector byte for byte, and accepts it", () => {
    expect(sign(decodeSecret(`whsec_${VECTOR.secret}`)!, VECTOR.id, String(VECTOR.timestamp), VECTOR.body)).toBe(
      VECTOR.signature
    )
    const headers = {
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature
    }
    const exit = verify(sourceOf(), headers, VECTOR.body, now)
    expect(reasonOf(exit)).toBe("accepted")
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({ provider: "vector", id: VECTOR.id, type: "test" })
  })

  it("the standardwebhooks and svix libraries sign the vector the same way", () => {
    const at = new Date(VECTOR.timestamp * 1000)
    expect(new StandardWebhook(`whsec_${VECTOR.secret}`).sign(VECTOR.id, at, VECTOR.body)).toBe(VECTOR.signature)
    expect(new SvixWebhook(`whsec_${VECTOR.secret}`).sign(VECTOR.id, at, VECTOR.body)).toBe(VECTOR.signature)
  })

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])("refuses a delivery missing %s", (name) => {
    const headers = vectorHeaders(VECTOR.timestamp)
    delete headers[name]
    expect(reasonOf(verify(sourceOf(), headers, VECTOR.body, now))).toBe("SignatureInvalid")
  })

  it.each(["hello", "1614265330abc", "1614265330.5", " 1614265330", "+1614265330", "1.614265330e9", "-1", ""])(
    "refuses the timestamp %j",
    (timestamp) => {
      const headers = { ...vectorHeaders(VECTOR.timestamp), "webhook-timestamp": timestamp }
      expect(reasonOf(verify(sourceOf(), headers, VECTOR.body, now))).toBe("SignatureInvalid")
    }
  )

  it("refuses an invalid and a partial signature", () => {
    const valid = vectorHeaders(VECTOR.timestamp)["webhook-signature"]!
    for (const signature of ["v1,dawfeoifkpqwoekfpqoekf", valid.slice(0, 8), "v1,", "v2", " "]) {
      const headers = { ...vectorHeaders(VECTOR.timestamp), "webhook-signature": signature }
      expect(reasonOf(verify(sourceOf(), headers, VECTOR.body, now))).toBe("SignatureInvalid")
    }
  })

  it("accepts branded (svix-*) and unbranded (webhook-*) headers", () => {
    for (const prefix of ["svix", "webhook"] as const) {
      expect(reasonOf(verify(sourceOf(), vectorHeaders(VECTOR.timestamp, prefix), VECTOR.body, now))).toBe("accepted")
    }
  })

  it("refuses a timestamp just outside the tolerance either way, accepts one at its edge", () => {
    const source = sourceOf()
    const headers = vectorHeaders(VECTOR.timestamp)
    expect(reasonOf(verify(source, headers, VECTOR.body, now + TOLERANCE_MS + 1000))).toBe("SignatureInvalid")
    expect(reasonOf(verify(source, headers, VECTOR.body, now - TOLERANCE_MS - 1000))).toBe("SignatureInvalid")
    expect(reasonOf(verify(source, headers, VECTOR.body, now + TOLERANCE_MS))).toBe("accepted")
    expect(reasonOf(verify(source, headers, VECTOR.body, now - TOLERANCE_MS))).toBe("accepted")
  })

  it("honours a configured tolerance", () => {
    const source = sourceOf({ tolerance: "30 seconds" })
    const headers = vectorHeaders(VECTOR.timestamp)
    expect(reasonOf(verify(source, headers, VECTOR.body, now + 31_000))).toBe("SignatureInvalid")
    expect(reasonOf(verify(source, headers, VECTOR.body, now + 30_000))).toBe("accepted")
  })

  it("accepts several signatures in one header when one matches", () => {
    const valid = vectorHeaders(VECTOR.timestamp)["webhook-signature"]!
    const [first, second] = VECTOR.otherSignatures
    const headers = { ...vectorHeaders(VECTOR.timestamp), "webhook-signature": [first, second, valid, first].join(" ") }
    expect(reasonOf(verify(sourceOf(), headers, VECTOR.body, now))).toBe("accepted")
    const none = { ...headers, "webhook-signature": [first, second].join(" ") }
    expect(reasonOf(verify(sourceOf(), none, VECTOR.body, now))).toBe("SignatureInvalid")
  })

  it("takes the secret with and without the whsec_ prefix, and as Supabase shows it (v1,whsec_)", () => {
    for (const secret of [VECTOR.secret, `whsec_${VECTOR.secret}`, `v1,whsec_${VECTOR.secret}`]) {
      const source = sourceOf({ secret: Redacted.make(secret) })
      expect(reasonOf(verify(source, vectorHeaders(VECTOR.timestamp), VECTOR.body, now))).toBe("accepted")
    }
  })
})

describe("StandardWebhooks: secrets", () => {
  // 25 bytes: base64 of it ends in "==", so the unpadded form is 2 characters shorter.
  const key = Buffer.from("a-wedding-planner-key-001")
  const padded = `whsec_${key.toString("base64")}`
  const unpadded = padded.replace(/=+$/, "")

  it("accepts a secret with or without its base64 padding, as both libraries do", () => {
    expect(padded.endsWith("==")).toBe(true)
    const at = new Date()
    for (const secret of [padded, unpadded]) {
      // Signed by each library with the form it was given.
      const signers = [new StandardWebhook(secret), new SvixWebhook(secret)]
      for (const signer of signers) {
        const headers = {
          "webhook-id": "msg_1",
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": signer.sign("msg_1", at, '{"type":"a"}')
        }
        for (const configured of [padded, unpadded]) {
          const source = sourceOf({ secret: Redacted.make(configured), describe: undefined })
          expect(reasonOf(verify(source, headers, '{"type":"a"}', at.getTime()))).toBe("accepted")
        }
      }
    }
  })

  it("checks every secret while rotating, and names none of them in a refusal", () => {
    const old = `whsec_${Buffer.from("the-old-secret-of-the-endpoint").toString("base64")}`
    const source = sourceOf({ secret: [Redacted.make(old), Redacted.make(unpadded)] })
    const at = new Date(VECTOR.timestamp * 1000)
    for (const secret of [old, unpadded]) {
      const headers = {
        "svix-id": "msg_2",
        "svix-timestamp": String(VECTOR.timestamp),
        "svix-signature": new StandardWebhook(secret).sign("msg_2", at, "{}")
      }
      expect(reasonOf(verify(source, headers, "{}", at.getTime()))).toBe("accepted")
    }
    const forged = { "svix-id": "msg_2", "svix-timestamp": String(VECTOR.timestamp), "svix-signature": "v1,AAAA" }
    const exit = verify(source, forged, "{}", at.getTime())
    const rendered = messageOf(exit)
    for (const secret of [old, unpadded, old.slice(6), unpadded.slice(6)]) expect(rendered.includes(secret)).toBe(false)
  })

  const misconfigured = (options: unknown) => {
    const exit = Effect.runSyncExit(StandardWebhooks.make(options as StandardWebhooks.Options))
    const reason = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause))?.reason : undefined
    if (reason === undefined)
      throw new Error(`expected Misconfigured, got ${Exit.isSuccess(exit) ? "a source" : Cause.pretty(exit.cause)}`)
    expect(reason._tag).toBe("Misconfigured")
    return reason.message
  }

  it.each([
    ["secret undefined", { provider: "p", secret: undefined }, "secret is missing"],
    ["secret null", { provider: "p", secret: null }, "secret is missing"],
    ["Redacted.make(undefined)", { provider: "p", secret: Redacted.make(undefined) }, "secret is missing"],
    ["an empty secret", { provider: "p", secret: Redacted.make("") }, "secret is empty"],
    ["whsec_ alone", { provider: "p", secret: Redacted.make("whsec_") }, "not whsec_ followed by base64"],
    ["not base64", { provider: "p", secret: Redacted.make("whsec_not base64!") }, "not whsec_ followed by base64"],
    [
      "one character too many",
      { provider: "p", secret: Redacted.make("whsec_dGVzd") },
      "not whsec_ followed by base64"
    ],
    ["bad padding", { provider: "p", secret: Redacted.make("whsec_dGVzdA=") }, "not whsec_ followed by base64"],
    ["a plain string", { provider: "p", secret: "whsec_dGVzdA" }, "not a Redacted value"],
    ["an empty list", { provider: "p", secret: [] }, "empty list"],
    ["an undefined entry", { provider: "p", secret: [Redacted.make(padded), undefined] }, "secret #2 is missing"],
    ["no provider", { secret: Redacted.make(padded) }, "provider is missing"],
    ["a zero tolerance", { provider: "p", secret: Redacted.make(padded), tolerance: 0 }, "tolerance"],
    ["a payload that is no Schema", { provider: "p", secret: Redacted.make(padded), payload: {} }, "payload"],
    ["no options at all", undefined, "options are missing"]
  ])("fails with Misconfigured, never a TypeError, for %s", (_, options, words) => {
    expect(misconfigured(options)).toContain(words)
  })

  it("a Misconfigured error shows no secret", () => {
    const secret = "whsec_not base64 but secret"
    expect(misconfigured({ provider: "p", secret: Redacted.make(secret) }).includes("base64 but")).toBe(false)
  })
})

describe("StandardWebhooks: decoding", () => {
  const secret = `whsec_${VECTOR.secret}`
  const signed = (body: string, id = "msg_decode", seconds = Math.floor(Date.now() / 1000)) => ({
    "webhook-id": id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": new StandardWebhook(secret).sign(id, new Date(seconds * 1000), body)
  })
  const plain = () => Effect.runSync(StandardWebhooks.make({ provider: "clerk", secret: Redacted.make(secret) }))

  it("by default: id from webhook-id, type from the type field, time from the ISO timestamp field", () => {
    const body = JSON.stringify({ type: "user.created", timestamp: "2026-12-06T10:00:00.000Z", data: { id: "user_1" } })
    const exit = verify(plain(), signed(body), body, Date.now())
    expect(Exit.isSuccess(exit) && exit.value).toEqual({
      provider: "clerk",
      id: "msg_decode",
      type: "user.created",
      occurredAt: Date.parse("2026-12-06T10:00:00.000Z"),
      payload: { type: "user.created", timestamp: "2026-12-06T10:00:00.000Z", data: { id: "user_1" } }
    })
  })

  it("an authentic body without a type, or not JSON, is PayloadInvalid naming the field", () => {
    const body = JSON.stringify({ data: {} })
    const exit = verify(plain(), signed(body), body, Date.now())
    expect(reasonOf(exit)).toBe("PayloadInvalid")
    expect(messageOf(exit)).toMatch(/not a clerk event: type: /)
    expect(reasonOf(verify(plain(), signed("not json"), "not json", Date.now()))).toBe("PayloadInvalid")
  })

  it("with a payload Schema and describe: the decoded payload, the sender's own id and type", () => {
    const SendSms = Schema.Struct({
      user: Schema.Struct({ id: Schema.String, phone: Schema.String }),
      sms: Schema.Struct({ otp: Schema.String })
    })
    const source = Effect.runSync(
      StandardWebhooks.make({
        provider: "supabase-auth",
        secret: Redacted.make(`v1,${secret}`),
        payload: SendSms,
        describe: (payload, delivery) => ({
          id: `${payload.user.id}:${delivery.id}`,
          type: "auth.send_sms",
          occurredAt: delivery.timestamp * 1000
        })
      })
    )
    const body = JSON.stringify({ user: { id: "u_1", phone: "+447700900123" }, sms: { otp: "123456" } })
    const headers = signed(body, "msg_sms", VECTOR.timestamp)
    const exit = verify(source, headers, body, VECTOR.timestamp * 1000)
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({
      provider: "supabase-auth",
      id: "u_1:msg_sms",
      type: "auth.send_sms",
      occurredAt: VECTOR.timestamp * 1000
    })
    const wrong = JSON.stringify({ user: { id: "u_1", phone: 447700900123 }, sms: { otp: "1" } })
    const refused = verify(source, signed(wrong, "msg_sms", VECTOR.timestamp), wrong, VECTOR.timestamp * 1000)
    expect(reasonOf(refused)).toBe("PayloadInvalid")
    expect(messageOf(refused)).toMatch(/user\.phone: Expected string/)
    expect(messageOf(refused).includes("447700900123")).toBe(false)
  })

  it("a describe that throws is PayloadInvalid, not a defect", () => {
    const source = Effect.runSync(
      StandardWebhooks.make({
        provider: "thrower",
        secret: Redacted.make(secret),
        describe: () => {
          throw new TypeError("cannot read properties of undefined")
        }
      })
    )
    const exit = verify(source, signed("{}"), "{}", Date.now())
    expect(reasonOf(exit)).toBe("PayloadInvalid")
  })
})

describe("StandardWebhooks: agreement with the libraries on random deliveries", () => {
  const secret = `whsec_${Buffer.from("agreement-secret-0123456789abcdef").toString("base64").replace(/=+$/, "")}`
  const ours = Effect.runSync(
    StandardWebhooks.make({ provider: "agree", secret: Redacted.make(secret), describe: () => ({ type: "t" }) })
  )

  it("whatever the libraries sign we accept, and svix accepts what we accept", () => {
    const bodies = [
      '{"type":"a"}',
      '{"emoji":"💍 ✨","ünïcödé":"ß"}',
      '{"__proto__":{"x":1},"constructor":"c"}',
      "[]",
      "0"
    ]
    const at = new Date()
    const seconds = String(Math.floor(at.getTime() / 1000))
    for (const [index, body] of bodies.entries()) {
      const id = `msg_${index}_${"é".repeat(index)}`
      for (const signature of [
        new StandardWebhook(secret).sign(id, at, body),
        new SvixWebhook(secret).sign(id, at, body)
      ]) {
        const headers = { "svix-id": id, "svix-timestamp": seconds, "svix-signature": signature }
        expect(reasonOf(verify(ours, headers, body, at.getTime()))).toBe("accepted")
        expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow()
      }
    }
  })

  it("where standardwebhooks accepts a timestamp with trailing text, we refuse it", () => {
    const at = new Date()
    const seconds = Math.floor(at.getTime() / 1000)
    const body = '{"type":"a"}'
    const headers = {
      "webhook-id": "msg_x",
      "webhook-timestamp": `${seconds}abc`,
      "webhook-signature": new StandardWebhook(secret).sign("msg_x", at, body)
    }
    expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow()
    expect(reasonOf(verify(ours, headers, body, at.getTime()))).toBe("SignatureInvalid")
  })
})
