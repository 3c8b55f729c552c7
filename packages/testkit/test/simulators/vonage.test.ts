/**
 * The Vonage simulator driven by the real `@vonage/sms` (1.24.1) and
 * `@vonage/messages` (1.27.1): SMS API in-band statuses as
 * `MessageSendPartialFailure`, Messages API problem+json as `VetchError`,
 * every fault kind, Messages status webhooks verified with `@vonage/jwt`
 * `verifySignature` plus `payload_hash` and `iat`, and SMS delivery receipts
 * verified with `sms.verifySignature` (md5hash).
 */
import { generateKeyPairSync } from "node:crypto"
import { AlgorithmTypes, Auth } from "@vonage/auth"
import { verifySignature } from "@vonage/jwt"
import { Messages } from "@vonage/messages"
import { MessageSendPartialFailure, SMS, TypeEnum } from "@vonage/sms"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as Webhooks from "../../src/Webhooks.ts"
import * as Vonage from "../../src/simulators/vonage.ts"
import { type Received, startReceiver } from "../fixtures/receiver.ts"

type Running = Simulator.Running<Vonage.State, Vonage.Credentials>

let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(Vonage.definition, { seed: 5 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

interface ClientOptions {
  readonly timeout?: number
  readonly apiSecret?: string
  readonly host?: string
}

// privateKey "" (no key): @vonage/auth passes an absent key to fs.existsSync, which Node deprecates (DEP0187)
const authFor = (target: Running, options: ClientOptions) =>
  new Auth({
    apiKey: target.credentials.apiKey,
    apiSecret: options.apiSecret ?? target.credentials.apiSecret,
    privateKey: ""
  })

const smsFor = (target: Running, options: ClientOptions = {}) =>
  new SMS(authFor(target, options), { restHost: options.host ?? target.url, timeout: options.timeout ?? 2_000 })

const messagesFor = (target: Running, options: ClientOptions = {}) =>
  new Messages(authFor(target, options), { apiHost: options.host ?? target.url, timeout: options.timeout ?? 2_000 })

const SEND = {
  to: "447700900000",
  from: "447700900001",
  text: "Your florist arrives at 9 am.",
  clientRef: "wedding-42"
}
const MESSAGE = { to: "447700900000", from: "447700900001", channel: "sms", messageType: "text", text: "Hi" } as const

const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (cause) {
    return cause
  }
  throw new Error("expected the call to fail")
}

const inBandFailure = async (promise: Promise<unknown>) => {
  const cause = await failure(promise)
  expect(cause).toBeInstanceOf(MessageSendPartialFailure)
  const [failed] = (cause as MessageSendPartialFailure).getFailedMessages()
  return failed as { readonly status: string; readonly errorText: string }
}

interface HttpFailure {
  readonly status: number
  readonly retryAfter: string | null
  readonly contentType: string | null
  readonly body: Record<string, unknown>
}

const httpFailure = async (promise: Promise<unknown>): Promise<HttpFailure> => {
  const cause = (await failure(promise)) as { readonly message: string; readonly response?: Response }
  expect(cause.response).toBeInstanceOf(Response)
  const response = cause.response as Response
  expect(cause.message).toBe(`Request failed with status code ${response.status}`)
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    contentType: response.headers.get("content-type"),
    body: (await response.json()) as Record<string, unknown>
  }
}

const causeCode = (cause: unknown) => (cause as { readonly cause?: { readonly code?: string } }).cause?.code

