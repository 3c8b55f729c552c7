/**
 * The storage seam under `DeadLetters`: the few primitives the service needs,
 * implemented once in memory (here) and once in SQL (`sql.ts`). Filtering,
 * ordering and keyset paging are the store's job, so the SQL store does them
 * in the database.
 *
 * @internal
 */
import { Effect } from "effect"
import { StoreError } from "@wedsync/core/StoreError"
import { redact, redactText } from "@wedsync/core/Redaction"
import { DeadLetter, type Filter } from "./model.ts"

/** A position in the (deadAt desc, id desc) order: the last letter of the previous page. @internal */
export interface Cursor {
  readonly deadAt: number
  readonly id: string
}

/** What a store must do; every operation fails with `StoreError` only. @internal */
export interface Store {
  /** Inserts, or replaces the letter with the same id (keeping the larger `replays` and the earlier `firstFailureAt`). */
  readonly put: (letter: DeadLetter) => Effect.Effect<void, StoreError>
  readonly find: (id: string) => Effect.Effect<DeadLetter | undefined, StoreError>
  /** Up to `limit` letters matching `filter` after `after`, in (deadAt desc, id desc) order. */
  readonly page: (
    filter: Filter,
    after: Cursor | undefined,
    limit: number
  ) => Effect.Effect<ReadonlyArray<DeadLetter>, StoreError>
  /** Up to `limit` `dead` letters matching `filter`, oldest first. */
  readonly replayable: (filter: Filter, limit: number) => Effect.Effect<ReadonlyArray<DeadLetter>, StoreError>
  /** Moves a `dead` letter to `to` (counting a replay for "replayed"); false when it is not `dead`. */
  readonly transition: (id: string, to: "replayed" | "stale") => Effect.Effect<boolean, StoreError>
  /** Undoes `transition(id, "replayed")` after the replayer failed. */
  readonly revert: (id: string) => Effect.Effect<void, StoreError>
  /** Deletes the letters matching `filter`; how many. */
  readonly remove: (filter: Filter) => Effect.Effect<number, StoreError>
  /** Deletes the letters whose `deadAt` is before `cutoff`; how many. */
  readonly removeBefore: (cutoff: number) => Effect.Effect<number, StoreError>
}

/** The opaque form of a cursor (base64url of `[deadAt, id]`). @internal */
export const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(JSON.stringify([cursor.deadAt, cursor.id])).toString("base64url")

/** Reads a cursor back; fails with `StoreError` when it is not one this module made. @internal */
export const decodeCursor = (cursor: string): Effect.Effect<Cursor, StoreError> =>
  Effect.suspend(() => {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
      if (
        Array.isArray(value) &&
        value.length === 2 &&
        Number.isSafeInteger(value[0]) &&
        typeof value[1] === "string"
      ) {
        return Effect.succeed({ deadAt: value[0] as number, id: value[1] })
      }
    } catch {
      // falls through to the typed failure
    }
    return Effect.fail(new StoreError({ operation: "deadLetters.list", cause: "invalid cursor" }))
  })

/**
 * The letter as a store keeps it: payload redacted to JSON data, secrets in
 * the error chain's messages scrubbed by value. @internal
 */
export const normalize = (letter: DeadLetter): DeadLetter => {
  const json = JSON.stringify(redact(letter.payload))
  return new DeadLetter({
    ...letter,
    payload: json === undefined ? null : (JSON.parse(json) as unknown),
    errors: letter.errors.map((failure) => ({ ...failure, message: redactText(failure.message) }))
  })
}

/** Whether a letter passes a filter (the memory store's WHERE). @internal */
export const matches =
  (filter: Filter) =>
  (letter: DeadLetter): boolean =>
    (filter.service === undefined || letter.service === filter.service) &&
    (filter.provider === undefined || letter.provider === filter.provider) &&
    (filter.reason === undefined || letter.reason === filter.reason) &&
    (filter.weddingId === undefined || letter.wedding?.weddingId === filter.weddingId) &&
    (filter.from === undefined || letter.deadAt >= filter.from) &&
    (filter.to === undefined || letter.deadAt <= filter.to) &&
    (filter.status === undefined || letter.status === filter.status)

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** (deadAt desc, id desc). @internal */
const newestFirst = (a: DeadLetter, b: DeadLetter): number => b.deadAt - a.deadAt || compareIds(b.id, a.id)

const isAfter = (cursor: Cursor) => (letter: DeadLetter) =>
  letter.deadAt < cursor.deadAt || (letter.deadAt === cursor.deadAt && compareIds(letter.id, cursor.id) < 0)

/** A store in this process's memory. @internal */
export const makeMemory = (): Store => {
  const letters = new Map<string, DeadLetter>()
  const removeWhere = (predicate: (letter: DeadLetter) => boolean) =>
    Effect.sync(() => {
      let count = 0
      for (const letter of [...letters.values()]) {
        if (predicate(letter) && letters.delete(letter.id)) count++
      }
      return count
    })
  return {
    put: (letter) =>
      Effect.sync(() => {
        const previous = letters.get(letter.id)
        const next = normalize(letter)
        letters.set(
          letter.id,
          previous === undefined
            ? next
            : new DeadLetter({
                ...next,
                replays: Math.max(previous.replays, next.replays),
                firstFailureAt: Math.min(previous.firstFailureAt, next.firstFailureAt)
              })
        )
      }),
    find: (id) => Effect.sync(() => letters.get(id)),
    page: (filter, after, limit) =>
      Effect.sync(() => {
        const selected = [...letters.values()].filter(matches(filter)).sort(newestFirst)
        return (after === undefined ? selected : selected.filter(isAfter(after))).slice(0, limit)
      }),
    replayable: (filter, limit) =>
      Effect.sync(() =>
        [...letters.values()]
          .filter((letter) => letter.status === "dead" && matches(filter)(letter))
          .sort((a, b) => newestFirst(b, a))
          .slice(0, limit)
      ),
    transition: (id, to) =>
      Effect.sync(() => {
        const letter = letters.get(id)
        if (letter?.status !== "dead") return false
        letters.set(
          id,
          new DeadLetter({ ...letter, status: to, replays: letter.replays + (to === "replayed" ? 1 : 0) })
        )
        return true
      }),
    revert: (id) =>
      Effect.sync(() => {
        const letter = letters.get(id)
        if (letter?.status === "replayed") {
          letters.set(id, new DeadLetter({ ...letter, status: "dead", replays: Math.max(0, letter.replays - 1) }))
        }
      }),
    remove: (filter) => removeWhere(matches(filter)),
    removeBefore: (cutoff) => removeWhere((letter) => letter.deadAt < cutoff)
  }
}
