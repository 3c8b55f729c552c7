/**
 * The admin HTTP API of WedSync integrations, as a definition only: groups,
 * endpoints, schemas, errors and security, with no handler and no server, so
 * a CLI or a test can build a typed client from it (`HttpApiClient.make`)
 * without a database. `Admin` implements and serves it.
 *
 * Every endpoint lives under `/admin` and speaks JSON. Probes (`/live`,
 * `/ready`) and the OpenAPI document are open; everything else needs
 * `Authorization: Bearer <token>`: any token reads (GET), only an
 * `operator` token mutates. A request that fails decoding answers a 400
 * problem whose `errors` name the offending field.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpApiClient } from "effect/http-api"
 * import { FetchHttpClient } from "effect/http"
 * import { AdminApi } from "@wedsync/ops"
 *
 * const letters = Effect.gen(function* () {
 *   const client = yield* HttpApiClient.make(AdminApi.AdminApi, { baseUrl: "http://localhost:8080" })
 *   return yield* client.deadLetters.list({ query: { provider: "resend", limit: 20 } })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { Policy } from "@wedsync/core"
import { Context, Schema } from "effect"
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiError,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSecurity
} from "effect/http-api"
import { Conflict, Invalid, NotFound, NotReady, Unavailable } from "./internal/admin/errors.ts"
import * as S from "./internal/admin/schemas.ts"

export { Conflict, Invalid, NotFound, NotReady, Unavailable } from "./internal/admin/errors.ts"
export {
  AuditEntry,
  Assessment,
  DeadLetter,
  DeadLetterFilter,
  Incident,
  OutboundEndpoint,
  ProviderHealth,
  ProviderView,
  QuarantineEntry,
  Readiness,
  Workflow
} from "./internal/admin/schemas.ts"

/**
 * What a token may do: `read` answers GET endpoints, `operator` also mutates.
 *
 * @example
 * ```ts
 * const scope: AdminApi.Scope = "operator"
 * ```
 * @since 0.1.0
 */
export const Scope = Schema.Literals(["read", "operator"])

/** @since 0.1.0 */
export type Scope = typeof Scope.Type

/**
 * Who is calling: the name of the token that authenticated the request (the
 * actor of every audit entry) and its scope.
 *
 * @example
 * ```ts
 * const whoAmI = Effect.map(Effect.service(AdminApi.Actor), (actor) => actor.name)
 * ```
 * @since 0.1.0
 */
export class Actor extends Context.Service<Actor, { readonly name: string; readonly scope: Scope }>()(
  "@wedsync/ops/AdminApi/Actor"
) {}

/**
 * Bearer authentication and scope check for every non-probe endpoint; provides
 * the `Actor`. Missing or unknown token: 401 with `WWW-Authenticate: Bearer`;
 * a `read` token on a mutation: 403. Both are decided before the request is
 * decoded or any store is read.
 *
 * @example
 * ```ts
 * const api = HttpApi.make("mine").add(group).middleware(AdminApi.Authorization)
 * ```
 * @since 0.1.0
 */
export class Authorization extends HttpApiMiddleware.Service<Authorization, { provides: Actor }>()(
  "@wedsync/ops/AdminApi/Authorization",
  {
    security: { bearer: HttpApiSecurity.bearer },
    error: [HttpApiError.Unauthorized, HttpApiError.Forbidden]
  }
) {}

const id = { id: Schema.String.check(Schema.isMinLength(1)) }
const withReason = { reason: S.Reason }
const reasonOnly = Schema.Struct(withReason)

/**
 * Liveness and readiness; open, for load balancers and orchestrators.
 *
 * @example
 * ```ts
 * const ready = client.probes.ready()
 * ```
 * @since 0.1.0
 */
export const Probes = HttpApiGroup.make("probes")
  .add(HttpApiEndpoint.get("live", "/live", { success: Schema.Struct({ status: Schema.Literal("ok") }) }))
  .add(HttpApiEndpoint.get("ready", "/ready", { success: S.Readiness, error: NotReady }))

/**
 * Provider health and breaker states (this instance and across instances), and the incident log.
 *
 * @example
 * ```ts
 * const { thisInstance, acrossInstances } = yield* client.providers.providers()
 * ```
 * @since 0.1.0
 */
