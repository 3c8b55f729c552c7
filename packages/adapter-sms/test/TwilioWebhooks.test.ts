/**
 * The Twilio webhook source: the webhook contract for each signing variant
 * (Auth Token form callbacks, Event Streams JSON with `bodySHA256`, SharedKey
 * HMAC-SHA256), then the public URL behind a proxy, port quirks, repeated
 * keys and the SharedKey rules, on deliveries the simulator's signer makes.
 */
import { createHmac } from "node:crypto"
import { Redacted } from "effect"
import { Webhooks, WebhookSourceContract } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { describe, expect, it } from "vitest"
import { TwilioWebhooks } from "../src/index.ts"
import { accepted, refused, requestOf, verifyWith } from "./webhookHelpers.ts"

const credentials = TwilioSim.definition.credentials
const sharedKey: TwilioSim.SharedKey = {
  keyId: "webhooks_sharedkey_0123456789",
  secret: "shared-key-secret-0123456789abcdef",
  algorithm: "HMAC_SHA256"
}
const SECRETS = [credentials.authToken, sharedKey.secret]
const subject = (sid: string): TwilioSim.StatusSubject => ({
  sid,
  accountSid: credentials.accountSid,
  from: "+15005550006",
  to: "+447700900123"
})
const SID = "SM0123456789abcdef0123456789abcdef"
const OTHER = "SMfedcba9876543210fedcba9876543210"

WebhookSourceContract.suite("WebhookSourceContract: Twilio status callbacks (Auth Token, HMAC-SHA1)", {
  simulator: TwilioSim.definition,
  layer: ({ credentials }) => TwilioWebhooks.layer({ authToken: Redacted.make(credentials.authToken) }),
  events: [
    TwilioSim.events.messageStatus(subject(SID), "sent"),
    TwilioSim.events.messageStatus(subject(SID), "delivered"),
    TwilioSim.events.messageStatus(subject(OTHER), "undelivered", { errorCode: 30003 })
  ]
})

WebhookSourceContract.suite("WebhookSourceContract: Twilio Event Streams (JSON, ?bodySHA256=)", {
  simulator: TwilioSim.definition,
  layer: ({ credentials }) => TwilioWebhooks.layer({ authToken: Redacted.make(credentials.authToken) }),
  url: "https://hooks.wedsync.test/twilio/events?sink=DGabc",
  events: [
    TwilioSim.events.messageStatusJson(subject(SID), "sent"),
    TwilioSim.events.messageStatusJson(subject(SID), "delivered")
  ]
})

WebhookSourceContract.suite("WebhookSourceContract: Twilio SharedKey (HMAC-SHA256)", {
  simulator: { ...TwilioSim.definition, credentials: { ...credentials, sharedKey } },
  layer: ({ credentials }) =>
    TwilioWebhooks.layer({
      authToken: Redacted.make(credentials.authToken),
      sharedKeySecret: Redacted.make(sharedKey.secret)
    }),
  events: [
    TwilioSim.events.messageStatus(subject(SID), "sent", { credentials: { sharedKey } }),
    TwilioSim.events.messageStatus(subject(SID), "delivered", { credentials: { sharedKey } })
  ]
})

const PUBLIC = "https://hooks.wedsync.test/twilio/status?wedding=w_1"
const INTERNAL = "http://10.0.0.5:8080/twilio/status?wedding=w_1"
const PROXY_HEADERS = { "x-forwarded-proto": "https", "x-forwarded-host": "hooks.wedsync.test" }
const token = Redacted.make(credentials.authToken)
const sign = (event: Webhooks.WebhookEvent, url: string, signing: TwilioSim.Credentials = credentials) =>
  Webhooks.build(TwilioSim.signer, signing, event, url)
const delivered = TwilioSim.events.messageStatus(subject(SID), "delivered")

