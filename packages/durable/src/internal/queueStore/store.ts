/**
 * `QueueStore.layerSql`'s `PersistedQueueStore`: claims, acknowledgements and
 * offers written in batches.
 *
 * - Offers from many fibers are inserted together (one statement on
 *   PostgreSQL; on SQLite a few multi-row statements sharing one COMMIT);
 *   each offer resolves once committed. An offer made inside a transaction
 *   is written in it, unbatched.
 * - Claims: see `mailbox.ts` (one statement for up to `claimBatch` rows).
 * - Settlements (complete, retry, fail, release) are collected until every
 *   job handed out has finished, `ackBatch` are waiting, or `ackWindow` has
 *   passed, then written with one statement per kind, each row only if it
 *   still carries its claim's lock. A take's scope closes only after the
 *   batch holding its settlement has committed, so a job reported done is
 *   durably done; a crash before that leaves the row claimed, and it is
 *   delivered again when the lock expires. Only a finished handler produces a
 *   settlement, so no unprocessed job is ever marked done.
 * - Held rows (buffered or running) have their locks pushed forward every
 *   `lockRefreshInterval`, in one statement.
 *
 * @internal
 */
import { Cause, Clock, Context, Deferred, Duration, Effect, type Exit, Predicate, Schedule, Scope } from "effect"
import { PersistedQueue } from "effect/persistence"
import { SqlClient, type SqlError } from "effect/sql"
import { StoreError } from "@wedsync/core/StoreError"
import * as Batcher from "./batcher.ts"
import * as Mailbox from "./mailbox.ts"
import * as Migrations from "./migrations.ts"
import * as Statements from "./statements.ts"

/** Resolved options of the store. @internal */
export interface Options {
  readonly tableName: string
  readonly pollMillis: number
  readonly lockMillis: number
  readonly refreshMillis: number
  readonly claimBatch: number
  readonly ackBatch: number
  readonly ackWindowMillis: number
}

type Settlement = Statements.Settlement
type Element = { readonly id: string; readonly attempts: number; readonly element: unknown }

// Offers on PostgreSQL: batches written at once, each at most this many rows. One batch is one backend's
// work; 50 concurrent webhooks in a single batch of ~45 rows made the process and the database take turns
// (4.5 ms of insert, then the next 50 requests), where batches of 16 run on several backends while the
// process reads the next requests: 4,300-5,000 webhooks/s became 6,100-7,200 (`pnpm --filter @wedsync/webhooks bench`).
const offerWriters = 4
const pgOfferBatch = 16

// rows a cleanup statement reads at most (a range of the primary key)
const cleanupRange = 10_000

const queueError = (message: string) => (cause: unknown) => new PersistedQueue.PersistedQueueError({ message, cause })

// PersistedQueue's factory fails a take with this (internal) value when the element cannot be decoded.
const deadLetterCause = (cause: Cause.Cause<unknown>): Cause.Cause<unknown> | undefined => {
  for (const reason of cause.reasons) {
    if (
      Cause.isFailReason(reason) &&
      Predicate.isTagged(reason.error, "~effect/persistence/PersistedQueue/DeadLetter") &&
      Predicate.hasProperty(reason.error, "cause") &&
      Cause.isCause(reason.error.cause)
    ) {
      return reason.error.cause
    }
  }
  return undefined
}

const byKind = (batch: ReadonlyArray<Settlement>) => {
  const kinds = new Map<Statements.Kind, Array<Settlement>>()
  for (const settlement of batch) {
    const same = kinds.get(settlement.kind)
    if (same === undefined) kinds.set(settlement.kind, [settlement])
    else same.push(settlement)
  }
  return kinds
}

