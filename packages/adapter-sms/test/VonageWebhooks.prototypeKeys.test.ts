/**
 * SMS API receipts whose parameters are named like `Object.prototype`'s
 * members (`__proto__`, `constructor`, `toString`), as JSON and as a form: a
 * genuine receipt carrying them is accepted, and one added after signing is
 * refused. The JSON parameter map was a plain object, which dropped
 * `__proto__` from the signed set: a genuine receipt with it was refused,
 * and one added after signing went unnoticed.
 */
import { Redacted } from "effect"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { describe, expect, it } from "vitest"
import { VonageWebhooks } from "../src/index.ts"
import { accepted, refused, requestOf, verifyWith } from "./webhookHelpers.ts"

const credentials = VonageSim.definition.credentials
const account: VonageSim.Account = credentials
const URL = "https://hooks.wedsync.test/vonage"
const source = VonageWebhooks.make({ signatureSecret: Redacted.make(credentials.signatureSecret) })
const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty"] as const
const receipt = { messageId: "0B00000123ABCDEF", to: "447700900123", from: "WedSync" }

/** The simulator's receipt parameters plus `extra`, signed with the simulator's md5hash signer. */
const signedParams = (extra: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> => {
  const base = JSON.parse(VonageSim.events.smsDeliveryReceipt(receipt, "delivered", account).body) as Record<
    string,
    string
  >
  const entries = [...Object.entries(base).filter(([key]) => key !== "sig"), ...extra]
  // Object.fromEntries defines own properties, `__proto__` included.
  return [...entries, ["sig", VonageSim.md5Signature(Object.fromEntries(entries), credentials.signatureSecret)]]
}
const asJson = (entries: ReadonlyArray<readonly [string, string]>) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`
const asForm = (entries: ReadonlyArray<readonly [string, string]>) =>
  new URLSearchParams(entries.map(([key, value]) => [key, value])).toString()
const deliver = (body: string, contentType: string) =>
  requestOf({ url: URL, headers: { "content-type": contentType }, body })

const encodings = [
  ["JSON", asJson, "application/json"],
  ["a form", asForm, "application/x-www-form-urlencoded"]
] as const

describe.each(encodings)(
  "VonageWebhooks: receipt parameters named like Object.prototype members, as %s",
  (_, encode, type) => {
    it.each(NAMES)("accepts a genuine receipt carrying %s", (name) => {
      const verified = accepted(verifyWith(source, deliver(encode(signedParams([[name, "wedding-42"]])), type)))
      expect(verified.id).toBe("0B00000123ABCDEF:delivered")
      expect(Object.hasOwn(verified.payload as object, name)).toBe(true)
    })

    it.each(NAMES)("refuses a receipt where %s was added after signing", (name) => {
      const entries = signedParams([])
      const forged = encode([[name, "x"], ...entries])
      expect(refused(verifyWith(source, deliver(forged, type)), [credentials.signatureSecret]).reason._tag).toBe(
        "SignatureInvalid"
      )
    })
  }
)
