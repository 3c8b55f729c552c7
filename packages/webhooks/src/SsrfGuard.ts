/**
 * The SSRF guard for requests WedSync sends to vendor-configured URLs
 * (outbound webhooks, vendor callbacks). A vendor types the URL, so it may
 * point at our own network: `http://169.254.169.254/` (cloud credentials),
 * `http://localhost:6379/`, or a name whose DNS answer is one of those.
 *
 * The check runs where the connection is opened, on the addresses it is
 * opened to, as Svix does (`whitelist_subnets`), not only on the URL's text:
 *
 * - the guard's undici dispatcher resolves each name itself (every address),
 *   refuses the connection if any address is blocked, and connects only to
 *   the addresses it checked: a DNS answer that changes between check and
 *   connect (rebinding) is never consulted. The `Host` header and the TLS
 *   SNI and certificate check stay those of the URL;
 * - IP literals (`http://2130706433/` is `127.0.0.1` after WHATWG parsing)
 *   are checked the same way without DNS;
 * - blocked: everything ipaddr.js does not class as unicast (private,
 *   loopback, link-local, CGNAT, unspecified, multicast, broadcast,
 *   reserved, unique-local, 6to4, Teredo, ...), IPv4 embedded in IPv6
 *   (`::ffff:127.0.0.1`, NAT64 `64:ff9b::a.b.c.d`) judged as that IPv4, and
 *   cloud metadata addresses (which no allowlist opens);
 * - schemes other than http(s) and credentials in the URL are refused;
 * - redirects are never followed: a 3xx is the endpoint's answer.
 *
 * A refusal is a typed {@link SsrfBlocked}; for the endpoint it means its URL
 * is wrong ({@link toIntegrationError}: `Misconfigured`, not retried).
 *
 * @example
 * ```ts
 * import { SsrfGuard } from "@wedsync/webhooks"
 *
 * const guard = SsrfGuard.make({ allow: ["10.20.0.0/16"] })
 * const response = await guard.fetch("https://hooks.vendor.example/wedsync", { method: "POST", body })
 * // or, for Effect's HttpClient:
 * const HttpLive = SsrfGuard.layerHttpClient({})
 * ```
 *
 * @since 0.1.0
 */
