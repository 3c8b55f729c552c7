/**
 * The stale-reads suite on the stores that need no server: Effect's memory
 * store (core's `StaleReads.layerMemory` path) and SQLite in memory through
 * `StaleReads.layerSql`.
 */
import { Effect, Layer } from "effect"
import { Persistence } from "effect/persistence"
import { SqlClient } from "effect/sql"
import * as Sqlite from "../src/Sqlite.ts"
import * as StaleReads from "../src/StaleReads.ts"
import { staleReadsSuite } from "./StaleReadsSuite.ts"

staleReadsSuite("memory", {
  layer: () => StaleReads.layer().pipe(Layer.provideMerge(Persistence.layerBackingMemory)),
  storeId: () => StaleReads.defaultStoreId
})

const sql = Effect.service(SqlClient.SqlClient)

staleReadsSuite("SQLite", {
  layer: () =>
    StaleReads.layerSql().pipe(Layer.provideMerge(Persistence.layerBackingSql), Layer.provideMerge(Sqlite.layerMemory)),
  storeId: () => StaleReads.defaultStoreId,
  keys: Effect.flatMap(sql, (client) =>
    Effect.map(
      client<{ readonly id: string }>`SELECT id FROM effect_persistence WHERE store_id = ${StaleReads.defaultStoreId}`,
      (rows) => rows.map((row) => row.id)
    )
  ),
  writeRaw: (key, text) =>
    Effect.flatMap(sql, (client) =>
      Effect.asVoid(
        client`UPDATE effect_persistence SET value = ${text} WHERE store_id = ${StaleReads.defaultStoreId} AND id = ${key}`
      )
    )
})
