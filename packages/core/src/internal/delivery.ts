/**
 * Sent, not sent, or maybe sent: what a failed request may have done at the
 * provider. A refusal before the request was written (connection refused, DNS,
 * TLS, a 4xx or 429) did nothing there and may be repeated anywhere; a timeout
 * or reset after it was written, a 5xx or an unreadable 2xx may have been
 * acted on, and repeating it may duplicate a message. Adapters decide it from
 * what they saw (status, the network error's code), never from message text;
 * these pure rules are the part every adapter shares.
 *
 * @internal
 */
import { Schema } from "effect"

/**
 * Whether a failed request may have reached the provider: `"notSent"` (it
 * certainly did not take effect) or `"maybeSent"` (it may have). Absent on an
 * error where nobody can tell, or that is not about a request (a webhook's).
 *
 * @example
 * ```ts
 * Schema.is(IntegrationError.Delivery)("maybeSent") // true
 * ```
 * @since 0.1.0
 */
export const Delivery = Schema.Literals(["notSent", "maybeSent"])

/** @since 0.1.0 */
export type Delivery = typeof Delivery.Type

/**
 * The delivery an HTTP answer's status means: a 4xx (429 included) is the
 * provider refusing the request before accepting it, and a 503 is a server
 * (or its load balancer) declining to handle it at all (RFC 9110 §15.6.4:
 * "currently unable to handle the request"; Twilio 20503, Postmark's
 * maintenance answer). Anything else that failed may have been acted on: a
 * 500 is an error part-way through the work, a 502 or 504 a gateway that
 * lost the upstream's answer, a 2xx the adapter could not read.
 *
 * @example
 * ```ts
 * IntegrationError.deliveryOfStatus(429) // "notSent"
 * IntegrationError.deliveryOfStatus(503) // "notSent"
 * IntegrationError.deliveryOfStatus(500) // "maybeSent"
 * IntegrationError.deliveryOfStatus(504) // "maybeSent"
 * ```
 * @since 0.1.0
 */
export const deliveryOfStatus = (status: number): Delivery =>
  (status >= 400 && status < 500) || status === 503 ? "notSent" : "maybeSent"

// Failures of connecting (DNS, refusal, routing, TLS): no byte of the request left this process.
const beforeWrite: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])

/**
 * The delivery a network error's code means: a failure to connect is
 * `"notSent"`; any other (a reset, a closed socket, an unknown code or none)
 * may have come after the request was written, so `"maybeSent"`.
 *
 * @example
 * ```ts
 * IntegrationError.deliveryOfNetworkCode("ECONNREFUSED") // "notSent"
 * IntegrationError.deliveryOfNetworkCode("ECONNRESET") // "maybeSent"
 * ```
 * @since 0.1.0
 */
export const deliveryOfNetworkCode = (code: string | undefined): Delivery =>
  code !== undefined && beforeWrite.has(code) ? "notSent" : "maybeSent"

/**
 * The `code` of a network error, read down its `cause` chain (fetch's
 * `TypeError: fetch failed` keeps the socket's code in `cause`, axios on the
 * error itself); `undefined` when there is none.
 *
 * @example
 * ```ts
 * IntegrationError.networkCodeOf(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } })) // "ECONNREFUSED"
 * ```
 * @since 0.1.0
 */
export const networkCodeOf = (cause: unknown): string | undefined => {
  let current = cause
  // Bounded: a cause chain may loop.
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code: unknown = (current as { readonly code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { readonly cause?: unknown }).cause
  }
  return undefined
}
