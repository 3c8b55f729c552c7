/**
 * Secrets through the outbox, written once and run on every store. A job
 * whose payload carries generated secrets (each known format, in strings, in
 * JSON text, nested, under innocuous names) fails its way to a dead letter —
 * rejected at once, a defect, or after a deferred retry — with its error
 * messages quoting the payload; it is replayed, dead-lettered again, then
 * purged. None of the secrets is left in the dead letter (any field), in the
 * audit trail, or in anything the queue store keeps once the job is finished.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Ref, Schedule } from "effect"
import { PersistedQueue } from "effect/persistence"
import { SqlClient } from "effect/sql"
import * as fc from "fast-check"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import * as Outbox from "../src/Outbox.ts"
import * as QueueStore from "../src/QueueStore.ts"

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const HEX = "0123456789abcdef"
const PASSWORD = `${ALNUM}!@#$%^*()-_+=.~:/?'`
// what a URL's userinfo may hold unescaped (RFC 3986)
const USERINFO = `${ALNUM}-._~!$&'()*+,;=%:@`

/** `length` characters of `alphabet` from a seeded generator: random-looking even when fast-check shrinks. */
const seeded = (alphabet: string, min: number, max = min) =>
  fc.tuple(fc.integer(), fc.integer({ min, max })).map(([seed, length]) => {
    let state = seed | 0
    let out = ""
    for (let i = 0; i < length; i++) {
      state = (state + 0x6d2b79f5) | 0
      let t = Math.imul(state ^ (state >>> 15), 1 | state)
      t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
      out += alphabet[((t ^ (t >>> 14)) >>> 0) % alphabet.length]
    }
    return out
  })
const token = (min: number, max = min) => seeded(ALNUM, min, max).map((body) => `${body.slice(0, 3)}7Q${body.slice(3)}`)
const b64url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "")

/** A secret (what must vanish) and how it is written (`text`, or the `entries` of one object). */
interface Secret {
  readonly secret: string
  readonly text: string
  readonly entries?: Readonly<Record<string, string>>
}

const secret: fc.Arbitrary<Secret> = fc.oneof(
  token(16, 40).map((value) => ({ secret: value, text: `Authorization: Bearer ${value}` })),
  seeded(PASSWORD, 10, 24).map((password) => {
    const encoded = btoa(`app:${password}`)
    return { secret: encoded, text: `Basic ${encoded}` }
  }),
  fc
    .tuple(fc.constantFrom("https", "postgres", "redis"), seeded(USERINFO, 12, 30))
    .map(([scheme, password]) => ({ secret: password, text: `${scheme}://app:${password}@db.internal:5432/wedsync` })),
  seeded(PASSWORD, 12, 30).map((password) => ({
    secret: password,
    text: `Host=db;Username=app;Password=${password};`
  })),
  fc.tuple(seeded(ALNUM, 7), seeded(ALNUM, 24)).map(([a, b]) => ({ secret: `re_${a}1_${b}`, text: `re_${a}1_${b}` })),
  fc
    .tuple(fc.constantFrom("sk_live_", "sk_test_", "rk_live_"), token(24, 60))
    .map(([prefix, body]) => ({ secret: body, text: `${prefix}${body}` })),
  seeded(`${ALNUM}+/`, 32).map((body) => ({ secret: body, text: `whsec_${body}` })),
  seeded(HEX, 32).map((body) => ({ secret: body, text: `SK${body}` })),
  fc
    .tuple(seeded(HEX, 32), seeded(HEX, 32), fc.boolean())
    .filter(([sid, value]) => sid !== value)
    .map(([sid, value, tokenFirst]) => ({
      secret: value,
      text: tokenFirst ? `${value} AC${sid}` : `AC${sid}:${value}`,
      entries: tokenFirst ? { other: value, account: `AC${sid}` } : { account: `AC${sid}`, other: value }
    })),
  fc.uuid().map((uuid) => ({ secret: uuid, text: `X-Postmark-Server-Token: ${uuid}`, entries: { postmark: uuid } })),
  fc.tuple(seeded(ALNUM, 3, 12), seeded(ALNUM, 30, 60)).map(([subject, signature]) => {
    const value = `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify({ sub: subject }))}.${signature}`
    return { secret: value, text: value }
  }),
  token(20, 48).map((value) => ({ secret: value, text: `signingKey=${value}`, entries: { signingKey: value } }))
)

