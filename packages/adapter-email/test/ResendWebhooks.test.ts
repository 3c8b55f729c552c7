/**
 * The Resend webhook source: the webhook contract against the simulator's
 * signer (one secret, and two while rotating), several signatures in one
 * header, the tolerance edges against `receivedAt`, timestamps that are not
 * plain digits (which the SDK's verifier lets through), configuration
 * errors, no secret in any refusal, and agreement with the SDK's verifier on
 * authentic deliveries.
 */
import { Config, ConfigProvider, type Duration, Effect, Exit, Layer, Redacted, Schema } from "effect"
import { Webhooks } from "@wedsync/testkit"
import { Assertions } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { WebhookSourceContract } from "@wedsync/testkit"
import { Resend as ResendSdk } from "resend"
import { describe, expect, it } from "vitest"
import { ResendWebhooks } from "../src/index.ts"
import { sign } from "../src/internal/svixSignature.ts"
import { failureOf, renderings, toRequest, successOf, verifyWith } from "./fixtures/webhookRequests.ts"

const credentials = ResendSim.definition.credentials
const signer = ResendSim.definition.signer as Webhooks.Signer<ResendSim.Credentials>
const OTHER_SECRET = "whsec_dGhlLW5leHQtc2VjcmV0LWFmdGVyLXJvdGF0aW9u"
const URL = "https://hooks.wedsync.test/resend"

const email: ResendSim.StoredEmail = {
  id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
  from: "planner@wedsync.test",
  to: ["couple@example.com"],
  subject: "Your final headcount is due Friday",
  createdAt: "2026-11-29T10:00:00.000Z",
  lastEvent: "delivered"
}

const source = (secret: string | ReadonlyArray<string>, tolerance?: Duration.Input) =>
  ResendWebhooks.layer({
    secret: typeof secret === "string" ? Redacted.make(secret) : secret.map((one) => Redacted.make(one)),
    ...(tolerance === undefined ? {} : { tolerance })
  })

WebhookSourceContract.suite("WebhookSourceContract: ResendWebhooks", {
  simulator: ResendSim.definition,
  layer: (target) => source(target.credentials.webhookSecret),
  events: [ResendSim.events.email("delivered", email), ResendSim.events.email("bounced", email)]
})

WebhookSourceContract.suite("WebhookSourceContract: ResendWebhooks while rotating secrets", {
  simulator: ResendSim.definition,
  layer: (target) => source([OTHER_SECRET, target.credentials.webhookSecret]),
  events: [ResendSim.events.email("sent", email), ResendSim.events.email("complained", email)]
})

const delivered = ResendSim.events.email("delivered", email)
const T = 1_795_000_000

const signed = (options: { readonly timestamp?: number; readonly secret?: string } = {}) =>
  Webhooks.build(
    signer,
    { ...credentials, webhookSecret: options.secret ?? credentials.webhookSecret },
    delivered,
    URL,
    { timestamp: options.timestamp ?? T }
  )

const at = (delivery: Webhooks.WebhookDelivery, receivedAtSeconds: number, headers: Record<string, string> = {}) =>
  toRequest({ ...delivery, headers: { ...delivery.headers, ...headers } }, { receivedAt: receivedAtSeconds * 1000 })

