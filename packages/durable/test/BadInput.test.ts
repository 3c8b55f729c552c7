/**
 * Bad input: stores that fail fast and say why. A Redis or PostgreSQL that
 * accepts the connection and never answers, a closed port, a Redis that
 * stops answering after the handshake, options that make no sense, SQLite
 * file names that are not durable and files SQLite cannot open. Each gives a
 * typed error, within its configured bound (measured on the real clock with
 * short bounds), in words that name the server or field and the root cause.
 * Cases that need the real PostgreSQL and Redis are in
 * BadInput.integration.test.ts.
 */
import { NodeRedis } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Resilience } from "@wedsync/core"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { PersistedQueue, Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
import fc from "fast-check"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Outbox from "../src/Outbox.ts"
import * as Postgres from "../src/Postgres.ts"
import * as QueueStore from "../src/QueueStore.ts"
import * as RedisConnection from "../src/RedisConnection.ts"
import * as Sqlite from "../src/Sqlite.ts"
import { describe as describeCause } from "../src/internal/storeCauses.ts"
import { buildFailure, quiet, readOnlyDirectory, scratchDirectory, slack } from "./fixtures/failures.ts"
import { closedPort, redisThatStopsAnswering, silentServer } from "./fixtures/servers.ts"

describe("RedisConnection: a Redis that does not answer", () => {
  it.live("a Redis that accepts the connection and never answers fails the layer within connectTimeout", () =>
    Effect.gen(function* () {
      const { port } = yield* silentServer
      const { error, millis } = yield* buildFailure(
        RedisConnection.layer({ url: `redis://127.0.0.1:${port}`, connectTimeout: "500 millis" })
      )
      assert.strictEqual(error._tag, "StoreError")
      assert.strictEqual(
        error.message,
        `redis.connect: Redis at 127.0.0.1:${port} did not answer within 500ms (connectTimeout)`
      )
      assert.isAtLeast(millis, 450)
      assert.isBelow(millis, 500 + slack)
    }).pipe(Effect.scoped)
  )

  it.live("the outbox on Effect's Redis store over a silent Redis fails to build within the bound", () =>
    Effect.gen(function* () {
      const { port } = yield* silentServer
      const outbox = Outbox.layer().pipe(
        Layer.provide(PersistedQueue.layer),
        Layer.provide(PersistedQueue.layerStoreRedis({ prefix: "wedsync:bad-input:" })),
        Layer.provide(RedisConnection.layer({ url: `redis://127.0.0.1:${port}`, connectTimeout: "500 millis" }))
      )
      const { error, millis } = yield* buildFailure(outbox)
      assert.strictEqual(error._tag, "StoreError")
      assert.include(error.message, "did not answer within 500ms (connectTimeout)")
      assert.isBelow(millis, 500 + slack)
    }).pipe(Effect.scoped)
  )

  it.live("a closed port is a refused connection, in words", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const { error, millis } = yield* buildFailure(RedisConnection.layer({ url: `redis://127.0.0.1:${port}` }))
      assert.strictEqual(error._tag, "StoreError")
      assert.include(error.message, `redis.connect: Redis at 127.0.0.1:${port}: connect ECONNREFUSED`)
      assert.include(error.message, "connection refused")
      assert.isBelow(millis, 1_000)
    })
  )

  it.live("a Redis that stops answering: each command fails within commandTimeout, and closing is bounded", () =>
    Effect.gen(function* () {
      const { port } = yield* redisThatStopsAnswering
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        RedisConnection.layer({ url: `redis://127.0.0.1:${port}`, commandTimeout: "300 millis" }),
        scope
      )
      const redis = Context.get(context, Redis.Redis)
      const started = Date.now()
      const ping = yield* Effect.flip(redis.send("PING"))
      assert.strictEqual(ping._tag, "RedisError")
      assert.strictEqual(ping.message, `Redis at 127.0.0.1:${port} did not answer PING within 300ms (commandTimeout)`)
      assert.isBelow(Date.now() - started, 300 + slack)
      const closing = Date.now()
      yield* Scope.close(scope, Exit.void)
      assert.isBelow(Date.now() - closing, 300 + slack)
    }).pipe(Effect.scoped, quiet)
  )

  it.live("an outbox offer to a Redis that stops answering fails as a StoreError that says so", () =>
    Effect.gen(function* () {
      const { port } = yield* redisThatStopsAnswering
      const outbox = Outbox.layer().pipe(
        Layer.provide(PersistedQueue.layer),
        Layer.provide(PersistedQueue.layerStoreRedis({ prefix: "wedsync:bad-input:" })),
        Layer.provide(RedisConnection.layer({ url: `redis://127.0.0.1:${port}`, commandTimeout: "300 millis" }))
      )
      const error = yield* Outbox.Outbox.use((outbox) =>
        Effect.flip(outbox.offer({ id: "job-1", service: "email", operation: "reminder.email", payload: {} }))
      ).pipe(Effect.provide(outbox))
      assert.strictEqual(error._tag, "StoreError")
      assert.strictEqual(
        error.message,
        `outbox.offer: Failed to offer element to persisted queue: Redis at 127.0.0.1:${port} did not answer EVALSHA within 300ms (commandTimeout)`
      )
    }).pipe(Effect.scoped, quiet)
  )

  it.effect("options are checked before connecting, naming the field and never the password", () =>
    Effect.gen(function* () {
      const failure = (options: RedisConnection.Options) =>
        Effect.flip(Effect.scoped(Layer.build(RedisConnection.layer(options))))
      const http = yield* failure({ url: "http://app:hunter2@127.0.0.1:6379" })
      assert.strictEqual(http.message, "redis.configure: url must start with redis:// or rediss://, got http://")
      const garbled = yield* failure({ url: "redis//app:hunter2@127.0.0.1" })
      assert.strictEqual(
        garbled.message,
        "redis.configure: url does not parse as a URL; expected redis:// or rediss://…"
      )
      const negative = yield* failure({ commandTimeout: "-5 seconds" })
      assert.include(negative.message, "redis.configure: commandTimeout must be a positive duration")
      assert.include(negative.message, "got -5s")
      const overflow = yield* failure({ connectTimeout: 1e12 })
      assert.include(overflow.message, "connectTimeout must be a positive duration of at most 24.8 days")
    })
  )
})

