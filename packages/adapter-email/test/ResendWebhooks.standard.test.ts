/**
 * Regressions of the Resend source against the Standard Webhooks reference
 * behaviour: a secret without its base64 padding is taken (svix and
 * standardwebhooks both take it), the unbranded `webhook-*` headers are read
 * when the `svix-*` ones are absent (svix's verifier falls back to them), and
 * a secret that is `undefined` from plain JavaScript fails the source with a
 * typed `Misconfigured`, never a `TypeError` defect.
 */
import { Cause, Effect, Exit, Option, Redacted } from "effect"
import { Webhooks } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { Resend as ResendSdk } from "resend"
import { describe, expect, it } from "vitest"
import { ResendWebhooks } from "../src/index.ts"
import { failureOf, successOf, toRequest, verifyWith } from "./fixtures/webhookRequests.ts"

const signer = ResendSim.definition.signer as Webhooks.Signer<ResendSim.Credentials>
const email: ResendSim.StoredEmail = {
  id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
  from: "planner@wedsync.test",
  to: ["couple@example.com"],
  subject: "Seating plan attached",
  createdAt: "2026-11-29T10:00:00.000Z",
  lastEvent: "delivered"
}
const delivered = ResendSim.events.email("delivered", email)
// 25 bytes, so its base64 ends in "==".
const PADDED = `whsec_${Buffer.from("resend-endpoint-secret-01").toString("base64")}`
const UNPADDED = PADDED.replace(/=+$/, "")

const layer = (secret: string) => ResendWebhooks.layer({ secret: Redacted.make(secret) })
const signedWith = (secret: string) =>
  Webhooks.build(
    signer,
    { ...ResendSim.definition.credentials, webhookSecret: secret },
    delivered,
    "https://hooks.test"
  )

describe("ResendWebhooks: secrets without base64 padding", () => {
  it("the secret is really unpadded, and Resend's SDK (standardwebhooks underneath) takes it", () => {
    expect(PADDED.endsWith("==")).toBe(true)
    const delivery = signedWith(PADDED)
    const verified = new ResendSdk("re_test").webhooks.verify({
      payload: delivery.body,
      headers: {
        id: delivery.headers["svix-id"]!,
        timestamp: delivery.headers["svix-timestamp"]!,
        signature: delivery.headers["svix-signature"]!
      },
      webhookSecret: UNPADDED
    })
    expect(verified).toMatchObject({ type: "email.delivered" })
  })

  it.each([
    ["configured unpadded, signed with the padded form", UNPADDED, PADDED],
    ["configured padded, signed with the unpadded form", PADDED, UNPADDED],
    ["both unpadded", UNPADDED, UNPADDED]
  ])("accepts a delivery %s", async (_, configured, signing) => {
    const event = successOf(await verifyWith(layer(configured), toRequest(signedWith(signing))))
    expect(event.id).toBe(delivered.id)
  })

  it("still refuses a secret that is not base64, padded wrongly or one character off", async () => {
    for (const secret of ["whsec_not base64!", "whsec_dGVzdA=", "whsec_dGVzd"]) {
      const error = failureOf(await verifyWith(layer(secret), toRequest(signedWith(PADDED))))
      expect(error.reason._tag).toBe("Misconfigured")
    }
  })
})

describe("ResendWebhooks: unbranded webhook-* headers", () => {
  const unbranded = (delivery: Webhooks.WebhookDelivery) => {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(delivery.headers)) headers[name.replace(/^svix-/, "webhook-")] = value
    return { ...delivery, headers }
  }

  it("accepts a delivery signed with webhook-id, webhook-timestamp and webhook-signature", async () => {
    const delivery = unbranded(signedWith(PADDED))
    expect(Object.keys(delivery.headers).some((name) => name.startsWith("svix-"))).toBe(false)
    expect(successOf(await verifyWith(layer(PADDED), toRequest(delivery))).id).toBe(delivered.id)
  })

  it("refuses an unbranded delivery whose body was changed, or that is stale", async () => {
    const changed = unbranded(
      Webhooks.build(
        signer,
        { ...ResendSim.definition.credentials, webhookSecret: PADDED },
        delivered,
        "https://hooks.test",
        { tamper: "body" }
      )
    )
    const stale = unbranded(
      Webhooks.build(
        signer,
        { ...ResendSim.definition.credentials, webhookSecret: PADDED },
        delivered,
        "https://hooks.test",
        { tamper: "staleTimestamp" }
      )
    )
    for (const delivery of [changed, stale]) {
      expect(failureOf(await verifyWith(layer(PADDED), toRequest(delivery))).reason._tag).toBe("SignatureInvalid")
    }
  })

  it("prefers the branded header when both are sent, as svix does", async () => {
    const delivery = signedWith(PADDED)
    const both = { ...delivery, headers: { ...delivery.headers, "webhook-signature": "v1,AAAA" } }
    expect(successOf(await verifyWith(layer(PADDED), toRequest(both))).id).toBe(delivered.id)
  })
})

describe("ResendWebhooks: secrets from plain JavaScript", () => {
  const reasonOf = (options: unknown) => {
    const exit = Effect.runSyncExit(ResendWebhooks.make(options as ResendWebhooks.Options))
    if (Exit.isSuccess(exit)) throw new Error("expected Misconfigured, got a source")
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    if (error === undefined) throw new Error(`a defect, not a typed failure: ${Cause.pretty(exit.cause)}`)
    return error.reason
  }

  it.each([
    ["secret: undefined", { secret: undefined }, "is missing"],
    ["Redacted.make(undefined)", { secret: Redacted.make(undefined) }, "is missing"],
    ["an empty secret", { secret: Redacted.make("") }, "is empty"],
    ["a plain string", { secret: PADDED }, "not a Redacted value"],
    ["a list with an undefined entry", { secret: [Redacted.make(PADDED), undefined] }, "#2 is missing"],
    ["no options", undefined, "is missing"]
  ])("fails with Misconfigured for %s", (_, options, words) => {
    const reason = reasonOf(options)
    expect(reason._tag).toBe("Misconfigured")
    expect(reason.message).toContain(words)
    expect(reason.message.includes(PADDED.slice(6))).toBe(false)
  })
})