export const ProvidersGroup = HttpApiGroup.make("providers")
  .add(HttpApiEndpoint.get("providers", "/providers", { success: S.Providers, error: Unavailable }))
  .add(
    HttpApiEndpoint.get("incidents", "/incidents", {
      query: {
        kind: Schema.optional(S.Incident.fields.kind),
        service: Schema.optional(Schema.String),
        provider: Schema.optional(Schema.String),
        weddingId: Schema.optional(Schema.String),
        since: Schema.optional(Schema.Int),
        until: Schema.optional(Schema.Int),
        limit: Schema.optional(S.Limit),
        cursor: Schema.optional(Schema.String)
      },
      success: Schema.Struct({ items: Schema.Array(S.Incident), nextCursor: Schema.optional(Schema.String) }),
      error: Unavailable
    })
  )

/**
 * Dead letters: filter, inspect, replay one, replay by filter (with a dry run
 * and a maximum), purge (only with `olderThan`).
 *
 * @example
 * ```ts
 * yield* client.deadLetters.replayWhere({ payload: { filter: { provider: "resend" }, limit: 100, dryRun: true, reason: "INC-42" } })
 * ```
 * @since 0.1.0
 */
export const DeadLettersGroup = HttpApiGroup.make("deadLetters")
  .add(
    HttpApiEndpoint.get("list", "/dead-letters", {
      query: { ...S.DeadLetterFilter.fields, limit: Schema.optional(S.Limit), cursor: Schema.optional(Schema.String) },
      success: S.DeadLetterPage,
      error: [Invalid, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.get("get", "/dead-letters/:id", {
      params: id,
      success: S.DeadLetter,
      error: [NotFound, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.post("replay", "/dead-letters/:id/replay", {
      params: id,
      payload: reasonOnly,
      success: S.ReplayOutcome,
      error: [NotFound, Conflict, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.post("replayWhere", "/dead-letters/replay", {
      payload: Schema.Struct({
        filter: S.DeadLetterFilter,
        limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 })),
        dryRun: Schema.Boolean,
        ...withReason
      }),
      success: S.BulkReplayResult,
      error: Unavailable
    })
  )
  .add(
    HttpApiEndpoint.post("purge", "/dead-letters/purge", {
      payload: Schema.Struct({ olderThan: S.DurationText, filter: Schema.optional(S.DeadLetterFilter), ...withReason }),
      success: S.PurgeResult,
      error: [Invalid, Unavailable]
    })
  )

/**
 * Quarantined webhook deliveries: list, inspect, re-inject.
 *
 * @example
 * ```ts
 * yield* client.quarantine.reinject({ params: { id }, payload: { trust: { _tag: "Verify" }, reason: "secret rotated" } })
 * ```
 * @since 0.1.0
 */
export const QuarantineGroup = HttpApiGroup.make("quarantine")
  .add(
    HttpApiEndpoint.get("list", "/quarantine", {
      query: {
        provider: Schema.optional(Schema.String),
        reason: Schema.optional(S.QuarantineEntry.fields.reason),
        status: Schema.optional(S.QuarantineEntry.fields.status),
        since: Schema.optional(Schema.Int),
        limit: Schema.optional(S.Limit)
      },
      success: Schema.Struct({ items: Schema.Array(S.QuarantineEntry) }),
      error: Unavailable
    })
  )
  .add(
    HttpApiEndpoint.get("get", "/quarantine/:id", {
      params: id,
      success: S.QuarantineEntry,
      error: [NotFound, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.post("reinject", "/quarantine/:id/reinject", {
      params: id,
      payload: Schema.Struct({
        trust: S.Trust,
        body: Schema.optional(Schema.String),
        headers: Schema.optional(Schema.Record(Schema.String, Schema.String)),
        ...withReason
      }),
      success: S.Reinjected,
      error: [NotFound, Conflict, Invalid, Unavailable]
    })
  )

/**
 * Operator overrides: list, set, clear.
 *
 * @example
 * ```ts
 * yield* client.overrides.set({ payload: { override: { _tag: "ForceCircuit", service: "email", provider: "resend", state: "open" }, reason: "INC-42" } })
 * ```
 * @since 0.1.0
 */
export const OverridesGroup = HttpApiGroup.make("overrides")
  .add(HttpApiEndpoint.get("list", "/overrides", { success: Schema.Array(S.Override), error: Unavailable }))
  .add(
    HttpApiEndpoint.post("set", "/overrides", {
      payload: Schema.Struct({ override: S.OverrideInput, ...withReason }),
      success: S.Override,
      error: [Invalid, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.delete("clear", "/overrides/:id", {
      params: id,
      payload: reasonOnly,
      success: S.Override,
      error: [NotFound, Invalid, Unavailable]
    })
  )

/**
 * Outbound webhook endpoints: list, inspect, register, enable, disable.
 *
 * @example
 * ```ts
 * yield* client.endpoints.disable({ params: { id: "ep_1" }, payload: { reason: "customer asked" } })
 * ```
 * @since 0.1.0
 */
export const EndpointsGroup = HttpApiGroup.make("endpoints")
  .add(HttpApiEndpoint.get("list", "/endpoints", { success: Schema.Array(S.OutboundEndpoint), error: Unavailable }))
  .add(
    HttpApiEndpoint.get("get", "/endpoints/:id", {
      params: id,
      success: S.OutboundEndpoint,
      error: [NotFound, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.put("register", "/endpoints/:id", {
      params: id,
      payload: Schema.Struct({
        url: Schema.String,
        secrets: Schema.Array(Schema.Redacted(Schema.String)).check(Schema.isMinLength(1)),
        eventTypes: Schema.optional(Schema.Array(Schema.String)),
        enabled: Schema.optional(Schema.Boolean),
        ratePerSecond: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
        ...withReason
      }),
      success: S.OutboundEndpoint,
      error: [Invalid, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.post("enable", "/endpoints/:id/enable", {
      params: id,
      payload: reasonOnly,
      success: S.OutboundEndpoint,
      error: [NotFound, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.post("disable", "/endpoints/:id/disable", {
      params: id,
      payload: reasonOnly,
      success: S.OutboundEndpoint,
      error: [NotFound, Unavailable]
    })
  )

/**
 * Booking workflow timelines (the watchdog's view), the impact of an outage
 * on upcoming weddings, and the audit trail.
 *
 * @example
 * ```ts
 * const workflow = yield* client.insight.workflow({ params: { key: "booking:b_1" } })
 * ```
 * @since 0.1.0
 */
export const InsightGroup = HttpApiGroup.make("insight")
  .add(
    HttpApiEndpoint.get("workflow", "/workflows/:key", {
      params: { key: Schema.String.check(Schema.isMinLength(1)) },
      success: S.Workflow,
      error: [NotFound, Unavailable]
    })
  )
  .add(
    HttpApiEndpoint.get("impact", "/impact", {
      query: {
        service: Policy.ServiceType,
        provider: Schema.optional(Schema.String),
        horizonDays: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 365 })))
      },
      success: S.Assessment,
      error: Unavailable
    })
  )
  .add(
    HttpApiEndpoint.get("audit", "/audit", {
      query: {
        action: Schema.optional(Schema.String),
        actor: Schema.optional(Schema.String),
        target: Schema.optional(Schema.String),
        since: Schema.optional(Schema.Int),
        until: Schema.optional(Schema.Int),
        limit: Schema.optional(S.Limit),
        cursor: Schema.optional(Schema.String)
      },
      success: S.AuditPage,
      error: [Invalid, Unavailable]
    })
  )

/**
 * The admin API: every group under `/admin`; bad input answered as a 400
 * problem naming the field; all but the probes behind `Authorization`.
 *
 * @example
 * ```ts
 * const document = OpenApi.fromApi(AdminApi.AdminApi)
 * ```
 * @since 0.1.0
 */
export const AdminApi = HttpApi.make("wedsync-admin")
  .add(ProvidersGroup)
  .add(DeadLettersGroup)
  .add(QuarantineGroup)
  .add(OverridesGroup)
  .add(EndpointsGroup)
  .add(InsightGroup)
  .middleware(HttpApiMiddleware.ProblemDetails)
  .middleware(Authorization)
  .add(Probes.middleware(HttpApiMiddleware.ProblemDetails))
  .prefix("/admin")

/**
 * Where `Admin` serves the OpenAPI document of {@link AdminApi}.
 *
 * @example
 * ```ts
 * fetch(`${baseUrl}${AdminApi.OPENAPI_PATH}`)
 * ```
 * @since 0.1.0
 */
export const OPENAPI_PATH = "/admin/openapi.json"
