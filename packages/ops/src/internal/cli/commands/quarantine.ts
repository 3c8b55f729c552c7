/**
 * `quarantine list|show|reinject`: refused webhook deliveries. Re-injecting
 * verifies the delivery again unless `--trust-event-id` and `--event-type`
 * vouch for it; it needs the admin API.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { QuarantineEntry, Trust } from "../backend.ts"
import { usage } from "../failure.ts"
import { details, table, time } from "../render.ts"
import { reason, show } from "./shared.ts"

const entryTable = (entries: ReadonlyArray<QuarantineEntry>) =>
  table(entries, [
    ["ID", (entry) => entry.id],
    ["PROVIDER", (entry) => entry.provider],
    ["REASON", (entry) => entry.reason],
    ["RECEIVED", (entry) => time(entry.receivedAt)],
    ["STATUS", (entry) => entry.status],
    ["DESCRIPTION", (entry) => entry.description]
  ])

const list = Command.make(
  "list",
  {
    provider: Flag.String("provider").pipe(Flag.withDescription("Only this provider"), Flag.optional),
    status: Flag.Literals("status", ["held", "reinjected"]).pipe(
      Flag.withDescription("Only this status"),
      Flag.optional
    ),
    limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many, 1 to 500"), Flag.optional)
  },
  (input) =>
    Effect.asVoid(
      show(
        (backend) =>
          backend.quarantine.list({
            provider: Option.getOrUndefined(input.provider),
            status: Option.getOrUndefined(input.status),
            limit: Option.getOrUndefined(input.limit)
          }),
        entryTable
      )
    )
).pipe(Command.withDescription("Quarantined webhook deliveries"))

const showEntry = Command.make("show", { id: Argument.String("id") }, (input) =>
  Effect.asVoid(
    show(
      (backend) => backend.quarantine.get(input.id),
      (entry) =>
        [
          details([
            ["id", entry.id],
            ["provider", entry.provider],
            ["reason", `${entry.reason}: ${entry.description}`],
            ["status", entry.status],
            ["received", time(entry.receivedAt)],
            ["request", `${entry.method} ${entry.url}`],
            ["remote", entry.remoteAddress]
          ]),
          "headers (secrets redacted):",
          ...Object.entries(entry.headers).map(([name, value]) => `  ${name}: ${value}`),
          `body (${entry.bodyEncoding}):`,
          entry.body
        ].join("\n")
    )
  )
).pipe(Command.withDescription("One quarantined delivery"))

const reinject = Command.make(
  "reinject",
  {
    id: Argument.String("id"),
    trustEventId: Flag.String("trust-event-id").pipe(
      Flag.withDescription("Skip verification and vouch for it with this event id (with --event-type)"),
      Flag.optional
    ),
    eventType: Flag.String("event-type").pipe(
      Flag.withDescription("The event type, with --trust-event-id"),
      Flag.optional
    ),
    reason
  },
  (input) =>
    Effect.gen(function* () {
      const trust: Trust | undefined = Option.isNone(input.trustEventId)
        ? Option.isNone(input.eventType)
          ? { _tag: "Verify" }
          : undefined
        : Option.isSome(input.eventType)
          ? { _tag: "OperatorTrusted", eventId: input.trustEventId.value, type: input.eventType.value }
          : undefined
      if (trust === undefined) return yield* usage("--trust-event-id and --event-type go together")
      yield* show(
        (backend) => backend.quarantine.reinject(input.id, trust, input.reason),
        (result) =>
          `re-injected ${result.id} as event ${result.eventId} (job ${result.jobId}${result.trusted ? ", operator-trusted" : ""})`
      )
    })
).pipe(Command.withDescription("Re-inject a quarantined delivery (admin API only; --reason required)"))

/** `quarantine`. @internal */
export const quarantine = Command.make("quarantine").pipe(
  Command.withDescription("Quarantined webhook deliveries: list, show, reinject"),
  Command.withSubcommands([list, showEntry, reinject])
)
