/**
 * The SQL of `QueueStore.layerSql`, one fixed text per statement whatever the
 * batch size: a batch travels as one JSON parameter (`json_each` on SQLite,
 * `json_to_recordset` on PostgreSQL), so every statement is prepared once and
 * lock ids are bound, never inlined.
 *
 * @internal
 */
import { redact, redactText } from "@wedsync/core/Redaction"
import { Effect } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import type { Dialect } from "./migrations.ts"

/** A row a claim handed to this store: its lock (`acquired_by`) fences every later write. @internal */
export interface Claimed {
  readonly name: string
  readonly sequence: number
  readonly id: string
  readonly element: string
  readonly attempts: number
  readonly lock: string
}

/** One element to insert: queue name, id, the JSON value, delay in milliseconds. @internal */
export interface OfferRow {
  readonly q: string
  readonly i: string
  readonly e: unknown
  readonly d: number
}

/** How a claim ends. @internal */
export type Settlement =
  | { readonly kind: "complete"; readonly claimed: Claimed }
  | { readonly kind: "retry"; readonly claimed: Claimed; readonly delay: number; readonly failure: string }
  | { readonly kind: "fail"; readonly claimed: Claimed; readonly attempts: number; readonly failure: string }
  | { readonly kind: "release"; readonly claimed: Claimed }

/** The kinds of {@link Settlement}. @internal */
export type Kind = Settlement["kind"]

/** @internal */
export interface Statements {
  readonly dialect: Dialect
  /** Inserts the rows whose (queue, id) is new; a known id is ignored, completed or not. */
  readonly offer: (rows: ReadonlyArray<OfferRow>) => Effect.Effect<void, SqlError.SqlError>
  /** Claims up to `limit` visible rows of `name` under `lock` for `lockMillis`, counting an attempt. */
  readonly claim: (
    name: string,
    limit: number,
    lock: string,
    lockMillis: number
  ) => Effect.Effect<ReadonlyArray<Claimed>, SqlError.SqlError>
  /**
   * Writes settlements of one kind, each only if its row still carries its
   * lock. A completed row keeps no element (`null`: only its id is needed, to
   * ignore the id offered again); a failed row keeps its element redacted.
   */
  readonly settle: (kind: Kind, batch: ReadonlyArray<Settlement>) => Effect.Effect<void, SqlError.SqlError>
  /** Pushes the lock expiry of held rows `lockMillis` into the future. */
  readonly refresh: (held: Iterable<Claimed>, lockMillis: number) => Effect.Effect<void, SqlError.SqlError>
  /** The lowest and highest sequence in the table (`undefined` when empty). */
  readonly bounds: Effect.Effect<{ readonly low: number; readonly high: number } | undefined, SqlError.SqlError>
  /**
   * Deletes the rows with `from < sequence <= to` completed more than
   * `completedMillis` ago, or failed more than `failedMillis` ago (never when
   * `undefined`). A range of the primary key, so each statement reads a bounded
   * number of rows without an index on the state.
   */
  readonly cleanup: (
    from: number,
    to: number,
    completedMillis: number,
    failedMillis: number | undefined
  ) => Effect.Effect<void, SqlError.SqlError>
}

const maxChunk = 64

interface ClaimedRow {
  readonly sequence: number | string | bigint
  readonly id: string
  readonly element: string
  readonly attempts: number | string | bigint
}

const fence = (claimed: Claimed) => ({ s: claimed.sequence, l: claimed.lock })

// A failed row's element as it is kept: redacted JSON, or the unreadable text scrubbed.
const scrubbedElement = (element: string): string => {
  try {
    return JSON.stringify(redact(JSON.parse(element))) ?? "null"
  } catch {
    return redactText(element)
  }
}

// A failure's text (a pretty cause) may quote the element: it is scrubbed too.
const encode = (batch: ReadonlyArray<Settlement>): string =>
  JSON.stringify(
    batch.map((settlement) => {
      switch (settlement.kind) {
        case "retry":
          return { ...fence(settlement.claimed), d: settlement.delay, f: redactText(settlement.failure) }
        case "fail":
          return {
            ...fence(settlement.claimed),
            n: settlement.attempts,
            f: redactText(settlement.failure),
            e: scrubbedElement(settlement.claimed.element)
          }
        default:
          return fence(settlement.claimed)
      }
    })
  )

