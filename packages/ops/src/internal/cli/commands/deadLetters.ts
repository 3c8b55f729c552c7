/**
 * `dead-letters list|show|replay|replay-all|purge`. `replay-all` lists the
 * matching `dead` letters (at most `--max`), then replays them one by one in
 * batches, advancing a progress bar on stderr per letter; `--dry-run` only
 * counts. Purging needs `--older-than`.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Backend, DeadLetter, DeadLetterFilter } from "../backend.ts"
import { failed, usage } from "../failure.ts"
import * as Progress from "../progress.ts"
import { details, durationMillis, table, time } from "../render.ts"
import * as Settings from "../settings.ts"
import { filterOf, letterFilter, reason, show } from "./shared.ts"

const letterTable = (letters: ReadonlyArray<DeadLetter>) =>
  table(letters, [
    ["ID", (letter) => letter.id],
    ["SERVICE", (letter) => letter.service],
    ["PROVIDER", (letter) => letter.provider],
    ["REASON", (letter) => letter.reason],
    ["ATTEMPTS", (letter) => letter.attempts],
    ["DEAD AT", (letter) => time(letter.deadAt)],
    ["STATUS", (letter) => letter.status],
    ["WEDDING", (letter) => letter.wedding?.weddingId]
  ])

const list = Command.make(
  "list",
  {
    ...letterFilter,
    limit: Flag.Int("limit").pipe(Flag.withDescription("Page size, 1 to 500 (default 50)"), Flag.optional),
    cursor: Flag.String("cursor").pipe(Flag.withDescription("nextCursor of the previous page"), Flag.optional)
  },
  (input) =>
    Effect.asVoid(
      show(
        (backend) =>
          backend.deadLetters.list(filterOf(input), {
            limit: Option.getOrUndefined(input.limit),
            cursor: Option.getOrUndefined(input.cursor)
          }),
        (page) =>
          page.nextCursor === undefined
            ? letterTable(page.items)
            : `${letterTable(page.items)}\nmore: --cursor ${page.nextCursor}`
      )
    )
).pipe(Command.withDescription("Dead letters, newest first, filtered"))

const showLetter = Command.make("show", { id: Argument.String("id") }, (input) =>
  Effect.asVoid(
    show(
      (backend) => backend.deadLetters.get(input.id),
      (letter) =>
        [
          details([
            ["id", letter.id],
            ["service", `${letter.service} ${letter.operation}`],
            ["status", `${letter.status} (replays: ${letter.replays})`],
            ["reason", letter.reason],
            ["providers", letter.providersTried.join(", ")],
            ["attempts", letter.attempts],
            [
              "wedding",
              letter.wedding === undefined ? undefined : `${letter.wedding.weddingId} on ${letter.wedding.weddingDate}`
            ],
            ["correlation", letter.correlationId],
            ["first failure", time(letter.firstFailureAt)],
            ["dead at", time(letter.deadAt)],
            ["relevant until", time(letter.relevantUntil)]
          ]),
          "errors:",
          ...letter.errors.map(
            (error) => `  ${time(error.at)} ${error.provider ?? "-"} ${error.reason}: ${error.message}`
          ),
          "payload (redacted):",
          JSON.stringify(letter.payload, null, 2)
        ].join("\n")
    )
  )
).pipe(Command.withDescription("One dead letter with its error chain and redacted payload"))

const replay = Command.make("replay", { id: Argument.String("id"), reason }, (input) =>
  Effect.asVoid(
    show(
      (backend) => backend.deadLetters.replay(input.id, input.reason),
      (outcome) => `${outcome.id}: ${outcome.outcome}`
    )
  )
).pipe(Command.withDescription("Replay one dead letter (--reason required)"))

const PAGE = 100

/** The ids of up to `max` `dead` letters matching `filter`. @internal */
const matching = (backend: Backend, filter: DeadLetterFilter, max: number) =>
  Effect.gen(function* () {
    const ids: Array<string> = []
    let cursor: string | undefined
    while (ids.length < max) {
      const page = yield* backend.deadLetters.list(
        { ...filter, status: "dead" },
        { limit: Math.min(PAGE, max - ids.length), cursor }
      )
      ids.push(...page.items.map((letter) => letter.id))
      cursor = page.nextCursor
      if (cursor === undefined || page.items.length === 0) break
    }
    return ids
  })