describe("ResendWebhooks signatures", () => {
  it("accepts any matching signature among several, and refuses when none matches", async () => {
    const old = signed({ secret: OTHER_SECRET })
    const current = signed()
    const both = `${old.headers["svix-signature"]} ${current.headers["svix-signature"]}`
    for (const secret of [credentials.webhookSecret, OTHER_SECRET]) {
      const event = successOf(await verifyWith(source(secret), at(current, T, { "svix-signature": both })))
      expect(event.id).toBe(delivered.id)
    }
    const third = "whsec_dGhpcmQtc2VjcmV0LW5vYm9keS1zaWducy13aXRo"
    const refused = failureOf(await verifyWith(source(third), at(current, T, { "svix-signature": both })))
    expect(refused.reason._tag).toBe("SignatureInvalid")
  })

  it("ignores other versions and junk around a good v1 signature, and refuses them alone", async () => {
    const good = signed().headers["svix-signature"] as string
    const digest = good.slice("v1,".length)
    const mixed = `v1a,${digest} junk v1, ${good}`
    expect(
      successOf(await verifyWith(source(credentials.webhookSecret), at(signed(), T, { "svix-signature": mixed })))
    ).toBeTruthy()
    for (const alone of [`v1a,${digest}`, `v2,${digest}`, digest, "v1,", `v1,${digest}x`]) {
      const error = failureOf(
        await verifyWith(source(credentials.webhookSecret), at(signed(), T, { "svix-signature": alone }))
      )
      expect([alone, error.reason._tag]).toEqual([alone, "SignatureInvalid"])
    }
  })

  it("a secret configured without its whsec_ prefix works the same", async () => {
    const bare = credentials.webhookSecret.slice("whsec_".length)
    expect(successOf(await verifyWith(source(bare), at(signed(), T))).id).toBe(delivered.id)
  })

  it("refuses each missing svix header", async () => {
    for (const name of ["svix-id", "svix-timestamp", "svix-signature"]) {
      const delivery = signed()
      const headers = { ...delivery.headers }
      delete headers[name]
      const error = failureOf(await verifyWith(source(credentials.webhookSecret), at({ ...delivery, headers }, T)))
      expect([name, error.reason._tag]).toEqual([name, "SignatureInvalid"])
    }
  })
})

describe("ResendWebhooks timestamps", () => {
  const verifyAt = async (signedAt: number, receivedAt: number, tolerance?: Duration.Input) =>
    verifyWith(source(credentials.webhookSecret, tolerance), at(signed({ timestamp: signedAt }), receivedAt))

  it("accepts up to 5 minutes either way of receivedAt and refuses beyond", async () => {
    for (const offset of [0, 299, 300, -299, -300]) {
      expect([offset, Exit.isSuccess(await verifyAt(T - offset, T))]).toEqual([offset, true])
    }
    for (const offset of [301, -301, 3_600, -3_600]) {
      const error = failureOf(await verifyAt(T - offset, T))
      expect([offset, error.reason._tag]).toEqual([offset, "SignatureInvalid"])
      expect(error.message).toContain("tolerance")
    }
  })

  it("measures from receivedAt, not from the clock, so a stored delivery can be checked later", async () => {
    const longAgo = 1_600_000_000
    expect(Exit.isSuccess(await verifyAt(longAgo - 10, longAgo))).toBe(true)
  })

  it("honours a longer tolerance, which the SDK's fixed window could not", async () => {
    expect(Exit.isSuccess(await verifyAt(T - 599, T, "10 minutes"))).toBe(true)
    expect(failureOf(await verifyAt(T - 601, T, "10 minutes")).reason._tag).toBe("SignatureInvalid")
    expect(failureOf(await verifyAt(T - 61, T, "1 minute")).reason._tag).toBe("SignatureInvalid")
  })

  it("refuses a timestamp that is not plain unix seconds, even when the signature covers it", async () => {
    const delivery = signed()
    const id = delivery.headers["svix-id"] as string
    const key = Buffer.from(credentials.webhookSecret.slice("whsec_".length), "base64")
    for (const timestamp of [
      "",
      "abc",
      `${T}abc`,
      `${T}.5`,
      ` ${T}`,
      `${T} `,
      `+${T}`,
      `-${T}`,
      "1.795e9",
      "0x6AFD1F00"
    ]) {
      const headers = { "svix-timestamp": timestamp, "svix-signature": sign(key, id, timestamp, delivery.body) }
      const exit = await verifyWith(source(credentials.webhookSecret), at(delivery, T, headers))
      expect([timestamp, failureOf(exit).reason._tag]).toEqual([timestamp, "SignatureInvalid"])
    }
  })

  it("is stricter than the SDK's verifier, which takes '<seconds>abc' as a timestamp", () => {
    const now = Math.floor(Date.now() / 1000)
    const delivery = signed({ timestamp: now })
    const verify = () =>
      new ResendSdk("re_unused").webhooks.verify({
        payload: delivery.body,
        headers: {
          id: delivery.headers["svix-id"] as string,
          timestamp: `${now}abc`,
          signature: delivery.headers["svix-signature"] as string
        },
        webhookSecret: credentials.webhookSecret
      })
    expect(verify).not.toThrow()
  })
})

