/**
 * The admin API served for tests: a real Node HTTP server on port 0 over the
 * memory stores of core, durable, webhooks and ops, an outbox worker that
 * records the jobs it runs, seeded with a dead letter of each kind, a
 * quarantined webhook, an override, an outbound endpoint and a booking
 * timeline. Requests go over the wire with `fetch`, so status codes and
 * headers are what a client sees.
 */
import { Audit, IntegrationError, Overrides, Resilience, WebhookSource } from "@wedsync/core"
import { DeadLetters, Outbox } from "@wedsync/durable"
import { Outbound, Quarantine, Watchdog } from "@wedsync/webhooks"
import { NodeHttpServer } from "@effect/platform-node"
import { createServer } from "node:http"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { PersistedQueue, type Redis } from "effect/persistence"
import type { SqlClient } from "effect/sql"
import * as Admin from "../src/Admin.ts"
import * as Impact from "../src/Impact.ts"
import * as IncidentLog from "../src/IncidentLog.ts"
import * as WeddingDirectory from "../src/WeddingDirectory.ts"
import { afterAll, beforeAll } from "vitest"

export const READ_TOKEN = "read-token-0123456789abcdef"
export const OPERATOR_TOKEN = "operator-token-0123456789abcdef"
export const tokens: ReadonlyArray<Admin.Token> = [
  { name: "rita", token: Redacted.make(READ_TOKEN), scope: "read" },
  { name: "otto", token: Redacted.make(OPERATOR_TOKEN), scope: "operator" }
]

const DAY = 86_400_000

/** The jobs the outbox worker ran, by id. */
export const ran: Array<string> = []

// A webhook source whose signatures never verify: re-injection must be operator-trusted.
const acme = WebhookSource.WebhookSource.of({
  provider: "acme",
  verify: () =>
    Effect.fail(
      IntegrationError.make(
        "acme",
        "webhook.verify",
        new IntegrationError.SignatureInvalid({ description: "bad signature" })
      )
    )
})

/** A dead letter as the outbox leaves one after five `Unavailable` attempts at `provider`. */
export const deadLetter = (letter: {
  readonly id: string
  readonly service: "email" | "sms"
  readonly provider: string
  readonly deadAt: number
  readonly operation?: string
  readonly payload?: unknown
}) =>
  new DeadLetters.DeadLetter({
    id: letter.id,
    service: letter.service,
    operation: letter.operation ?? "test.send",
    provider: letter.provider,
    providersTried: [letter.provider],
    reason: "Unavailable",
    errors: [{ at: letter.deadAt, provider: letter.provider, reason: "Unavailable", message: "503" }],
    attempts: 5,
    payload: letter.payload ?? { to: "couple@example.com" },
    correlationId: `corr-${letter.id}`,
    firstFailureAt: letter.deadAt - 1_000,
    lastFailureAt: letter.deadAt,
    deadAt: letter.deadAt,
    status: "dead",
    replays: 0
  })

const letter = (id: string, service: "email" | "sms", provider: string, deadAt: number) =>
  deadLetter({ id, service, provider, deadAt })

const seed = Effect.gen(function* () {
  const now = Date.now()
  const letters = yield* DeadLetters.DeadLetters
  yield* letters.add(letter("dl-recent-1", "email", "resend", now - DAY))
  yield* letters.add(letter("dl-recent-2", "email", "resend", now - 2 * DAY))
  yield* letters.add(letter("dl-recent-3", "email", "resend", now - 3 * DAY))
  yield* letters.add(letter("dl-old", "sms", "twilio", now - 40 * DAY))
  const quarantine = yield* Quarantine.Quarantine
  yield* quarantine.add({
    provider: "acme",
    reason: "SignatureInvalid",
    description: "the signature does not match",
    method: "POST",
    url: "https://hooks.example/acme",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: "evt_1", type: "booking.confirmed" }),
    bodyEncoding: "utf8",
    receivedAt: now
  })
  const overrides = yield* Overrides.Overrides
  yield* overrides.set(
    { _tag: "ForceCircuit", service: "email", provider: "resend", state: "open" },
    { actor: "seed", reason: "seeded" }
  )
  const endpoints = yield* Outbound.Endpoints
  yield* endpoints.put({ id: "ep_1", url: "https://example.com/hook", secrets: [Redacted.make("whsec_c2VjcmV0")] })
  yield* Watchdog.declare("booking:b1", [{ name: "deposit", match: { kind: "payment.succeeded" }, within: "1 hour" }])
  yield* Watchdog.observe({ key: "booking:b1", kind: "payment.succeeded", provider: "stripe", outcome: "success" })
})

const worker = Layer.effectDiscard(
  Outbox.worker({ "test.send": (job: Outbox.Job) => Effect.sync(() => ran.push(job.id)) })
)

const stores = Layer.mergeAll(
  DeadLetters.layerMemory,
  Quarantine.layerMemory(),
  Overrides.layerMemory,
  Outbound.layerMemory,
  Watchdog.layerMemory(),
  IncidentLog.layerMemory(),
  WeddingDirectory.layerMemory(),
  Impact.countsNone
).pipe(
  Layer.provideMerge(Outbox.layer()),
  Layer.provideMerge(Resilience.layerMemory()),
  Layer.provideMerge(Audit.layerMemory),
  Layer.provide(PersistedQueue.layer),
  Layer.provide(PersistedQueue.layerStoreMemory)
)

const serve = (admin: Layer.Layer<never, unknown, HttpRouter.HttpRouter | Admin.Platform | Admin.Services>) =>
  HttpRouter.serve(admin, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0 }))
  )

/**
 * A running admin server over seeded memory stores; `extra` adds services to
 * what the admin sees (a `SqlClient`, a Redis connection), `admin` replaces
 * `Admin.layer({ tokens, sources })`.
 */
export const start = async (
  options: {
    readonly extra?:
      | Layer.Layer<SqlClient.SqlClient | Redis.Redis, unknown>
      | Layer.Layer<SqlClient.SqlClient, unknown>
      | undefined
    readonly admin?: Layer.Layer<never, unknown, HttpRouter.HttpRouter | Admin.Platform | Admin.Services> | undefined
  } = {}
) => {
  const admin = options.admin ?? Admin.layer({ tokens, sources: { acme } })
  const server = serve(admin).pipe(Layer.provide(options.extra ?? Layer.empty))
  const layer = Layer.mergeAll(server, worker, Layer.effectDiscard(seed)).pipe(Layer.provideMerge(stores))
  const runtime = ManagedRuntime.make(layer)
  const address = await runtime.runPromise(
    Effect.map(Effect.service(HttpServer.HttpServer), (server) => server.address)
  )
  if (address._tag === "UnixPathAddress") throw new Error("the admin server is not on TCP")
  return { runtime, baseUrl: `http://127.0.0.1:${address.port}` }
}

/**
 * The seeded server for the test file that calls it (at its top level): started
 * before its tests, disposed after. `before` runs first (e.g. clearing the
 * CLI's environment).
 */
export const serverForTests = (before?: () => void) => {
  let server: Awaited<ReturnType<typeof start>> | undefined
  beforeAll(async () => {
    before?.()
    server = await start()
  }, 30_000)
  afterAll(async () => {
    await server?.runtime.dispose()
  })
  return () => {
    if (server === undefined) throw new Error("the admin server is not started yet")
    return server
  }
}
