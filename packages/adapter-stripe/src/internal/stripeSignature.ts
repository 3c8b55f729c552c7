/**
 * Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]`, the secret taken as UTF-8
 * text, `whsec_` included. Several `v1` entries appear while Stripe rolls an
 * endpoint's secret; `v0` (test-mode legacy) entries are ignored.
 *
 * Why not the SDK's `stripe.webhooks.constructEvent`:
 * - it reads `t` with `parseInt`, so `t=1767225600abc` passes as a time, and
 *   `t=abc` becomes `NaN`, which no age check refuses: a delivery signed over
 *   `"NaN.<body>"` verifies with any timestamp the sender likes;
 * - it takes one secret per call and only checks the age in the past, against
 *   the wall clock, not the request's `receivedAt`.
 * So the check is here, on `node:crypto` with core's `ConstantTime.equals`,
 * and the tests show it accepts what the SDK accepts on authentic deliveries.
 *
 * @internal
 */
import { createHmac } from "node:crypto"
import { ConstantTime } from "@wedsync/core"

/** A parsed `Stripe-Signature` header. @internal */
export interface Header {
  readonly timestamp: string
  readonly signatures: ReadonlyArray<string>
}

/**
 * Parses the header: exactly one `t` of decimal digits, at least one `v1`.
 * Anything else (no `t`, two `t`s, a `t` with a sign, a fraction or letters,
 * no `v1`) is `undefined`.
 *
 * @internal
 */
export const parseHeader = (header: string | undefined): Header | undefined => {
  if (header === undefined) return undefined
  const timestamps: Array<string> = []
  const signatures: Array<string> = []
  for (const item of header.split(",")) {
    const separator = item.indexOf("=")
    if (separator < 0) continue
    const name = item.slice(0, separator).trim()
    const value = item.slice(separator + 1).trim()
    if (name === "t") timestamps.push(value)
    else if (name === "v1") signatures.push(value)
  }
  const [timestamp] = timestamps
  if (timestamps.length !== 1 || timestamp === undefined || !/^[0-9]{1,12}$/.test(timestamp)) return undefined
  return signatures.length === 0 ? undefined : { timestamp, signatures }
}

/** The `v1` signature of a body at a timestamp under one secret. @internal */
export const sign = (secret: string, timestamp: string, body: string): string =>
  // In three updates: the same bytes as "<t>.<body>", without a copy of the body per secret.
  createHmac("sha256", secret).update(timestamp, "utf8").update(".", "utf8").update(body, "utf8").digest("hex")

/**
 * Whether any `v1` signature matches the body under any of the secrets (more
 * than one while rotating), each comparison in constant time.
 *
 * @internal
 */
export const matches = (secrets: ReadonlyArray<string>, header: Header, body: string): boolean =>
  secrets.some((secret) => {
    const expected = sign(secret, header.timestamp, body)
    return header.signatures.some((candidate) => ConstantTime.equals(candidate, expected))
  })
