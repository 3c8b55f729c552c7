/**
 * The Vonage webhook source: the webhook contract, then each way a Messages
 * API JWT can be wrong (secret, payload_hash, iat stale / future / missing /
 * not a number, alg none, RS256) and each way an SMS API receipt's `sig` can
 * be, on deliveries the simulator's signer makes or tokens made by hand.
 */
import { createHmac } from "node:crypto"
import { Duration, Redacted } from "effect"
import { Webhooks, WebhookSourceContract } from "@wedsync/testkit"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { describe, expect, it } from "vitest"
import { VonageWebhooks } from "../src/index.ts"
import { accepted, refused, requestOf, verifyWith } from "./webhookHelpers.ts"

const credentials = VonageSim.definition.credentials
const account: VonageSim.Account = credentials
const SECRETS = [credentials.signatureSecret, credentials.apiSecret]
const UUID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
const OTHER = "11111111-2222-4333-8444-555555555555"
const message = { messageUuid: UUID, to: "447700900123", from: "447700900001" }
const receipt = { messageId: "0B00000123ABCDEF", to: "447700900123", from: "WedSync" }

WebhookSourceContract.suite("WebhookSourceContract: Vonage (Messages API JWT, SMS API sig)", {
  simulator: VonageSim.definition,
  layer: ({ credentials }) => VonageWebhooks.layer({ signatureSecret: Redacted.make(credentials.signatureSecret) }),
  events: [
    VonageSim.events.messageStatus(message, "delivered", account),
    VonageSim.events.messageStatus(message, "submitted", account),
    VonageSim.events.messageStatus({ ...message, messageUuid: OTHER }, "undeliverable", account),
    VonageSim.events.smsDeliveryReceipt(receipt, "delivered", account)
  ]
})

const URL = "https://hooks.wedsync.test/vonage"
const source = VonageWebhooks.make({ signatureSecret: Redacted.make(credentials.signatureSecret) })
const now = () => Math.floor(Date.now() / 1000)
const delivered = VonageSim.events.messageStatus(message, "delivered", account)
const build = (event: Webhooks.WebhookEvent, options: Webhooks.BuildOptions = {}) =>
  Webhooks.build(VonageSim.signer, credentials, event, URL, options)
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const withToken = (token: string) => requestOf(build(delivered), { headers: { authorization: `Bearer ${token}` } })
const claimsFor = (body: string, extra: Record<string, unknown> = {}) => ({
  iat: now(),
  jti: "3d5c0f8e-0000-4000-8000-000000000000",
  iss: "Vonage",
  payload_hash: VonageSim.payloadHash(body),
  api_key: credentials.apiKey,
  application_id: credentials.applicationId,
  ...extra
})

