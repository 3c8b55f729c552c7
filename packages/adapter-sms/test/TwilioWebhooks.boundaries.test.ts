/**
 * Twilio's signature covers `url + key1 + value1 + key2 + …` with no
 * separator, so where a parameter's name ends and its value begins is not
 * signed: a captured callback can be re-split into other parameters under
 * the same signature (the fuzzing found it). The source reads only
 * parameters of Twilio's shapes, so a re-split callback is refused rather
 * than taken with a made-up message SID (a new event id, dodging
 * deduplication), a status from another field, or its error code dropped.
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
  "undelivered",
  { errorCode: 30003 }
)
// A parameter sorted just before ErrorCode, which the source does not read.
const withBody = { ...event, body: `${event.body}&Body=thanks` }
const genuine = Webhooks.build(TwilioSim.signer, credentials, withBody, URL)
const params = Object.fromEntries(new URLSearchParams(genuine.body))

/** The genuine callback with `merged` folded into the value of `into`, keeping the signed string. */
const resplit = (into: string, merged: string) => {
  const form = new URLSearchParams()
  for (const [key, value] of new URLSearchParams(genuine.body)) {
    if (key === merged) continue
    form.append(key, key === into ? `${value}${merged}${params[merged]}` : value)
  }
  return form.toString()
}

const signatureOf = (body: string) => TwilioSim.signature("HMAC_SHA1", credentials.authToken, URL, body)

/** The genuine callback with the boundary of `name`'s value moved by `shift` characters (into the name when positive). */
const moved = (name: string, shift: number) => {
  const form = new URLSearchParams()
  for (const [key, value] of new URLSearchParams(genuine.body)) {
    if (key !== name) form.append(key, value)
    else if (shift > 0) form.append(`${key}${value.slice(0, shift)}`, value.slice(shift))
    else form.append(key.slice(0, key.length + shift), `${key.slice(key.length + shift)}${value}`)
  }
  return form.toString()
}

describe("TwilioWebhooks: parameter boundaries are not signed", () => {
  it("accepts the genuine callback", () => {
    expect(accepted(verifyWith(source, requestOf(genuine))).id).toBe(`${SID}:undelivered`)
  })

  it.each([
    ["the status folded into the message SID (a new event id)", "MessageSid", "MessageStatus", "MessageSid"],
    ["the next parameter folded into ApiVersion", "ApiVersion", "Body", "ApiVersion"],
    ["the recipient folded into SmsStatus", "SmsStatus", "To", "SmsStatus"],
    ["the SmsSid folded into MessageStatus", "MessageStatus", "SmsSid", "MessageStatus"],
    ["ApiVersion folded into AccountSid", "AccountSid", "ApiVersion", "AccountSid"],
    ["the error code folded into a parameter the source does not read", "Body", "ErrorCode", "ErrorCode"]
  ])("refuses a callback with %s, though its signature still matches", (_, into, merged, named) => {
    const body = resplit(into, merged)
    expect(body).not.toBe(genuine.body)
    // Twilio's scheme cannot tell the two apart:
    expect(signatureOf(body)).toBe(signatureOf(genuine.body))
    const error = refused(verifyWith(source, requestOf({ ...genuine, body })), [credentials.authToken])
    expect(error.reason._tag).toBe("PayloadInvalid")
    expect(error.reason.message).toContain(named)
  })

  it.each([
    ["ErrorCode", 5, "all of the error code moved into its name (the error dropped)"],
    ["ErrorCode", 2, "part of the error code moved into its name"],
    ["ErrorCode", -4, "the end of its name moved into the value"],
    ["MessageStatus", 11, "the status moved into its name"]
  ])("refuses a callback with %s re-split by %i: %s", (name, shift) => {
    const body = moved(name, shift)
    expect(body).not.toBe(genuine.body)
    expect(signatureOf(body)).toBe(signatureOf(genuine.body))
    const error = refused(verifyWith(source, requestOf({ ...genuine, body })), [credentials.authToken])
    expect(error.reason._tag).toBe("PayloadInvalid")
  })
})
