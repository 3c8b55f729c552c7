/**
 * Parameters named like `Object.prototype`'s members (`__proto__`,
 * `constructor`, `toString`): a genuine Twilio callback carrying them is
 * accepted with them as parameters, and one added after signing is refused.
 * Parameter maps were plain objects, which dropped `__proto__` from the
 * signed set (refusing genuine callbacks) and merged `constructor` with
 * `Object.prototype.constructor`.
 */
import { Redacted } from "effect"
import { Webhooks } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { describe, expect, it } from "vitest"
import { TwilioWebhooks } from "../src/index.ts"
import { accepted, refused, requestOf, verifyWith } from "./webhookHelpers.ts"

const credentials = TwilioSim.definition.credentials
const URL = "https://hooks.wedsync.test/twilio/status"
const SID = "SM0123456789abcdef0123456789abcdef"
const source = TwilioWebhooks.make({ authToken: Redacted.make(credentials.authToken) })
const event = TwilioSim.events.messageStatus(
  { sid: SID, accountSid: credentials.accountSid, from: "+15005550006", to: "+447700900123" },
  "delivered"
)
const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"] as const

const withParams = (extra: ReadonlyArray<readonly [string, string]>): Webhooks.WebhookEvent => {
  const params = new URLSearchParams(event.body)
  for (const [key, value] of extra) params.append(key, value)
  return { ...event, body: params.toString() }
}
const sign = (signed: Webhooks.WebhookEvent) => Webhooks.build(TwilioSim.signer, credentials, signed, URL)

describe("TwilioWebhooks: parameters named like Object.prototype members", () => {
  it.each(NAMES)("accepts a genuine callback carrying %s, and keeps it as a parameter", (name) => {
    const verified = accepted(verifyWith(source, requestOf(sign(withParams([[name, "wedding-42"]])))))
    expect(verified.id).toBe(`${SID}:delivered`)
    const payload = verified.payload as Record<string, unknown>
    expect(Object.hasOwn(payload, name)).toBe(true)
    expect(payload[name]).toBe("wedding-42")
  })

  it("accepts a genuine callback carrying all of them, one repeated", () => {
    const extra = [...NAMES.map((name) => [name, `v-${name}`] as const), ["constructor", "second"] as const]
    expect(accepted(verifyWith(source, requestOf(sign(withParams(extra))))).id).toBe(`${SID}:delivered`)
  })

  it.each(NAMES)("refuses a callback where %s was added after signing", (name) => {
    const delivery = sign(event)
    const forged = { ...delivery, body: `${delivery.body}&${encodeURIComponent(name)}=x` }
    expect(refused(verifyWith(source, requestOf(forged)), [credentials.authToken]).reason._tag).toBe("SignatureInvalid")
  })

  it("refuses a callback where a signed __proto__ parameter was changed", () => {
    const delivery = sign(withParams([["__proto__", "signed"]]))
    const forged = { ...delivery, body: delivery.body.replace("__proto__=signed", "__proto__=changed") }
    expect(forged.body).not.toBe(delivery.body)
    expect(refused(verifyWith(source, requestOf(forged)), [credentials.authToken]).reason._tag).toBe("SignatureInvalid")
  })
})
