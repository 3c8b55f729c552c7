/**
 * Bad input against the real PostgreSQL (DATABASE_URL) and Redis (REDIS_URL):
 * a wrong user, an unknown database, a wrong password, a database number
 * Redis does not have, a statement past its timeout, and a Redis that stops
 * answering after the connection is made. Each gives a typed error in words
 * that name the server and the root cause, never the password. The cases
 * that need no real server are in BadInput.test.ts. Skipped when a service
 * is down, except under CI=true.
 */
import { assert, describe, it } from "@effect/vitest"
import { Resilience } from "@wedsync/core"
import { databaseUrl, postgresUp, redisUp, redisUrl } from "@wedsync/test-fixtures/services"
import { Context, Effect, Exit, Layer, Logger, Redacted, Scope } from "effect"
import { Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import * as Migrations from "../src/Migrations.ts"
import * as Postgres from "../src/Postgres.ts"
import * as RedisConnection from "../src/RedisConnection.ts"
import { freezingProxy } from "./fixtures/servers.ts"

const unique = () => randomBytes(4).toString("hex")
const password = "hunter2-do-not-print"

/** DATABASE_URL with another user, password or database. */
const postgresUrl = (change: { readonly user?: string; readonly password?: string; readonly database?: string }) => {
  const url = new URL(databaseUrl)
  if (change.user !== undefined) url.username = change.user
  if (change.password !== undefined) url.password = change.password
  if (change.database !== undefined) url.pathname = `/${change.database}`
  return url
}

const buildError = <A, E>(layer: Layer.Layer<A, E>) =>
  Effect.flip(Effect.scoped(Layer.build(layer))).pipe(Effect.provide(Logger.layer([])))

describe.skipIf(!postgresUp)("Postgres.layer on the real PostgreSQL", () => {
  const server = `${new URL(databaseUrl).hostname}:${new URL(databaseUrl).port || 5432}`

  it.effect("an unknown user is an authentication failure naming the user, never the password", () =>
    Effect.gen(function* () {
      const user = `nosuchuser_${unique()}`
      const url = postgresUrl({ user, password })
      const error = yield* buildError(Postgres.layer({ url: Redacted.make(url.href) }))
      assert.strictEqual(error._tag, "StoreError")
      assert.include(
        error.message,
        `postgres.connect: PostgreSQL at ${server} (database ${url.pathname.slice(1)}, user ${user}):`
      )
      assert.include(error.message, "authentication failed")
      assert.notInclude(error.message, password)
    })
  )

  it.effect("an unknown database is named as unknown", () =>
    Effect.gen(function* () {
      const database = `nosuchdb_${unique()}`
      const error = yield* buildError(Postgres.layer({ url: postgresUrl({ database }).href }))
      assert.strictEqual(error._tag, "StoreError")
      assert.include(error.message, `database "${database}" does not exist (unknown database)`)
    })
  )

  it.effect("the right URL connects; statementTimeout cancels a long statement in PostgreSQL's words", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      assert.deepStrictEqual(yield* sql`SELECT 1 AS one`, [{ one: 1 }])
      const table = `bad_input_${unique()}_migrations`
      yield* Effect.addFinalizer(() => Effect.ignore(sql.unsafe(`DROP TABLE IF EXISTS ${table}`)))
      const error = yield* Effect.flip(
        Migrations.migrate("badInput.migrate", table, { "1_slow": sql`SELECT pg_sleep(2)`.pipe(Effect.asVoid) })
      )
      assert.strictEqual(error._tag, "StoreError")
      assert.include(error.message, "badInput.migrate: ")
      assert.include(error.message, "canceling statement due to statement timeout")
    }).pipe(Effect.scoped, Effect.provide(Postgres.layer({ url: databaseUrl, statementTimeout: "300 millis" })))
  )
})

describe.skipIf(!redisUp)("RedisConnection.layer on the real Redis", () => {
  const { hostname, port } = new URL(redisUrl)
  const server = `${hostname}:${port || 6379}`
  const withUrl = (change: (url: URL) => void) => {
    const url = new URL(redisUrl)
    change(url)
    return url.href
  }

  it.effect("connects and answers, also through redisWhenAvailable", () =>
    Effect.gen(function* () {
      const redis = yield* Redis.Redis
      assert.strictEqual(yield* redis.send("PING"), "PONG")
    }).pipe(
      Effect.provide(Resilience.redisWhenAvailable(RedisConnection.layer({ url: Redacted.make(redisUrl) }))),
      Effect.provide(Logger.layer([]))
    )
  )

  it.effect("a wrong user or password is an authentication failure, never showing the password", () =>
    Effect.gen(function* () {
      const url = withUrl((url) => {
        url.username = `nosuchuser_${unique()}`
        url.password = password
      })
      const error = yield* buildError(RedisConnection.layer({ url: Redacted.make(url) }))
      assert.strictEqual(error._tag, "StoreError")
      assert.include(error.message, `redis.connect: Redis at ${server}: WRONGPASS`)
      assert.include(error.message, "(authentication failed: wrong user name or password)")
      assert.notInclude(error.message, password)
    })
  )

  it.effect("a database number Redis does not have is an unknown database", () =>
    Effect.gen(function* () {
      const error = yield* buildError(RedisConnection.layer({ url: withUrl((url) => (url.pathname = "/99999")) }))
      assert.strictEqual(
        error.message,
        `redis.connect: Redis at ${server}: ERR DB index is out of range (unknown database: no such database number)`
      )
    })
  )

  it.live(
    "a Redis that stops answering after connecting: commands fail within commandTimeout, closing is bounded",
    () =>
      Effect.gen(function* () {
        const proxy = yield* freezingProxy({ host: hostname, port: Number(port || 6379) })
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(
          RedisConnection.layer({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeout: "300 millis" }),
          scope
        )
        const redis = Context.get(context, Redis.Redis)
        assert.strictEqual(yield* redis.send("PING"), "PONG")
        yield* proxy.freeze
        const started = Date.now()
        const error = yield* Effect.flip(redis.send("GET", "wedsync:bad-input"))
        assert.strictEqual(
          error.message,
          `Redis at 127.0.0.1:${proxy.port} did not answer GET within 300ms (commandTimeout)`
        )
        assert.isBelow(Date.now() - started, 1_050)
        const closing = Date.now()
        yield* Scope.close(scope, Exit.void)
        assert.isBelow(Date.now() - closing, 1_050)
      }).pipe(Effect.scoped, Effect.provide(Logger.layer([])))
  )
})
