/**
 * Builders shared by the delivery-tracking and reconciliation tests: tracked
 * messages and delivery events with sensible defaults (a Twilio SMS), and
 * SQLite in a temporary file that is deleted with the layer.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import * as Deliveries from "../src/Deliveries.ts"
import * as DeliveryEvent from "@wedsync/core/DeliveryEvent"
import * as Sqlite from "@wedsync/durable/Sqlite"

/** 2026-01-01T00:00:00Z. */
export const T = 1_767_225_600_000
export const minute = 60_000

type TrackedFields = ConstructorParameters<typeof Deliveries.Tracked>[0]
type EventFields = ConstructorParameters<typeof DeliveryEvent.DeliveryEvent>[0]

/** A Twilio SMS accepted ten minutes before it is due. */
export const tracked = (messageId: string, dueBy: number, overrides: Partial<TrackedFields> = {}) =>
  new Deliveries.Tracked({
    channel: "sms",
    provider: "twilio",
    messageId,
    acceptedAt: Math.max(0, dueBy - 10 * minute),
    dueBy,
    ...overrides
  })

/** A webhook event about a Twilio SMS; its id is `<provider>:<messageId>:<status>` as the adapters build it. */
export const event = (
  messageId: string,
  status: DeliveryEvent.Status,
  occurredAt: number,
  overrides: Partial<EventFields> = {}
) =>
  new DeliveryEvent.DeliveryEvent({
    id: `${overrides.provider ?? "twilio"}:${messageId}:${status}`,
    channel: "sms",
    provider: "twilio",
    messageId,
    status,
    occurredAt,
    source: "webhook",
    ...overrides
  })

/** SQLite (core's `Sqlite.layer`) in a fresh temporary file, removed when the layer is released. */
export const tempSqlite: Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> = Layer.unwrap(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "wedsync-deliveries-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => Sqlite.layer({ filename: join(dir, "wedsync.db") })
  )
)

/** Every ordering of `items`. */
export const permutations = <A>(items: ReadonlyArray<A>): ReadonlyArray<ReadonlyArray<A>> =>
  items.length <= 1
    ? [items]
    : items.flatMap((item, index) =>
        permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest])
      )
