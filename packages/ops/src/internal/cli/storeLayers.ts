/**
 * The stores the CLI opens in-process for `--store`: one SQL client (SQLite
 * file or PostgreSQL URL) shared by every store layer through one memo map,
 * each store built only when a command first needs it. A SQLite file that
 * does not exist is refused rather than created (a typo must not migrate an
 * empty database).
 *
 * @internal
 */
import { Resilience } from "@wedsync/core"
import { Audit, DeadLetters, Outbox, Overrides, Postgres, QueueStore, Sqlite } from "@wedsync/durable"
import { Quarantine } from "@wedsync/webhooks"
import { existsSync } from "node:fs"
import { type Context, Effect, Layer, Redacted, Scope } from "effect"
import { PersistedQueue } from "effect/persistence"
import type { SqlClient } from "effect/sql"
import * as Impact from "../../Impact.ts"
import * as IncidentLog from "../../IncidentLog.ts"
import * as WeddingDirectory from "../../WeddingDirectory.ts"
import { CliFailure, classify, ExitCode, usage } from "./failure.ts"

/** Where the store is, parsed from `--store`. @internal */
export type StoreLocation =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Postgres"; readonly url: Redacted.Redacted<string> }

/**
 * Parses `sqlite:./path.db` or `postgres://…` (the URL kept redacted).
 *
 * @internal
 */
export const parseLocation = (text: string): Effect.Effect<StoreLocation, CliFailure> => {
  if (text.startsWith("sqlite:")) {
    const filename = text.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "")
    return filename.length === 0
      ? Effect.fail(usage("--store sqlite: needs a file, e.g. sqlite:./wedsync.db"))
      : Effect.succeed({ _tag: "Sqlite", filename })
  }
  if (/^postgres(ql)?:\/\//.test(text)) return Effect.succeed({ _tag: "Postgres", url: Redacted.make(text) })
  return Effect.fail(usage("--store takes sqlite:<file> or postgres://…"))
}

const sqlLayer = (location: StoreLocation): Layer.Layer<SqlClient.SqlClient, unknown> =>
  location._tag === "Sqlite" ? Sqlite.layer({ filename: location.filename }) : Postgres.layer({ url: location.url })

/** The store layers over one SQL client. @internal */
export const layersOf = (location: StoreLocation) => {
  const sql = sqlLayer(location)
  const audit = Audit.layerSql.pipe(Layer.provide(sql))
  const replayer = Outbox.layer().pipe(
    Layer.provide(PersistedQueue.layer),
    Layer.provide(QueueStore.layerSql()),
    Layer.provide(sql)
  )
  const deadLetters = DeadLetters.layerSql.pipe(Layer.provide([audit, replayer, sql]))
  return {
    sql,
    deadLetters,
    quarantine: Quarantine.layerSql().pipe(Layer.provide([audit, sql])),
    incidentLog: IncidentLog.layerSql().pipe(Layer.provide(sql)),
    overrides: Overrides.layerSql().pipe(Layer.provide([Resilience.layerMemory(), audit, sql])),
    impact: Layer.mergeAll(Impact.countsFromStores, WeddingDirectory.layerSql()).pipe(Layer.provide([deadLetters, sql]))
  }
}

/** Builds layers on demand, each once, all closed with the command's scope. @internal */
export interface Opener {
  readonly open: <I>(layer: Layer.Layer<I, unknown>) => Effect.Effect<Context.Context<I>, CliFailure>
}

/**
 * An opener for `location`, checking first that a SQLite file exists.
 *
 * @internal
 */
export const opener = (location: StoreLocation): Effect.Effect<Opener, CliFailure, Scope.Scope> =>
  Effect.gen(function* () {
    if (location._tag === "Sqlite" && !existsSync(location.filename)) {
      return yield* new CliFailure({ exitCode: ExitCode.Unavailable, message: `no database at ${location.filename}` })
    }
    const scope = yield* Scope.Scope
    const memoMap = yield* Layer.makeMemoMap
    return {
      open: <I>(layer: Layer.Layer<I, unknown>) =>
        Layer.buildWithMemoMap(layer, memoMap, scope).pipe(
          Effect.mapError((error) => {
            const failure = classify("open the store", error)
            // a store that cannot be opened is unreachable, whatever the driver called it
            return failure.exitCode === ExitCode.Failed
              ? new CliFailure({ exitCode: ExitCode.Unavailable, message: failure.message })
              : failure
          })
        )
    }
  })
