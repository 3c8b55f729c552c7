/**
 * Delivery tracking in SQL (SQLite or PostgreSQL through `SqlClient`): one row
 * per message (`wedsync_deliveries`, keyed by provider and message id) and one
 * per event (`wedsync_delivery_events`, unique on the event id). Recording is
 * one transaction: the event insert decides duplicate or not, then one upsert
 * moves the message's state and latest status, comparing precedence in SQL so
 * concurrent recorders cannot regress it. The overdue query runs on a partial
 * index over pending rows only, so settled history does not slow it down. On
 * PostgreSQL text keys use the "C" collation so they order by code point, as
 * on SQLite and in memory.
 *
 * @internal
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { DeliveryEvent, isFinal } from "@wedsync/core/DeliveryEvent"
import * as StoreError from "@wedsync/core/StoreError"
import { migrate } from "@wedsync/durable/Migrations"
import { Delivery, Pending, precedence } from "./model.ts"
import type { Store } from "./store.ts"

const createTables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const key = sql.onDialectOrElse({ pg: () => sql.literal(`TEXT COLLATE "C"`), orElse: () => sql.literal("TEXT") })
  const seq = sql.onDialectOrElse({
    pg: () => sql.literal("seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    orElse: () => sql.literal("seq INTEGER PRIMARY KEY AUTOINCREMENT")
  })
  yield* sql`CREATE TABLE wedsync_deliveries (
    provider ${key} NOT NULL,
    message_id ${key} NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT,
    accepted_at BIGINT,
    due_by BIGINT,
    correlation_id TEXT,
    wedding_id TEXT,
    state TEXT NOT NULL,
    checks INTEGER NOT NULL,
    status TEXT,
    status_stage INTEGER,
    status_at BIGINT,
    status_tie INTEGER,
    PRIMARY KEY (provider, message_id)
  )`
  yield* sql`CREATE INDEX wedsync_deliveries_overdue ON wedsync_deliveries (due_by, provider, message_id)
    WHERE state = 'pending'`
  yield* sql`CREATE TABLE wedsync_delivery_events (
    ${seq},
    id TEXT NOT NULL UNIQUE,
    provider ${key} NOT NULL,
    message_id ${key} NOT NULL,
    status TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    event TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX wedsync_delivery_events_message
    ON wedsync_delivery_events (provider, message_id, occurred_at, seq)`
})

type Integer = number | bigint | string

interface Row {
  readonly provider: string
  readonly message_id: string
  readonly channel: string
  readonly recipient: string | null
  readonly accepted_at: Integer | null
  readonly due_by: Integer | null
  readonly correlation_id: string | null
  readonly wedding_id: string | null
  readonly state: string
  readonly checks: Integer
  readonly status: string | null
}

const trackedOf = (row: Row) =>
  row.accepted_at === null || row.due_by === null
    ? undefined
    : {
        channel: row.channel,
        provider: row.provider,
        messageId: row.message_id,
        ...(row.recipient === null ? {} : { recipient: row.recipient }),
        acceptedAt: Number(row.accepted_at),
        dueBy: Number(row.due_by),
        ...(row.correlation_id === null ? {} : { correlationId: row.correlation_id }),
        ...(row.wedding_id === null ? {} : { weddingId: row.wedding_id })
      }

const decodePending = Schema.decodeUnknownEffect(Pending)
const decodeDelivery = Schema.decodeUnknownEffect(Delivery)
const encodeEvent = Schema.encodeSync(DeliveryEvent)
const statusOf = (row: Row) => (row.status === null ? {} : { status: row.status })
const parse = (text: string) => Effect.try({ try: () => JSON.parse(text) as unknown, catch: (error) => error })

/** The SQL store; runs its migrations first. @internal */
export const make: Effect.Effect<Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* migrate("deliveries.migrate", "wedsync_deliveries_migrations", { "1_create_deliveries": createTables })
  const t = sql("wedsync_deliveries")
  // (stage, time, tie) of the incoming event beats the stored one, or there is none yet
  const newer = sql`(${t}.status_stage IS NULL OR (excluded.status_stage, excluded.status_at, excluded.status_tie)
    > (${t}.status_stage, ${t}.status_at, ${t}.status_tie))`

  const record: Store["record"] = (event) => {
    const transaction = Effect.gen(function* () {
      const inserted = yield* sql`INSERT INTO wedsync_delivery_events ${sql.insert({
        id: event.id,
        provider: event.provider,
        message_id: event.messageId,
        status: event.status,
        occurred_at: event.occurredAt,
        event: JSON.stringify(encodeEvent(event))
      })} ON CONFLICT (id) DO NOTHING RETURNING id`
      if (inserted.length === 0) return "duplicate" as const
      const [stage, at, tie] = precedence(event.status, event.occurredAt)
      yield* sql`INSERT INTO ${t} ${sql.insert({
        provider: event.provider,
        message_id: event.messageId,
        channel: event.channel,
        state: isFinal(event) ? "settled" : "pending",
        checks: 0,
        status: event.status,
        status_stage: stage,
        status_at: at,
        status_tie: tie
      })} ON CONFLICT (provider, message_id) DO UPDATE SET
        state = CASE WHEN excluded.state = 'settled' THEN 'settled' ELSE ${t}.state END,
        status = CASE WHEN ${newer} THEN excluded.status ELSE ${t}.status END,
        status_stage = CASE WHEN ${newer} THEN excluded.status_stage ELSE ${t}.status_stage END,
        status_at = CASE WHEN ${newer} THEN excluded.status_at ELSE ${t}.status_at END,
        status_tie = CASE WHEN ${newer} THEN excluded.status_tie ELSE ${t}.status_tie END`
      return "recorded" as const
    })
    return sql.withTransaction(transaction).pipe(Effect.mapError(StoreError.from("deliveries.record")))
  }

  const store: Store = {
    track: (message) =>
      sql`INSERT INTO ${t} ${sql.insert({
        provider: message.provider,
        message_id: message.messageId,
        channel: message.channel,
        recipient: message.recipient ?? null,
        accepted_at: message.acceptedAt,
        due_by: message.dueBy,
        correlation_id: message.correlationId ?? null,
        wedding_id: message.weddingId ?? null,
        state: "pending",
        checks: 0
      })} ON CONFLICT (provider, message_id) DO UPDATE SET
        channel = excluded.channel, recipient = excluded.recipient, accepted_at = excluded.accepted_at,
        due_by = excluded.due_by, correlation_id = excluded.correlation_id, wedding_id = excluded.wedding_id
        WHERE ${t}.accepted_at IS NULL
        RETURNING provider`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.mapError(StoreError.from("deliveries.track"))
      ),
    record,
    overdue: (now, limit) =>
      sql<Row>`SELECT * FROM ${t} WHERE state = 'pending' AND due_by <= ${now}
        ORDER BY due_by, provider, message_id LIMIT ${limit}`.pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decodePending({ ...trackedOf(row), checks: Number(row.checks), ...statusOf(row) })
          )
        ),
        Effect.mapError(StoreError.from("deliveries.overdue"))
      ),
    reschedule: (provider, messageId, dueBy, checks) =>
      sql`UPDATE ${t} SET due_by = ${dueBy}, checks = ${checks}
        WHERE provider = ${provider} AND message_id = ${messageId} AND state = 'pending' AND accepted_at IS NOT NULL
        RETURNING provider`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.mapError(StoreError.from("deliveries.reschedule"))
      ),
    abandon: (provider, messageId, checks) =>
      sql`UPDATE ${t} SET state = 'abandoned', checks = ${checks}
        WHERE provider = ${provider} AND message_id = ${messageId} AND state = 'pending' AND accepted_at IS NOT NULL
        RETURNING provider`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.mapError(StoreError.from("deliveries.abandon"))
      ),
    get: (provider, messageId) =>
      Effect.gen(function* () {
        const rows = yield* sql<Row>`SELECT * FROM ${t} WHERE provider = ${provider} AND message_id = ${messageId}`
        const row = rows[0]
        if (row === undefined) return undefined
        const events = yield* sql<{ readonly event: string }>`SELECT event FROM wedsync_delivery_events
          WHERE provider = ${provider} AND message_id = ${messageId} ORDER BY occurred_at, seq`
        const tracked = trackedOf(row)
        return yield* decodeDelivery({
          channel: row.channel,
          provider: row.provider,
          messageId: row.message_id,
          ...(tracked === undefined ? {} : { tracked }),
          state: row.state,
          checks: Number(row.checks),
          ...statusOf(row),
          events: yield* Effect.forEach(events, (event) => parse(event.event))
        })
      }).pipe(Effect.mapError(StoreError.from("deliveries.get")))
  }
  return store
})