import type { ConnectionOptions } from "node:tls"
import { Duration, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { IntegrationError } from "@wedsync/core"
import {
  Agent,
  type Dispatcher,
  FormData as UndiciFormData,
  fetch as undiciFetch,
  type RequestInit as UndiciRequestInit
} from "undici"
import * as Connector from "./internal/ssrfConnector.ts"
import { findBlocked, SsrfBlocked } from "./internal/ssrfError.ts"
import { isAddress, parseAllowlist, unbracket, verdict } from "./internal/ssrfRanges.ts"

export { Rule, SsrfBlocked } from "./internal/ssrfError.ts"

/**
 * One address a name resolves to, as a {@link Options.lookup} returns it.
 *
 * @example
 * ```ts
 * const answer: SsrfGuard.ResolvedAddress = { address: "203.0.113.7", family: 4 }
 * ```
 * @since 0.1.0
 */
export type ResolvedAddress = Connector.ResolvedAddress

/**
 * How the guard is set up.
 *
 * @example
 * ```ts
 * const options: SsrfGuard.Options = { allow: ["10.20.0.0/16", "hooks.internal.example"], connectTimeout: "5 seconds" }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /**
   * Destinations reachable although blocked by default: CIDR blocks
   * (`"10.20.0.0/16"`, `"::1/128"`), single addresses, or hostnames (trusted
   * whatever they resolve to). Cloud metadata addresses stay blocked.
   * An entry that is none of these throws at `make`.
   */
  readonly allow?: ReadonlyArray<string> | undefined
  /** Resolves a name to all its addresses (default `dns.lookup` with `all: true`). Tests inject a fake DNS here. */
  readonly lookup?: ((hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>) | undefined
  /** Longest a connection may take to open (default 10 seconds). */
  readonly connectTimeout?: Duration.Input | undefined
  /** TLS options for https endpoints (a private CA, client certificates); the server name is always the URL's host. */
  readonly tls?: Omit<ConnectionOptions, "host" | "port" | "servername" | "socket" | "lookup" | "path"> | undefined
  /** Further undici `Agent` options (timeouts, pool sizes); the connector is the guard's. */
  readonly agent?: Omit<Agent.Options, "connect" | "factory" | "connectTimeout"> | undefined
}

/**
 * A guard: its dispatcher (for undici or any client that takes one), a
 * `fetch` that uses it and never follows redirects, a pre-flight `check`,
 * and `close` for its connection pool.
 *
 * @example
 * ```ts
 * const guard: SsrfGuard.Guard = SsrfGuard.make({})
 * await undici.request("https://hooks.vendor.example/", { dispatcher: guard.dispatcher })
 * ```
 * @since 0.1.0
 */
export interface Guard {
  /** An undici dispatcher whose every connection goes through the guard. */
  readonly dispatcher: Dispatcher
  /**
   * `fetch` through the dispatcher, with `redirect: "manual"` forced: a 3xx
   * comes back as the answer. Rejects with {@link SsrfBlocked} when the
   * destination is refused, before anything is sent.
   */
  readonly fetch: (input: string | URL, init?: RequestInit) => Promise<Response>
  /**
   * Checks a URL now (its text, then what its name resolves to), e.g. when a
   * vendor saves an endpoint. Not a substitute for the connect-time check:
   * DNS can change. A name that does not resolve is not refused here; a
   * delivery to it fails as an unreachable endpoint.
   */
  readonly check: (url: string | URL) => Effect.Effect<URL, SsrfBlocked>
  /** Closes the dispatcher's connections. */
  readonly close: () => Promise<void>
}

/**
 * The range that blocks `address` (an IPv4 or IPv6 literal, no brackets)
 * under the guard's rules, or `undefined` when it may be reached.
 *
 * @example
 * ```ts
 * SsrfGuard.blockedRange("10.1.2.3") // "private"
 * SsrfGuard.blockedRange("::ffff:127.0.0.1") // "ipv4Mapped(loopback)"
 * SsrfGuard.blockedRange("127.0.0.1", { allow: ["127.0.0.1/32"] }) // undefined
 * SsrfGuard.blockedRange("93.184.215.14") // undefined
 * ```
 * @since 0.1.0
 */
export const blockedRange = (address: string, options: Pick<Options, "allow"> = {}): string | undefined =>
  verdict(unbracket(address), parseAllowlist(options.allow ?? []))?.range

/**
 * What may be read from a URL's text alone: the scheme, userinfo and, for an
 * IP literal, the address. Returns the parsed URL or the refusal.
 */
const checkText = (input: string | URL, allow: ReturnType<typeof parseAllowlist>): URL | SsrfBlocked => {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return new SsrfBlocked({ rule: "url" })
  }
  const host = unbracket(url.hostname)
  const hostField = host === "" ? {} : { host }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return new SsrfBlocked({ rule: "scheme", scheme: url.protocol.replace(/:$/, ""), ...hostField })
  }
  if (url.username !== "" || url.password !== "") return new SsrfBlocked({ rule: "userinfo", ...hostField })
  if (isAddress(host)) {
    const blocked = verdict(host, allow)
    if (blocked !== undefined) return new SsrfBlocked({ rule: "address", host, ...blocked })
  }
  return url
}

// Node's global FormData comes from the undici bundled with Node, which this undici's fetch does not recognise
// (it would send the text "[object FormData]"); every other body type (string, bytes, Blob, stream) is shared.
const initOf = (init: RequestInit | undefined, dispatcher: Dispatcher): UndiciRequestInit => {
  const body = init?.body
  if (!(body instanceof FormData) || body instanceof UndiciFormData) {
    return { ...(init as UndiciRequestInit), redirect: "manual", dispatcher }
  }
  const form = new UndiciFormData()
  for (const [name, value] of body) form.append(name, value)
  return { ...(init as UndiciRequestInit), body: form, redirect: "manual", dispatcher }
}

/**
 * Builds a guard. Each guard owns a connection pool: make one per process
 * (or per layer) and `close` it on shutdown.
 *
 * @example
 * ```ts
 * const guard = SsrfGuard.make({ allow: ["127.0.0.1/32"] })
 * const response = await guard.fetch("http://127.0.0.1:8080/hook", { method: "POST", body: "{}" })
 * response.status // a 302 stays a 302
 * await guard.close()
 * ```
 * @since 0.1.0
 */
