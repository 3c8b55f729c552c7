/**
 * The local side of one queue name in `QueueStore.layerSql`: a buffer of
 * claimed rows that takers pull from, filled by one poller fiber.
 *
 * Claims go by free capacity, each one statement under a fresh lock id. The
 * capacity is twice the takers this queue has (waiting, or holding a job
 * until its acknowledgement commits), at most `claimBatch`: one round of work
 * ahead, so takers coming back find the next job at hand, without hoarding
 * work that another instance could run. In a steady flow the next round is
 * claimed beside each acknowledgement batch (`refill`, same COMMIT on
 * SQLite); the poller claims when a taker waits on an empty buffer. When the
 * queue is empty it sleeps until a local offer or retry is due, or for
 * `pollInterval` (rows offered by other processes). Rows left when every
 * taker has gone for a while, or when the store closes, are released.
 *
 * @internal
 */
import { Clock, Effect, Latch, Queue, Schedule, type Scope } from "effect"
import type { Claimed } from "./statements.ts"

/** @internal */
export interface Mailbox {
  /** Waits for the next claimed row (interruptible while waiting: nothing is taken then). */
  readonly take: Effect.Effect<Claimed>
  /** Rows are (or will soon be) visible: claim now, or at `at` (epoch ms) for a delayed one. */
  readonly nudge: (at?: number) => void
  /** A row `take` returned is settled (its acknowledgement written, or abandoned). */
  readonly settled: () => void
  /**
   * Claims the takers' next round now if the buffer will not cover it, so
   * that the claim shares the COMMIT of the acknowledgements being written.
   */
  readonly refill: Effect.Effect<void>
}

/** @internal */
export const make = (options: {
  readonly claim: (limit: number) => Effect.Effect<ReadonlyArray<Claimed>, unknown>
  /** Gives back rows claimed for takers that left before taking them. */
  readonly release: (rows: ReadonlyArray<Claimed>) => Effect.Effect<void>
  readonly claimBatch: number
  readonly pollMillis: number
}): Effect.Effect<Mailbox, never, Scope.Scope> =>
  Effect.gen(function* () {
    const buffer = yield* Queue.make<Claimed>()
    const wake = Latch.makeUnsafe(true)
    // takers waiting, and rows handed out and not yet settled
    let takers = 0
    let out = 0
    let wakeAt = Number.POSITIVE_INFINITY
    // a claim is running; the last claim found fewer rows than it asked for
    let filling = false
    let drained = false
    let closed = false
    const grace = Math.max(options.pollMillis, 250)

    const hungry = () => takers - Queue.sizeUnsafe(buffer)
    const room = () => Math.min(options.claimBatch, 2 * (takers + out)) - out - Queue.sizeUnsafe(buffer)
    const abandoned = () => takers === 0 && out === 0 && Queue.sizeUnsafe(buffer) > 0

    const idle = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const due = wakeAt - now
      if (due <= 0) wakeAt = Number.POSITIVE_INFINITY
      const wait = Math.min(options.pollMillis, Math.max(0, due))
      return Effect.raceFirst(wake.await, Effect.sleep(wait))
    })

    // Claimed rows reach the buffer even if the store is closing, so that its finalizer releases them.
    // `refilling`: not the poller's own claim, so the poller (which skipped claiming meanwhile) looks again after it
    const fill = (limit: number, refilling: boolean) =>
      Effect.uninterruptible(
        Effect.suspend(() => {
          filling = true
          return options.claim(limit).pipe(
            Effect.flatMap((rows) => {
              drained = rows.length < limit
              return Effect.as(Queue.offerAll(buffer, rows), rows.length)
            }),
            Effect.ensuring(
              Effect.sync(() => {
                filling = false
                if (refilling) wake.openUnsafe()
              })
            )
          )
        })
      )

    const poll = Effect.gen(function* () {
      while (true) {
        wake.closeUnsafe()
        // takers released by the same acknowledgement batch arrive before the claim is sized
        yield* Effect.yieldNow
        const want = hungry() > 0 && !filling ? room() : 0
        if (want <= 0) {
          if (abandoned()) {
            // takers often all settle before any takes again: only a lasting absence gives the rows back
            const deadline = (yield* Clock.currentTimeMillis) + grace
            for (let now = deadline - grace; abandoned() && now < deadline; now = yield* Clock.currentTimeMillis) {
              wake.closeUnsafe()
              yield* Effect.raceFirst(wake.await, Effect.sleep(deadline - now))
            }
            if (abandoned()) yield* Effect.flatMap(Queue.clear(buffer), options.release)
            continue
          }
          yield* wake.await
          continue
        }
        const got = yield* fill(want, false)
        if (got < want) yield* idle
      }
    })

    // registered first so that it runs last: once the poller has stopped and refills are refused,
    // nothing else reaches the buffer
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        return Effect.flatMap(Queue.clear(buffer), options.release)
      })
    )
    yield* poll.pipe(
      Effect.tapCause((cause) => Effect.logWarning("QueueStore: claiming failed, retrying", cause)),
      Effect.sandbox,
      Effect.retry(Schedule.spaced(Math.max(options.pollMillis, 100))),
      Effect.forkScoped
    )

    return {
      take: Effect.suspend(() => {
        takers++
        if (hungry() > 0) wake.openUnsafe()
        return Effect.onExit(Queue.take(buffer), (exit) =>
          Effect.sync(() => {
            takers--
            if (exit._tag === "Success") out++
            else if (abandoned()) wake.openUnsafe()
          })
        )
      }),
      nudge: (at) => {
        if (at !== undefined) wakeAt = Math.min(wakeAt, at)
        else drained = false
        wake.openUnsafe()
      },
      settled: () => {
        out--
        // rows claimed for takers that left go back to the queue
        if (abandoned()) wake.openUnsafe()
      },
      refill: Effect.suspend(() => {
        if (closed || filling || drained || Queue.sizeUnsafe(buffer) >= takers + out) return Effect.void
        const want = room()
        return want > 0 ? Effect.ignore(fill(want, true)) : Effect.void
      })
    }
  })