describe("Resilience.redisWhenAvailable: starts anyway, and says why commands fail", () => {
  const connections: Record<string, (url: string) => Layer.Layer<Redis.Redis, unknown>> = {
    "NodeRedis.layer": (url) => NodeRedis.layer({ url }),
    "RedisConnection.layer": (url) => RedisConnection.layer({ url, connectTimeout: "300 millis" })
  }
  for (const [name, connection] of Object.entries(connections)) {
    it.live(`over ${name} to a silent Redis: built within connectTimeout, commands fail at once with words`, () =>
      Effect.gen(function* () {
        const { port } = yield* silentServer
        const started = Date.now()
        const context = yield* Layer.build(
          Resilience.redisWhenAvailable(connection(`redis://127.0.0.1:${port}`), {
            connectTimeout: "300 millis",
            retryEvery: "1 minute"
          })
        )
        assert.isBelow(Date.now() - started, 300 + slack)
        const redis = Context.get(context, Redis.Redis)
        const error = yield* Effect.flip(redis.send("PING"))
        assert.strictEqual(error._tag, "RedisError")
        assert.strictEqual(
          error.message,
          "Redis is not connected yet (PING); the last attempt: Redis did not answer within 300ms (connectTimeout)"
        )
      }).pipe(Effect.scoped, quiet)
    )

    it.live(`over ${name} to a closed port: the refusal is in every command's message`, () =>
      Effect.gen(function* () {
        const port = yield* closedPort
        const context = yield* Layer.build(
          Resilience.redisWhenAvailable(connection(`redis://127.0.0.1:${port}`), { retryEvery: "1 minute" })
        )
        const redis = Context.get(context, Redis.Redis)
        const error = yield* Effect.flip(redis.eval(Redis.script(() => [], { lua: "return 1", numberOfKeys: 0 }))())
        assert.include(error.message, "Redis is not connected yet (EVALSHA); the last attempt:")
        assert.include(error.message, `connect ECONNREFUSED 127.0.0.1:${port}`)
      }).pipe(Effect.scoped, quiet)
    )
  }
})

