/**
 * The audit trail with its SQL store: `@wedsync/core`'s `Audit` (the port,
 * `layerMemory`, `record`, `entryOf`) plus `layerSql`, an append-only table in
 * the SQLite or PostgreSQL database of the provided `SqlClient` (migrations
 * run when the layer is built; triggers refuse UPDATE and DELETE).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Audit, Sqlite } from "@wedsync/durable"
 *
 * const AuditLive = Audit.layerSql.pipe(Layer.provide(Sqlite.layer({ filename: "wedsync.db" })))
 * const latest = Effect.flatMap(Effect.service(Audit.Audit), (audit) => audit.list({ limit: 20 }))
 * ```
 *
 * @since 0.1.0
 */
import { Audit, type StoreError } from "@wedsync/core"
import { Layer } from "effect"
import type { SqlClient } from "effect/sql"
import * as AuditSql from "./internal/audit/sql.ts"

export * from "@wedsync/core/Audit"

/**
 * An append-only audit table in the database of the provided `SqlClient`
 * (SQLite or PostgreSQL); its migrations run when the layer is built.
 *
 * @example
 * ```ts
 * const AuditLive = Audit.layerSql.pipe(Layer.provide(Sqlite.layer({ filename: "wedsync.db" })))
 * ```
 * @since 0.1.0
 */
export const layerSql: Layer.Layer<Audit.Audit, StoreError.StoreError, SqlClient.SqlClient> = Layer.effect(
  Audit.Audit,
  AuditSql.make
)
