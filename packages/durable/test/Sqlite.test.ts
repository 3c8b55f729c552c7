/**
 * `Sqlite`: the node:sqlite `SqlClient` (statements, parameters, transactions,
 * savepoints, concurrent fibers, a second process on the same file) and
 * `PersistedQueue.layerStoreSql` running on it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import * as Sqlite from "../src/Sqlite.ts"
import { persistedQueueSuite } from "./fixtures/persistedQueueSuite.ts"
import { writeRows } from "./fixtures/sqlite-writer.ts"

const directory = mkdtempSync(join(tmpdir(), "wedsync-sqlite-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let files = 0
const freshFile = () => join(directory, `db-${files++}.sqlite`)

const withSql = <A, E, R>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E, R>) => SqlClient.SqlClient.use(f)

const notes = withSql((sql) => sql<{ id: string }>`SELECT id FROM notes ORDER BY id`).pipe(
  Effect.map((rows) => rows.map((row) => row.id))
)
const setup = withSql((sql) => sql`CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)`)
const insert = (id: string) => withSql((sql) => sql`INSERT INTO notes ${sql.insert({ id, body: id })}`)

describe("Sqlite", () => {
  it.effect("runs statements with parameters and returns plain rows", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE t (a TEXT, b INTEGER, c TEXT, d BLOB, e INTEGER)`
      yield* sql`INSERT INTO t ${sql.insert({ a: "x", b: 42, c: null, d: new Uint8Array([1, 2]), e: true })}`
      yield* sql`INSERT INTO t (a, b, c) VALUES (${"y"}, ${undefined}, ${new Date(0)})`
      const rows = yield* sql`SELECT a, b, c, d, e FROM t WHERE a IN ${sql.in(["x", "y"])} ORDER BY a`
      assert.deepStrictEqual(rows, [
        { a: "x", b: 42, c: null, d: new Uint8Array([1, 2]), e: 1 },
        { a: "y", b: null, c: "1970-01-01T00:00:00.000Z", d: null, e: null }
      ])
      assert.deepStrictEqual(yield* sql`SELECT b FROM t WHERE b > ${40}`.values, [[42]])
      assert.strictEqual(sql.driver, "sqlite-node")
    }).pipe(Effect.provide(Sqlite.layerMemory))
  )

  it.effect("classifies SQLite errors as SqlError reasons", () =>
    Effect.gen(function* () {
      yield* setup
      yield* insert("a")
      const duplicate = yield* Effect.flip(insert("a"))
      assert.strictEqual(duplicate.reason._tag, "UniqueViolation") // a PRIMARY KEY, as on PostgreSQL
      const syntax = yield* Effect.flip(withSql((sql) => sql`SELEC 1`))
      assert.strictEqual(syntax._tag, "SqlError")
    }).pipe(Effect.provide(Sqlite.layerMemory))
  )

  it.effect("commits a transaction and rolls one back on failure", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      yield* sql.withTransaction(Effect.andThen(insert("a"), insert("b")))
      const failed = yield* Effect.exit(sql.withTransaction(Effect.andThen(insert("c"), Effect.fail("nope"))))
      assert.isTrue(Exit.isFailure(failed))
      assert.deepStrictEqual(yield* notes, ["a", "b"])
    }).pipe(Effect.provide(Sqlite.layerMemory))
  )

  it.effect("rolls a nested transaction back to its savepoint and keeps the outer work", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* insert("outer-1")
          yield* Effect.ignore(sql.withTransaction(Effect.andThen(insert("inner-failed"), Effect.fail("inner"))))
          yield* sql.withTransaction(insert("inner-ok"))
          yield* sql.withTransaction(sql.withTransaction(insert("deep")))
          yield* insert("outer-2")
        })
      )
      assert.deepStrictEqual(yield* notes, ["deep", "inner-ok", "outer-1", "outer-2"])
    }).pipe(Effect.provide(Sqlite.layerMemory))
  )

  it.effect("serialises transactions from concurrent fibers without losing an update", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`
      yield* sql`INSERT INTO counter VALUES (1, 0)`
      const increment = sql.withTransaction(
        Effect.gen(function* () {
          const [row] = yield* sql<{ value: number }>`SELECT value FROM counter WHERE id = 1`
          yield* Effect.yieldNow
          yield* sql`UPDATE counter SET value = ${Number(row?.value) + 1} WHERE id = 1`
        })
      )
      const outside = sql`SELECT value FROM counter`
      yield* Effect.forEach(
        Array.from({ length: 20 }),
        () => Effect.repeat(Effect.andThen(increment, outside), { times: 24 }),
        { concurrency: "unbounded", discard: true }
      )
      assert.deepStrictEqual(yield* sql`SELECT value FROM counter`, [{ value: 500 }])
    }).pipe(Effect.provide(Sqlite.layer({ filename: freshFile() })))
  )

  it.live("shares one file with another process writing at the same time", () => {
    const filename = freshFile()
    const count = 3_000
    return Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      assert.deepStrictEqual(yield* sql`PRAGMA journal_mode`, [{ journal_mode: "wal" }])
      assert.deepStrictEqual(yield* sql`PRAGMA synchronous`, [{ synchronous: 1 }])
      yield* createRows
      const child = yield* spawnWriter(filename, String(count))
      assert.deepStrictEqual(yield* child.next, { event: "ready" })
      child.go()
      yield* writeRows("parent", count)
      assert.deepStrictEqual(yield* child.next, { event: "done" })

      const totals = yield* sql<{ writer: string; rows: number }>`
        SELECT writer, COUNT(*) AS rows FROM rows GROUP BY writer ORDER BY writer`
      assert.deepStrictEqual(totals, [
        { writer: "child", rows: count },
        { writer: "parent", rows: count }
      ])
      assert.deepStrictEqual(yield* sql`SELECT value FROM counter`, [{ value: 2 * count }])
      // The writes really interleaved: the writer changes many times along the file's order.
      const [switches] = yield* sql<{ switches: number }>`
        SELECT COUNT(*) AS switches FROM rows a JOIN rows b ON b.seq = a.seq + 1 WHERE a.writer <> b.writer`
      assert.isAbove(Number(switches?.switches), 10)
    }).pipe(Effect.provide(Layer.fresh(Sqlite.layer({ filename }))))
  })

  it.live("keeps every acknowledged write when the writing process is SIGKILLed", () => {
    const filename = freshFile()
    return Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* createRows
      const child = yield* spawnWriter(filename, "acks")
      assert.deepStrictEqual(yield* child.next, { event: "ready" })
      child.go()
      const acked = new Set<number>()
      while (acked.size < 2_000) {
        const line = yield* child.next
        if (typeof line.ack !== "number") assert.fail(`unexpected ${JSON.stringify(line)}`)
        acked.add(line.ack)
      }
      child.kill()
      yield* child.exited
      const rows = yield* sql<{ n: number }>`SELECT n FROM rows WHERE writer = 'child'`
      const stored = new Set(rows.map((row) => row.n))
      const lost = [...acked].filter((n) => !stored.has(n))
      assert.deepStrictEqual(lost, [])
    }).pipe(Effect.provide(Layer.fresh(Sqlite.layer({ filename }))))
  })

  it.live("group commit: a statement succeeds exactly when its write is committed", () => {
    const filename = freshFile()
    return Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* setup
      yield* insert("taken")
      yield* sql`CREATE TABLE doomed (id TEXT)`
      yield* sql`CREATE TRIGGER doom BEFORE INSERT ON doomed BEGIN SELECT RAISE(ROLLBACK, 'doomed'); END`
      // Fibers write at once, so their statements share COMMITs; some fail in four different ways.
      const attempts = Array.from({ length: 200 }, (_, i) => {
        const id = `n${i}`
        const statement =
          i % 10 === 3
            ? sql`INSERT INTO notes (id, body) VALUES (${id}, 'x'), ('taken', 'abort')`
            : i % 10 === 6
              ? sql`INSERT OR ROLLBACK INTO notes (id, body) VALUES (${id}, 'x'), ('taken', 'rollback')`
              : i % 10 === 9
                ? sql`INSERT OR FAIL INTO notes (id, body) VALUES (${id}, 'x'), ('taken', 'fail')`
                : i % 50 === 25
                  ? sql`INSERT INTO doomed VALUES (${id})`
                  : sql`INSERT INTO notes (id, body) VALUES (${id}, 'x')`
        return Effect.map(Effect.exit(statement), (exit) => ({
          id,
          i,
          ok: Exit.isSuccess(exit),
          error: Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : ""
        }))
      })
      const outcomes = yield* Effect.all(attempts, { concurrency: "unbounded" })
      // Read through another connection: only committed rows are visible there.
      const committed = yield* notes.pipe(Effect.provide(Layer.fresh(Sqlite.layer({ filename }))))
      for (const { id, i, ok } of outcomes) {
        // OR FAIL keeps what it wrote before the conflict unless its group is rolled back: either is fine.
        if (i % 10 === 9 && !ok) continue
        assert.strictEqual(committed.includes(id), ok, `${id} (${ok ? "succeeded" : "failed"})`)
      }
      // A plain insert fails only with its group, when a trigger's RAISE(ROLLBACK) ended the transaction.
      const plain = outcomes.filter((outcome) => ![3, 6, 9].includes(outcome.i % 10) && outcome.i % 50 !== 25)
      assert.isAbove(plain.filter((outcome) => outcome.ok).length, 0)
      for (const outcome of plain.filter((outcome) => !outcome.ok))
        assert.include(outcome.error, "Group commit rolled back")
    }).pipe(Effect.provide(Layer.fresh(Sqlite.layer({ filename }))))
  })
})

const createRows = SqlClient.SqlClient.use((sql) =>
  Effect.all([
    sql`CREATE TABLE rows (seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL, n INTEGER NOT NULL)`,
    sql`CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`,
    sql`INSERT INTO counter VALUES (1, 0)`
  ])
)

/** `fixtures/sqlite-writer.ts` in its own process, killed when the test's scope closes. */
const spawnWriter = (filename: string, count: string) =>
  Effect.gen(function* () {
    const worker = fileURLToPath(new URL("./fixtures/sqlite-writer.ts", import.meta.url))
    const child = spawn(process.execPath, [worker, filename, "child", count], { stdio: ["pipe", "pipe", "inherit"] })
    yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    return {
      next: Effect.promise(async () => {
        const line = await lines.next()
        return line.done === true ? { event: "exit" } : (JSON.parse(line.value) as Record<string, unknown>)
      }),
      go: () => child.stdin.write("go\n"),
      kill: () => child.kill("SIGKILL"),
      exited: Effect.promise(() => exited)
    }
  })

persistedQueueSuite("PersistedQueue.layerStoreSql on Sqlite", Sqlite.layer({ filename: freshFile() }), {
  tableName: "effect_queue"
})
persistedQueueSuite(
  "PersistedQueue.layerStoreSql on Sqlite without group commit",
  Sqlite.layer({ filename: freshFile(), groupCommit: false }),
  { tableName: "effect_queue" }
)
