/**
 * A small JSON-over-HTTP client for venue and vendor booking systems, on
 * Effect's `HttpClient` (provide one: `FetchHttpClient.layer`, or
 * `NodeHttpClient` from `@effect/platform-node`).
 *
 * Every call runs under core's `vendor_api` policy through
 * `Resilience.protect` (service `"vendor_api"`, provider = the vendor's name:
 * 20 s timeout, its own circuit and bulkhead, in-call retry of transient
 * failures). Answers are classified once, here (see `internal/vendorErrors.ts`
 * for the table): 400/404/422 `InvalidRequest`, 409 `Rejected`, 401
 * `Unauthorized`, 403 `Misconfigured`, 408/429 `RateLimited` with
 * `Retry-After`, 5xx `Unavailable` (503 not sent, others maybe sent), a
 * refused connection not sent, our timeout `TimedOut`. Bodies are decoded
 * with the caller's schema; a body that does not match names the field.
 *
 * Writes (`POST`/`PUT`/`PATCH`/`DELETE`) need a business key: their
 * `Idempotency-Key` is derived from it (the same on every retry), so they are
 * retried in the call as idempotent. `getCached` serves the last good answer
 * through core's `StaleReads` while the vendor is down, with the spec's
 * message "Vendor data temporarily cached, manual sync may be required".
 * The bearer token is `Redacted`: it is never logged or put in an error.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted, Schema } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Resilience } from "@wedsync/core"
 * import { VendorApi } from "@wedsync/adapter-vendor"
 *
 * const Availability = Schema.Struct({ slots: Schema.Array(Schema.Struct({ slot: Schema.String, available: Schema.Boolean })) })
 * const program = Effect.gen(function* () {
 *   const venuebook = yield* VendorApi.VendorApi
 *   return yield* venuebook.get({ path: "/v1/venues/venue_12/availability", query: { date: "2026-06-20" }, schema: Availability })
 * }).pipe(
 *   Effect.provide(VendorApi.layer({ vendor: "venuebook", baseUrl: "https://api.venuebook.example", token: Redacted.make("vb_…") })),
 *   Effect.provide(Layer.merge(FetchHttpClient.layer, Resilience.layerMemory()))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { AdapterConfig, type IntegrationError, Resilience, StaleReads, type StatusReason } from "@wedsync/core"
import { type Config, Context, Effect, Layer, type Redacted, Result, type Schema } from "effect"
import { HttpClient } from "effect/http"
import { type Connection, exchange, idempotencyKey as deriveKey, type Query } from "./internal/vendorHttp.ts"

/** The spec's words on data served from the cache (SPEC-WS-198 `vendorApiFallback`). @since 0.1.0 */
export const staleMessage = "Vendor data temporarily cached, manual sync may be required" as const

/** Options of a vendor client. @since 0.1.0 */
export interface Options {
  /** The vendor's name: the provider in errors, circuits, health and policy overrides, e.g. `"venuebook"`. */
  readonly vendor: string
  /** The API's base URL (http or https, no credentials in it); paths are resolved under its path. */
  readonly baseUrl: string
  /** Sent as `Authorization: Bearer …`; never logged. */
  readonly token?: Redacted.Redacted<string> | undefined
  /** Statuses this vendor uses differently, e.g. `{ 423: "Rejected" }` (a locked slot). */
  readonly statusExceptions?: StatusReason.Exceptions | undefined
}

/** A read: `GET path?query`, the body decoded with `schema`. @since 0.1.0 */
export interface ReadRequest<A> {
  readonly path: string
  readonly query?: Query | undefined
  readonly schema: Schema.Codec<A, unknown>
  /** The operation's name in errors, spans and metrics (default `"get"`). */
  readonly operation?: string | undefined
}

/** A read served stale while the vendor is down. @since 0.1.0 */
export interface CachedReadRequest<A> extends ReadRequest<A> {
  /** The cache key (default: path and query). Hashed before it is stored. */
  readonly cacheKey?: string | undefined
  /** Overrides the policy's `maxStalenessMillis` (1 hour for `vendor_api`). */
  readonly maxStalenessMillis?: number | undefined
}

/** A write, sent with an `Idempotency-Key` derived from `key`. @since 0.1.0 */
export interface WriteRequest<A> {
  readonly method: "POST" | "PUT" | "PATCH" | "DELETE"
  readonly path: string
  /** The business key, e.g. `booking:wedding_42:venue_12:2026-06-20`: the same on every retry of this write. */
  readonly key: string
  /** A JSON body. */
  readonly body?: unknown
  readonly query?: Query | undefined
  readonly schema: Schema.Codec<A, unknown>
  /** The operation's name in errors, spans and metrics (default the method in lower case). */
  readonly operation?: string | undefined
}

/** The last good answer, with its age and the spec's message. @since 0.1.0 */
export interface StaleData<A> extends StaleReads.Stale<A> {
  readonly dataFreshness: "stale_but_acceptable"
  readonly message: typeof staleMessage
}

/** What `getCached` answers. @since 0.1.0 */
export type CachedAnswer<A> = StaleReads.Fresh<A> | StaleData<A>

