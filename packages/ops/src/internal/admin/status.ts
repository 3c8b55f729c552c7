/**
 * Probes and provider health. `live` answers as long as the process does;
 * `ready` reaches each store in context (SQL `select 1` through `SqlClient`,
 * Redis `PING`) within a timeout and answers 503 when one does not. Provider
 * health is given twice, labelled: this instance's resilience engine, and
 * every instance through the incident log.
 *
 * @internal
 */
import { type Health, Redaction, Resilience } from "@wedsync/core"
import { Cause, Duration, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { AdminApi, NotReady } from "../../AdminApi.ts"
import { IncidentLog } from "../../IncidentLog.ts"
import { defined, unavailable } from "./common.ts"

interface Check {
  readonly name: string
  readonly ok: boolean
  readonly message?: string
}

const probe = (name: string, effect: Effect.Effect<unknown, unknown>, timeout: Duration.Duration) =>
  effect.pipe(
    Effect.timeout(timeout),
    Effect.matchCauseEffect({
      onSuccess: (): Effect.Effect<Check> => Effect.succeed({ name, ok: true }),
      // the store's own message may name hosts or users: the caller sees which store, the log sees why
      onFailure: (cause): Effect.Effect<Check> =>
        Effect.as(
          Effect.logWarning(`admin api: ready check ${name} failed: ${Redaction.redactText(Cause.pretty(cause))}`),
          {
            name,
            ok: false,
            message: `${name} did not answer within ${Duration.format(timeout)} (see the server log)`
          }
        )
    })
  )

/** The handlers of the `probes` group; `timeout` bounds each store check. @internal */
export const probesLayer = (timeout: Duration.Duration) =>
  HttpApiBuilder.group(AdminApi, "probes", (handlers) =>
    Effect.gen(function* () {
      const sql = yield* Effect.serviceOption(SqlClient.SqlClient)
      const redis = yield* Effect.serviceOption(Redis.Redis)
      const checks: Array<Effect.Effect<Check>> = []
      if (sql._tag === "Some") checks.push(probe("sql", sql.value`select 1`, timeout))
      if (redis._tag === "Some") checks.push(probe("redis", redis.value.send("PING"), timeout))
      return handlers
        .handle("live", () => Effect.succeed({ status: "ok" as const }))
        .handle("ready", () =>
          Effect.flatMap(Effect.all(checks, { concurrency: "unbounded" }), (results) =>
            results.every((check) => check.ok)
              ? Effect.succeed({ status: "ready" as const, checks: results })
              : Effect.fail(new NotReady({ status: "not_ready", checks: results }))
          )
        )
    })
  )

/** The handlers of the `providers` group. @internal */
export const providersLayer = HttpApiBuilder.group(AdminApi, "providers", (handlers) =>
  Effect.gen(function* () {
    const log = yield* IncidentLog
    const resilience = yield* Resilience.Resilience
    return handlers
      .handle("providers", () =>
        Effect.gen(function* () {
          const thisInstance: ReadonlyArray<Health.ProviderHealth> = resilience.providers()
          const acrossInstances = yield* log.providers
          return { thisInstance, acrossInstances }
        }).pipe(unavailable)
      )
      .handle("incidents", ({ query }) => {
        const { cursor, ...filter } = query
        const limit = query.limit ?? 100
        return log.list(defined({ ...filter, limit, before: cursor })).pipe(
          Effect.map((items) => {
            const last = items.at(-1)
            return items.length === limit && last !== undefined ? { items, nextCursor: last.id } : { items }
          }),
          unavailable
        )
      })
  })
)