describe("TwilioWebhooks: the URL Twilio signed", () => {
  const delivery = sign(delivered, PUBLIC)

  it("behind a proxy, the internal URL fails unless a public base URL or trusted forwarded headers are configured", () => {
    const behindProxy = requestOf(delivery, { url: INTERNAL, headers: PROXY_HEADERS })
    const plain = TwilioWebhooks.make({ authToken: token })
    expect(refused(verifyWith(plain, behindProxy), SECRETS).reason._tag).toBe("SignatureInvalid")
    const withBase = TwilioWebhooks.make({ authToken: token, publicBaseUrl: "https://hooks.wedsync.test/" })
    expect(accepted(verifyWith(withBase, behindProxy)).id).toBe(`${SID}:delivered`)
    const trusting = TwilioWebhooks.make({ authToken: token, trustForwardedHeaders: true })
    expect(accepted(verifyWith(trusting, behindProxy)).id).toBe(`${SID}:delivered`)
  })

  it("forwarded headers are ignored unless trusted", () => {
    const spoofed = requestOf(delivery, {
      headers: { "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" }
    })
    expect(accepted(verifyWith(TwilioWebhooks.make({ authToken: token }), spoofed)).type).toBe("message.delivered")
    const trusting = TwilioWebhooks.make({ authToken: token, trustForwardedHeaders: true })
    expect(refused(verifyWith(trusting, spoofed), SECRETS).reason._tag).toBe("SignatureInvalid")
  })

  it("trusted forwarded headers are read at their first hop, and must name a scheme and a host", () => {
    const trusting = TwilioWebhooks.make({ authToken: token, trustForwardedHeaders: true })
    const chained = { "x-forwarded-proto": "https, http", "x-forwarded-host": "hooks.wedsync.test, 10.0.0.5:8080" }
    accepted(verifyWith(trusting, requestOf(delivery, { url: INTERNAL, headers: chained })))
    for (const headers of [
      { "x-forwarded-proto": "https", "x-forwarded-host": "hooks.wedsync.test/evil?" },
      { "x-forwarded-proto": "gopher", "x-forwarded-host": "hooks.wedsync.test" }
    ]) {
      const error = refused(verifyWith(trusting, requestOf(delivery, { url: INTERNAL, headers })), SECRETS)
      expect(error.reason._tag).toBe("SignatureInvalid")
    }
  })

  it("publicBaseUrl wins over forwarded headers, and makes a bare path verifiable", () => {
    const both = TwilioWebhooks.make({
      authToken: token,
      publicBaseUrl: "https://hooks.wedsync.test",
      trustForwardedHeaders: true
    })
    const misleading = { "x-forwarded-proto": "http", "x-forwarded-host": "internal.lb" }
    accepted(verifyWith(both, requestOf(delivery, { url: INTERNAL, headers: misleading })))
    accepted(verifyWith(both, requestOf(delivery, { url: "/twilio/status?wedding=w_1" })))
    const bare = refused(
      verifyWith(TwilioWebhooks.make({ authToken: token }), requestOf(delivery, { url: "/twilio/status?wedding=w_1" })),
      SECRETS
    )
    expect(bare.reason.message).toContain("publicBaseUrl")
  })

  it("a changed query is a different URL", () => {
    const moved = requestOf(delivery, { url: "https://hooks.wedsync.test/twilio/status?wedding=w_2" })
    refused(verifyWith(TwilioWebhooks.make({ authToken: token }), moved), SECRETS)
  })

  it("port quirks: the default port may or may not be in the signed URL; another port is another URL", () => {
    const source = TwilioWebhooks.make({ authToken: token })
    const withPort = sign(delivered, "https://hooks.wedsync.test:443/twilio/status")
    accepted(verifyWith(source, requestOf(withPort, { url: "https://hooks.wedsync.test/twilio/status" })))
    const withoutPort = sign(delivered, "https://hooks.wedsync.test/twilio/status")
    accepted(verifyWith(source, requestOf(withoutPort, { url: "https://hooks.wedsync.test:443/twilio/status" })))
    const trusting = TwilioWebhooks.make({ authToken: token, trustForwardedHeaders: true })
    const viaProxy = { "x-forwarded-proto": "https", "x-forwarded-host": "hooks.wedsync.test:443" }
    accepted(
      verifyWith(trusting, requestOf(withoutPort, { url: "http://10.0.0.5:8080/twilio/status", headers: viaProxy }))
    )
    const custom = sign(delivered, "https://hooks.wedsync.test:8443/twilio/status")
    const onCustom = TwilioWebhooks.make({ authToken: token, publicBaseUrl: "https://hooks.wedsync.test:8443" })
    accepted(verifyWith(onCustom, requestOf(custom, { url: "http://10.0.0.5:8080/twilio/status" })))
    refused(verifyWith(source, requestOf(custom, { url: "https://hooks.wedsync.test/twilio/status" })), SECRETS)
  })
})