describe("VonageWebhooks: Messages API signed webhooks", () => {
  it("a good JWT is accepted; the id comes from the body, not the per-signing jti", () => {
    const first = accepted(verifyWith(source, requestOf(build(delivered))))
    expect(first).toMatchObject({ provider: "vonage", id: `${UUID}:delivered`, type: "message.delivered" })
    const resigned = accepted(verifyWith(source, requestOf(build(delivered))))
    expect(resigned.id).toBe(first.id)
  })

  it("a wrong secret, a changed body or a missing header is refused", () => {
    const wrong = Webhooks.build(
      VonageSim.signer,
      { signatureSecret: "another-secret-entirely-0000000" },
      delivered,
      URL
    )
    expect(refused(verifyWith(source, requestOf(wrong)), SECRETS).reason._tag).toBe("SignatureInvalid")
    const changed = requestOf(build(delivered), { body: build(delivered).body.replace("delivered", "read") })
    expect(refused(verifyWith(source, changed), SECRETS).reason.message).toContain("payload_hash")
    const basic = requestOf(build(delivered), { headers: { authorization: "Basic dXNlcjpwYXNz" } })
    expect(refused(verifyWith(source, basic), SECRETS).reason._tag).toBe("SignatureInvalid")
  })

  it("iat older than maxAge, or further ahead than maxAge, is refused; within it, accepted", () => {
    const stale = build(delivered, { timestamp: now() - 6 * 60 })
    expect(refused(verifyWith(source, requestOf(stale)), SECRETS).reason.message).toContain("older")
    const future = build(delivered, { timestamp: now() + 6 * 60 })
    expect(refused(verifyWith(source, requestOf(future)), SECRETS).reason.message).toContain("future")
    accepted(verifyWith(source, requestOf(build(delivered, { timestamp: now() - 4 * 60 }))))
    const lenient = VonageWebhooks.make({
      signatureSecret: Redacted.make(credentials.signatureSecret),
      maxAge: Duration.minutes(15)
    })
    accepted(verifyWith(lenient, requestOf(stale)))
    accepted(verifyWith(lenient, requestOf(future)))
  })

  it("age is judged against receivedAt, not the clock of the check", () => {
    const delivery = build(delivered, { timestamp: 1_767_225_600 })
    accepted(verifyWith(source, requestOf(delivery, { receivedAt: 1_767_225_660_000 })))
    refused(verifyWith(source, requestOf(delivery, { receivedAt: 1_767_226_000_000 })), SECRETS)
  })

  it("a missing or non-numeric iat is refused even with a good signature", () => {
    const body = delivered.body
    const { iat: _iat, ...noIat } = claimsFor(body)
    for (const claims of [noIat, claimsFor(body, { iat: String(now()) }), claimsFor(body, { iat: null })]) {
      const error = refused(
        verifyWith(source, withToken(VonageSim.hs256(claims, credentials.signatureSecret))),
        SECRETS
      )
      expect(error.reason.message).toContain("iat")
    }
    accepted(verifyWith(source, withToken(VonageSim.hs256(claimsFor(body), credentials.signatureSecret))))
  })

  it("alg none, an RS256 label and an expired token are refused", () => {
    const claims = claimsFor(delivered.body)
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`
    refused(verifyWith(source, withToken(none)), SECRETS)
    const hs = VonageSim.hs256(claims, credentials.signatureSecret).split(".")
    refused(verifyWith(source, withToken(`${b64({ alg: "RS256", typ: "JWT" })}.${hs[1]}.${hs[2]}`)), SECRETS)
    const expired = VonageSim.hs256({ ...claims, exp: now() - 60 }, credentials.signatureSecret)
    refused(verifyWith(source, withToken(expired)), SECRETS)
    refused(verifyWith(source, withToken("not-a-jwt")), SECRETS)
  })

  it("an authentic body that is not a Vonage webhook is PayloadInvalid", () => {
    const body = JSON.stringify({ hello: "world" })
    const token = VonageSim.hs256(claimsFor(body), credentials.signatureSecret)
    const request = requestOf(build(delivered), { body, headers: { authorization: `Bearer ${token}` } })
    expect(refused(verifyWith(source, request), SECRETS).reason._tag).toBe("PayloadInvalid")
  })
})

describe("VonageWebhooks: SMS API delivery receipts (sig)", () => {
  const dlr = VonageSim.events.smsDeliveryReceipt(receipt, "delivered", account)

  it("a receipt signed with md5hash is accepted, keyed by messageId and status", () => {
    const verified = accepted(verifyWith(source, requestOf(build(dlr))))
    expect(verified).toMatchObject({ id: `${receipt.messageId}:delivered`, type: "sms.dlr.delivered" })
  })

  it("a changed body, another secret, a stale or future timestamp, or no sig is refused", () => {
    const changed = requestOf(build(dlr), { body: build(dlr).body.replace("delivered", "expired") })
    expect(refused(verifyWith(source, changed), SECRETS).reason.message).toContain("sig")
    const other = VonageSim.events.smsDeliveryReceipt(receipt, "delivered", {
      ...account,
      signatureSecret: "another-secret-entirely-0000000"
    })
    refused(verifyWith(source, requestOf(build(other))), SECRETS)
    for (const timestamp of [now() - 600, now() + 600]) {
      const aged = VonageSim.events.smsDeliveryReceipt(receipt, "delivered", account, { timestamp })
      expect(refused(verifyWith(source, requestOf(build(aged))), SECRETS).reason.message).toContain("timestamp")
    }
    const { sig: _sig, ...unsigned } = JSON.parse(dlr.body) as Record<string, string>
    const error = refused(verifyWith(source, requestOf(build(dlr), { body: JSON.stringify(unsigned) })), SECRETS)
    expect(error.reason._tag).toBe("SignatureInvalid")
  })

  it("form-encoded and GET receipts verify too", () => {
    const params = JSON.parse(dlr.body) as Record<string, string>
    const form = new URLSearchParams(params).toString()
    accepted(verifyWith(source, requestOf(build(dlr), { body: form })))
    accepted(verifyWith(source, requestOf(build(dlr), { body: "", url: `${URL}?${form}` })))
  })

  it("an empty configured secret refuses everything, even a receipt signed with the empty secret", () => {
    const unset = VonageWebhooks.make({ signatureSecret: Redacted.make("") })
    const forged = VonageSim.events.smsDeliveryReceipt(receipt, "delivered", { ...account, signatureSecret: "" })
    expect(refused(verifyWith(unset, requestOf(build(forged))), SECRETS).reason.message).toContain("signatureSecret")
    refused(verifyWith(unset, requestOf(build(delivered))), SECRETS)
  })

  it("the HMAC signature methods verify when configured", () => {
    const params = JSON.parse(dlr.body) as Record<string, string>
    const { sig: _sig, ...unsigned } = params
    let query = ""
    for (const key of Object.keys(unsigned).sort()) query += `&${key}=${(unsigned[key] ?? "").replace(/[&=]/g, "_")}`
    const sig = createHmac("sha256", credentials.signatureSecret).update(query).digest("hex").toUpperCase()
    const body = JSON.stringify({ ...unsigned, sig })
    const sha256 = VonageWebhooks.make({
      signatureSecret: Redacted.make(credentials.signatureSecret),
      smsSignatureMethod: "sha256hmac"
    })
    accepted(verifyWith(sha256, requestOf(build(dlr), { body })))
    refused(verifyWith(source, requestOf(build(dlr), { body })), SECRETS)
  })
})
