/**
 * The `Overrides` service over any store: validation, the audit entry of
 * every set and clear, and the local snapshot the engine reads. A store only
 * loads, puts and removes; how other instances learn of a change (polling,
 * pub/sub) is the store layer's `watch`, which calls `refresh`.
 *
 * Expiry needs no store round trip: the snapshot is rebuilt at the earliest
 * `expiresAt` by a timer on the `Clock` (so `TestClock` drives it in tests).
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import { Clock, Duration, Effect, Fiber, Result, Schema, type SchemaIssue, type Scope, Semaphore } from "effect"
import { Audit, type Operator } from "../../Audit.ts"
import { Policies } from "../../Policy.ts"
import { Resilience } from "../../Resilience.ts"
import type { StoreError } from "../../StoreError.ts"
import { fieldIssues, unknownName } from "../schemaIssues.ts"
import {
  EndpointPaused,
  Input,
  type Override,
  OverrideInvalid,
  OverrideNotFound,
  type Service,
  targetOf
} from "./model.ts"
import { build, empty, isActive, type Snapshot } from "./snapshot.ts"

/** What a store does; everything else is common. @internal */
export interface Backend {
  /** Every stored override, expired ones included. */
  readonly load: Effect.Effect<ReadonlyArray<Override>, StoreError>
  /** Stores `override` in place of the one with the same target; returns the one replaced. */
  readonly put: (override: Override, target: string, now: number) => Effect.Effect<Override | undefined, StoreError>
  /** Removes the override with this id; returns it, or `undefined` when there is none. */
  readonly remove: (id: string) => Effect.Effect<Override | undefined, StoreError>
}

/** @internal */
export interface MakeOptions {
  /** Keeps the snapshot in step with other instances; runs for the life of the layer. */
  readonly watch?: ((refresh: Effect.Effect<void, StoreError>) => Effect.Effect<void, never, Scope.Scope>) | undefined
  /** Start on no overrides, with a warning, when the store cannot be read at start (Redis); otherwise fail. */
  readonly tolerateStoreAtStart?: boolean | undefined
}

const parseOptions = { errors: "all", onExcessProperty: "error", reportInput: true } as const
const decodeInput = Schema.decodeUnknownResult(Input, parseOptions)

const invalid = (path: string, message: string) => new OverrideInvalid({ issues: [{ path, message }] })

const toInvalid = (issue: SchemaIssue.Issue): OverrideInvalid => new OverrideInvalid({ issues: fieldIssues(issue) })

// The application's provider list is the one it gave its policies (`Policy.layer(…, { knownProviders })`);
// without one any name is taken, as a backup never called yet must still be pinnable.
const checkProvider = (input: Input, known: ReadonlyArray<string> | undefined): Effect.Effect<void, OverrideInvalid> =>
  known === undefined || !("provider" in input) || input.provider === undefined || known.includes(input.provider)
    ? Effect.void
    : Effect.fail(invalid("provider", unknownName("provider", input.provider, known)))

const checkOperator = (operator: Operator): Effect.Effect<void, OverrideInvalid> =>
  typeof operator?.actor !== "string" || operator.actor.trim() === ""
    ? Effect.fail(invalid("actor", "an override needs the operator who sets it"))
    : typeof operator.reason !== "string" || operator.reason.trim() === ""
      ? Effect.fail(invalid("reason", "an override needs a reason"))
      : Effect.void