/** A client of one vendor. @since 0.1.0 */
export interface Client {
  readonly vendor: string
  /** A read under the `vendor_api` policy (retried in the call: a GET is safe). */
  readonly get: <A>(request: ReadRequest<A>) => Effect.Effect<A, IntegrationError.IntegrationError>
  /** A read that answers the last good value, with its age, while the vendor is down. */
  readonly getCached: <A>(
    request: CachedReadRequest<A>
  ) => Effect.Effect<CachedAnswer<A>, IntegrationError.IntegrationError, StaleReads.StaleReads>
  /** A keyed write, retried in the call as idempotent. */
  readonly write: <A>(request: WriteRequest<A>) => Effect.Effect<A, IntegrationError.IntegrationError>
}

/**
 * A vendor client as a service, for an application with one vendor (or its
 * own tags per vendor built with {@link make}).
 *
 * @example
 * ```ts
 * const bookings = yield* (yield* VendorApi.VendorApi).get({ path: "/v1/bookings", schema: Bookings })
 * ```
 * @since 0.1.0
 */
export class VendorApi extends Context.Service<VendorApi, Client>()("@wedsync/adapter-vendor/VendorApi") {}

/**
 * The `Idempotency-Key` a write with this business key sends (what the vendor
 * sees; a SHA-256, so the business key itself is not sent).
 *
 * @example
 * ```ts
 * VendorApi.idempotencyKey("venuebook", "POST", "/v1/bookings", "booking:wedding_42") // "wsk_…"
 * ```
 * @since 0.1.0
 */
export const idempotencyKey: (vendor: string, method: string, path: string, key: string) => string = deriveKey

const check = (options: Options) =>
  Result.gen(function* () {
    const vendor = yield* AdapterConfig.nonEmptyText("vendor", "vendor", options.vendor)
    const baseUrl = yield* AdapterConfig.baseUrl(vendor, "baseUrl", options.baseUrl)
    const token =
      options.token === undefined ? undefined : yield* AdapterConfig.nonEmptySecret(vendor, "token", options.token)
    return { vendor, baseUrl, token }
  })

const queryKey = (query: Query | undefined): string =>
  Object.entries(query ?? {})
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join("&")

const client = (connection: Connection, resilience: Resilience.Resilience["Service"]): Client => {
  const protect = <A>(effect: Effect.Effect<A, IntegrationError.IntegrationError>, operation: string) =>
    Resilience.protect(effect, {
      service: "vendor_api",
      provider: connection.vendor,
      operation,
      idempotent: true
    }).pipe(Effect.provideService(Resilience.Resilience, resilience))
  const get = <A>(request: ReadRequest<A>) => {
    const operation = request.operation ?? "get"
    return protect(
      exchange(connection, {
        method: "GET",
        path: request.path,
        query: request.query,
        operation,
        schema: request.schema
      }),
      operation
    )
  }
  return {
    vendor: connection.vendor,
    get,
    getCached: (request) =>
      StaleReads.read(get(request), {
        service: "vendor_api",
        provider: connection.vendor,
        key: request.cacheKey ?? `GET ${request.path}?${queryKey(request.query)}`,
        schema: request.schema,
        maxStalenessMillis: request.maxStalenessMillis
      }).pipe(
        Effect.map((answer) =>
          answer._tag === "Fresh"
            ? answer
            : { ...answer, dataFreshness: "stale_but_acceptable" as const, message: staleMessage }
        )
      ),
    write: (request) => {
      const operation = request.operation ?? request.method.toLowerCase()
      const key = deriveKey(connection.vendor, request.method, request.path, request.key)
      return protect(
        exchange(connection, { ...request, operation, idempotencyKey: key, schema: request.schema }),
        operation
      )
    }
  }
}

/**
 * A client of one vendor on the `HttpClient` and `Resilience` in context.
 * Fails with `Misconfigured` naming the field for an empty vendor name, a
 * base URL that is not http(s) or carries credentials, or an empty token.
 *
 * @example
 * ```ts
 * const venuebook = yield* VendorApi.make({ vendor: "venuebook", baseUrl: "https://api.venuebook.example" })
 * const booking = yield* venuebook.write({ method: "POST", path: "/v1/bookings", key: "booking:wedding_42", body, schema: Booking })
 * ```
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<Client, IntegrationError.IntegrationError, HttpClient.HttpClient | Resilience.Resilience> =>
  Effect.gen(function* () {
    const checked = yield* Effect.fromResult(check(options))
    const http = yield* HttpClient.HttpClient
    const resilience = yield* Resilience.Resilience
    return client({ ...checked, exceptions: options.statusExceptions, client: http }, resilience)
  })

/**
 * {@link VendorApi} for one vendor.
 *
 * @example
 * ```ts
 * const vendor = VendorApi.layer({ vendor: "venuebook", baseUrl: sim.url, token: Redacted.make(sim.credentials.apiToken) })
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<VendorApi, IntegrationError.IntegrationError, HttpClient.HttpClient | Resilience.Resilience> =>
  Layer.effect(VendorApi, make(options))

/**
 * {@link VendorApi} from `Config` (the token as `Config.Redacted`); a value
 * that cannot be read fails as the vendor's `Misconfigured`.
 *
 * @example
 * ```ts
 * VendorApi.layerConfig({ vendor: Config.succeed("venuebook"), baseUrl: Config.String("VENUEBOOK_URL"), token: Config.Redacted("VENUEBOOK_TOKEN") })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<VendorApi, IntegrationError.IntegrationError, HttpClient.HttpClient | Resilience.Resilience> =>
  Layer.effect(VendorApi, Effect.flatMap(AdapterConfig.unwrap("vendor", config), make))