describe("TwilioWebhooks: what is signed", () => {
  const source = TwilioWebhooks.make({ authToken: token })

  it("form parameters are signed sorted by key, a repeated key's values sorted, name+value concatenated", () => {
    const url = "https://hooks.wedsync.test/twilio"
    const body = `MessageStatus=sent&Tag=b&MessageSid=${SID}&Tag=a`
    const expected = createHmac("sha1", credentials.authToken)
      .update(`${url}MessageSid${SID}MessageStatussentTagaTagb`)
      .digest("base64")
    const request = (form: string) =>
      requestOf({ url, method: "POST", headers: { "x-twilio-signature": expected }, body: form })
    expect(accepted(verifyWith(source, request(body))).id).toBe(`${SID}:sent`)
    accepted(verifyWith(source, request(`Tag=a&Tag=b&MessageSid=${SID}&MessageStatus=sent`)))
    refused(verifyWith(source, request(`MessageStatus=sent&Tag=b&MessageSid=${SID}`)), SECRETS)
  })

  it("JSON (Event Streams): the URL with bodySHA256 is signed, and the body must hash to it", () => {
    const event = TwilioSim.events.messageStatusJson(subject(SID), "undelivered", { errorCode: 30005 })
    const delivery = sign(event, "https://hooks.wedsync.test/twilio/events")
    expect(delivery.url).toMatch(/\?bodySHA256=[0-9a-f]{64}$/)
    const verified = accepted(verifyWith(source, requestOf(delivery)))
    expect(verified.type).toBe("com.twilio.messaging.message.undelivered")
    const tampered = refused(
      verifyWith(source, requestOf(delivery, { body: delivery.body.replace("30005", "30003") })),
      SECRETS
    )
    expect(tampered.reason._tag).toBe("SignatureInvalid")
    const withoutHash = requestOf(delivery, { url: "https://hooks.wedsync.test/twilio/events" })
    refused(verifyWith(source, withoutHash), SECRETS)
    const behindProxy = requestOf(delivery, {
      url: delivery.url.replace("https://hooks.wedsync.test", "http://10.0.0.5:8080")
    })
    const withBase = TwilioWebhooks.make({ authToken: token, publicBaseUrl: "https://hooks.wedsync.test" })
    expect(accepted(verifyWith(withBase, behindProxy)).id).toBe(verified.id)
  })

  it("the event id comes from signed content, not from the unsigned I-Twilio-Idempotency-Token", () => {
    const delivery = sign(delivered, PUBLIC)
    expect(delivery.headers["i-twilio-idempotency-token"]).toBeTruthy()
    const first = accepted(verifyWith(source, requestOf(delivery)))
    const replayed = requestOf(delivery, { headers: { "i-twilio-idempotency-token": "00000000-replayed" } })
    expect(accepted(verifyWith(source, replayed)).id).toBe(first.id)
  })

  it("an empty configured Auth Token refuses everything, even a delivery signed with the empty token", () => {
    const forged = sign(delivered, PUBLIC, { ...credentials, authToken: "" })
    const error = refused(verifyWith(TwilioWebhooks.make({ authToken: Redacted.make("") }), requestOf(forged)), SECRETS)
    expect(error.reason.message).toContain("authToken")
  })

  it("an inbound message (SmsStatus only) is authentic and keyed by sid and status", () => {
    const body = new URLSearchParams({ MessageSid: OTHER, SmsStatus: "received", Body: "Yes!" }).toString()
    const delivery = sign({ ...delivered, body }, PUBLIC)
    expect(accepted(verifyWith(source, requestOf(delivery))).id).toBe(`${OTHER}:received`)
  })
})

describe("TwilioWebhooks: SharedKey signatures", () => {
  const keyed = { ...credentials, sharedKey }
  const event = TwilioSim.events.messageStatus(subject(SID), "delivered", { credentials: keyed })
  const delivery = sign(event, PUBLIC, keyed)
  const both = TwilioWebhooks.make({ authToken: token, sharedKeySecret: Redacted.make(sharedKey.secret) })

  it("HMAC-SHA256 with the SharedKey's secret verifies; without a configured secret it is refused", () => {
    expect(delivery.headers["x-twilio-webhooks-signature-settings"]).toContain("HMAC_SHA256")
    accepted(verifyWith(both, requestOf(delivery)))
    const error = refused(verifyWith(TwilioWebhooks.make({ authToken: token }), requestOf(delivery)), SECRETS)
    expect(error.reason.message).toContain("sharedKeySecret")
  })

  it("the settings header cannot be dropped, downgraded or set to an unknown algorithm", () => {
    const { "x-twilio-webhooks-signature-settings": _settings, ...withoutSettings } = delivery.headers
    refused(verifyWith(both, requestOf({ ...delivery, headers: withoutSettings })), SECRETS)
    for (const algorithm of ["HMAC_SHA1", "HMAC_SHA512"]) {
      const settings = { "x-twilio-webhooks-signature-settings": `key=${sharedKey.keyId},algorithm=${algorithm}` }
      refused(verifyWith(both, requestOf(delivery, { headers: settings })), SECRETS)
    }
  })

  it("a SharedKey on HMAC-SHA1 verifies too", () => {
    const sha1 = { ...credentials, sharedKey: { ...sharedKey, algorithm: "HMAC_SHA1" as const } }
    const signed = sign(TwilioSim.events.messageStatus(subject(SID), "sent", { credentials: sha1 }), PUBLIC, sha1)
    expect(accepted(verifyWith(both, requestOf(signed))).id).toBe(`${SID}:sent`)
  })
})