/** @internal */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const client = yield* SqlClient.SqlClient
    const dialect = client.onDialectOrElse({
      pg: () => "pg" as const,
      sqlite: () => "sqlite" as const,
      orElse: () => undefined
    })
    if (dialect === undefined) {
      return yield* new StoreError({ operation: "queueStore.make", cause: "only SQLite and PostgreSQL are supported" })
    }
    yield* Migrations.run(options.tableName)
    const statements = Statements.make(client, options.tableName, dialect)
    const clock = yield* Clock.Clock
    const scope = yield* Effect.scope
    const mailboxes = new Map<string, Mailbox.Mailbox>()
    const held = new Set<Statements.Claimed>()
    // jobs handed to takers whose settlement is not yet submitted: when none is left, a batch waits for nothing
    let running = 0

    const inTransaction = Effect.withFiber((fiber) =>
      Effect.succeed(Context.getOrUndefined(fiber.context, client.transactionService) !== undefined)
    )
    const nudge = (name: string, delay: number) => {
      mailboxes.get(name)?.nudge(delay > 0 ? clock.currentTimeMillisUnsafe() + delay : undefined)
    }

    const writeSettlements = (batch: ReadonlyArray<Settlement>): Effect.Effect<void, SqlError.SqlError> =>
      Effect.forEach(byKind(batch), ([kind, items]) => statements.settle(kind, items), {
        concurrency: "unbounded",
        discard: true
      }).pipe(
        // fenced by lock, so writing a batch twice changes nothing the second time
        Effect.retry(
          Schedule.min([Schedule.exponential(200, 1.5), Schedule.spaced(5_000)]).pipe(
            Schedule.upTo({ duration: options.lockMillis })
          )
        ),
        Effect.tap(() =>
          Effect.sync(() => {
            for (const settlement of batch) {
              if (settlement.kind === "retry") nudge(settlement.claimed.name, settlement.delay)
              else if (settlement.kind === "release") nudge(settlement.claimed.name, 0)
            }
          })
        ),
        Effect.ensuring(
          Effect.sync(() => {
            for (const settlement of batch) held.delete(settlement.claimed)
          })
        )
      )

    // the next round's claims run beside the acknowledgements: on SQLite they share its COMMIT
    const refills = Effect.suspend(() =>
      Effect.forEach(mailboxes.values(), (box) => box.refill, { concurrency: "unbounded", discard: true })
    )
    const acks = yield* Batcher.make({
      write: (batch: ReadonlyArray<Settlement>) =>
        Effect.asVoid(Effect.all([writeSettlements(batch), refills], { concurrency: "unbounded" })),
      maxSize: options.ackBatch,
      window: options.ackWindowMillis,
      ready: () => running === 0
    })
    const settle = (settlement: Settlement): Effect.Effect<void> =>
      Effect.flatMap(inTransaction, (direct) =>
        direct ? writeSettlements([settlement]) : acks.submit(settlement)
      ).pipe(Effect.orDie)

    const offers = yield* Batcher.make({
      write: (rows: ReadonlyArray<Statements.OfferRow>) =>
        Effect.tap(statements.offer(rows), () =>
          Effect.sync(() => {
            for (const row of rows) nudge(row.q, row.d)
          })
        ),
      // SQLite has one writer: everything waiting goes in one group commit
      maxSize: dialect === "pg" ? pgOfferBatch : 1_000,
      window: 0,
      // PostgreSQL's insert waits on a round trip and a commit: a few in flight at once keep the process busy
      concurrency: dialect === "pg" ? offerWriters : 1
    })

    const release = (rows: ReadonlyArray<Statements.Claimed>) =>
      Effect.forEach(rows, (claimed) => Effect.ignore(settle({ kind: "release", claimed })), {
        concurrency: "unbounded",
        discard: true
      })

    const creating = new Map<string, Deferred.Deferred<Mailbox.Mailbox>>()
    const mailbox = (name: string): Effect.Effect<Mailbox.Mailbox> =>
      Effect.suspend(() => {
        const existing = mailboxes.get(name)
        if (existing !== undefined) return Effect.succeed(existing)
        const pending = creating.get(name)
        if (pending !== undefined) return Deferred.await(pending)
        const created = Deferred.makeUnsafe<Mailbox.Mailbox>()
        creating.set(name, created)
        return Mailbox.make({
          claim: (limit) =>
            Effect.map(statements.claim(name, limit, crypto.randomUUID(), options.lockMillis), (rows) => {
              for (const row of rows) held.add(row)
              return rows
            }),
          release,
          claimBatch: options.claimBatch,
          pollMillis: options.pollMillis
        }).pipe(
          Scope.provide(scope),
          Effect.tap((box) =>
            Effect.sync(() => {
              mailboxes.set(name, box)
              creating.delete(name)
              Deferred.doneUnsafe(created, Effect.succeed(box))
            })
          )
        )
      })

    yield* Effect.suspend(() => (held.size === 0 ? Effect.void : statements.refresh(held, options.lockMillis))).pipe(
      Effect.tapCause((cause) => Effect.logWarning("QueueStore: refreshing locks failed", cause)),
      Effect.ignore,
      Effect.delay(options.refreshMillis),
      Effect.forever,
      Effect.forkScoped
    )

    const finish = (
      claimed: Statements.Claimed,
      take: {
        readonly maxAttempts: number
        readonly retryDelay: (attempts: number) => Effect.Effect<Duration.Duration>
      },
      exit: Exit.Exit<unknown, unknown>
    ): Effect.Effect<void> =>
      Effect.suspend(() => {
        running--
        if (running === 0) acks.poke()
        if (exit._tag === "Success") return settle({ kind: "complete", claimed })
        const dead = deadLetterCause(exit.cause)
        if (dead !== undefined) {
          return settle({ kind: "fail", claimed, attempts: claimed.attempts, failure: Cause.pretty(dead) })
        }
        if (Cause.hasInterruptsOnly(exit.cause)) return settle({ kind: "release", claimed })
        const failure = Cause.pretty(exit.cause)
        if (claimed.attempts >= take.maxAttempts) {
          return settle({ kind: "fail", claimed, attempts: claimed.attempts, failure })
        }
        return Effect.flatMap(take.retryDelay(claimed.attempts), (delay) =>
          settle({ kind: "retry", claimed, delay: Math.ceil(Duration.toMillis(delay)), failure })
        )
      })

    return PersistedQueue.PersistedQueueStore.of({
      offer: ({ delay, element, id, name }) => {
        const row: Statements.OfferRow = {
          q: name,
          i: id,
          e: element ?? null,
          d: delay === undefined ? 0 : Math.ceil(Duration.toMillis(delay))
        }
        return Effect.flatMap(inTransaction, (direct) =>
          direct
            ? Effect.andThen(statements.offer([row]), client.afterCommit(Effect.sync(() => nudge(name, row.d))))
            : offers.submit(row)
        ).pipe(Effect.mapError(queueError("Failed to offer element to persisted queue")))
      },
      take: (take) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            const box = yield* mailbox(take.name)
            while (true) {
              const claimed = yield* restore(box.take)
              // held by a worker that died on its last attempt: no finalizer will ever settle it
              if (claimed.attempts > take.maxAttempts) {
                const failure = "Lock expired after final attempt"
                yield* Effect.ensuring(
                  settle({ kind: "fail", claimed, attempts: take.maxAttempts, failure }),
                  Effect.sync(box.settled)
                )
                continue
              }
              let parsed: unknown
              try {
                parsed = JSON.parse(claimed.element)
              } catch (defect) {
                const failure = Cause.pretty(Cause.die(defect))
                yield* Effect.ensuring(
                  settle({ kind: "fail", claimed, attempts: claimed.attempts, failure }),
                  Effect.sync(box.settled)
                )
                continue
              }
              running++
              yield* Effect.addFinalizer((exit) =>
                Effect.ensuring(finish(claimed, take, exit), Effect.sync(box.settled))
              )
              const element: Element = { id: claimed.id, attempts: claimed.attempts, element: parsed }
              return element
            }
          })
        ),
      cleanup: ({ failedTimeToLive, timeToLive }) => {
        const completed = Duration.toMillis(timeToLive)
        const failed = failedTimeToLive === undefined ? undefined : Duration.toMillis(failedTimeToLive)
        const sweep = (from: number, high: number): Effect.Effect<void, SqlError.SqlError> =>
          from >= high
            ? Effect.void
            : Effect.andThen(
                statements.cleanup(from, from + cleanupRange, completed, failed),
                sweep(from + cleanupRange, high)
              )
        return Effect.flatMap(statements.bounds, (range) =>
          range === undefined ? Effect.void : sweep(range.low - 1, range.high)
        ).pipe(Effect.mapError(queueError("Failed to clean up persisted queue")))
      }
    })
  })