describe("ResendWebhooks agrees with the SDK's verifier on what the simulator signs", () => {
  const sdk = new ResendSdk("re_unused")
  const sdkAccepts = (delivery: Webhooks.WebhookDelivery) => {
    try {
      sdk.webhooks.verify({
        payload: delivery.body,
        headers: {
          id: delivery.headers["svix-id"] ?? "",
          timestamp: delivery.headers["svix-timestamp"] ?? "",
          signature: delivery.headers["svix-signature"] ?? ""
        },
        webhookSecret: credentials.webhookSecret
      })
      return true
    } catch {
      return false
    }
  }
  it.each([undefined, ...Webhooks.tampers])("tamper %s", async (tamper) => {
    const events = ["sent", "delivered", "bounced", "complained"] as const
    for (const type of events) {
      const delivery = Webhooks.build(
        signer,
        credentials,
        ResendSim.events.email(type, email),
        URL,
        tamper === undefined ? {} : { tamper }
      )
      const ours = Exit.isSuccess(await verifyWith(source(credentials.webhookSecret), toRequest(delivery)))
      expect([type, ours]).toEqual([type, sdkAccepts(delivery)])
      expect(ours).toBe(tamper === undefined)
    }
  })
})

describe("ResendWebhooks refusals and configuration", () => {
  it("no refusal shows a secret, configured or used to sign", async () => {
    const deliveries = [
      ...Webhooks.tampers.map((tamper) => Webhooks.build(signer, credentials, delivered, URL, { tamper })),
      signed({ secret: OTHER_SECRET })
    ]
    for (const delivery of deliveries) {
      const exit = await verifyWith(source([credentials.webhookSecret, OTHER_SECRET]), toRequest(delivery))
      Assertions.expectNoSecrets(failureOf(exit), { ...credentials, otherSecret: OTHER_SECRET })
      for (const secret of [credentials.webhookSecret, OTHER_SECRET, signer.wrongSecret]) {
        expect(renderings(exit)).not.toContain(secret.slice("whsec_".length))
      }
    }
  })

  it("authentic but unreadable bodies are PayloadInvalid", async () => {
    for (const body of ["{", "[]", '{"type":"email.sent"}', '{"type":"email.sent","created_at":"soon","data":{}}']) {
      const delivery = Webhooks.build(signer, credentials, { ...delivered, body }, URL)
      const error = failureOf(await verifyWith(source(credentials.webhookSecret), toRequest(delivery)))
      expect([body, error.reason._tag]).toEqual([body, "PayloadInvalid"])
    }
  })

  it("a secret that is not whsec_ + base64, or no secret, fails the layer as Misconfigured without showing it", async () => {
    const bad = "whsec_not base64 at all!"
    for (const secret of [bad, [], ["whsec_"]] as const) {
      const exit = await Effect.runPromiseExit(Layer.build(source(secret)).pipe(Effect.scoped))
      expect(failureOf(exit).reason._tag).toBe("Misconfigured")
      expect(renderings(exit)).not.toContain("not base64 at all")
    }
  })

  it("layerConfig reads a list of secrets for rotation", async () => {
    const layer = ResendWebhooks.layerConfig({
      secret: Config.Array(Schema.Redacted(Schema.String), "RESEND_WEBHOOK_SECRETS")
    }).pipe(
      Layer.provide(
        ConfigProvider.layer(
          ConfigProvider.fromUnknown({ RESEND_WEBHOOK_SECRETS: `${OTHER_SECRET},${credentials.webhookSecret}` })
        )
      )
    )
    const now = Math.floor(Date.now() / 1000)
    for (const secret of [OTHER_SECRET, credentials.webhookSecret]) {
      const delivery = signed({ secret, timestamp: now })
      expect(successOf(await verifyWith(layer, toRequest(delivery))).id).toBe(delivered.id)
    }
  })
})