const place = fc.constantFrom<(item: Secret) => unknown>(
  (item) => `Ceremony at 3pm; ${item.text}, then ana@example.com`,
  (item) => JSON.stringify({ request: { note: item.text } }),
  (item) => ({ meta: { lines: [{ n: 1, text: item.text }] } }),
  (item) => item.entries ?? [item.text],
  (item) => ({ apiKey: item.secret })
)

/** A payload with one to four secrets in it, and the secrets. */
export const payloads = fc.array(fc.tuple(secret, place), { minLength: 1, maxLength: 4 }).map((placed) => ({
  secrets: placed.map(([item]) => item.secret),
  payload: {
    to: "ana@example.com",
    template: "reminder",
    body: Object.fromEntries(placed.map(([item, put], index) => [`field${index}`, put(item)]))
  }
}))

/** One store under test: the outbox, dead letters and audit trail on it, and what it keeps. */
export interface Store<R> {
  readonly layer: () => Layer.Layer<Outbox.Outbox | DeadLetters.DeadLetters | Audit.Audit | R, unknown>
  /** Everything the stores keep, as text: every queue entry, and dead-letter and audit rows when they are SQL. */
  readonly kept: Effect.Effect<string, unknown, R>
  /** Whether no queue entry is waiting, delayed or claimed. */
  readonly idle: Effect.Effect<boolean, unknown, R>
}

/**
 * Everything in SQL on the client `client()` gives (a fresh database or
 * schema each call): the outbox on `QueueStore.layerSql`, dead letters and
 * audit; what it keeps is every row of their tables.
 */
export const sqlStore = (client: () => Layer.Layer<SqlClient.SqlClient, unknown>): Store<SqlClient.SqlClient> => ({
  layer: () =>
    DeadLetters.layerSql.pipe(
      Layer.provideMerge(Outbox.layer().pipe(Layer.provide(PersistedQueue.layer))),
      Layer.provideMerge(Audit.layerSql),
      Layer.provideMerge(QueueStore.layerSql({ pollInterval: "10 millis" })),
      Layer.provideMerge(client())
    ),
  kept: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows: Array<unknown> = []
    for (const table of ["wedsync_queue", "wedsync_dead_letters", "wedsync_audit"]) {
      rows.push(...(yield* sql`SELECT * FROM ${sql(table)}`))
    }
    return JSON.stringify(rows, (_, value) => (typeof value === "bigint" ? value.toString() : value))
  }),
  idle: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly n: unknown }>`SELECT COUNT(*) AS n FROM wedsync_queue WHERE state = 'pending'`
    return Number(rows[0]?.n) === 0
  })
})

const policies = Policy.layer({
  services: {
    email: { deferred: { rules: [{ reasons: ["Unavailable"], delay: { kind: "fixed", millis: 5 }, maxRetries: 1 }] } }
  }
})
const operator = { actor: "ops@wedsync.test", reason: "the provider is back" }

// an adapter that quotes the request it sent, as a careless one does
const quoting = (job: Outbox.Job) => `request ${JSON.stringify(job.payload)}`
const failing = (reason: IntegrationError.Reason) =>
  IntegrationError.make("resend", "send", reason, { status: reason._tag === "Rejected" ? 422 : 503 })

const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
  check.pipe(
    Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
    Effect.retry({ schedule: Schedule.spaced("5 millis"), times: 2_000 }),
    Effect.orDie
  )

