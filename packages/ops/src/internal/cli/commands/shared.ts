/**
 * What every command shares: run against the selected backend in a scope,
 * print JSON (`--json`) or the human rendering, and the flags several
 * commands take (`--reason`, the service, the dead-letter filter).
 *
 * @internal
 */
import { Policy } from "@wedsync/core"
import { Effect, Option, type Scope } from "effect"
import { Flag, type GlobalFlag } from "effect/cli"
import type { Backend, DeadLetterFilter } from "../backend.ts"
import type { CliFailure } from "../failure.ts"
import { json, line } from "../io.ts"
import * as Settings from "../settings.ts"

/** The settings a command handler reads. @internal */
export type SettingsContext =
  | GlobalFlag.Setting.Identifier<"json">
  | GlobalFlag.Setting.Identifier<"url">
  | GlobalFlag.Setting.Identifier<"token">
  | GlobalFlag.Setting.Identifier<"store">

/**
 * Runs `f` on the selected backend and prints its result: JSON with `--json`,
 * else `human(result)`.
 *
 * @internal
 */
export const show = <A>(
  f: (backend: Backend) => Effect.Effect<A, CliFailure, Scope.Scope>,
  human: (result: A) => string
): Effect.Effect<A, CliFailure, SettingsContext> =>
  Effect.scoped(
    Effect.gen(function* () {
      const result = yield* f(yield* Settings.backend)
      yield* (yield* Settings.Json) ? json(result) : line(human(result))
      return result
    })
  )

/** `--reason`: why, kept in the audit trail; every mutation requires it. @internal */
export const reason = Flag.String("reason").pipe(
  Flag.withDescription("Why you do this (kept in the audit trail); required"),
  Flag.filter(
    (text) => text.trim().length > 0,
    () => "--reason must not be empty"
  )
)

/** A service of core's policy. @internal */
export const service = (name: string) => Flag.Literals(name, Policy.ServiceType.literals)

/** The dead-letter filter flags. @internal */
export const letterFilter = {
  service: service("service").pipe(Flag.withDescription("Only this service"), Flag.optional),
  provider: Flag.String("provider").pipe(
    Flag.withDescription("Only letters whose last provider is this"),
    Flag.optional
  ),
  failureReason: Flag.String("failure-reason").pipe(
    Flag.withDescription("Only this final failure reason, e.g. Unavailable"),
    Flag.optional
  ),
  wedding: Flag.String("wedding").pipe(Flag.withDescription("Only this wedding id"), Flag.optional),
  status: Flag.Literals("status", ["dead", "replayed", "stale"]).pipe(
    Flag.withDescription("Only letters in this status"),
    Flag.optional
  )
}

type LetterFilterInput = {
  readonly [K in keyof typeof letterFilter]: (typeof letterFilter)[K] extends Flag.Flag<infer A> ? A : never
}

const some = <K extends string, A>(key: K, value: Option.Option<A>): { readonly [P in K]?: A } =>
  Option.match(value, { onNone: () => ({}), onSome: (present) => ({ [key]: present }) as { readonly [P in K]?: A } })

/** The API's filter from the flags. @internal */
export const filterOf = (input: LetterFilterInput): DeadLetterFilter => ({
  ...some("service", input.service),
  ...some("provider", input.provider),
  ...some("reason", input.failureReason),
  ...some("weddingId", input.wedding),
  ...some("status", input.status)
})