/** Builds the service over `backend`, attached to the `Resilience` engine in context. @internal */
export const make = (
  backend: Backend,
  options: MakeOptions = {}
): Effect.Effect<Service, StoreError, Resilience | Audit | Scope.Scope> =>
  Effect.gen(function* () {
    const resilience = yield* Resilience
    const audit = yield* Audit
    const knownProviders = (yield* Policies).knownProviders
    const scope = yield* Effect.scope
    const locked = Semaphore.makeUnsafe(1).withPermits(1)
    let stored: ReadonlyArray<Override> = []
    let snapshot: Snapshot = empty
    let expiry: Fiber.Fiber<void> | undefined
    let expiryAt: number | undefined

    // Rebuilds the snapshot from `stored` at the current time and sets the timer for the next expiry.
    const rebuild: Effect.Effect<void> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const next = build(stored, now)
      if (next.fingerprint !== snapshot.fingerprint) {
        snapshot = next
        yield* resilience.applyOverrides(next)
      }
      if (expiry !== undefined && expiryAt === next.nextExpiry) return
      if (expiry !== undefined) {
        const previous = expiry
        expiry = undefined
        yield* Fiber.interrupt(previous)
      }
      expiryAt = next.nextExpiry
      if (next.nextExpiry !== undefined) {
        const wait = Duration.millis(Math.max(0, next.nextExpiry - now))
        const expire = locked(
          Effect.suspend(() => {
            expiry = undefined
            return rebuild
          })
        )
        expiry = yield* Effect.forkIn(Effect.andThen(Effect.sleep(wait), expire), scope)
      }
    })
    // Under the lock: `change` sees the list as it is then, not as it was when the caller started.
    const adopt = (change: (current: ReadonlyArray<Override>) => ReadonlyArray<Override>) =>
      locked(
        Effect.suspend(() => {
          stored = change(stored)
          return rebuild
        })
      )
    const refresh = locked(
      Effect.flatMap(backend.load, (list) =>
        Effect.suspend(() => {
          stored = list
          return rebuild
        })
      )
    )

    // A closed layer stops applying: the engine goes back to its own decisions.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => (resilience.overrides() === snapshot ? resilience.applyOverrides(empty) : Effect.void))
    )
    if (options.tolerateStoreAtStart === true) {
      yield* Effect.catch(refresh, (error) =>
        Effect.logWarning(`overrides store unreachable at start: no overrides until it answers (${error.message})`)
      )
    } else {
      yield* refresh
    }
    if (options.watch !== undefined) yield* options.watch(refresh)

    const set: Service["set"] = (input, operator) =>
      Effect.gen(function* () {
        yield* checkOperator(operator)
        const decoded = decodeInput(input)
        if (Result.isFailure(decoded)) return yield* toInvalid(decoded.failure.issue)
        yield* checkProvider(decoded.success, knownProviders)
        const now = yield* Clock.currentTimeMillis
        if (decoded.success.expiresAt !== undefined && decoded.success.expiresAt <= now) {
          return yield* invalid("expiresAt", `expiresAt (${decoded.success.expiresAt}) is not in the future (${now})`)
        }
        const override = {
          ...decoded.success,
          id: `ovr_${randomUUID()}`,
          actor: operator.actor,
          reason: operator.reason,
          createdAt: now
        } as Override
        const target = targetOf(override)
        const replaced = yield* backend.put(override, target, now)
        yield* adopt((current) => [...current.filter((other) => targetOf(other) !== target), override])
        yield* recordOrUndo(
          { actor: operator.actor, action: "overrides.set", target, reason: operator.reason },
          { override, replaced: replaced?.id },
          Effect.andThen(
            backend.remove(override.id),
            replaced === undefined ? Effect.void : Effect.asVoid(backend.put(replaced, target, now))
          )
        )
        return override
      })

    const clear: Service["clear"] = (id, operator) =>
      Effect.gen(function* () {
        yield* checkOperator(operator)
        const removed = yield* backend.remove(id)
        if (removed === undefined) return yield* new OverrideNotFound({ id })
        yield* adopt((current) => current.filter((other) => other.id !== id))
        const target = targetOf(removed)
        yield* recordOrUndo(
          { actor: operator.actor, action: "overrides.clear", target, reason: operator.reason },
          { override: removed },
          Effect.asVoid(backend.put(removed, target, removed.createdAt))
        )
        return removed
      })

    // No change without its audit entry: when the entry cannot be written the change is undone and the error returned.
    const recordOrUndo = (
      entry: { actor: string; action: string; target: string; reason: string },
      details: unknown,
      undo: Effect.Effect<unknown, StoreError>
    ) =>
      Effect.catch(Effect.asVoid(audit.record({ ...entry, details })), (error) =>
        Effect.andThen(
          Effect.andThen(
            Effect.catch(undo, (undoError) => Effect.logError(`overrides: could not undo ${entry.action}`, undoError)),
            refresh.pipe(Effect.ignore)
          ),
          Effect.fail(error)
        )
      )

    const list: Service["list"] = () =>
      Effect.flatMap(backend.load, (all) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          all.filter((override) => isActive(override, now)).sort((a, b) => a.createdAt - b.createdAt)
        )
      )

    return {
      set,
      clear,
      list,
      current: () => snapshot,
      isPaused: (endpointId) => snapshot.paused.has(endpointId),
      checkEndpoint: (endpointId) =>
        Effect.suspend(() => {
          const pause = snapshot.paused.get(endpointId)
          return pause === undefined
            ? Effect.void
            : Effect.fail(
                new EndpointPaused({
                  endpointId,
                  overrideId: pause.id,
                  actor: pause.actor,
                  reason: pause.reason,
                  ...(pause.expiresAt === undefined ? {} : { expiresAt: pause.expiresAt })
                })
              )
        }),
      refresh: () => refresh
    } satisfies Service
  })