describe("SMS API", () => {
  it("sends as Vonage answers it", async () => {
    const response = await smsFor(sim).send(SEND)
    const [message] = response.messages
    expect(response.messageCount).toBe("1")
    expect(message).toMatchObject({ to: SEND.to, status: "0", messagePrice: "0.03330000", network: "23410" })
    expect(message?.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(message?.remainingBalance).toBe("99.96670000")
    const [request] = sim.ledger.requests()
    expect(sim.ledger.requests()).toHaveLength(1)
    expect(request?.headers["content-type"]).toBe("application/json")
    expect(request?.headers.authorization).toBe("<redacted>")
    expect(JSON.parse(request?.body ?? "{}")).toEqual({
      to: SEND.to,
      from: SEND.from,
      text: SEND.text,
      "client-ref": SEND.clientRef
    })
    const effects = sim.ledger.sideEffects("message")
    expect(effects.map((effect) => [effect.id, effect.key])).toEqual([[message?.messageId, SEND.clientRef]])
  })

  it("splits a long text into parts, one message-id each", async () => {
    const long = await smsFor(sim).send({ ...SEND, text: "a".repeat(200) })
    expect([long.messageCount, long.messages.length]).toEqual(["2", 2])
    const unicode = await smsFor(sim).send({ ...SEND, text: "💍".repeat(40), type: TypeEnum.UNICODE })
    expect(unicode.messages).toHaveLength(2)
    expect(sim.ledger.sideEffects("message")).toHaveLength(2)
  })

  it("answers wrong credentials with HTTP 200 and status 4 Bad Credentials", async () => {
    const failed = await inBandFailure(smsFor(sim, { apiSecret: "WrongSecret00000" }).send(SEND))
    expect([failed.status, failed.errorText]).toEqual(["4", "Bad Credentials"])
    expect(sim.ledger.requests()[0]?.status).toBe(200)
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })

  it("takes api_key and api_secret as parameters, as the legacy API does", async () => {
    const post = (body: string, contentType: string) =>
      fetch(`${sim.url}/sms/json`, { method: "POST", headers: { "content-type": contentType }, body }).then(
        async (response) => [response.status, await response.json()] as const
      )
    const { apiKey, apiSecret } = sim.credentials
    const form = new URLSearchParams({
      api_key: apiKey,
      api_secret: apiSecret,
      to: SEND.to,
      from: "WedSync",
      text: "x"
    })
    const [status, body] = await post(form.toString(), "application/x-www-form-urlencoded")
    expect([status, body.messages[0].status]).toEqual([200, "0"])
    const [, missing] = await post(JSON.stringify({ to: SEND.to, from: "WedSync", text: "x" }), "application/json")
    expect(missing.messages[0]).toEqual({ status: "2", "error-text": "Missing api_key" })
  })

  it("refuses a bad number (3), an empty balance (9) and, on a demo account, other numbers (29)", async () => {
    expect((await inBandFailure(smsFor(sim).send({ ...SEND, to: "not-a-number" }))).status).toBe("3")
    sim.state.balance = 0.01
    const broke = await inBandFailure(smsFor(sim).send(SEND))
    expect([broke.status, broke.errorText]).toEqual(["9", "Quota Exceeded - rejected"])
    const demo = await Simulator.start(Vonage.definition, { credentials: { demoWhitelist: ["+447700900123"] } })
    try {
      await expect(smsFor(demo).send({ ...SEND, to: "447700900123" })).resolves.toBeDefined()
      const refused = await inBandFailure(smsFor(demo).send(SEND))
      expect([refused.status, refused.errorText]).toEqual(["29", "Non White-listed Destination - rejected"])
    } finally {
      await demo.stop()
    }
  })
})

describe("Messages API", () => {
  it("sends with Basic auth and answers 202 { message_uuid }", async () => {
    const { messageUUID } = await messagesFor(sim).send(MESSAGE)
    expect(messageUUID).toMatch(/^[0-9a-f-]{36}$/)
    const [request] = sim.ledger.requests()
    expect([request?.operation, request?.status]).toEqual(["messages.send", 202])
    expect(JSON.parse(request?.body ?? "{}")).toMatchObject({ to: MESSAGE.to, channel: "sms", message_type: "text" })
  })

  it("takes an application JWT signed by the application's key, and refuses others with 401", async () => {
    const key = () => generateKeyPairSync("rsa", { modulusLength: 2048 })
    const application = key()
    const publicPem = application.publicKey.export({ type: "spki", format: "pem" }).toString()
    const privatePem = (pair: ReturnType<typeof key>) =>
      pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString()
    const keyed = await Simulator.start(Vonage.definition, { credentials: { applicationPublicKey: publicPem } })
    const jwtClient = (privateKey: string) =>
      new Messages(new Auth({ applicationId: keyed.credentials.applicationId, privateKey }), {
        apiHost: keyed.url,
        timeout: 2_000
      })
    try {
      await expect(jwtClient(privatePem(application)).send(MESSAGE)).resolves.toHaveProperty("messageUUID")
      const forged = await httpFailure(jwtClient(privatePem(key())).send(MESSAGE))
      expect(forged.status).toBe(401)
    } finally {
      await keyed.stop()
    }
  })

  it("refuses a wrong secret with problem+json 401", async () => {
    const refused = await httpFailure(messagesFor(sim, { apiSecret: "WrongSecret00000" }).send(MESSAGE))
    expect(refused).toMatchObject({ status: 401, contentType: "application/problem+json" })
    expect(refused.body).toMatchObject({
      type: "https://developer.vonage.com/api-errors#unauthorized",
      title: "Unauthorized",
      detail: "You did not provide correct credentials."
    })
    expect(refused.body.instance).toEqual(expect.any(String))
  })

  it("answers 422 with invalid_parameters, and 402 when the balance is empty", async () => {
    const invalid = await httpFailure(messagesFor(sim).send({ ...MESSAGE, to: "abc" }))
    expect(invalid.status).toBe(422)
    expect(invalid.body.invalid_parameters).toEqual([{ name: "to", reason: "Must be a number in E.164 format." }])
    sim.state.balance = 0
    expect((await httpFailure(messagesFor(sim).send(MESSAGE))).status).toBe(402)
  })
})

describe("error catalogue", () => {
  /** Per entry: the SMS API's in-band status (a string) or HTTP status, then the Messages API's HTTP status. */
  const expected: Readonly<Record<string, readonly [string | number, number]>> = {
    throttled: ["1", 429],
    rate_limit_hit: [429, 429],
    internal_error: ["5", 500],
    server_error: [500, 500],
    service_unavailable: [503, 503],
    bad_credentials: ["4", 401],
    quota_exceeded: ["9", 402],
    account_barred: ["8", 403],
    illegal_sender: ["15", 422],
    non_whitelisted_destination: ["29", 403],
    invalid_params: ["3", 422],
    missing_params: ["2", 422],
    number_barred: ["7", 422],
    invalid_message: ["6", 422]
  }

  it("covers every kind and lists each entry here", () => {
    expect(Object.keys(Vonage.errors).sort()).toEqual(Object.keys(expected).sort())
    const kinds = new Set(Object.values(Vonage.errors).map((entry) => entry.kind))
    expect([...kinds].sort()).toEqual(["providerPermanent", "rateLimited", "requestPermanent", "unavailable"])
  })

  for (const [name, entry] of Object.entries(Vonage.errors)) {
    it(`${name} (${entry.reason}) reaches @vonage/sms as the SMS API sends it`, async () => {
      sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 7 }), { operation: "sms.send" }))
      const [onSms] = expected[name] ?? []
      if (typeof onSms === "string") {
        const failed = await inBandFailure(smsFor(sim).send(SEND))
        expect(failed.status).toBe(onSms)
        expect(failed.errorText).toEqual(expect.any(String))
      } else {
        const http = await httpFailure(smsFor(sim).send(SEND))
        expect(http.status).toBe(onSms)
        expect(http.retryAfter).toBe(onSms === 429 ? "7" : null)
        expect(Object.keys(http.body).sort()).toEqual(["detail", "instance", "title", "type"])
      }
      expect(sim.ledger.requests()).toHaveLength(1)
      expect(sim.ledger.sideEffects()).toHaveLength(0)
    })

    it(`${name} (${entry.reason}) reaches @vonage/messages as problem+json`, async () => {
      sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 7 }), { operation: "messages.send" }))
      const http = await httpFailure(messagesFor(sim).send(MESSAGE))
      expect(http.status).toBe(expected[name]?.[1])
      expect(http.contentType).toBe("application/problem+json")
      expect(http.body).toMatchObject({ type: expect.stringMatching(/^https:\/\/developer\.vonage\.com\/api-errors/) })
      if (http.status === 429) expect(http.retryAfter).toBe("7")
      expect(sim.ledger.requests()).toHaveLength(1)
    })
  }

  it("a fault aimed at sms.send leaves messages.send alone", async () => {
    sim.faults.add(Faults.rule(Faults.error("unavailable"), { operation: "sms.send" }))
    await expect(messagesFor(sim).send(MESSAGE)).resolves.toHaveProperty("messageUUID")
    expect((await httpFailure(smsFor(sim).send(SEND))).status).toBe(503)
  })
})

