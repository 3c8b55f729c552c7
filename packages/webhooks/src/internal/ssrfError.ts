/**
 * The typed refusal of the SSRF guard, shared by the connector (which fails
 * connections with it) and the public module (which re-exports it).
 *
 * @internal
 */
import { Schema } from "effect"

/**
 * Which rule refused the destination: not a URL, a scheme other than http(s),
 * credentials in the URL, or an address in a blocked range.
 *
 * @example
 * ```ts
 * const rule: SsrfGuard.Rule = "address"
 * ```
 * @since 0.1.0
 */
export const Rule = Schema.Literals(["url", "scheme", "userinfo", "address"])

/** @since 0.1.0 */
export type Rule = typeof Rule.Type

/**
 * A delivery was refused before any byte left: the vendor's URL points at
 * something WedSync must not reach (a private, loopback, link-local or
 * metadata address, directly or through DNS), or is not an http(s) URL
 * without credentials. Carries the host, the refused address and the range
 * it fell in; never the URL's path or query, which may hold tokens.
 *
 * @example
 * ```ts
 * const error = new SsrfGuard.SsrfBlocked({ rule: "address", host: "hooks.vendor.example", address: "10.0.0.7", range: "private" })
 * error.message // "destination blocked: hooks.vendor.example resolves to 10.0.0.7 (private)"
 * ```
 * @since 0.1.0
 */
export class SsrfBlocked extends Schema.TaggedError<SsrfBlocked>("@wedsync/webhooks/SsrfBlocked")("SsrfBlocked", {
  rule: Rule,
  /** The URL's host (an IP literal without brackets, or a name), when it had one. */
  host: Schema.optional(Schema.String),
  /** The refused address (the literal, or what the name resolved to). */
  address: Schema.optional(Schema.String),
  /** The ipaddr.js range name (`"private"`, `"loopback"`, `"ipv4Mapped(loopback)"`) or `"cloudMetadata"`. */
  range: Schema.optional(Schema.String),
  /** The refused scheme, for `rule: "scheme"`. */
  scheme: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const host = this.host ?? "(no host)"
    if (this.rule === "url") return "destination blocked: not a valid URL"
    if (this.rule === "scheme") return `destination blocked: scheme ${this.scheme ?? "(none)"} is not http or https`
    if (this.rule === "userinfo") return `destination blocked: credentials in the URL of ${host}`
    const range = this.range ?? "blocked range"
    return this.address === undefined || this.address === this.host
      ? `destination blocked: ${host} (${range})`
      : `destination blocked: ${host} resolves to ${this.address} (${range})`
  }
}

/** The first {@link SsrfBlocked} in an error's `cause` chain (fetch wraps connect errors). @internal */
export const findBlocked = (error: unknown): SsrfBlocked | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    if (current instanceof SsrfBlocked) return current
    current = (current as { readonly cause?: unknown }).cause
  }
  return undefined
}