/** @internal */
export const make = (client: SqlClient.SqlClient, tableName: string, dialect: Dialect): Statements => {
  const sql = client.withoutTransforms()
  const table = sql(tableName)
  const pg = dialect === "pg"
  // statement_timestamp() is stable within a statement (an index can use it), unlike clock_timestamp()
  const now = sql.literal(
    pg ? "(EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT" : "CAST(unixepoch('subsec') * 1000 AS INTEGER)"
  )
  const field = (name: string) => sql.literal(pg ? `a.${name}` : `a.value->>'${name}'`)
  const batchOf = (json: string, columns: string) =>
    pg ? sql`json_to_recordset(${json}::json) AS a(${sql.literal(columns)})` : sql`json_each(${json}) AS a`
  const matches = sql`${table}.sequence = ${field("s")} AND ${table}.acquired_by = ${field("l")}`

  // SQLite parses JSON slowly: a multi-row VALUES statement, one prepared text per power-of-two row count
  const quoted = `"${tableName.replaceAll('"', '""')}"`
  const sqliteNow = "CAST(unixepoch('subsec') * 1000 AS INTEGER)"
  const valuesRow = `(?, ?, ?, 'pending', 0, ${sqliteNow} + ?, ${sqliteNow}, ${sqliteNow})`
  const inserts = new Map<number, string>()
  const insertText = (count: number) => {
    let text = inserts.get(count)
    if (text === undefined) {
      text = `INSERT INTO ${quoted} (queue_name, id, element, state, attempts, visible_at, created_at, updated_at)
        VALUES ${Array.from({ length: count }, () => valuesRow).join(", ")}
        ON CONFLICT (queue_name, id) DO NOTHING`
      inserts.set(count, text)
    }
    return text
  }
  const insertChunk = (rows: ReadonlyArray<OfferRow>) => {
    const params: Array<unknown> = []
    for (const row of rows) params.push(row.q, row.i, JSON.stringify(row.e), row.d)
    return sql.unsafe(insertText(rows.length), params)
  }
  const chunks = (rows: ReadonlyArray<OfferRow>) => {
    const out: Array<ReadonlyArray<OfferRow>> = []
    for (let from = 0; from < rows.length; ) {
      const size = Math.min(maxChunk, 2 ** Math.floor(Math.log2(rows.length - from)))
      out.push(rows.slice(from, from + size))
      from += size
    }
    return out
  }

  // One array per column, sent in binary: the database parses no JSON and re-serialises no element
  // (`json_to_recordset` of the rows did both).
  const pgOffer = (rows: ReadonlyArray<OfferRow>) => {
    const queues = rows.map((row) => row.q)
    const ids = rows.map((row) => row.i)
    const elements = rows.map((row) => JSON.stringify(row.e))
    const delays = rows.map((row) => row.d)
    return Effect.asVoid(
      sql`INSERT INTO ${table} (queue_name, id, element, state, attempts, visible_at, created_at, updated_at)
        SELECT a.q, a.i, a.e, 'pending', 0, ${now} + a.d, ${now}, ${now}
        FROM unnest(${queues}::text[], ${ids}::text[], ${elements}::text[], ${delays}::bigint[]) AS a(q, i, e, d)
        ON CONFLICT (queue_name, id) DO NOTHING`
    )
  }

  const offer = (rows: ReadonlyArray<OfferRow>): Effect.Effect<void, SqlError.SqlError> =>
    pg
      ? pgOffer(rows)
      : // run together: on SQLite the driver's group commit gives them one COMMIT
        Effect.forEach(chunks(rows), insertChunk, { concurrency: "unbounded", discard: true })

  const claimed = (name: string, lock: string) => (rows: ReadonlyArray<ClaimedRow>) =>
    rows
      .map(
        (row): Claimed => ({
          name,
          sequence: Number(row.sequence),
          id: row.id,
          element: row.element,
          attempts: Number(row.attempts),
          lock
        })
      )
      .sort((a, b) => a.sequence - b.sequence)

  const claim = (name: string, limit: number, lock: string, lockMillis: number) =>
    Effect.map(
      pg
        ? sql<ClaimedRow>`WITH picked AS (
              SELECT sequence FROM ${table}
              WHERE queue_name = ${name} AND state = 'pending' AND visible_at <= ${now}
              ORDER BY visible_at, sequence
              LIMIT ${limit}
              FOR UPDATE SKIP LOCKED
            )
            UPDATE ${table} SET visible_at = ${now} + ${lockMillis}, acquired_by = ${lock}, attempts = ${table}.attempts + 1
            FROM picked WHERE ${table}.sequence = picked.sequence
            RETURNING ${table}.sequence, ${table}.id, ${table}.element, ${table}.attempts`
        : sql<ClaimedRow>`UPDATE ${table} SET visible_at = ${now} + ${lockMillis}, acquired_by = ${lock}, attempts = attempts + 1
            WHERE sequence IN (
              SELECT sequence FROM ${table}
              WHERE queue_name = ${name} AND state = 'pending' AND visible_at <= ${now}
              ORDER BY visible_at, sequence
              LIMIT ${limit}
            )
            RETURNING sequence, id, element, attempts`,
      claimed(name, lock)
    )

  const settle = (kind: Kind, batch: ReadonlyArray<Settlement>) => {
    const json = encode(batch)
    switch (kind) {
      case "complete":
        return Effect.asVoid(sql`UPDATE ${table}
          SET state = 'completed', element = 'null', acquired_by = NULL, updated_at = ${now}
          FROM ${batchOf(json, "s bigint, l text")} WHERE ${matches}`)
      case "retry":
        return Effect.asVoid(sql`UPDATE ${table}
          SET visible_at = ${now} + ${field("d")}, acquired_by = NULL, last_failure = ${field("f")}, updated_at = ${now}
          FROM ${batchOf(json, "s bigint, l text, d bigint, f text")} WHERE ${matches}`)
      case "fail":
        return Effect.asVoid(sql`UPDATE ${table}
          SET state = 'failed', attempts = ${field("n")}, element = ${field("e")}, acquired_by = NULL,
            last_failure = ${field("f")}, updated_at = ${now}
          FROM ${batchOf(json, "s bigint, l text, n integer, f text, e text")} WHERE ${matches}`)
      case "release":
        // an interrupted claim does not count: the attempt is given back and the row is visible at once
        return Effect.asVoid(sql`UPDATE ${table}
          SET visible_at = ${now}, attempts = ${table}.attempts - 1, acquired_by = NULL
          FROM ${batchOf(json, "s bigint, l text")} WHERE ${matches}`)
    }
  }

  const refresh = (held: Iterable<Claimed>, lockMillis: number) => {
    const json = JSON.stringify(Array.from(held, fence))
    return Effect.asVoid(sql`UPDATE ${table} SET visible_at = ${now} + ${lockMillis}
      FROM ${batchOf(json, "s bigint, l text")} WHERE ${matches}`)
  }

  const bounds = Effect.map(
    sql<{
      readonly low: unknown
      readonly high: unknown
    }>`SELECT MIN(sequence) AS low, MAX(sequence) AS high FROM ${table}`,
    ([row]) => (row?.low == null ? undefined : { low: Number(row.low), high: Number(row.high) })
  )

  const cleanup = (from: number, to: number, completedMillis: number, failedMillis: number | undefined) =>
    Effect.asVoid(sql`DELETE FROM ${table} WHERE sequence > ${from} AND sequence <= ${to} AND (
        (state = 'completed' AND updated_at <= ${now} - ${completedMillis})
        ${failedMillis === undefined ? sql`` : sql`OR (state = 'failed' AND updated_at <= ${now} - ${failedMillis})`}
      )`)

  return { dialect, offer, claim, settle, refresh, bounds, cleanup }
}
