/**
 * What both email webhook sources check a delivery with: credentials compared
 * in constant time, the sender's address against an allowlist, and the
 * errors a refusal or a bad configuration fails with.
 *
 * @internal
 */
import { BlockList, isIP } from "node:net"
import { Effect, Result } from "effect"
import { AdapterConfig, ConstantTime, IntegrationError, type WebhookSource } from "@wedsync/core"

/**
 * Whether two strings are equal, in time independent of where they differ
 * and of their lengths: core's `ConstantTime.equals`.
 *
 * @internal
 */
export const constantTimeEqual = (given: string, expected: string): boolean => ConstantTime.equals(given, expected)

/** A refused delivery: `SignatureInvalid`, with a description that names no secret. @internal */
export const forged = (provider: string, description: string): IntegrationError.IntegrationError =>
  IntegrationError.make(provider, "webhook", new IntegrationError.SignatureInvalid({ description }))

/** An authentic delivery whose body cannot be read. @internal */
export const unreadable = (
  provider: string,
  operation: string,
  description: string
): IntegrationError.IntegrationError =>
  IntegrationError.make(provider, operation, new IntegrationError.PayloadInvalid({ description }))

/** A source built with options it cannot work with. @internal */
export const misconfigured = (provider: string, description: string): IntegrationError.IntegrationError =>
  IntegrationError.make(provider, "webhook.configure", new IntegrationError.Misconfigured({ description }))

/**
 * A bounded wait among a source's options (a tolerance), checked like an
 * adapter's timeout and failing as the source's {@link misconfigured}.
 *
 * @internal
 */
export const window = (provider: string, field: string, value: Parameters<typeof AdapterConfig.timeout>[2]) =>
  Result.mapError(AdapterConfig.timeout(provider, field, value), (error) =>
    misconfigured(provider, error.reason.message)
  )

/**
 * A source's `verify` that never throws: a delivery that makes the check
 * throw is refused as `PayloadInvalid`, with the thrown words and no secret.
 *
 * @internal
 */
export const guarded =
  (
    provider: string,
    secrets: ReadonlyArray<string>,
    verify: WebhookSource.WebhookSource["Service"]["verify"]
  ): WebhookSource.WebhookSource["Service"]["verify"] =>
  (request) =>
    Effect.suspend(() => verify(request)).pipe(
      Effect.catchDefect((defect) =>
        Effect.fail(unreadable(provider, "webhook", `unexpected ${AdapterConfig.describeDefect(defect, secrets)}`))
      )
    )

/** `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) as `192.0.2.1`. */
const normalize = (address: string): string => {
  const trimmed = address.trim()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)?.[1]
  return mapped ?? trimmed
}

/** Which addresses may deliver: exact IPv4/IPv6 addresses and CIDR ranges. @internal */
export interface Allowlist {
  readonly allows: (address: string) => boolean
}

/**
 * An allowlist from entries such as `"50.31.156.6"`, `"3.134.147.0/24"` or
 * `"2001:db8::/32"`; the entries it cannot read, when any.
 *
 * @internal
 */
export const allowlist = (entries: ReadonlyArray<string>): Allowlist | { readonly invalid: ReadonlyArray<string> } => {
  const list = new BlockList()
  const invalid: Array<string> = []
  for (const entry of entries) {
    const [address = "", prefix, ...rest] = entry.trim().split("/")
    const version = isIP(address)
    const bits = prefix === undefined ? undefined : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN
    const family = version === 4 ? "ipv4" : "ipv6"
    if (version === 0 || rest.length > 0 || (bits !== undefined && !(bits <= (version === 4 ? 32 : 128)))) {
      invalid.push(entry)
    } else if (bits === undefined) list.addAddress(address, family)
    else list.addSubnet(address, bits, family)
  }
  if (invalid.length > 0) return { invalid }
  return {
    allows: (address) => {
      const candidate = normalize(address)
      const version = isIP(candidate)
      return version !== 0 && list.check(candidate, version === 4 ? "ipv4" : "ipv6")
    }
  }
}

/**
 * The address a delivery came from: the socket's peer, or (only when the
 * proxy in front is trusted to set it) the first `X-Forwarded-For` hop.
 *
 * @internal
 */
export const senderAddress = (
  request: { readonly remoteAddress?: string | undefined; readonly headers: Readonly<Record<string, string>> },
  trustForwardedFor: boolean
): string | undefined => {
  const forwarded = trustForwardedFor ? request.headers["x-forwarded-for"]?.split(",")[0]?.trim() : undefined
  return forwarded !== undefined && forwarded !== "" ? forwarded : request.remoteAddress
}

/**
 * The `user:password` pair of an `Authorization: Basic …` header, or
 * `undefined` when the header is absent or not Basic.
 *
 * @internal
 */
export const basicCredentials = (header: string | undefined): string | undefined => {
  const encoded = header === undefined ? undefined : /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header)?.[1]
  return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8")
}