describe("Postgres: a server that does not answer", () => {
  it.live("a PostgreSQL that accepts the connection and never answers fails the layer within connectTimeout", () =>
    Effect.gen(function* () {
      const { port } = yield* silentServer
      const { error, millis } = yield* buildFailure(
        Postgres.layer({ url: `postgres://postgres:hunter2@127.0.0.1:${port}/test`, connectTimeout: "500 millis" })
      )
      assert.strictEqual(error._tag, "StoreError")
      assert.strictEqual(
        error.message,
        `postgres.connect: PostgreSQL at 127.0.0.1:${port} (database test, user postgres) did not answer within 500ms (connectTimeout)`
      )
      assert.isAtLeast(millis, 450)
      assert.isBelow(millis, 500 + slack)
    }).pipe(Effect.scoped)
  )

  it.live("the SQL queue store over a silent PostgreSQL fails to build within the bound", () =>
    Effect.gen(function* () {
      const { port } = yield* silentServer
      const store = QueueStore.layerSql().pipe(
        Layer.provide(
          Postgres.layer({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeout: "500 millis" })
        )
      )
      const { error, millis } = yield* buildFailure(store)
      assert.strictEqual(error._tag, "StoreError")
      assert.include(error.message, "did not answer within 500ms (connectTimeout)")
      assert.isBelow(millis, 500 + slack)
    }).pipe(Effect.scoped)
  )

  it.live("a closed port is a refused connection, in words", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const { error } = yield* buildFailure(Postgres.layer({ url: `postgres://postgres@127.0.0.1:${port}/test` }))
      assert.include(error.message, `postgres.connect: PostgreSQL at 127.0.0.1:${port} (database test, user postgres):`)
      assert.include(error.message, `connect ECONNREFUSED 127.0.0.1:${port} (connection refused`)
    })
  )

  it.effect("options are checked before connecting, naming the field and never the password", () =>
    Effect.gen(function* () {
      const failure = (options: Postgres.Options) => Effect.flip(Effect.scoped(Layer.build(Postgres.layer(options))))
      const mysql = yield* failure({ url: "mysql://app:hunter2@db/wedsync" })
      assert.strictEqual(
        mysql.message,
        "postgres.configure: url must start with postgres:// or postgresql://, got mysql://"
      )
      const empty = yield* failure({ url: "" })
      assert.strictEqual(empty.message, "postgres.configure: url is empty; expected postgres:// or postgresql://…")
      const zero = yield* failure({ url: "postgres://db/wedsync", connectTimeout: 0 })
      assert.include(zero.message, "postgres.configure: connectTimeout must be a positive duration")
      const statement = yield* failure({ url: "postgres://db/wedsync", statementTimeout: "-1 second" })
      assert.include(statement.message, "postgres.configure: statementTimeout must be a positive duration")
    })
  )
})

describe("store errors are never empty and never show a URL's password", () => {
  it("describe gives words for anything thrown", () =>
    fc.assert(fc.property(fc.anything(), (thrown) => describeCause(thrown).trim() !== "")))

  it("describe hides the password of a URL the driver repeats", () =>
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.~!$&'()*+,;=%-]{6,24}$/), (password) => {
        const said = describeCause(new Error(`connect to postgres://app:${password}@db:5432/wedsync failed`))
        return !said.includes(password) && said.includes("postgres://app:***@db:5432/wedsync")
      })
    ))
})

const directory = scratchDirectory("wedsync-bad-input-")

/** The message of opening `options` and running one statement. */
const sqliteFailure = (options: Sqlite.Options) =>
  Effect.flip(
    SqlClient.SqlClient.use((sql) => sql`CREATE TABLE t (a TEXT)`).pipe(Effect.provide(Sqlite.layer(options)))
  )