/** Registers the secret-scrubbing tests against a store; `numRuns` generated payloads go through it. */
export const secretsSuite = <R>(name: string, store: Store<R>, numRuns: number): void => {
  const run = Math.random().toString(36).slice(2, 8)
  let jobs = 0
  const layer = () => store.layer().pipe(Layer.provideMerge(policies))

  /** Starts a worker whose handlers fail in the three ways a job is dead-lettered, recording each payload run. */
  const startWorker = Effect.gen(function* () {
    const received = yield* Ref.make(new Map<string, ReadonlyArray<unknown>>())
    const record = (job: Outbox.Job) =>
      Ref.update(received, (all) => new Map(all).set(job.id, [...(all.get(job.id) ?? []), job.payload]))
    yield* Outbox.worker({
      "secrets.rejected": (job) =>
        Effect.andThen(record(job), Effect.fail(failing(new IntegrationError.Rejected({ description: quoting(job) })))),
      "secrets.retried": (job) =>
        Effect.andThen(
          record(job),
          Effect.fail(failing(new IntegrationError.Unavailable({ description: quoting(job) })))
        ),
      "secrets.defect": (job) =>
        Effect.andThen(
          record(job),
          Effect.sync(() => {
            throw new Error(quoting(job))
          })
        )
    })
    return received
  })

  const deadLetter = (id: string, replays: number) =>
    eventually(
      Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
        letters.get(id, operator).pipe(
          Effect.map((letter) => (letter.status === "dead" && letter.replays === replays ? letter : undefined)),
          Effect.catchTag("DeadLetterNotFound", () => Effect.succeed(undefined))
        )
      )
    )
  const idle = eventually(Effect.map(store.idle, (done) => (done ? true : undefined)))

  describe(`secrets on ${name}`, () => {
    it.live("a dead-lettered job's queue entry no longer holds the payload it held while waiting", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        const id = `secrets:${run}:waiting`
        const apiKey = "re_live_7Q9xK2mQ4v8bFhT3sLw1nYz"
        yield* outbox.offer({ id, service: "email", operation: "secrets.rejected", payload: { to: "a@b.c", apiKey } })
        assert.include(yield* store.kept, apiKey)
        yield* startWorker
        const letter = yield* deadLetter(id, 0)
        assert.deepStrictEqual(letter.payload, { to: "a@b.c", apiKey: "<redacted>" })
        yield* idle
        assert.notInclude(yield* store.kept, apiKey)
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live(`no generated secret survives dead letters, replay, purge, audit or the queue (${numRuns} payloads)`, () =>
      Effect.gen(function* () {
        const received = yield* startWorker
        const outbox = yield* Outbox.Outbox
        const letters = yield* DeadLetters.DeadLetters
        const audit = yield* Audit.Audit
        const context = yield* Effect.context<Outbox.Outbox | DeadLetters.DeadLetters | Audit.Audit | R>()
        const operation = fc.constantFrom("secrets.rejected", "secrets.retried", "secrets.defect")
        const check = (secrets: ReadonlyArray<string>, payload: unknown, kind: string) =>
          Effect.gen(function* () {
            const id = `secrets:${run}:${++jobs}`
            yield* outbox.offer({ id, service: "email", operation: kind, payload })
            const first = yield* deadLetter(id, 0)
            assert.deepStrictEqual(yield* letters.replay(id, operator), { _tag: "Replayed", id })
            const again = yield* deadLetter(id, 1)
            yield* idle
            // the replay ran the letter's (redacted) payload; the messages still say what failed
            assert.deepStrictEqual((yield* Ref.get(received)).get(id)?.at(-1), first.payload)
            assert.isTrue(again.errors.every((failure) => failure.message.includes("request")))
            assert.strictEqual((again.payload as { readonly to: string }).to, "ana@example.com")
            assert.strictEqual(yield* letters.purge({ status: "dead" }, operator), 1)
            const texts = {
              "the dead letter": JSON.stringify([first, again]),
              "the audit trail": JSON.stringify(yield* audit.list({ limit: 1_000 })),
              "the stores": yield* store.kept
            }
            for (const value of secrets) {
              for (const [where, text] of Object.entries(texts)) assert.notInclude(text, value, `${kind}: ${where}`)
            }
          })
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(payloads, operation, ({ secrets, payload }, kind) =>
              Effect.runPromiseWith(context)(check(secrets, payload, kind))
            ),
            { numRuns }
          )
        )
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )
  })
}
