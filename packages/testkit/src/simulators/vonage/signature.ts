/**
 * Vonage's signatures: the HS256 JWT its Messages API webhooks carry, the
 * application JWT (RS256) callers send to the Messages API, and the legacy
 * `sig` parameter of SMS API delivery receipts.
 *
 * - Signed webhooks: `Authorization: Bearer <JWT>`, HS256 with the account's
 *   signature secret, claims `iat`, `jti`, `iss: "Vonage"`, `payload_hash`
 *   (hex SHA-256 of the raw body), `api_key`, `application_id`. A receiver
 *   checks it with `@vonage/jwt` `verifySignature(token, secret)`, then the
 *   `payload_hash` and the age of `iat` itself (`verifySignature` checks only the
 *   signature and `exp`).
 * - Legacy `sig` (md5hash): the sorted parameters as `&key=value` (with `&` and
 *   `=` in values replaced by `_`), the secret appended, MD5, hex; what
 *   `@vonage/sms` `verifySignature(sig, params, secret, "md5hash")` checks.
 *
 * @since 0.1.0
 */
import { createHash, createHmac, createPublicKey, randomUUID, verify } from "node:crypto"
import type { Signer, WebhookEvent } from "../../Webhooks.ts"

/** Claims of a webhook JWT that name the account, carried on the event until it is signed. @since 0.1.0 */
export interface AccountClaims {
  readonly api_key: string
  readonly application_id: string
}

/** A Vonage webhook event; `claims` become JWT claims (they are not sent in the body). @since 0.1.0 */
export interface VonageWebhookEvent extends WebhookEvent {
  readonly claims?: AccountClaims
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url")

/** The hex SHA-256 of a body, as `payload_hash` holds it. @since 0.1.0 */
export const payloadHash = (body: string): string => createHash("sha256").update(body, "utf8").digest("hex")

/**
 * An HS256 JWT over `claims`.
 *
 * @example
 * ```ts
 * const token = hs256({ iat: 1_700_000_000, iss: "Vonage" }, signatureSecret)
 * ```
 * @since 0.1.0
 */
export const hs256 = (claims: Readonly<Record<string, unknown>>, secret: string): string => {
  const signed = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`
}

/**
 * Vonage's webhook signer: a Bearer JWT for Messages API events; SMS delivery
 * receipts carry their `sig` in the body instead (see `events.smsDeliveryReceipt`),
 * so they get no header.
 *
 * @since 0.1.0
 */
export const signer: Signer<{ readonly signatureSecret: string }> = {
  secret: (credentials) => credentials.signatureSecret,
  wrongSecret: "wrong-signature-secret-0000000000000000000000",
  signatureHeaders: ["authorization"],
  timestamped: true,
  sign: ({ event, body, timestamp, secret }) => {
    if (event.type.startsWith("sms.")) return { headers: {} }
    const claims = (event as VonageWebhookEvent).claims
    const token = hs256(
      { iat: timestamp, jti: randomUUID(), iss: "Vonage", payload_hash: payloadHash(body), ...claims },
      secret
    )
    return { headers: { authorization: `Bearer ${token}` } }
  }
}

/**
 * The legacy md5hash `sig` of a parameter set.
 *
 * @since 0.1.0
 */
export const md5Signature = (params: Readonly<Record<string, string>>, secret: string): string => {
  let query = ""
  for (const key of Object.keys(params).sort()) {
    if (key === "sig") continue
    query += `&${key}=${(params[key] ?? "").replace(/[&=]/g, "_")}`
  }
  return createHash("md5")
    .update(query + secret)
    .digest("hex")
}

/** What the simulator needs to check an application JWT. @since 0.1.0 */
export interface ApplicationKey {
  readonly applicationId: string
  /** PEM public key of the application; without it any token for the application is taken. */
  readonly applicationPublicKey?: string
}

const decodePart = (part: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"))
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether a Bearer token is a valid application JWT: RS256, `application_id`
 * of this application, not expired, and signed by its key when the simulator
 * knows the public key.
 *
 * @since 0.1.0
 */
export const verifyApplicationJwt = (token: string, key: ApplicationKey, now = Date.now() / 1000): boolean => {
  const [header, payload, signature] = token.split(".")
  const head = decodePart(header)
  const claims = decodePart(payload)
  if (head?.alg !== "RS256" || claims === undefined || signature === undefined) return false
  if (claims.application_id !== key.applicationId) return false
  if (typeof claims.exp === "number" && claims.exp < now) return false
  if (key.applicationPublicKey === undefined) return true
  try {
    return verify(
      "sha256",
      Buffer.from(`${header}.${payload}`),
      createPublicKey(key.applicationPublicKey),
      Buffer.from(signature, "base64url")
    )
  } catch {
    return false
  }
}
