/**
 * Standard Webhooks (svix) signatures as Resend sends them: `svix-id`,
 * `svix-timestamp` (unix seconds) and `svix-signature`, a space-separated list
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
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The HMAC key of a `whsec_…` secret (the prefix is optional), or `undefined`
 * when the rest is not base64 or is empty.
 *
 * @internal
 */
export const decodeSecret = (secret: string): Buffer | undefined => {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret
  return encoded.length === 0 || !BASE64.test(encoded) ? undefined : Buffer.from(encoded, "base64")
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
