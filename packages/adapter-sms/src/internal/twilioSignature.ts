/**
 * Checking `X-Twilio-Signature`: which URL Twilio signed, and whether the
 * signature over it (and the form parameters, or the body's SHA-256 for JSON
 * deliveries) holds. The comparisons are twilio's own `validateRequest` and
 * `validateRequestWithBody` (constant time; they also try the URL with and
 * without its default port, and normalised, as Twilio may have signed any of
 * those). Each function answers `undefined` when the delivery is authentic,
 * or a refusal in words that never contain a secret.
 */
import twilio from "twilio"

/** Header holding the signature. */
export const SIGNATURE_HEADER = "x-twilio-signature"

/** Header naming the SharedKey and algorithm of a delivery signed with a SharedKey. */
export const SIGNATURE_SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"

/** Where a delivery's public URL comes from. */
export interface UrlOptions {
  readonly publicBaseUrl?: string | undefined
  readonly trustForwardedHeaders?: boolean | undefined
}

/** A refusal, or the URL Twilio signed. */
export type SignedUrl = { readonly url: string } | { readonly refused: string }

const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is
const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

/** The first hop of a proxy header (`https, http` → `https`). */
const firstHop = (value: string | undefined): string | undefined => {
  const first = value?.split(",")[0]?.trim()
  return first === undefined || first === "" ? undefined : first
}

/**
 * The URL Twilio posted to: `publicBaseUrl` + the request's path and query
 * when set; else, when trusted, the `X-Forwarded-Proto` / `X-Forwarded-Host`
 * of the first hop with the request's path and query; else the request URL
 * as given. Path and query keep their exact characters (Twilio signed those).
 */
export const signedUrl = (
  request: { readonly url: string; readonly headers: Readonly<Record<string, string>> },
  options: UrlOptions
): SignedUrl => {
  const absolute = ABSOLUTE.exec(request.url)
  const rest = absolute === null ? request.url : (absolute[3] ?? "")
  if (absolute === null && !rest.startsWith("/")) return { refused: "the request URL is neither absolute nor a path" }
  if (options.publicBaseUrl !== undefined) {
    const base = options.publicBaseUrl.replace(/\/+$/, "")
    if (!ABSOLUTE.test(base)) return { refused: "publicBaseUrl is not an absolute URL" }
    return { url: `${base}${rest}` }
  }
  if (options.trustForwardedHeaders === true) {
    const proto = (firstHop(request.headers["x-forwarded-proto"]) ?? absolute?.[1])?.toLowerCase()
    const host = firstHop(request.headers["x-forwarded-host"]) ?? absolute?.[2] ?? firstHop(request.headers.host)
    if (proto !== "http" && proto !== "https") return { refused: "X-Forwarded-Proto is neither http nor https" }
    if (host === undefined || !HOST.test(host)) return { refused: "X-Forwarded-Host is not a host name" }
    return { url: `${proto}://${host}${rest}` }
  }
  if (absolute === null) {
    return { refused: "the request URL is a bare path: set publicBaseUrl or trustForwardedHeaders" }
  }
  return { url: request.url }
}

/** The secrets a source checks with. */
export interface Secrets {
  readonly authToken: string
  readonly sharedKeySecret?: string | undefined
}

const ALGORITHMS = new Set(["HMAC_SHA1", "HMAC_SHA256"])

/**
 * The form parameters as twilio's validator takes them: repeated keys as
 * arrays. A null-prototype map, so that parameters named `__proto__`,
 * `constructor` or `toString` are kept as parameters (a plain object drops
 * the first and merges the others with `Object.prototype`'s members, which
 * refused genuine callbacks and let such a parameter be added unsigned).
 */
export const formParams = (body: string): Record<string, string | Array<string>> => {
  const params: Record<string, string | Array<string>> = Object.create(null)
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = params[key]
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return params
}

/** The `bodySHA256` query parameter of a URL, when it has one (the JSON variant). */
export const bodyHashOf = (url: string): string | undefined => {
  const query = url.indexOf("?")
  if (query === -1) return undefined
  return new URLSearchParams(url.slice(query + 1).split("#")[0]).get("bodySHA256") ?? undefined
}

/**
 * Whether a delivery to `url` is signed by Twilio: `undefined` when it is,
 * else why not. A delivery naming a SharedKey in its settings header is
 * checked with the SharedKey's secret and the algorithm named there; any
 * other with the Auth Token and HMAC-SHA1.
 */
export const check = (
  delivery: { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string },
  secrets: Secrets
): string | undefined => {
  const signature = delivery.headers[SIGNATURE_HEADER]
  if (signature === undefined || signature === "") return "no X-Twilio-Signature header"
  const settings = delivery.headers[SIGNATURE_SETTINGS_HEADER]
  const algorithm = twilio.getSignatureAlgorithm(settings).toUpperCase()
  // Checked before twilio's validator, which logs a warning for an unknown one.
  if (!ALGORITHMS.has(algorithm)) return "X-Twilio-Webhooks-Signature-Settings names an unsupported algorithm"
  const sharedKey = settings !== undefined && settings !== ""
  const secret = sharedKey ? secrets.sharedKeySecret : secrets.authToken
  if (secret === undefined || secret === "") {
    return sharedKey
      ? "the delivery is signed with a SharedKey and no sharedKeySecret is configured"
      : "no authToken is configured"
  }
  const bodyHash = bodyHashOf(delivery.url)
  try {
    const valid =
      bodyHash === undefined
        ? twilio.validateRequest(secret, signature, delivery.url, formParams(delivery.body), algorithm)
        : twilio.validateRequestWithBody(secret, signature, delivery.url, delivery.body, algorithm)
    if (valid) return undefined
  } catch {
    return "the signed URL is not a valid URL"
  }
  return bodyHash === undefined
    ? "X-Twilio-Signature does not match the URL and parameters"
    : "X-Twilio-Signature does not match the URL, or the body does not match bodySHA256"
}
