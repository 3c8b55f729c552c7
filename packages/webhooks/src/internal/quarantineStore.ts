/**
 * The quarantine's stores: a SQL table (SQLite or PostgreSQL) and memory.
 * Ids sort by time (`<received at, 13 digits>-<random>`), so "the oldest
 * first" is an ordering on the primary key, in both dialects. Each add keeps
 * its provider under the cap in the same statement batch and, at most once a
 * minute, drops what is past the retention.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "@wedsync/core"
import { Migrations } from "@wedsync/durable"
import type { Entry, Filter, NewEntry } from "./quarantineModel.ts"

/** @internal */
export interface Store {
  /** Adds an entry; drops the provider's oldest past `cap` and everything received before `before`; how many dropped for the cap. */
  readonly add: (entry: NewEntry, cap: number, before: number) => Effect.Effect<number, StoreError.StoreError>
  readonly list: (filter: Filter) => Effect.Effect<ReadonlyArray<Entry>, StoreError.StoreError>
  readonly get: (id: string) => Effect.Effect<Entry | undefined, StoreError.StoreError>
  readonly markReinjected: (id: string) => Effect.Effect<void, StoreError.StoreError>
}

const idOf = (receivedAt: number) => `${String(receivedAt).padStart(13, "0")}-${randomBytes(6).toString("hex")}`
const limitOf = (filter: Filter) => Math.min(1000, Math.max(1, Math.floor(filter.limit ?? 100)))
const PURGE_EVERY_MILLIS = 60_000

interface Row {
  readonly id: string
  readonly provider: string
  readonly status: string
  readonly entry: string
}

const entryOf = (row: Row): Entry =>
  ({ ...(JSON.parse(row.entry) as NewEntry), id: row.id, status: row.status }) as Entry

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE wedsync_webhook_quarantine (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    entry TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX wedsync_webhook_quarantine_provider ON wedsync_webhook_quarantine (provider, id)`
  yield* sql`CREATE INDEX wedsync_webhook_quarantine_received ON wedsync_webhook_quarantine (received_at)`
})

/** The SQL store; its table is created first. @internal */
export const sqlStore: Effect.Effect<Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* Migrations.migrate("quarantine.migrate", "wedsync_webhook_quarantine_migrations", {
    "1_create_quarantine": createTable
  })
  let purgedAt = 0
  return {
    add: (entry, cap, before) =>
      Effect.gen(function* () {
        const { receivedAt, provider } = entry
        yield* sql`INSERT INTO wedsync_webhook_quarantine (id, provider, reason, status, received_at, entry)
          VALUES (${idOf(receivedAt)}, ${provider}, ${entry.reason}, 'held', ${receivedAt}, ${JSON.stringify(entry)})`
        // The newest `cap` stay: everything at or before the cap-th newest's predecessor goes.
        const dropped = yield* sql<{ id: string }>`DELETE FROM wedsync_webhook_quarantine
          WHERE provider = ${provider} AND id <= (
            SELECT id FROM wedsync_webhook_quarantine WHERE provider = ${provider} ORDER BY id DESC LIMIT 1 OFFSET ${cap}
          ) RETURNING id`
        if (receivedAt - purgedAt >= PURGE_EVERY_MILLIS) {
          purgedAt = receivedAt
          yield* sql`DELETE FROM wedsync_webhook_quarantine WHERE received_at < ${before}`
        }
        return dropped.length
      }).pipe(Effect.mapError(StoreError.from("quarantine.add"))),
    list: (filter) =>
      sql<Row>`SELECT id, provider, status, entry FROM wedsync_webhook_quarantine WHERE ${sql.and([
        filter.provider === undefined ? sql`1 = 1` : sql`provider = ${filter.provider}`,
        filter.reason === undefined ? sql`1 = 1` : sql`reason = ${filter.reason}`,
        filter.status === undefined ? sql`1 = 1` : sql`status = ${filter.status}`,
        filter.since === undefined ? sql`1 = 1` : sql`received_at >= ${filter.since}`
      ])} ORDER BY id DESC LIMIT ${limitOf(filter)}`.pipe(
        Effect.map((rows) => rows.map(entryOf)),
        Effect.mapError(StoreError.from("quarantine.list"))
      ),
    get: (id) =>
      sql<Row>`SELECT id, provider, status, entry FROM wedsync_webhook_quarantine WHERE id = ${id}`.pipe(
        Effect.map((rows) => (rows[0] === undefined ? undefined : entryOf(rows[0]))),
        Effect.mapError(StoreError.from("quarantine.get"))
      ),
    markReinjected: (id) =>
      sql`UPDATE wedsync_webhook_quarantine SET status = 'reinjected' WHERE id = ${id}`.pipe(
        Effect.asVoid,
        Effect.mapError(StoreError.from("quarantine.reinject"))
      )
  } satisfies Store
})

/** The store in memory. @internal */
export const memoryStore = (): Store => {
  const entries = new Map<string, Entry>()
  return {
    add: (entry, cap, before) =>
      Effect.sync(() => {
        const id = idOf(entry.receivedAt)
        entries.set(id, { ...entry, id, status: "held" } as Entry)
        for (const [key, kept] of entries) if (kept.receivedAt < before) entries.delete(key)
        const mine = [...entries.values()].filter((kept) => kept.provider === entry.provider)
        mine.sort((a, b) => (a.id < b.id ? -1 : 1))
        const excess = mine.slice(0, Math.max(0, mine.length - cap))
        for (const kept of excess) entries.delete(kept.id)
        return excess.length
      }),
    list: (filter) =>
      Effect.sync(() =>
        [...entries.values()]
          .filter(
            (entry) =>
              (filter.provider === undefined || entry.provider === filter.provider) &&
              (filter.reason === undefined || entry.reason === filter.reason) &&
              (filter.status === undefined || entry.status === filter.status) &&
              (filter.since === undefined || entry.receivedAt >= filter.since)
          )
          .sort((a, b) => (a.id < b.id ? 1 : -1))
          .slice(0, limitOf(filter))
      ),
    get: (id) => Effect.sync(() => entries.get(id)),
    markReinjected: (id) =>
      Effect.sync(() => {
        const entry = entries.get(id)
        if (entry !== undefined) entries.set(id, { ...entry, status: "reinjected" } as Entry)
      })
  }
}
