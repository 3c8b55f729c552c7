/**
 * The memory store of overrides, and the codec every store shares (the Redis
 * one here, the SQL one in `@wedsync/durable`). The override itself is kept
 * as JSON, so the schema may grow without migrations.
 *
 * @internal
 */
import { type Duration, Effect, Result, Schema, Schedule, type Scope } from "effect"
import type * as StoreError from "../../StoreError.ts"
import { Override } from "./model.ts"
import type { Backend } from "./service.ts"
import { isActive } from "./snapshot.ts"

const decodeOverride = Schema.decodeUnknownResult(Override)
const encodeOverride = Schema.encodeSync(Override)

/** The JSON text a store keeps. @internal */
export const encode = (override: Override): string => JSON.stringify(encodeOverride(override))

/** Reads stored JSON back; `undefined` (and a warning) for what no longer decodes. @internal */
export const decode = (text: string): Effect.Effect<Override | undefined> =>
  Effect.suspend(() => {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return Effect.as(Effect.logWarning(`overrides: skipping a stored value that is not JSON`), undefined)
    }
    const result = decodeOverride(parsed)
    return Result.isSuccess(result)
      ? Effect.succeed(result.success)
      : Effect.as(Effect.logWarning(`overrides: skipping a stored value that does not decode: ${text}`), undefined)
  })

/** Decodes every stored text, dropping the ones that do not decode. @internal */
export const decodeAll = (texts: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Override>> =>
  Effect.map(Effect.forEach(texts, decode), (all) => all.filter((override) => override !== undefined))

/** Overrides in this process only. @internal */
export const memory = (): Backend => {
  const byTarget = new Map<string, Override>()
  return {
    load: Effect.sync(() => [...byTarget.values()]),
    put: (override, target, now) =>
      Effect.sync(() => {
        const replaced = byTarget.get(target)
        for (const [key, other] of byTarget) if (!isActive(other, now)) byTarget.delete(key)
        byTarget.set(target, override)
        return replaced
      }),
    remove: (id) =>
      Effect.sync(() => {
        for (const [key, other] of byTarget) {
          if (other.id === id) {
            byTarget.delete(key)
            return other
          }
        }
        return undefined
      })
  }
}

/** Polls the store every `interval`, logging (at most every 10 s) while it does not answer. @internal */
export const poll =
  (interval: Duration.Input) =>
  (refresh: Effect.Effect<void, StoreError.StoreError>): Effect.Effect<void, never, Scope.Scope> =>
    Effect.asVoid(Effect.forkScoped(Effect.repeat(quietly(refresh), Schedule.spaced(interval))))

/** `refresh` that never fails: a store that does not answer is logged at most every 10 s. @internal */
export const quietly = (refresh: Effect.Effect<void, StoreError.StoreError>): Effect.Effect<void> => {
  let warnedAt = Number.NEGATIVE_INFINITY
  return Effect.catch(refresh, (error) =>
    Effect.suspend(() => {
      const now = Date.now()
      if (now - warnedAt < 10_000) return Effect.void
      warnedAt = now
      return Effect.logWarning(`overrides store unreachable: keeping the last overrides seen (${error.message})`)
    })
  )
}
