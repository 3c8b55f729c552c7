/**
 * Outbound webhook endpoints: the model, a SQL store (SQLite or PostgreSQL,
 * one row per endpoint, kept as JSON so the model may grow without
 * migrations) and a memory store. Signing secrets are kept as written — the
 * store is where they live — and leave it only as `Redacted` values.
 *
 * @internal
 */
import { Effect, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "@wedsync/core"
import { Migrations } from "@wedsync/durable"

/** One vendor endpoint. @internal */
export interface Endpoint {
  readonly id: string
  readonly url: string
  /** Standard Webhooks secrets (`whsec_…`); several while rotating: each signs every delivery. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** The event types it receives; empty: every type. */
  readonly eventTypes: ReadonlyArray<string>
  readonly enabled: boolean
  readonly disabledReason?: string | undefined
  readonly disabledAt?: number | undefined
  /** Since when every delivery has failed (cleared by a success). */
  readonly failingSince?: number | undefined
  /** Most deliveries a second to it, from one process (none: no limit). */
  readonly ratePerSecond?: number | undefined
  readonly createdAt: number
}

const Stored = Schema.Struct({
  id: Schema.String,
  url: Schema.String,
  secrets: Schema.Array(Schema.String),
  eventTypes: Schema.Array(Schema.String),
  enabled: Schema.Boolean,
  disabledReason: Schema.optional(Schema.String),
  disabledAt: Schema.optional(Schema.Finite),
  failingSince: Schema.optional(Schema.Finite),
  ratePerSecond: Schema.optional(Schema.Finite),
  createdAt: Schema.Finite
})
const decodeStored = Schema.decodeUnknownSync(Schema.fromJsonString(Stored))

const toJson = (endpoint: Endpoint): string =>
  JSON.stringify({ ...endpoint, secrets: endpoint.secrets.map((secret) => Redacted.value(secret)) })

const fromJson = (json: string): Endpoint => {
  const stored = decodeStored(json)
  return { ...stored, secrets: stored.secrets.map((secret) => Redacted.make(secret)) }
}

/** @internal */
export interface Store {
  readonly put: (endpoint: Endpoint) => Effect.Effect<void, StoreError.StoreError>
  readonly get: (id: string) => Effect.Effect<Endpoint | undefined, StoreError.StoreError>
  readonly list: Effect.Effect<ReadonlyArray<Endpoint>, StoreError.StoreError>
  /** Changes one endpoint under a row lock (SQL) so concurrent workers do not lose each other's change. */
  readonly update: (
    id: string,
    change: (endpoint: Endpoint) => Endpoint
  ) => Effect.Effect<Endpoint | undefined, StoreError.StoreError>
}

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE wedsync_webhook_endpoints (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
  )`
})

/** The SQL store; its table is created first. @internal */
export const sqlStore: Effect.Effect<Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* Migrations.migrate("endpoints.migrate", "wedsync_webhook_endpoints_migrations", {
    "1_create_endpoints": createTable
  })
  const get = (id: string) =>
    sql<{ body: string }>`SELECT body FROM wedsync_webhook_endpoints WHERE id = ${id}`.pipe(
      Effect.map((rows) => (rows[0] === undefined ? undefined : fromJson(rows[0].body)))
    )
  const put = (endpoint: Endpoint) =>
    sql`INSERT INTO wedsync_webhook_endpoints (id, body) VALUES (${endpoint.id}, ${toJson(endpoint)})
      ON CONFLICT (id) DO UPDATE SET body = excluded.body`
  return {
    put: (endpoint) => put(endpoint).pipe(Effect.asVoid, Effect.mapError(StoreError.from("endpoints.put"))),
    get: (id) => get(id).pipe(Effect.mapError(StoreError.from("endpoints.get"))),
    list: sql<{ body: string }>`SELECT body FROM wedsync_webhook_endpoints ORDER BY id`.pipe(
      Effect.map((rows) => rows.map((row) => fromJson(row.body))),
      Effect.mapError(StoreError.from("endpoints.list"))
    ),
    update: (id, change) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const current = yield* get(id)
            if (current === undefined) return undefined
            const next = change(current)
            yield* put(next)
            return next
          })
        )
        .pipe(Effect.mapError(StoreError.from("endpoints.update")))
  } satisfies Store
})

/** The store in memory. @internal */
export const memoryStore = (): Store => {
  const endpoints = new Map<string, Endpoint>()
  return {
    put: (endpoint) => Effect.sync(() => void endpoints.set(endpoint.id, endpoint)),
    get: (id) => Effect.sync(() => endpoints.get(id)),
    list: Effect.sync(() => [...endpoints.values()].sort((a, b) => (a.id < b.id ? -1 : 1))),
    update: (id, change) =>
      Effect.sync(() => {
        const current = endpoints.get(id)
        if (current === undefined) return undefined
        const next = change(current)
        endpoints.set(id, next)
        return next
      })
  }
}
