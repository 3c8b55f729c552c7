/**
 * Standard Webhooks (svix) signatures as Resend sends them: `svix-id`,
 * `svix-timestamp` (unix seconds) and `svix-signature` (or the unbranded
 * `webhook-id`, `webhook-timestamp`, `webhook-signature`), a space-separated list
 * of `v1,<base64 HMAC-SHA256(key, "${id}.${timestamp}.${body}")>` where the
 * key is the secret after `whsec_`, base64-decoded.
 *
 * Why not the SDK's `resend.webhooks.verify` (standardwebhooks underneath):
 * - it reads the timestamp with `parseInt`, so `"1767225600abc"`,
 *   `"1767225600.9"` or `" 1767225600"` pass, and it then signs the parsed
 *   number: a garbage timestamp header verifies;
 * - it checks the timestamp against `Date.now()` with a fixed 5-minute window,
 *   so it can honour neither the source's `tolerance` nor the request's
 *   `receivedAt`.
 * The first could be guarded; the second cannot. So the check is done here
 * with `node:crypto`, and the tests show it accepts what the SDK accepts on
 * authentic deliveries.
 *
 * @internal
 */
import { createHmac } from "node:crypto"
import { constantTimeEqual } from "./webhookAuth.ts"

const PREFIX = "whsec_"
const ALPHABET = /^[A-Za-z0-9+/]+$/

/**
 * The HMAC key of a `whsec_…` secret (the prefix is optional): standard
 * base64 with or without its `=` padding, as svix's and standardwebhooks'
 * verifiers both take it. `undefined` when the rest is empty or not base64.
 *
 * @internal
 */
export const decodeSecret = (secret: string): Buffer | undefined => {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret
  const unpadded = encoded.replace(/={1,2}$/, "")
  if (unpadded.length === 0 || !ALPHABET.test(unpadded)) return undefined
  // Padded text fills whole 4-character groups; unpadded, one character left over is never base64.
  if (unpadded.length !== encoded.length && encoded.length % 4 !== 0) return undefined
  return unpadded.length % 4 === 1 ? undefined : Buffer.from(unpadded, "base64")
}

/**
 * The signature headers of a delivery (names in lower case): each `svix-*`
 * header when present, else its unbranded `webhook-*` counterpart, the
 * Standard Webhooks names svix's verifier falls back to.
 *
 * @internal
 */
export const signedHeaders = (
  headers: Readonly<Record<string, string>>
): { readonly id: string; readonly timestamp: string; readonly signatures: string } => {
  const read = (name: string): string => {
    const branded = Object.hasOwn(headers, `svix-${name}`) ? headers[`svix-${name}`] : undefined
    if (branded !== undefined) return branded
    return (Object.hasOwn(headers, `webhook-${name}`) ? headers[`webhook-${name}`] : undefined) ?? ""
  }
  return { id: read("id"), timestamp: read("timestamp"), signatures: read("signature") }
}

/**
 * Unix seconds from `svix-timestamp`: decimal digits only, nothing else. A
 * sign, a fraction, an exponent, spaces or an empty header are refused.
 *
 * @internal
 */
export const parseTimestamp = (header: string): number | undefined =>
  /^[0-9]{1,12}$/.test(header) ? Number(header) : undefined

/** The `v1,…` signature of a delivery under one key. @internal */
export const sign = (key: Buffer, id: string, timestamp: string, body: string): string =>
  `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64")}`

/**
 * Whether any `v1` signature in the header matches the delivery under any of
 * the keys (several keys during a secret rotation). Each comparison takes the
 * same time whatever the candidate.
 *
 * @internal
 */
export const matches = (
  keys: ReadonlyArray<Buffer>,
  delivery: { readonly id: string; readonly timestamp: string; readonly body: string; readonly signatures: string }
): boolean => {
  const candidates = delivery.signatures.split(" ").filter((candidate) => candidate.startsWith("v1,"))
  return keys.some((key) => {
    const expected = sign(key, delivery.id, delivery.timestamp, delivery.body)
    return candidates.some((candidate) => constantTimeEqual(candidate, expected))
  })
}
