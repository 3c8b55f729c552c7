/**
 * The outbox on the in-memory queue store and on `QueueStore.layerSql` over
 * SQLite. PostgreSQL and Redis run the same suite in Outbox.integration.test.ts.
 */
import { Layer } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as QueueStore from "../src/QueueStore.ts"
import * as Sqlite from "../src/Sqlite.ts"
import { outboxSuite } from "./OutboxSuite.ts"

outboxSuite("the memory store", () => PersistedQueue.layerStoreMemory)

// a fresh database per test; polling often enough for the policy's millisecond delays
outboxSuite("QueueStore.layerSql on SQLite", () =>
  QueueStore.layerSql({ pollInterval: "10 millis" }).pipe(Layer.provide(Sqlite.layerMemory), Layer.orDie)
)
