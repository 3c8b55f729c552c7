/**
 * The inbox on a real PostgreSQL, as the store goes away under the handler:
 * its database is closed to connections and every backend of the pool is
 * terminated (the store stopped), then opened again; and the queue table is
 * locked so a write cannot commit. Each time the handler answers 503 with
 * Retry-After; the provider delivers again once the store is back, and the
 * event is written and processed exactly once. The quarantine's SQL keeps to
 * its cap on PostgreSQL too.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Audit, Outbox } from "@wedsync/durable"
import { databaseUrl, postgresUp } from "@wedsync/test-fixtures/services"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound, Quarantine } from "../src/index.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"

const credentials = StripeSim.definition.credentials
const database = `inbound_${randomBytes(5).toString("hex")}`
const databaseUrlOf = (name: string) => {
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  return url.href
}

const intent = {
  id: "pi_pg",
  object: "payment_intent",
  amount: 50_000,
  currency: "gbp",
  metadata: {},
  status: "succeeded"
} as unknown as StripeSim.PaymentIntent
const requestFor = (id: string) => {
  const event = StripeSim.events.paymentIntentSucceeded(intent, { id, created: Math.floor(Date.now() / 1000) })
  const sent = Webhooks.build(StripeSim.signer, credentials, event, "https://hooks.wedsync.test/stripe")
  return new Request(sent.url, { method: "POST", headers: sent.headers, body: sent.body })
}

/** Another connection, outside the pool under test, to cut and lock it. */
const admin = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(databaseUrl) }))
const asAdmin = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  admin.runPromise(Effect.flatMap(Effect.service(SqlClient.SqlClient), query))

afterAll(() => admin.dispose())

describe.skipIf(!postgresUp)("Inbound on PostgreSQL while the store goes away", () => {
  let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
  let stripe: ReturnType<typeof Inbound.webHandler>
  let stopWorker: () => Promise<void>
  const processed: Array<string> = []

  beforeAll(async () => {
    await asAdmin((sql) => sql.unsafe(`CREATE DATABASE ${database}`))
    const pg = PgClient.layer({ url: Redacted.make(databaseUrlOf(database)) })
    runtime = ManagedRuntime.make(inboxOn(pg))
    stripe = Inbound.webHandler(
      StripeWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) }),
      Layer.succeedContext(await runtime.context()),
      { writeTimeout: "300 millis", retryAfterSeconds: 5 }
    )
    stopWorker = await forkWorker(
      runtime,
      Outbox.worker({
        [Inbound.operation("stripe")]: (job) =>
          Effect.sync(() => processed.push((job.payload as Inbound.Received).event.id))
      })
    )
  })

  afterAll(async () => {
    await stopWorker()
    await stripe.dispose()
    await runtime.dispose()
    await asAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
  })

  const until = async (condition: () => boolean, millis = 10_000) => {
    const started = Date.now()
    while (!condition()) {
      if (Date.now() - started > millis) throw new Error("timed out waiting")
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it("answers 503 while its database is stopped, and once it is back the redelivery is written once", async () => {
    expect((await stripe.handler(requestFor("evt_pg_before"))).status).toBe(200)
    await until(() => processed.includes("evt_pg_before"))
    // The store stops: no new connection is allowed, and every open one is cut.
    await asAdmin((sql) => sql.unsafe(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`))
    const cut = await asAdmin(
      (sql) =>
        sql<{ cut: boolean }>`select pg_terminate_backend(pid) as cut from pg_stat_activity where datname = ${database}`
    )
    expect(cut.length).toBeGreaterThan(0)
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await stripe.handler(requestFor("evt_pg_cut"))
      expect(answer.status).toBe(503)
      expect(answer.headers.get("retry-after")).toBe("5")
    }
    await asAdmin((sql) => sql.unsafe(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`))
    // The provider delivers again until it is taken.
    let answer = await stripe.handler(requestFor("evt_pg_cut"))
    for (let attempt = 0; answer.status !== 200 && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      answer = await stripe.handler(requestFor("evt_pg_cut"))
    }
    expect(answer.status).toBe(200)
    await until(() => processed.includes("evt_pg_cut"))
    expect(processed.filter((id) => id === "evt_pg_cut")).toHaveLength(1)
  })

  it("answers 503 when a write cannot commit in time, and loses nothing once it can", async () => {
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let onLocked = () => {}
    const locked = new Promise<void>((resolve) => {
      onLocked = resolve
    })
    const locker = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(databaseUrlOf(database)) }))
    const holder = locker.runPromise(
      Effect.service(SqlClient.SqlClient).pipe(
        Effect.flatMap((sql) =>
          sql.withTransaction(
            Effect.gen(function* () {
              yield* sql.unsafe(`LOCK TABLE wedsync_queue IN ACCESS EXCLUSIVE MODE`)
              onLocked()
              yield* Effect.promise(() => released)
            })
          )
        )
      )
    )
    await locked
    const blocked = await stripe.handler(requestFor("evt_pg_locked"))
    expect(blocked.status).toBe(503)
    release()
    await holder
    await locker.dispose()
    let answer = await stripe.handler(requestFor("evt_pg_locked"))
    for (let attempt = 0; answer.status !== 200 && attempt < 20; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      answer = await stripe.handler(requestFor("evt_pg_locked"))
    }
    expect(answer.status).toBe(200)
    await until(() => processed.includes("evt_pg_locked"))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(processed.filter((id) => id === "evt_pg_locked")).toHaveLength(1)
  })
})

describe.skipIf(!postgresUp)("the quarantine on PostgreSQL", () => {
  it("keeps each refused delivery and stays under its cap, the oldest dropped first", async () => {
    const schemaName = `quarantine_${randomBytes(5).toString("hex")}`
    await asAdmin((sql) => sql.unsafe(`CREATE SCHEMA ${schemaName}`))
    try {
      const layer = Quarantine.layerSql({ maxPerProvider: 3 }).pipe(
        Layer.provide(Audit.layerSql),
        Layer.provideMerge(
          PgClient.layer({ url: Redacted.make(databaseUrl), startupParameters: { search_path: schemaName } })
        )
      )
      const operator = { actor: "security@wedsync.test", reason: "review" }
      const kept = await Effect.runPromise(
        Effect.gen(function* () {
          const quarantine = yield* Quarantine.Quarantine
          const now = Date.now()
          for (let i = 0; i < 5; i++) {
            yield* quarantine.add({
              provider: "stripe",
              reason: "SignatureInvalid",
              description: "no v1 signature matches",
              method: "POST",
              url: "https://hooks.wedsync.test/stripe",
              headers: { "stripe-signature": `t=${i}` },
              body: `{"n":${i}}`,
              bodyEncoding: "utf8",
              receivedAt: now + i
            })
          }
          return yield* quarantine.list({ provider: "stripe" }, operator)
        }).pipe(Effect.provide(layer))
      )
      expect(kept.map((entry) => entry.body)).toEqual(['{"n":4}', '{"n":3}', '{"n":2}'])
    } finally {
      await asAdmin((sql) => sql.unsafe(`DROP SCHEMA ${schemaName} CASCADE`))
    }
  })
})
