/**
 * Twilio's webhook signature, as `twilio.validateRequest`,
 * `validateRequestWithBody` and `getSignatureAlgorithm` (twilio 6.3.1) check it.
 *
 * - Form bodies: `X-Twilio-Signature = base64(HMAC(secret, url + key1 + value1 + …))`,
 *   keys sorted, a repeated key's distinct values sorted and each appended.
 * - JSON bodies: the URL gets `bodySHA256=<hex sha256(body)>` and the HMAC
 *   covers the URL alone.
 * - The secret is the Auth Token, or a SharedKey's secret. A delivery signed
 *   with a SharedKey carries `X-Twilio-Webhooks-Signature-Settings:
 *   key=<id>,algorithm=HMAC_SHA1|HMAC_SHA256`, and the algorithm named there
 *   (HMAC-SHA1 when absent) is the one used.
 *
 * There is no timestamp in the scheme, so a replayed delivery still verifies.
 *
 * @since 0.1.0
 */
import { createHash, createHmac } from "node:crypto"
import type { SignInput, Signer } from "../../Webhooks.ts"

/** Header holding the signature. @since 0.1.0 */
export const SIGNATURE_HEADER = "x-twilio-signature"

/** Header naming the SharedKey and algorithm of a delivery. @since 0.1.0 */
export const SIGNATURE_SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"

/** The signing algorithms Twilio names. @since 0.1.0 */
export type Algorithm = "HMAC_SHA1" | "HMAC_SHA256"

/**
 * A Twilio SharedKey: webhooks are then signed with its secret and name it
 * (and the algorithm) in `X-Twilio-Webhooks-Signature-Settings`.
 *
 * @since 0.1.0
 */
export interface SharedKey {
  readonly keyId: string
  readonly secret: string
  readonly algorithm: Algorithm
}

/** The settings header value for a SharedKey. @since 0.1.0 */
export const settingsHeader = (sharedKey: SharedKey): string =>
  `key=${sharedKey.keyId},algorithm=${sharedKey.algorithm}`

/** The algorithm a settings header names, as `twilio.getSignatureAlgorithm` reads it. @since 0.1.0 */
export const algorithmOf = (settings: string | undefined): string => {
  for (const part of (settings ?? "").split(",")) {
    const separator = part.indexOf("=")
    if (separator !== -1 && part.slice(0, separator).trim() === "algorithm") {
      const algorithm = part.slice(separator + 1).trim()
      if (algorithm !== "") return algorithm
    }
  }
  return "HMAC_SHA1"
}

const hashName = (algorithm: string): "sha1" | "sha256" =>
  algorithm.toUpperCase() === "HMAC_SHA256" ? "sha256" : "sha1"

/** The string Twilio signs for a form body: the URL, then each sorted key with its sorted distinct values. */
const signedData = (url: string, body: string): string => {
  const grouped = new Map<string, Set<string>>()
  for (const [key, value] of new URLSearchParams(body)) {
    const values = grouped.get(key) ?? new Set<string>()
    values.add(value)
    grouped.set(key, values)
  }
  let data = url
  for (const key of [...grouped.keys()].sort()) {
    for (const value of [...(grouped.get(key) ?? [])].sort()) data += key + value
  }
  return data
}

/**
 * The signature of a delivery to `url` with `body` under `secret`.
 *
 * @example
 * ```ts
 * signature("HMAC_SHA1", authToken, "https://example.test/sms", "MessageSid=SM1&MessageStatus=sent")
 * ```
 * @since 0.1.0
 */
export const signature = (algorithm: string, secret: string, url: string, body: string): string =>
  createHmac(hashName(algorithm), secret)
    .update(Buffer.from(signedData(url, body), "utf8"))
    .digest("base64")

/** `url` with `bodySHA256=<hex sha256(body)>` added to its query. @since 0.1.0 */
export const withBodyHash = (url: string, body: string): string => {
  const hash = createHash("sha256").update(Buffer.from(body, "utf8")).digest("hex")
  return `${url}${url.includes("?") ? "&" : "?"}bodySHA256=${hash}`
}

const isJson = (contentType: string) => contentType.toLowerCase().includes("json")

/**
 * Twilio's signer. The credentials decide the secret (the SharedKey's when one
 * is set, else the Auth Token); the event's settings header decides the algorithm.
 *
 * @since 0.1.0
 */
export const signer: Signer<{ readonly authToken: string; readonly sharedKey?: SharedKey }> = {
  secret: (credentials) => credentials.sharedKey?.secret ?? credentials.authToken,
  wrongSecret: "0123456789abcdef0123456789abcdef",
  signatureHeaders: [SIGNATURE_HEADER],
  timestamped: false,
  sign: ({ event, url, body, secret }: SignInput) => {
    const algorithm = algorithmOf(event.headers?.[SIGNATURE_SETTINGS_HEADER])
    if (isJson(event.contentType)) {
      const signedUrl = withBodyHash(url, body)
      return { headers: { [SIGNATURE_HEADER]: signature(algorithm, secret, signedUrl, "") }, url: signedUrl }
    }
    return { headers: { [SIGNATURE_HEADER]: signature(algorithm, secret, url, body) } }
  }
}