const replayAll = Command.make(
  "replay-all",
  {
    ...letterFilter,
    max: Flag.Int("max").pipe(Flag.withDescription("Replay at most this many (default 1000)"), Flag.withDefault(1000)),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Only count what would be replayed"),
      Flag.withDefault(false)
    ),
    reason
  },
  (input) =>
    Effect.gen(function* () {
      if (input.max < 1) return yield* usage("--max must be at least 1")
      const jsonOutput = yield* Settings.Json
      const summary = yield* show(
        (backend) =>
          Effect.gen(function* () {
            const ids = yield* matching(backend, filterOf(input), input.max)
            if (input.dryRun) return { dryRun: true, matched: ids.length, replayed: 0, stale: 0, failed: [], ids }
            const progress = yield* Progress.make("replay", ids.length, { json: jsonOutput })
            const outcomes = yield* Effect.forEach(
              ids,
              (id) =>
                backend.deadLetters.replay(id, input.reason).pipe(
                  Effect.map((outcome) => ({ id, outcome: outcome.outcome, message: undefined })),
                  Effect.catch((failure) =>
                    Effect.succeed({ id, outcome: "Failed" as const, message: failure.message })
                  ),
                  Effect.tap((result) => progress.advance(id, result.outcome))
                ),
              { concurrency: 4 }
            )
            yield* progress.done
            return {
              dryRun: false,
              matched: ids.length,
              replayed: outcomes.filter((result) => result.outcome === "Replayed").length,
              stale: outcomes.filter((result) => result.outcome === "Stale").length,
              failed: outcomes.flatMap((result) =>
                result.message === undefined ? [] : [{ id: result.id, message: result.message }]
              ),
              ids
            }
          }),
        (result) =>
          result.dryRun
            ? `dry run: ${result.matched} dead letters would be replayed`
            : [
                `matched ${result.matched}, replayed ${result.replayed}, stale ${result.stale}, failed ${result.failed.length}`,
                ...result.failed.map((failure) => `  failed ${failure.message}`)
              ].join("\n")
      )
      if (summary.failed.length > 0)
        return yield* failed(`${summary.failed.length} of ${summary.matched} replays failed`)
    })
).pipe(Command.withDescription("Replay every dead letter matching the filter, with progress (--reason required)"))

const purge = Command.make(
  "purge",
  {
    ...letterFilter,
    olderThan: Flag.String("older-than").pipe(
      Flag.withDescription('Only letters dead longer than this, e.g. "30 days"'),
      Flag.optional
    ),
    id: Flag.String("id").pipe(
      Flag.withDescription("Purge one letter by id (not offered by the API yet)"),
      Flag.optional
    ),
    reason
  },
  (input) =>
    Effect.gen(function* () {
      if (Option.isSome(input.id))
        return yield* usage(
          "purging by --id is not offered by the admin API or the store yet; use --older-than with filters"
        )
      if (Option.isNone(input.olderThan)) return yield* usage("purge needs --older-than <duration>")
      const olderThan = input.olderThan.value
      if (durationMillis(olderThan) === undefined)
        return yield* usage(`--older-than: not a duration such as "30 days": ${olderThan}`)
      yield* show(
        (backend) => backend.deadLetters.purge(olderThan, filterOf(input), input.reason),
        (result) => `purged ${result.purged} dead letters`
      )
    })
).pipe(Command.withDescription("Delete dead letters older than --older-than (--reason required)"))

/** `dead-letters`. @internal */
export const deadLetters = Command.make("dead-letters").pipe(
  Command.withDescription("Dead letters: list, show, replay, replay-all, purge"),
  Command.withSubcommands([list, showLetter, replay, replayAll, purge])
)
