/**
 * The holding suite on the in-memory queue store and on `QueueStore.layerSql`
 * over SQLite. PostgreSQL and Redis run it in Outbox.integration.test.ts.
 */
import { Layer } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as QueueStore from "../src/QueueStore.ts"
import * as Sqlite from "../src/Sqlite.ts"
import { outboxHoldSuite } from "./OutboxHoldSuite.ts"

outboxHoldSuite("the memory store", () => PersistedQueue.layerStoreMemory)

outboxHoldSuite("QueueStore.layerSql on SQLite", () =>
  QueueStore.layerSql({ pollInterval: "10 millis" }).pipe(Layer.provide(Sqlite.layerMemory), Layer.orDie)
)
