/**
 * The inboxes of the ingestion bench, one fresh per row: a SQLite file in a
 * temp dir, a PostgreSQL schema (DATABASE_URL) dropped after, or memory. After
 * the load each is read back from outside the server (its process has
 * exited): the job ids in the queue table, `wedsync_queue`.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { databaseUrl } from "@wedsync/test-fixtures/services"
import type { Store } from "./server.ts"

/** Where a row's inbox is, and how to read it back and remove it. */
export interface Inbox {
  readonly store: Store
  /** The job ids written (`undefined`: an inbox in memory, gone with its server). */
  readonly ids: (() => Promise<ReadonlyArray<string>>) | undefined
  readonly drop: () => Promise<void>
}

/** What a row asks for. */
export type Kind =
  | { readonly _tag: "sqlite"; readonly sqlite?: Extract<Store, { _tag: "sqlite" }>["sqlite"] }
  | { readonly _tag: "postgres" }
  | { readonly _tag: "memory" }

const directory = mkdtempSync(join(tmpdir(), "wedsync-inbound-bench-"))
const run = `${Date.now().toString(36)}${process.pid}`

const asPostgres = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.provide(
      Effect.flatMap(Effect.service(SqlClient.SqlClient), query),
      PgClient.layer({ url: Redacted.make(databaseUrl) })
    )
  )

const sqlite = (kind: Extract<Kind, { _tag: "sqlite" }>, name: string): Inbox => {
  const filename = join(directory, `${name}.sqlite`)
  return {
    store: { _tag: "sqlite", filename, ...(kind.sqlite === undefined ? {} : { sqlite: kind.sqlite }) },
    ids: async () => {
      const database = new DatabaseSync(filename, { readOnly: true })
      try {
        return (database.prepare("select id from wedsync_queue").all() as Array<{ id: string }>).map((row) => row.id)
      } finally {
        database.close()
      }
    },
    drop: async () => {
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${filename}${suffix}`, { force: true })
    }
  }
}

const postgres = async (name: string): Promise<Inbox> => {
  const schema = `inbound_bench_${run}_${name.replace(/\W/g, "_")}`
  await asPostgres((sql) => sql.unsafe(`CREATE SCHEMA ${schema}`))
  return {
    store: { _tag: "postgres", url: databaseUrl, schema },
    ids: async () =>
      (await asPostgres((sql) => sql<{ id: string }>`select id from ${sql(schema)}.wedsync_queue`)).map(
        (row) => row.id
      ),
    drop: async () => {
      await asPostgres((sql) => sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
    }
  }
}

/** A fresh inbox named after its row. */
export const make = async (kind: Kind, name: string): Promise<Inbox> => {
  switch (kind._tag) {
    case "sqlite":
      return sqlite(kind, name)
    case "postgres":
      return postgres(name)
    case "memory":
      return { store: { _tag: "memory" }, ids: undefined, drop: async () => {} }
  }
}

/** Removes the temp dir of the SQLite files. */
export const cleanup = () => rmSync(directory, { recursive: true, force: true })
