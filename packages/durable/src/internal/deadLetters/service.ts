/**
 * The dead-letter operations over a {@link Store}: paging, replay (with the
 * Stale rule and a claim that keeps two operators from replaying one letter
 * twice) and purging, each operator action written to the audit trail.
 *
 * @internal
 */
import { Cause, Clock, Duration, Effect, Exit } from "effect"
import type { Audit, Operator } from "../../Audit.ts"
import type { StoreError } from "@wedsync/core/StoreError"
import {
  type DeadLetter,
  DeadLetterNotFound,
  type Filter,
  NotReplayable,
  type ReplayerService,
  type ReplayOutcome,
  type Service
} from "./model.ts"
import { decodeCursor, encodeCursor, type Store } from "./store.ts"

const clampPage = (limit: number | undefined): number =>
  limit === undefined || !Number.isFinite(limit) ? 50 : Math.min(500, Math.max(1, Math.floor(limit)))

/** A filter as an audit target: `service=email&reason=Unavailable`, or `*` for everything. @internal */
export const describeFilter = (filter: Filter): string => {
  const keys = ["service", "provider", "reason", "weddingId", "status", "from", "to"] as const
  const parts = keys.flatMap((key) => (filter[key] === undefined ? [] : [`${key}=${String(filter[key])}`]))
  return parts.length === 0 ? "*" : parts.join("&")
}

const failureOf = <E>(cause: Cause.Cause<E>): unknown => {
  const error = Cause.squash(cause)
  return error instanceof Error
    ? { _tag: (error as { _tag?: string })._tag ?? error.name, message: error.message }
    : error
}

/** Builds the service. @internal */
export const make = (store: Store, audit: Audit["Service"], replayer: ReplayerService): Service => {
  /** Runs `effect`, then records the action whatever its outcome; an audit failure fails a successful action. */
  const audited = <A, E>(
    operator: Operator,
    action: string,
    target: string,
    effect: Effect.Effect<A, E>,
    details: (value: A) => unknown
  ): Effect.Effect<A, E | StoreError> =>
    Effect.flatMap(Effect.exit(effect), (exit): Effect.Effect<A, E | StoreError> => {
      const recorded = audit.record({
        actor: operator.actor,
        reason: operator.reason,
        action,
        target,
        details: Exit.isSuccess(exit) ? details(exit.value) : { outcome: "failed", error: failureOf(exit.cause) }
      })
      // the action's own failure is the one to report, even when the store is down for the audit too
      return Exit.isSuccess(exit) ? Effect.as(recorded, exit.value) : Effect.andThen(Effect.ignore(recorded), exit)
    })

  const notReplayable = (id: string): Effect.Effect<never, DeadLetterNotFound | NotReplayable | StoreError> =>
    Effect.flatMap(
      store.find(id),
      (current): Effect.Effect<never, DeadLetterNotFound | NotReplayable> =>
        current === undefined
          ? Effect.fail(new DeadLetterNotFound({ id }))
          : Effect.fail(new NotReplayable({ id, status: current.status }))
    )

  /** The claim (an UPDATE from `dead`) decides who replays: a second operator gets NotReplayable. */
  const replayLetter = (
    letter: DeadLetter
  ): Effect.Effect<ReplayOutcome, DeadLetterNotFound | NotReplayable | StoreError> =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const stale = letter.relevantUntil !== undefined && now > letter.relevantUntil
      if (!(yield* store.transition(letter.id, stale ? "stale" : "replayed"))) return yield* notReplayable(letter.id)
      if (stale) return { _tag: "Stale", id: letter.id } as const
      // the letter as it was before the claim: its `replays` counts the earlier replays
      yield* replayer.replay(letter).pipe(Effect.onError(() => Effect.ignore(store.revert(letter.id))))
      return { _tag: "Replayed", id: letter.id } as const
    })

  const find = (id: string) =>
    Effect.flatMap(store.find(id), (letter) =>
      letter === undefined ? Effect.fail(new DeadLetterNotFound({ id })) : Effect.succeed(letter)
    )

  const replayOne = (id: string, operator: Operator, via?: string) =>
    audited(operator, "deadLetters.replay", id, Effect.flatMap(find(id), replayLetter), (outcome) =>
      via === undefined ? { outcome: outcome._tag } : { outcome: outcome._tag, via }
    )

  return {
    add: (letter) => store.put(letter),
    list: (filter, page, operator) => {
      const limit = clampPage(page.limit)
      const run = Effect.gen(function* () {
        const after = page.cursor === undefined ? undefined : yield* decodeCursor(page.cursor)
        const rows = yield* store.page(filter, after, limit + 1)
        const items = rows.slice(0, limit)
        const last = items.at(-1)
        return rows.length > limit && last !== undefined
          ? { items, nextCursor: encodeCursor({ deadAt: last.deadAt, id: last.id }) }
          : { items }
      })
      return audited(operator, "deadLetters.list", describeFilter(filter), run, (result) => ({
        filter,
        limit,
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
        returned: result.items.length
      }))
    },
    get: (id, operator) => audited(operator, "deadLetters.get", id, find(id), () => ({ outcome: "found" })),
    replay: (id, operator) => replayOne(id, operator),
    replayWhere: (filter, options, operator) => {
      const run = Effect.gen(function* () {
        const letters = yield* store.replayable(filter, Math.max(0, Math.floor(options.limit)))
        const counts = { replayed: 0, stale: 0 }
        for (const letter of letters) {
          const outcome = yield* replayOne(letter.id, operator, "replayWhere").pipe(
            // another operator got there first, or purged it: not this run's to replay
            Effect.catchTags({ NotReplayable: () => Effect.void, DeadLetterNotFound: () => Effect.void })
          )
          if (outcome?._tag === "Replayed") counts.replayed++
          if (outcome?._tag === "Stale") counts.stale++
        }
        return counts
      })
      return audited(operator, "deadLetters.replayWhere", describeFilter(filter), run, (counts) => ({
        filter,
        limit: options.limit,
        ...counts
      }))
    },
    purge: (filter, operator) =>
      audited(operator, "deadLetters.purge", describeFilter(filter), store.remove(filter), (purged) => ({
        filter,
        purged
      })),
    purgeOlderThan: (age, operator) => {
      const millis = Duration.toMillis(age)
      const run = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.map(store.removeBefore(now - millis), (purged) => ({ purged, cutoff: now - millis }))
      )
      return audited(
        operator,
        "deadLetters.purgeOlderThan",
        `deadAt<now-${Duration.format(Duration.fromInputUnsafe(age))}`,
        run,
        ({ purged, cutoff }) => ({ ageMillis: millis, cutoff, purged })
      ).pipe(Effect.map(({ purged }) => purged))
    }
  }
}