describe("Sqlite: file names that are not durable, and files it cannot open", () => {
  it.effect("an empty file name is refused, naming the field", () =>
    Effect.gen(function* () {
      for (const filename of ["", "   "]) {
        const error = yield* sqliteFailure({ filename })
        assert.strictEqual(
          error.message,
          "Sqlite: filename is empty: SQLite would open a temporary database that is deleted when it closes, " +
            "so nothing would be durable. Give a file path, or use Sqlite.layerMemory for a database in memory"
        )
      }
    })
  )

  it.effect('":memory:" is refused unless asked for through layerMemory', () =>
    Effect.gen(function* () {
      for (const filename of [":memory:", "file::memory:?cache=shared", `file:${directory}/x.db?mode=memory`]) {
        const error = yield* sqliteFailure({ filename })
        assert.strictEqual(
          error.message,
          `Sqlite: filename "${filename}" opens a database in memory, lost when it closes. ` +
            "Use Sqlite.layerMemory to ask for one, or give a file path"
        )
      }
      const rows = yield* SqlClient.SqlClient.use((sql) => sql`SELECT 1 AS one`).pipe(
        Effect.provide(Sqlite.layerMemory)
      )
      assert.deepStrictEqual(rows, [{ one: 1 }])
    })
  )

  it.effect("a missing directory is named as missing", () =>
    Effect.gen(function* () {
      const filename = join(directory, "missing", "wedsync.db")
      const error = yield* sqliteFailure({ filename })
      assert.strictEqual(
        error.message,
        `Failed to open ${filename}: unable to open database file: ` +
          `the directory ${join(directory, "missing")} does not exist (no such directory, ENOENT)`
      )
    })
  )

  it.effect("a read-only directory is named as not writable, with the system's reason", () =>
    Effect.gen(function* () {
      const readOnly = readOnlyDirectory(directory)
      const filename = join(readOnly, "wedsync.db")
      const error = yield* sqliteFailure({ filename })
      assert.include(error.message, `Failed to open ${filename}: unable to open database file: `)
      assert.match(
        error.message,
        new RegExp(
          `the directory ${readOnly} is not writable \\((permission denied, EACCES|read-only file system, EROFS)\\)$`
        )
      )
      assert.isFalse(existsSync(filename))
    })
  )

  it.effect("a directory, a file under a file and a file that is not a database each say so", () =>
    Effect.gen(function* () {
      const notDatabase = join(directory, "notes.txt")
      writeFileSync(notDatabase, "Guest list: Ana, Ben, Chloé. ".repeat(20))
      const isDirectory = yield* sqliteFailure({ filename: directory })
      assert.strictEqual(
        isDirectory.message,
        `Failed to open ${directory}: unable to open database file: ${directory} is a directory`
      )
      const underFile = yield* sqliteFailure({ filename: join(notDatabase, "wedsync.db") })
      assert.include(underFile.message, "a part of the path is not a directory, ENOTDIR")
      const garbage = yield* sqliteFailure({ filename: notDatabase })
      assert.strictEqual(garbage.message, `Failed to open ${notDatabase}: file is not a database`)
    })
  )

  it.effect("writing to a read-only database and a full disk keep SQLite's words", () =>
    Effect.gen(function* () {
      const filename = join(directory, "full.db")
      const full = yield* SqlClient.SqlClient.use((sql) =>
        Effect.gen(function* () {
          yield* sql`CREATE TABLE notes (body TEXT)`
          yield* sql`PRAGMA max_page_count = 8` // the disk is "full" after 8 pages
          for (let i = 0; i < 50; i++) yield* sql`INSERT INTO notes VALUES (${"x".repeat(2_000)})`
        })
      ).pipe(Effect.provide(Sqlite.layer({ filename })), Effect.flip)
      assert.strictEqual(full.message, "Failed to execute statement: database or disk is full (disk full)")
      const readOnly = yield* SqlClient.SqlClient.use((sql) => sql`INSERT INTO notes VALUES ('late')`).pipe(
        Effect.provide(Sqlite.layer({ filename, readonly: true })),
        Effect.flip
      )
      assert.strictEqual(
        readOnly.message,
        "Failed to execute statement: attempt to write a readonly database (read-only: the file or its directory cannot be written)"
      )
    })
  )

  it.effect("a busy timeout no timer can hold is refused, naming the field", () =>
    Effect.gen(function* () {
      const error = yield* sqliteFailure({ filename: join(directory, "busy.db"), busyTimeout: "-5 seconds" })
      assert.strictEqual(
        error.message,
        "Sqlite: busyTimeout must be a duration from 0 to 24.8 days (a timer's limit), got -5 seconds"
      )
    })
  )
})
