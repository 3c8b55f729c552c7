/**
 * The Standard Webhooks signature scheme (svix's, spoken by Resend, Clerk,
 * Supabase hooks and others), checked with `node:crypto` in constant time:
 *
 * - the headers `webhook-id`, `webhook-timestamp` (unix seconds) and
 *   `webhook-signature`, or their branded names `svix-id`, `svix-timestamp`,
 *   `svix-signature` (each branded header first, then the unbranded one, as
 *   svix's verifier falls back);
 * - a signature header of space-separated `v1,<base64 HMAC-SHA256(key,
 *   "${id}.${timestamp}.${body}")>` entries (several while the sender rotates
 *   its secret; `v1a` Ed25519 and unknown versions are skipped);
 * - a key that is the secret after `whsec_` (or Supabase's `v1,whsec_`),
 *   base64-decoded, padded or not (both reference libraries accept both).
 *
 * Why not `standardwebhooks`' `Webhook.verify`: it reads the timestamp with
 * `parseInt` and signs the parsed number, so `"1614265330abc"` verifies; it
 * compares with `Date.now()` under a fixed 5 minutes, so it can honour neither
 * a configured tolerance nor the request's `receivedAt`; it knows only the
 * unbranded headers and one secret; and it throws a `TypeError`-like `Error`
 * for an `undefined` secret. The tests check this module against the library
 * on authentic deliveries and against the specification's published vector.
 *
 * @internal
 */
import { createHmac } from "node:crypto"
import { ConstantTime } from "@wedsync/core"

const PREFIXES = ["v1,whsec_", "whsec_"] as const
const ALPHABET = /^[A-Za-z0-9+/]+$/

/**
 * The HMAC key of a secret: `whsec_` (or `v1,whsec_`, as Supabase shows it)
 * optionally in front of standard base64, with or without its `=` padding.
 * `undefined` when the rest is empty or not base64.
 *
 * @internal
 */
export const decodeSecret = (secret: string): Buffer | undefined => {
  const prefix = PREFIXES.find((candidate) => secret.startsWith(candidate))
  const encoded = prefix === undefined ? secret : secret.slice(prefix.length)
  const unpadded = encoded.replace(/={1,2}$/, "")
  if (unpadded.length === 0 || !ALPHABET.test(unpadded)) return undefined
  // Padded text must fill whole 4-character groups; unpadded, one character left over is never base64.
  if (unpadded.length !== encoded.length && encoded.length % 4 !== 0) return undefined
  if (unpadded.length % 4 === 1) return undefined
  return Buffer.from(unpadded, "base64")
}

/**
 * Unix seconds from a timestamp header: decimal digits only. A sign, a
 * fraction, an exponent, spaces, trailing text or an empty header are
 * refused, never read as a time.
 *
 * @internal
 */
export const parseTimestamp = (header: string): number | undefined =>
  /^[0-9]{1,12}$/.test(header) ? Number(header) : undefined

/** The three headers of a delivery, branded names first. @internal */
export interface SignedHeaders {
  readonly id: string | undefined
  readonly timestamp: string | undefined
  readonly signatures: string | undefined
}

/**
 * Reads the signature headers (names in lower case): each `svix-*` header
 * when present, else its `webhook-*` counterpart.
 *
 * @internal
 */
export const signedHeaders = (headers: Readonly<Record<string, string>>): SignedHeaders => {
  const read = (name: string): string | undefined => {
    const branded = Object.hasOwn(headers, `svix-${name}`) ? headers[`svix-${name}`] : undefined
    if (branded !== undefined) return branded
    return Object.hasOwn(headers, `webhook-${name}`) ? headers[`webhook-${name}`] : undefined
  }
  return { id: read("id"), timestamp: read("timestamp"), signatures: read("signature") }
}

/**
 * The `v1,…` signature of a delivery under one key.
 *
 * @internal
 */
export const sign = (key: Uint8Array, id: string, timestamp: string, body: string): string =>
  `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64")}`

/**
 * Whether any `v1` entry of the signature header matches the delivery under
 * any key. Each comparison takes the same time whatever the candidate.
 *
 * @internal
 */
export const matches = (
  keys: ReadonlyArray<Uint8Array>,
  delivery: { readonly id: string; readonly timestamp: string; readonly body: string; readonly signatures: string }
): boolean => {
  const candidates = delivery.signatures.split(" ").filter((candidate) => candidate.startsWith("v1,"))
  if (candidates.length === 0) return false
  let matched = false
  for (const key of keys) {
    const expected = sign(key, delivery.id, delivery.timestamp, delivery.body)
    // No early exit: the time does not tell which key or entry matched.
    for (const candidate of candidates) matched = ConstantTime.equals(candidate, expected) || matched
  }
  return matched
}
