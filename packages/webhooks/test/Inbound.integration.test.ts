/**
 * The inbox on a real PostgreSQL, as the store goes away under the handler:
 * its connections are cut (every backend of the pool terminated), and the
 * queue table is locked so a write cannot commit. Each time the handler
 * answers 503 with Retry-After; the provider delivers again once the store is
 * back, and the event is written and processed exactly once.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Layer, ManagedRuntime, Redacted, Scope } from "effect"
import { PersistedQueue } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Audit, DeadLetters, Outbox, QueueStore } from "@wedsync/durable"
import { databaseUrl, postgresUp } from "@wedsync/test-fixtures/services"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound } from "../src/index.ts"

const credentials = StripeSim.definition.credentials
const schema = `inbound_${randomBytes(5).toString("hex")}`
const applicationName = `wedsync-${schema}`

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

describe.skipIf(!postgresUp)("Inbound on PostgreSQL while the store goes away", () => {
  let runtime: ManagedRuntime.ManagedRuntime<Outbox.Outbox | DeadLetters.DeadLetters | Audit.Audit, unknown>
  let stripe: ReturnType<typeof Inbound.webHandler>
  let workerScope: Scope.Closeable
  const processed: Array<string> = []

  beforeAll(async () => {
    await asAdmin((sql) => sql.unsafe(`CREATE SCHEMA ${schema}`))
    const pg = PgClient.layer({
      url: Redacted.make(databaseUrl),
      startupParameters: { search_path: schema, application_name: applicationName }
    })
    runtime = ManagedRuntime.make(
      DeadLetters.layerSql.pipe(
        Layer.provideMerge(Outbox.layer()),
        Layer.provideMerge(Audit.layerSql),
        Layer.provide(PersistedQueue.layer),
        Layer.provide(QueueStore.layerSql({ pollInterval: "20 millis" })),
        Layer.provide(pg)
      )
    )
    stripe = Inbound.webHandler(
      StripeWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) }),
      Layer.succeedContext(await runtime.context()),
      { writeTimeout: "300 millis", retryAfterSeconds: 5 }
    )
    workerScope = await Effect.runPromise(Scope.make())
    await runtime.runPromise(
      Outbox.worker({
        [Inbound.operation("stripe")]: (job) =>
          Effect.sync(() => processed.push((job.payload as Inbound.Received).event.id))
      }).pipe(Effect.forkIn(workerScope), Effect.provideService(Scope.Scope, workerScope))
    )
  })

  afterAll(async () => {
    await Effect.runPromise(Scope.close(workerScope, Exit.void))
    await stripe.dispose()
    await runtime.dispose()
    await asAdmin((sql) => sql.unsafe(`DROP SCHEMA ${schema} CASCADE`))
    await admin.dispose()
  })

  const until = async (condition: () => boolean, millis = 10_000) => {
    const started = Date.now()
    while (!condition()) {
      if (Date.now() - started > millis) throw new Error("timed out waiting")
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it("answers 503 while its connections are cut, and 200 once the pool reconnects", async () => {
    expect((await stripe.handler(requestFor("evt_pg_before"))).status).toBe(200)
    await until(() => processed.includes("evt_pg_before"))
    const cut = await asAdmin(
      (sql) =>
        sql<{
          cut: boolean
        }>`select pg_terminate_backend(pid) as cut from pg_stat_activity where application_name = ${applicationName}`
    )
    expect(cut.length).toBeGreaterThan(0)
    const statuses: Array<number> = []
    // The provider delivers again until it is taken; the first answer after the cut is the 503.
    for (let attempt = 0; attempt < 20; attempt++) {
      const answer = await stripe.handler(requestFor("evt_pg_cut"))
      statuses.push(answer.status)
      if (answer.status === 200) break
      expect(answer.status).toBe(503)
      expect(answer.headers.get("retry-after")).toBe("5")
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(statuses[0]).toBe(503)
    expect(statuses.at(-1)).toBe(200)
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
    const holder = admin.runPromise(
      Effect.service(SqlClient.SqlClient).pipe(
        Effect.flatMap((sql) =>
          sql.withTransaction(
            Effect.gen(function* () {
              yield* sql.unsafe(`LOCK TABLE ${schema}.wedsync_queue IN ACCESS EXCLUSIVE MODE`)
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