export const make = (options: Options = {}): Guard => {
  const allow = parseAllowlist(options.allow ?? [])
  const resolve = options.lookup ?? Connector.systemResolver
  const timeout = Duration.toMillis(Duration.fromInputUnsafe(options.connectTimeout ?? Duration.seconds(10)))
  const dispatcher = new Agent({
    ...options.agent,
    connect: Connector.make(allow, resolve, { ...options.tls, timeout })
  })

  const fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = checkText(input, allow)
    if (url instanceof SsrfBlocked) throw url
    try {
      // undici's own fetch: Node's global one may bundle another undici, whose handler API an Agent of this one may not speak.
      const response = await undiciFetch(url, initOf(init, dispatcher))
      return response as unknown as Response
    } catch (error) {
      throw findBlocked(error) ?? error
    }
  }

  const check = (input: string | URL): Effect.Effect<URL, SsrfBlocked> => {
    const url = checkText(input, allow)
    if (url instanceof SsrfBlocked) return Effect.fail(url)
    const host = unbracket(url.hostname)
    if (isAddress(host)) return Effect.succeed(url)
    return Effect.tryPromise(() => resolve(host)).pipe(
      Effect.option,
      Effect.flatMap((answer) => {
        const blocked = answer._tag === "Some" ? Connector.refusal(host, answer.value, allow) : undefined
        return blocked === undefined ? Effect.succeed(url) : Effect.fail(blocked)
      })
    )
  }

  return { dispatcher, fetch, check, close: () => dispatcher.close() }
}

/**
 * Effect's `HttpClient` on `fetch`, every request through a guard (built
 * with the layer, closed when it is released). The guard's `fetch` replaces
 * any `FetchHttpClient.Fetch` in the caller's context, and redirects come
 * back as responses; `HttpClient.followRedirects` would send each hop
 * through the guard again.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function*() {
 *   const client = yield* HttpClient.HttpClient
 *   return yield* client.post("https://hooks.vendor.example/wedsync", { body: HttpBody.jsonUnsafe(event) })
 * }).pipe(Effect.provide(SsrfGuard.layerHttpClient({ connectTimeout: "5 seconds" })))
 * // a blocked destination fails with HttpClientError (TransportError) whose cause is SsrfBlocked
 * ```
 * @since 0.1.0
 */
export const layerHttpClient = (options: Options = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(HttpClient.HttpClient)(
    Effect.gen(function* () {
      const guard = yield* Effect.acquireRelease(
        Effect.sync(() => make(options)),
        (guard) => Effect.promise(() => guard.close())
      )
      const client = yield* Effect.provide(Effect.service(HttpClient.HttpClient), FetchHttpClient.layer)
      const guarded = guard.fetch as typeof globalThis.fetch
      // Provided around each request, inside the caller's context: a `Fetch` the caller provides cannot bypass the guard.
      return HttpClient.transformResponse(client, Effect.provideService(FetchHttpClient.Fetch, guarded))
    })
  )

/**
 * A refusal as the endpoint's `IntegrationError`: `Misconfigured` (the
 * vendor's URL is wrong; not retried), `delivery: "notSent"` (nothing left).
 * The description names the host, address and range, never the URL.
 *
 * @example
 * ```ts
 * const failed = Effect.mapError(guard.check(url), (blocked) =>
 *   SsrfGuard.toIntegrationError(blocked, { provider: "webhook:vendor_42", operation: "deliver" })
 * )
 * ```
 * @since 0.1.0
 */
export const toIntegrationError = (
  error: SsrfBlocked,
  context: { readonly provider: string; readonly operation: string; readonly correlationId?: string | undefined }
): IntegrationError.IntegrationError =>
  IntegrationError.make(
    context.provider,
    context.operation,
    new IntegrationError.Misconfigured({ description: error.message }),
    { delivery: "notSent", providerCode: "SsrfBlocked", correlationId: context.correlationId }
  )

/**
 * The {@link SsrfBlocked} behind a failure: the value itself, the `cause` of
 * a fetch error, or the transport cause of an `HttpClientError`; `undefined`
 * when the failure is something else.
 *
 * @example
 * ```ts
 * guard.fetch(url).catch((error) => SsrfGuard.blockedIn(error)?.range)
 * ```
 * @since 0.1.0
 */
export const blockedIn = (error: unknown): SsrfBlocked | undefined => {
  const direct = findBlocked(error)
  if (direct !== undefined) return direct
  // HttpClientError keeps the transport failure on its reason.
  const reason =
    typeof error === "object" && error !== null ? (error as { readonly reason?: unknown }).reason : undefined
  return findBlocked(reason)
}
