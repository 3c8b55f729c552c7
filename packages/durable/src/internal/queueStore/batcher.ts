/**
 * Write batching for `QueueStore.layerSql`: items submitted by many fibers
 * are written by one statement (or a few run together), and each submitter
 * resumes only once the write that holds its item has finished — for a
 * statement outside a transaction, once it has committed.
 *
 * A batch is cut once fibers stop adding items between two turns of the
 * scheduler and then, unless it is full or `ready()` says nothing more is
 * coming (e.g. every job handed out has been acknowledged), once `window` has
 * passed. While a batch is being written the next one fills.
 *
 * @internal
 */
import { Deferred, Effect, type Exit, Latch, type Scope, Semaphore } from "effect"

interface Entry<A, E> {
  readonly item: A
  readonly done: Deferred.Deferred<void, E>
}

/** @internal */
export interface Batcher<A, E> {
  /** Adds `item` to the next batch and waits until that batch is written. */
  readonly submit: (item: A) => Effect.Effect<void, E>
  /** Items waiting for a batch. */
  readonly size: () => number
  /** Re-checks `ready()` (call it when what it reads changed). */
  readonly poke: () => void
}

/** @internal */
export const make = <A, E>(options: {
  readonly write: (items: ReadonlyArray<A>) => Effect.Effect<void, E>
  readonly maxSize: number
  /** How long a batch may wait for more items, in milliseconds (0: only while fibers keep adding). */
  readonly window: number
  readonly ready?: (waiting: number) => boolean
  /**
   * Batches written at once (default 1: the next batch fills while one is
   * written). More helps a store whose writes wait on the network and the
   * disk rather than on this process (PostgreSQL); each submitter still
   * resumes only once its own batch is written.
   */
  readonly concurrency?: number
}): Effect.Effect<Batcher<A, E>, never, Scope.Scope> =>
  Effect.gen(function* () {
    let pending: Array<Entry<A, E>> = []
    const ready = options.ready ?? (() => false)
    const maxSize = Math.max(1, options.maxSize)
    const filled = () => pending.length >= maxSize || ready(pending.length)
    const waiting = Latch.makeUnsafe(false)
    const full = Latch.makeUnsafe(false)

    const write = (batch: ReadonlyArray<Entry<A, E>>) =>
      Effect.flatMap(Effect.exit(options.write(batch.map((entry) => entry.item))), (exit: Exit.Exit<void, E>) =>
        Effect.sync(() => {
          for (const entry of batch) Deferred.doneUnsafe(entry.done, exit)
        })
      )

    const cut = () => {
      const batch = pending.length <= maxSize ? pending : pending.slice(0, maxSize)
      pending = pending.length <= maxSize ? [] : pending.slice(maxSize)
      return batch
    }

    const gather = Effect.gen(function* () {
      let seen = -1
      // fibers already scheduled (e.g. takers the last batch released) add theirs before the batch is cut
      while (pending.length < maxSize && pending.length !== seen) {
        seen = pending.length
        yield* Effect.yieldNow
      }
      if (!filled() && options.window > 0) {
        full.closeUnsafe()
        yield* Effect.raceFirst(full.await, Effect.sleep(options.window))
      }
    })

    const concurrency = Math.max(1, options.concurrency ?? 1)
    const writers = Semaphore.makeUnsafe(concurrency)
    const scope = yield* Effect.scope
    // the batch is written even if the store is closing: its submitters are waiting for it
    const start = (batch: ReadonlyArray<Entry<A, E>>) =>
      concurrency === 1
        ? Effect.uninterruptible(write(batch))
        : Effect.andThen(
            writers.take(1),
            Effect.forkIn(Effect.uninterruptible(Effect.ensuring(write(batch), writers.release(1))), scope)
          )

    yield* Effect.gen(function* () {
      while (true) {
        yield* waiting.await
        // with every writer busy, the next batch keeps filling
        if (concurrency > 1) yield* Effect.andThen(writers.take(1), writers.release(1))
        yield* gather
        const batch = cut()
        if (pending.length === 0) waiting.closeUnsafe()
        if (batch.length > 0) yield* start(batch)
      }
    }).pipe(Effect.forkScoped)

    // Whatever is still waiting when the store closes is written, not dropped.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(function drain(): Effect.Effect<void> {
        const batch = cut()
        return batch.length === 0 ? Effect.void : Effect.andThen(write(batch), Effect.suspend(drain))
      })
    )

    return {
      submit: (item: A) =>
        Effect.suspend(() => {
          const done = Deferred.makeUnsafe<void, E>()
          pending.push({ item, done })
          waiting.openUnsafe()
          if (filled()) full.openUnsafe()
          return Deferred.await(done)
        }),
      size: () => pending.length,
      poke: () => {
        if (pending.length > 0 && filled()) full.openUnsafe()
      }
    }
  })