describe("faults", () => {
  it("a hang trips the SDK timeout (AbortError) and the request is aborted", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    const started = Date.now()
    const cause = await failure(smsFor(sim, { timeout: 300 }).send(SEND))
    expect((cause as Error).name).toBe("AbortError")
    expect(Date.now() - started).toBeLessThan(1_500)
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
  })

  it("a reset is a TypeError 'fetch failed' (UND_ERR_SOCKET)", async () => {
    sim.faults.add(Faults.rule(Faults.reset))
    const cause = await failure(smsFor(sim).send(SEND))
    expect([cause instanceof TypeError, (cause as Error).message, causeCode(cause)]).toEqual([
      true,
      "fetch failed",
      "UND_ERR_SOCKET"
    ])
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("a closed port is a TypeError 'fetch failed' (ECONNREFUSED)", async () => {
    const host = `http://127.0.0.1:${await Simulator.closedPort()}`
    expect(causeCode(await failure(smsFor(sim, { host }).send(SEND)))).toBe("ECONNREFUSED")
  })

  it("a malformed body (no content-length) makes @vonage/sms resolve with an empty object", async () => {
    // parseResponse swallows the JSON error when content-length is absent, so the SDK reports no failure.
    sim.faults.add(Faults.rule(Faults.malformed))
    expect(await smsFor(sim).send(SEND)).toEqual({})
    expect(await failure(messagesFor(sim).send(MESSAGE))).toBeInstanceOf(TypeError)
  })

  it("an ambiguous commit sends the message though the SDK sees a reset", async () => {
    sim.faults.add(Faults.rule(Faults.ambiguousCommit))
    expect(causeCode(await failure(smsFor(sim).send(SEND)))).toBe("UND_ERR_SOCKET")
    expect(sim.ledger.sideEffects("message")).toHaveLength(1)
  })

  it("latency, failTimes, a script and an outage window", async () => {
    sim.faults.add(Faults.latency({ millis: 120 }, { operation: "sms.send", times: 1 }))
    const started = Date.now()
    await smsFor(sim).send(SEND)
    expect(Date.now() - started).toBeGreaterThanOrEqual(110)
    sim.faults.add(Faults.failTimes(2, Faults.error("throttled"), { operation: "sms.send" }))
    expect((await inBandFailure(smsFor(sim).send(SEND))).status).toBe("1")
    expect((await inBandFailure(smsFor(sim).send(SEND))).status).toBe("1")
    await expect(smsFor(sim).send(SEND)).resolves.toBeDefined()
    sim.faults.script("messages.send", [Faults.error("rate_limit_hit"), Faults.reset, Faults.pass])
    expect((await httpFailure(messagesFor(sim).send(MESSAGE))).status).toBe(429)
    expect(await failure(messagesFor(sim).send(MESSAGE))).toBeInstanceOf(TypeError)
    await expect(messagesFor(sim).send(MESSAGE)).resolves.toBeDefined()
    sim.faults.add(Faults.outage({ forMillis: 200 }))
    expect((await httpFailure(smsFor(sim).send(SEND))).status).toBe(503)
    await new Promise((resolve) => setTimeout(resolve, 250))
    await expect(smsFor(sim).send(SEND)).resolves.toBeDefined()
  })

  it("the same seed gives the same faults and message ids", async () => {
    const run = async () => {
      const seeded = await Simulator.start(Vonage.definition, { seed: 77 })
      seeded.faults.add(Faults.rule(Faults.error("internal_error"), { rate: 0.5 }))
      const outcomes: Array<string> = []
      for (let i = 0; i < 8; i++) {
        outcomes.push(
          await smsFor(seeded)
            .send(SEND)
            .then(
              (response) => response.messages[0]?.messageId ?? "",
              () => "failed"
            )
        )
      }
      await seeded.stop()
      return outcomes
    }
    const first = await run()
    expect(first).toContain("failed")
    expect(first.some((outcome) => outcome !== "failed")).toBe(true)
    expect(await run()).toEqual(first)
  })
})

const tokenOf = (received: Received) => String(received.headers.authorization ?? "").replace(/^Bearer /, "")
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>

describe("webhooks", () => {
  const verify = (received: Received, secret: string) => {
    const token = tokenOf(received)
    if (token === "" || !verifySignature(token, secret)) return false
    const claims = claimsOf(token)
    return claims.payload_hash === Vonage.payloadHash(received.body) && Date.now() / 1000 - Number(claims.iat) < 300
  }

  it("Messages status webhooks carry an HS256 JWT that verifySignature, payload_hash and iat accept", async () => {
    const secret = sim.credentials.signatureSecret
    const receiver = await startReceiver((received) => verify(received, secret))
    sim.webhookUrl = receiver.url
    try {
      const { messageUUID } = await messagesFor(sim).send({ ...MESSAGE, clientRef: "w-1" })
      await sim.settle()
      const statuses = receiver.received.map((received) => JSON.parse(received.body).status).sort()
      expect(statuses).toEqual(["delivered", "submitted"])
      for (const received of receiver.received) {
        expect(JSON.parse(received.body)).toMatchObject({
          message_uuid: messageUUID,
          channel: "sms",
          client_ref: "w-1"
        })
        expect(claimsOf(tokenOf(received))).toMatchObject({
          iss: "Vonage",
          api_key: sim.credentials.apiKey,
          application_id: sim.credentials.applicationId,
          jti: expect.any(String)
        })
      }
      expect(sim.deliveries.map((delivery) => delivery.status)).toEqual([200, 200])
    } finally {
      sim.webhookUrl = undefined
      await receiver.close()
    }
  })

  it("every tampered delivery fails, though verifySignature alone accepts a tampered body and a stale iat", async () => {
    const secret = sim.credentials.signatureSecret
    const bare: Array<boolean> = []
    const receiver = await startReceiver((received) => {
      bare.push(tokenOf(received) !== "" && verifySignature(tokenOf(received), secret))
      return verify(received, secret)
    })
    try {
      const event = Vonage.events.messageStatus(
        { messageUuid: "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab", to: SEND.to, from: SEND.from },
        "delivered",
        sim.credentials,
        { url: receiver.url }
      )
      const [valid] = await sim.deliver(sim.buildWebhook(event))
      expect(valid?.status).toBe(200)
      expect(Vonage.signer.timestamped).toBe(true)
      for (const tamper of Webhooks.tampers) {
        const [record] = await sim.deliver(sim.buildWebhook(event, { tamper }))
        expect([tamper, record?.status]).toEqual([tamper, 401])
      }
      expect(bare).toEqual([true, true, true, false, false])
    } finally {
      await receiver.close()
    }
  })

  it("SMS delivery receipts go to the callback, signed with an md5hash sig that sms.verifySignature accepts", async () => {
    const secret = sim.credentials.signatureSecret
    const checker = smsFor(sim)
    const receiver = await startReceiver((received) => {
      const params = JSON.parse(received.body) as Record<string, string>
      return checker.verifySignature(params.sig ?? "", params, secret, AlgorithmTypes.md5hash)
    })
    try {
      const response = await smsFor(sim).send({ ...SEND, text: "b".repeat(200), callback: receiver.url })
      await sim.settle()
      expect(receiver.received).toHaveLength(2)
      const receipts = receiver.received.map((received) => JSON.parse(received.body) as Record<string, string>)
      expect(receipts.map((receipt) => receipt.messageId).sort()).toEqual(
        response.messages.map((message) => message.messageId).sort()
      )
      expect(receipts[0]).toMatchObject({
        msisdn: SEND.to,
        to: SEND.from,
        status: "delivered",
        "err-code": "0",
        "api-key": sim.credentials.apiKey,
        "client-ref": SEND.clientRef
      })
      expect(sim.deliveries.map((delivery) => delivery.status)).toEqual([200, 200])
      const [first] = response.messages
      const event = Vonage.events.smsDeliveryReceipt(
        { messageId: first?.messageId ?? "", to: SEND.to, from: SEND.from },
        "delivered",
        sim.credentials,
        { url: receiver.url }
      )
      const [tampered] = await sim.deliver(sim.buildWebhook(event, { tamper: "body" }))
      expect(tampered?.status).toBe(401)
    } finally {
      await receiver.close()
    }
  })
})
