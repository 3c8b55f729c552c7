/**
 * Checking Vonage's two webhook signatures, both made with the account's
 * signature secret:
 *
 * - Messages API (signed webhooks): `Authorization: Bearer <JWT>`, HS256.
 *   `@vonage/jwt` `verifySignature` checks the signature (and `exp`/`nbf`)
 *   only, so the body's `payload_hash` (hex SHA-256) and the age of `iat` are
 *   checked here, against the time the delivery was received.
 * - SMS API delivery receipts: a `sig` parameter over the sorted parameters
 *   (`&key=value`, `&` and `=` in values replaced by `_`), MD5 of that plus
 *   the secret (`md5hash`) or an HMAC keyed with it, hex; its `timestamp`
 *   parameter gets the same age check. `@vonage/sms` `verifySignature` does
 *   the same sum but compares with `===`; this compares in constant time
 *   (core's `ConstantTime.equals`).
 *
 * Each check answers a refusal in words that never contain a secret, or
 * `undefined` when the delivery is authentic.
 */
import { createHash, createHmac } from "node:crypto"
import { verifySignature } from "@vonage/jwt"
import { ConstantTime } from "@wedsync/core"

/** The methods Vonage can sign SMS API webhooks with (account settings). */
export type SmsSignatureMethod = "md5hash" | "md5hmac" | "sha1hmac" | "sha256hmac" | "sha512hmac"

/** How old (or how far in the future) a signature may be, seen from when the delivery arrived. */
export interface Window {
  readonly receivedAt: number
  readonly maxAgeMillis: number
}

/** Hex digests compared without regard to case, in constant time. */
const sameHex = (given: string, expected: string): boolean =>
  ConstantTime.equals(given.toLowerCase(), expected.toLowerCase())

/** Why a signing time is refused, if it is: not a number, too old, or too far ahead. */
export const ageRefusal = (seconds: unknown, window: Window, name: string): string | undefined => {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return `${name} is missing or not a number`
  const age = window.receivedAt - seconds * 1000
  if (age > window.maxAgeMillis) return `${name} is older than the allowed age`
  if (-age > window.maxAgeMillis) return `${name} is in the future`
  return undefined
}

const decodePart = (part: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The hex SHA-256 of a raw body, as `payload_hash` holds it. */
export const payloadHash = (body: string): string => createHash("sha256").update(body, "utf8").digest("hex")

/**
 * Checks a signed webhook's JWT: HS256 under `secret`, `payload_hash` equal
 * to the body's, `iat` within the window. Answers the claims when it holds.
 */
export const checkJwt = (
  token: string,
  body: string,
  secret: string,
  window: Window
): { readonly claims: Readonly<Record<string, unknown>> } | { readonly refused: string } => {
  const [header, payload, signature] = token.split(".")
  if (signature === undefined || token.split(".").length !== 3) return { refused: "the bearer token is not a JWT" }
  // verifySignature would also take RS256; Vonage signs webhooks with HS256 only, and never "none".
  if (decodePart(header)?.alg !== "HS256") return { refused: "the JWT is not HS256" }
  let verified = false
  try {
    verified = verifySignature(token, secret)
  } catch {
    verified = false
  }
  if (!verified) return { refused: "the JWT signature does not verify (or it has expired)" }
  const claims = decodePart(payload)
  if (claims === undefined) return { refused: "the JWT claims are not a JSON object" }
  if (typeof claims.payload_hash !== "string") return { refused: "the JWT has no payload_hash" }
  if (!sameHex(claims.payload_hash, payloadHash(body))) return { refused: "the body does not match payload_hash" }
  const age = ageRefusal(claims.iat, window, "the JWT iat")
  return age === undefined ? { claims } : { refused: age }
}

const hmacOf: Readonly<Record<Exclude<SmsSignatureMethod, "md5hash">, string>> = {
  md5hmac: "md5",
  sha1hmac: "sha1",
  sha256hmac: "sha256",
  sha512hmac: "sha512"
}

/** The `sig` Vonage computes over a parameter set. */
export const smsSignature = (
  params: Readonly<Record<string, string>>,
  secret: string,
  method: SmsSignatureMethod
): string => {
  let query = ""
  for (const key of Object.keys(params).sort()) {
    if (key === "sig") continue
    query += `&${key}=${(params[key] ?? "").replace(/[&=]/g, "_")}`
  }
  return method === "md5hash"
    ? createHash("md5")
        .update(query + secret, "utf8")
        .digest("hex")
    : createHmac(hmacOf[method], secret).update(query, "utf8").digest("hex")
}

/** Checks an SMS API webhook's `sig` and `timestamp` parameters. */
export const checkSig = (
  params: Readonly<Record<string, string>>,
  secret: string,
  method: SmsSignatureMethod,
  window: Window
): string | undefined => {
  // Own parameters only: never a member of Object.prototype when the map is a plain object.
  const sig = Object.hasOwn(params, "sig") ? params.sig : undefined
  if (sig === undefined || sig === "") return "no Authorization bearer token and no sig parameter"
  if (!sameHex(sig, smsSignature(params, secret, method))) return "the sig parameter does not match"
  const timestamp = Object.hasOwn(params, "timestamp") ? params.timestamp : undefined
  return ageRefusal(
    timestamp !== undefined && /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : undefined,
    window,
    "the timestamp parameter"
  )
}
