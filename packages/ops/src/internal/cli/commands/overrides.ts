/**
 * `overrides list|set|clear`: the operator overrides in force, set one by
 * kind with the fields that kind needs (a missing one is a usage error),
 * clear one by id. Every change needs `--reason`.
 *
 * @internal
 */
import type { Overrides } from "@wedsync/core"
import { Clock, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { type CliFailure, usage } from "../failure.ts"
import { durationMillis, table, time } from "../render.ts"
import { reason, service, show } from "./shared.ts"

const overrideTable = (rows: ReadonlyArray<Overrides.Override>) =>
  table(rows, [
    ["ID", (row) => row.id],
    ["KIND", (row) => row._tag],
    ["TARGET", (row) => describe(row)],
    ["ACTOR", (row) => row.actor],
    ["EXPIRES", (row) => time(row.expiresAt)],
    ["REASON", (row) => row.reason]
  ])

const describe = (override: Overrides.Input | Overrides.Override): string => {
  switch (override._tag) {
    case "ForceCircuit":
      return `${override.service}/${override.provider} ${override.state}`
    case "PinProvider":
      return `${override.service} → ${override.provider}`
    case "DisableIntegration":
      return override.provider === undefined ? override.service : `${override.service}/${override.provider}`
    case "PauseEndpoint":
      return override.endpointId
  }
}

const list = Command.make("list", {}, () =>
  Effect.asVoid(show((backend) => backend.overrides.list, overrideTable))
).pipe(Command.withDescription("The overrides in force"))

const setFlags = {
  kind: Flag.Literals("kind", ["force-circuit", "pin-provider", "disable-integration", "pause-endpoint"]).pipe(
    Flag.withDescription("What to override")
  ),
  service: service("service").pipe(Flag.withDescription("The service (all kinds but pause-endpoint)"), Flag.optional),
  provider: Flag.String("provider").pipe(
    Flag.withDescription("The provider (force-circuit, pin-provider; optional for disable-integration)"),
    Flag.optional
  ),
  state: Flag.Literals("state", ["open", "closed"]).pipe(
    Flag.withDescription("Circuit state (force-circuit)"),
    Flag.optional
  ),
  endpoint: Flag.String("endpoint").pipe(Flag.withDescription("Outbound endpoint id (pause-endpoint)"), Flag.optional),
  expiresIn: Flag.String("expires-in").pipe(
    Flag.withDescription('Lift it after this long, e.g. "2 hours"'),
    Flag.optional
  ),
  reason
}

type SetInput = {
  readonly [K in keyof typeof setFlags]: (typeof setFlags)[K] extends Flag.Flag<infer A> ? A : never
}

const required = <A>(value: Option.Option<A>, flag: string, kind: string): Effect.Effect<A, CliFailure> =>
  Option.match(value, { onNone: () => Effect.fail(usage(`--kind ${kind} needs --${flag}`)), onSome: Effect.succeed })

/** The override `input` describes, or a usage error naming the missing flag. @internal */
export const inputOf = (input: SetInput): Effect.Effect<Overrides.Input, CliFailure> =>
  Effect.gen(function* () {
    let expiresAt: number | undefined
    if (Option.isSome(input.expiresIn)) {
      const millis = durationMillis(input.expiresIn.value)
      if (millis === undefined)
        return yield* usage(`--expires-in: not a duration such as "2 hours": ${input.expiresIn.value}`)
      expiresAt = (yield* Clock.currentTimeMillis) + millis
    }
    const expiry = expiresAt === undefined ? {} : { expiresAt }
    switch (input.kind) {
      case "force-circuit":
        return {
          _tag: "ForceCircuit",
          service: yield* required(input.service, "service", input.kind),
          provider: yield* required(input.provider, "provider", input.kind),
          state: yield* required(input.state, "state", input.kind),
          ...expiry
        }
      case "pin-provider":
        return {
          _tag: "PinProvider",
          service: yield* required(input.service, "service", input.kind),
          provider: yield* required(input.provider, "provider", input.kind),
          ...expiry
        }
      case "disable-integration":
        return {
          _tag: "DisableIntegration",
          service: yield* required(input.service, "service", input.kind),
          ...Option.match(input.provider, { onNone: () => ({}), onSome: (provider) => ({ provider }) }),
          ...expiry
        }
      case "pause-endpoint":
        return { _tag: "PauseEndpoint", endpointId: yield* required(input.endpoint, "endpoint", input.kind), ...expiry }
    }
  })

const set = Command.make("set", setFlags, (input) =>
  Effect.asVoid(
    show(
      (backend) => Effect.flatMap(inputOf(input), (override) => backend.overrides.set(override, input.reason)),
      (override) => `set ${override.id}: ${override._tag} ${describe(override)}`
    )
  )
).pipe(Command.withDescription("Set an override (--kind with its fields, --reason required)"))

const clear = Command.make("clear", { id: Argument.String("id"), reason }, (input) =>
  Effect.asVoid(
    show(
      (backend) => backend.overrides.clear(input.id, input.reason),
      (override) => `cleared ${override.id}: ${override._tag} ${describe(override)}`
    )
  )
).pipe(Command.withDescription("Clear an override by id (--reason required)"))

/** `overrides`. @internal */
export const overrides = Command.make("overrides").pipe(
  Command.withDescription("Operator overrides: list, set, clear"),
  Command.withSubcommands([list, set, clear])
)
