/**
 * The admin HTTP API served: the handlers of every `AdminApi` group over the
 * services of core, durable, webhooks and ops, bearer-token authorization,
 * request errors as 400 problems naming the field, and the OpenAPI document
 * at `/admin/openapi.json`. It registers routes on an `HttpRouter`; serve it
 * on its own port or next to the inbound webhook routes.
 *
 * Tokens come from configuration (`WEDSYNC_ADMIN_TOKENS`, JSON), each with a
 * name and a scope: `read` answers GET endpoints, `operator` also mutates.
 * Every mutation is audited with the token's name as the actor.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { NodeHttpServer } from "@effect/platform-node"
 * import { Admin } from "@wedsync/ops"
 *
 * // WEDSYNC_ADMIN_TOKENS='[{"name":"ana","token":"…","scope":"operator"}]'
 * const AdminServer = HttpRouter.serve(Admin.layerConfig()).pipe(
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 8081 })),
 *   Layer.provide(services) // DeadLetters, Quarantine, Overrides, Outbound.Endpoints, Watchdog, ...
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { Audit, Overrides, Resilience } from "@wedsync/core"
import type { DeadLetters, Outbox } from "@wedsync/durable"
import type { Inbound, Outbound, Quarantine, Watchdog } from "@wedsync/webhooks"
import { type Config, Duration, Effect, Layer } from "effect"
import type { Etag, HttpPlatform, HttpRouter } from "effect/http"
import type { FileSystem } from "effect/FileSystem"
import { HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import type { Path } from "effect/Path"
import { AdminApi, OPENAPI_PATH } from "./AdminApi.ts"
import type * as Impact from "./Impact.ts"
import type { IncidentLog } from "./IncidentLog.ts"
import * as Auth from "./internal/admin/auth.ts"
import * as DeadLettersHandlers from "./internal/admin/deadLetters.ts"
import * as EndpointsHandlers from "./internal/admin/endpoints.ts"
import * as InsightHandlers from "./internal/admin/insight.ts"
import * as OverridesHandlers from "./internal/admin/overrides.ts"
import * as QuarantineHandlers from "./internal/admin/quarantine.ts"
import * as Status from "./internal/admin/status.ts"
import type { WeddingDirectory } from "./WeddingDirectory.ts"

/**
 * One bearer token: its holder's name (the actor of audit entries), the
 * secret (at least 16 characters) and its scope.
 *
 * @example
 * ```ts
 * const token: Admin.Token = { name: "ana", token: Redacted.make(process.env.ANA_TOKEN ?? ""), scope: "operator" }
 * ```
 * @since 0.1.0
 */
export type Token = Auth.Token

/**
 * The configured tokens cannot be used: none, a name twice, an empty name, a
 * token shorter than 16 characters.
 *
 * @example
 * ```ts
 * Admin.layer({ tokens: [] }) // fails with TokensInvalid when built
 * ```
 * @since 0.1.0
 */
export const TokensInvalid = Auth.TokensInvalid

/** @since 0.1.0 */
export type TokensInvalid = Auth.TokensInvalid

/**
 * How the admin API is served.
 *
 * @example
 * ```ts
 * const options: Admin.Options = { tokens, sources: { stripe: StripeWebhooks.make({ secret }) }, readyTimeout: "2 seconds" }
 * ```
 * @since 0.1.0
 */
export interface Options {
  readonly tokens: ReadonlyArray<Token>
  /** The webhook source of each provider, by provider name, for re-injecting quarantined deliveries. */
  readonly sources?: Readonly<Record<string, Inbound.Source>> | undefined
  /** How long the ready probe waits for each store (default 2 seconds). */
  readonly readyTimeout?: Duration.Input | undefined
}

/**
 * The services the handlers read and act on. The ready probe also checks a
 * `SqlClient` and a Redis connection (`effect/persistence` `Redis`) when they
 * are in context.
 *
 * @example
 * ```ts
 * const needs: Layer.Layer<Admin.Services> = Layer.mergeAll(deadLetters, quarantine, overrides, ...)
 * ```
 * @since 0.1.0
 */
export type Services =
  | Audit.Audit
  | DeadLetters.DeadLetters
  | Impact.Counts
  | IncidentLog
  | Outbound.Endpoints
  | Outbox.Outbox
  | Overrides.Overrides
  | Quarantine.Quarantine
  | Resilience.Resilience
  | Watchdog.Watchdog
  | WeddingDirectory

/**
 * What `HttpApiBuilder` needs from the platform (`NodeHttpServer.layer`
 * provides all of it) besides the router.
 *
 * @example
 * ```ts
 * const platform: Layer.Layer<Admin.Platform> = NodeHttpServer.layerHttpServices
 * ```
 * @since 0.1.0
 */
export type Platform = Etag.Generator | FileSystem | HttpPlatform.HttpPlatform | Path

/**
 * The handlers of every group, with authorization and problem details
 * provided: what `HttpApiBuilder.layer(AdminApi)` needs to serve the API
 * (use it to mount `AdminApi` your own way).
 *
 * @example
 * ```ts
 * const api = HttpApiBuilder.layer(AdminApi.AdminApi).pipe(Layer.provide(Admin.handlers({ tokens })))
 * ```
 * @since 0.1.0
 */
export const handlers = (options: Options) =>
  Layer.mergeAll(
    Status.probesLayer(Duration.fromInputUnsafe(options.readyTimeout ?? "2 seconds")),
    Status.providersLayer,
    DeadLettersHandlers.layer,
    QuarantineHandlers.layer(options.sources ?? {}),
    OverridesHandlers.layer,
    EndpointsHandlers.layer,
    InsightHandlers.layer
  ).pipe(
    Layer.provide(Auth.layerAuthorization(options.tokens)),
    Layer.provide(HttpApiMiddleware.layerProblemDetails({ includeDetails: true }))
  )

/**
 * The admin API's routes (and the OpenAPI document at
 * `/admin/openapi.json`) on the `HttpRouter`; fails to build when the tokens
 * are unusable.
 *
 * @example
 * ```ts
 * const server = HttpRouter.serve(Admin.layer({ tokens })).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 8081 })))
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<never, TokensInvalid, HttpRouter.HttpRouter | Platform | Services> =>
  Layer.unwrap(
    Effect.map(Auth.checkTokens(options.tokens), (tokens) =>
      HttpApiBuilder.layer(AdminApi, { openapiPath: OPENAPI_PATH }).pipe(
        Layer.provide(handlers({ ...options, tokens }))
      )
    )
  )

/**
 * The tokens from configuration: `WEDSYNC_ADMIN_TOKENS` (or `name`), JSON
 * `[{"name":"ana","token":"…","scope":"read"|"operator"}]`, read redacted.
 *
 * @example
 * ```ts
 * const tokens = yield* Admin.tokensConfig()
 * ```
 * @since 0.1.0
 */
export const tokensConfig: (name?: string) => Config.Config<ReadonlyArray<Token>> = Auth.tokensConfig

/**
 * {@link layer} with its tokens from configuration ({@link tokensConfig}).
 *
 * @example
 * ```ts
 * const server = HttpRouter.serve(Admin.layerConfig({ sources })).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 8081 })))
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  options?: Omit<Options, "tokens"> & { readonly tokensName?: string | undefined }
): Layer.Layer<never, TokensInvalid | Config.ConfigError, HttpRouter.HttpRouter | Platform | Services> =>
  Layer.unwrap(Effect.map(Auth.tokensConfig(options?.tokensName), (tokens) => layer({ ...options, tokens })))
