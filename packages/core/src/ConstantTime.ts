/**
 * Comparing secrets (webhook signatures, Basic credentials, tokens) in time
 * that does not depend on where they differ or on their lengths.
 *
 * `timingSafeEqual` alone throws on inputs of different lengths, and the early
 * length check every copy put in front of it answers faster for a wrong
 * length. Here both sides are digested to 32 bytes (SHA-256) first, so the
 * comparison always runs over equal lengths and never throws; a digest
 * collision is as unlikely as guessing the secret.
 *
 * @example
 * ```ts
 * import { ConstantTime } from "@wedsync/core"
 *
 * ConstantTime.equals(request.headers["x-signature"] ?? "", expectedSignature)
 * ```
 *
 * @since 0.1.0
 */
import { hash, timingSafeEqual } from "node:crypto"

// The one-shot `crypto.hash` (Node 21.7+), several times cheaper than a `createHash` object per value.
const digest = (value: string | Uint8Array): Buffer => hash("sha256", value, "buffer")

/**
 * Whether two strings (UTF-8) or byte arrays are equal, compared in constant
 * time over their SHA-256 digests. Inputs of different lengths answer `false`
 * and take the same time as any other mismatch.
 *
 * @example
 * ```ts
 * import { ConstantTime } from "@wedsync/core"
 *
 * ConstantTime.equals("postmark:pw", "postmark:pw")          // true
 * ConstantTime.equals("a", "a much longer secret")           // false, and no throw
 * ConstantTime.equals(given.toLowerCase(), expectedHex)      // case-insensitive hex: normalise first
 * ```
 * @since 0.1.0
 */
export const equals = (given: string | Uint8Array, expected: string | Uint8Array): boolean =>
  timingSafeEqual(digest(given), digest(expected))
