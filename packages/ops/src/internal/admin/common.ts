/**
 * What every admin handler shares: the operator (the token's name plus the
 * caller's reason) handed to the stores that audit themselves, the audit
 * entry for the ones that do not, and the mapping of store failures to a 503
 * that says which operation failed without quoting the store's message.
 *
 * @internal
 */
import { type Audit, Redaction, type StoreError } from "@wedsync/core"
import { Effect } from "effect"
import { Actor, Unavailable } from "../../AdminApi.ts"

/** Who acts and why, for the stores' own audit entries. @internal */
export interface Operator {
  readonly actor: string
  readonly reason: string
}

/** The operator of this request: the token's name and `reason`. @internal */
export const operator = (reason: string): Effect.Effect<Operator, never, Actor> =>
  Effect.map(Effect.service(Actor), (actor) => ({ actor: actor.name, reason }))

/** The operator of a read: reads are audited by some stores, with the endpoint as the reason. @internal */
export const reader = (endpoint: string): Effect.Effect<Operator, never, Actor> => operator(`admin api: ${endpoint}`)

/** Records a mutation the store behind it does not audit itself. @internal */
export const audited = (
  entry: { readonly action: string; readonly target: string; readonly reason: string; readonly details?: unknown },
  audit: Audit.Audit["Service"]
): Effect.Effect<void, StoreError.StoreError, Actor> =>
  Effect.flatMap(Effect.service(Actor), (actor) => Effect.asVoid(audit.record({ ...entry, actor: actor.name })))

/**
 * A store failure as the API's 503: the operation that failed, logged in
 * full here, never sent to the caller (a driver message may name hosts).
 *
 * @internal
 */
export const unavailable = <A, E, R>(
  effect: Effect.Effect<A, E | StoreError.StoreError, R>
): Effect.Effect<A, Exclude<E, StoreError.StoreError> | Unavailable, R> =>
  Effect.catchIf(
    effect,
    (error): error is StoreError.StoreError =>
      typeof error === "object" && error !== null && "_tag" in error && error._tag === "StoreError",
    (error) =>
      Effect.andThen(
        Effect.logWarning(`admin api: a store failed: ${Redaction.redactText(error.message)}`),
        Effect.fail(new Unavailable({ message: `${error.operation} failed; try again` }))
      )
  ) as Effect.Effect<A, Exclude<E, StoreError.StoreError> | Unavailable, R>

/** An opaque cursor for `(at, id)` keysets. @internal */
export const encodeCursor = (at: number, id: string): string =>
  Buffer.from(JSON.stringify([at, id]), "utf8").toString("base64url")

/** The `(at, id)` of a cursor, or undefined when it is not one of ours. @internal */
export const decodeCursor = (cursor: string): { readonly at: number; readonly id: string } | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string") {
      return { at: value[0], id: value[1] }
    }
  } catch {
    return undefined
  }
  return undefined
}

/** `value` without its undefined fields, for filters whose optional fields may not be `undefined`. @internal */
export const defined = <T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
