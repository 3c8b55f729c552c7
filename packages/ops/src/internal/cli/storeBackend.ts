/**
 * The backend over the stores themselves (`--store`), in this process: dead
 * letters (list, show, replay through the outbox's queue, purge), the
 * quarantine (list, show), overrides (list, set, clear), breakers from the
 * incident log, and impact. Re-injecting a quarantined delivery and booking
 * timelines need the running service, so they answer a usage error naming
 * `--url`. Every action is audited by the stores with `cli:<user>` as actor.
 *
 * @internal
 */
import { DeadLetters, Overrides } from "@wedsync/durable"
import { Quarantine } from "@wedsync/webhooks"
import { userInfo } from "node:os"
import { Clock, Context, Duration, Effect, Option, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import * as Impact from "../../Impact.ts"
import * as IncidentLog from "../../IncidentLog.ts"
import type { Backend, DeadLetter } from "./backend.ts"
import { type CliFailure, classify, usage } from "./failure.ts"
import { layersOf, opener, parseLocation } from "./storeLayers.ts"

const actor = (): string => {
  const fromEnv = process.env.WEDSYNC_OPERATOR
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv
  try {
    return `cli:${userInfo().username}`
  } catch {
    return "cli"
  }
}

const needsApi = (command: string): Effect.Effect<never, CliFailure> =>
  Effect.fail(usage(`${command} needs the admin API: pass --url (or WEDSYNC_ADMIN_URL) instead of --store`))

const wire = (letter: DeadLetters.DeadLetter): DeadLetter => ({ ...letter })

/**
 * A backend on the store at `store` (`sqlite:<file>` or `postgres://…`).
 *
 * @internal
 */
export const make = (store: string): Effect.Effect<Backend, CliFailure, Scope.Scope> =>
  Effect.gen(function* () {
    const location = yield* parseLocation(store)
    const layers = layersOf(location)
    const stores = yield* opener(location)
    const who = (reason: string) => ({ actor: actor(), reason })
    const reader = (command: string) => who(`wedsync-integrations ${command}`)
    const using =
      <I, S>(key: Context.Key<I, S>, layer: Parameters<typeof stores.open<I>>[0], what: string) =>
      <A, E>(f: (service: S) => Effect.Effect<A, E>): Effect.Effect<A, CliFailure> =>
        Effect.flatMap(stores.open(layer), (context) =>
          Effect.mapError(f(Context.get(context, key)), (error) => classify(what, error))
        )
    const letters = (what: string) => using(DeadLetters.DeadLetters, layers.deadLetters, what)
    const quarantine = (what: string) => using(Quarantine.Quarantine, layers.quarantine, what)
    const overrides = (what: string) => using(Overrides.Overrides, layers.overrides, what)

    return {
      kind: "store",
      live: Effect.succeed({ status: "ok" }),
      ready: using(
        SqlClient.SqlClient,
        layers.sql,
        "ready"
      )((sql) => sql`SELECT 1`).pipe(Effect.as({ status: "ready" as const, checks: [{ name: "store", ok: true }] })),
      providers: using(
        IncidentLog.IncidentLog,
        layers.incidentLog,
        "providers"
      )((log) => log.providers).pipe(Effect.map((acrossInstances) => ({ thisInstance: [], acrossInstances }))),
      overrides: {
        list: overrides("overrides list")((service) => service.list()),
        set: (input, reason) => overrides("overrides set")((service) => service.set(input, who(reason))),
        clear: (id, reason) => overrides(`overrides clear ${id}`)((service) => service.clear(id, who(reason)))
      },
      deadLetters: {
        list: (filter, page) =>
          letters("dead-letters list")((service) => service.list(filter, page, reader("dead-letters list"))).pipe(
            Effect.map((result) => ({
              items: result.items.map(wire),
              ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor })
            }))
          ),
        get: (id) =>
          letters(`dead letter ${id}`)((service) => service.get(id, reader("dead-letters show"))).pipe(
            Effect.map(wire)
          ),
        replay: (id, reason) =>
          letters(`replay ${id}`)((service) => service.replay(id, who(reason))).pipe(
            Effect.map((outcome) => ({ id: outcome.id, outcome: outcome._tag }))
          ),
        purge: (olderThan, filter, reason) =>
          Effect.gen(function* () {
            const age = Duration.fromInput(olderThan as Duration.Input)
            if (Option.isNone(age)) return yield* usage(`--older-than: not a duration such as "7 days": ${olderThan}`)
            const to = (yield* Clock.currentTimeMillis) - Duration.toMillis(age.value)
            const bounded = { ...filter, to: filter.to === undefined ? to : Math.min(filter.to, to) }
            const purged = yield* letters("dead-letters purge")((service) => service.purge(bounded, who(reason)))
            return { purged }
          })
      },
      quarantine: {
        list: (query) => quarantine("quarantine list")((service) => service.list(query, reader("quarantine list"))),
        get: (id) => quarantine(`quarantine ${id}`)((service) => service.get(id, reader("quarantine show"))),
        reinject: () => needsApi("quarantine reinject")
      },
      impact: (service, provider) =>
        Effect.flatMap(stores.open(layers.impact), (context) =>
          Impact.assess({ service, provider }).pipe(
            Effect.provideContext(context),
            Effect.mapError((error) => classify(`impact ${service}`, error))
          )
        ),
      workflow: () => needsApi("timeline")
    } satisfies Backend
  })
