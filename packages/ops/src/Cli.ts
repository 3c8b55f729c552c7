/**
 * `wedsync-integrations`, the operators' command line: health, breakers,
 * overrides, dead letters (with a bulk replay that shows progress),
 * quarantine, impact and booking timelines. It talks to the admin API
 * (`--url`, `--token`, a typed `HttpApiClient` of `AdminApi`) or, with
 * `--store sqlite:<file>` / `--store postgres://…`, to the stores themselves
 * in-process (every read, dead-letter replay and purge, overrides; quarantine
 * re-injection and timelines need the API).
 *
 * Every read takes `--json` (one JSON document on stdout, nothing else
 * there); errors are one line on stderr and never quote the token. Exit
 * codes: 0 ok, 1 the operation failed, 2 usage or bad input, 3 unauthorized
 * or forbidden, 4 not found, 5 the API or store unreachable or not ready.
 *
 * @example
 * ```ts
 * import { NodeServices } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Cli } from "@wedsync/ops"
 *
 * const code = await Effect.runPromise(
 *   Cli.run(["dead-letters", "list", "--provider", "resend", "--json", "--url", "http://localhost:8080"]).pipe(
 *     Effect.provide(NodeServices.layer)
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Effect, type Layer } from "effect"
import { CliError, Command } from "effect/cli"
import { breakers, health } from "./internal/cli/commands/health.ts"
import { deadLetters } from "./internal/cli/commands/deadLetters.ts"
import { impact, timeline } from "./internal/cli/commands/insight.ts"
import { overrides } from "./internal/cli/commands/overrides.ts"
import { quarantine } from "./internal/cli/commands/quarantine.ts"
import { CliFailure, ExitCode as Codes } from "./internal/cli/failure.ts"
import * as CliIo from "./internal/cli/io.ts"
import * as Settings from "./internal/cli/settings.ts"
import { Redaction } from "@wedsync/core"

/**
 * Where the CLI writes (stdout, stderr, whether stderr is a terminal): this
 * process's streams unless provided, e.g. a capture in tests.
 *
 * @example
 * ```ts
 * Cli.run(["health"]).pipe(Effect.provideService(Cli.Io, { out: (text) => Effect.sync(() => lines.push(text)), err: () => Effect.void, errIsTerminal: false }))
 * ```
 * @since 0.1.0
 */
export const Io = CliIo.Io

/** @since 0.1.0 */
export type Io = CliIo.Io

/**
 * The exit codes of `wedsync-integrations`.
 *
 * @example
 * ```ts
 * if (code === Cli.ExitCode.Unauthorized) console.error("check WEDSYNC_ADMIN_TOKEN")
 * ```
 * @since 0.1.0
 */
export const ExitCode = Codes

/** @since 0.1.0 */
export type ExitCode = (typeof Codes)[keyof typeof Codes]

const VERSION = "0.1.0"

const EXIT_CODES =
  "Exit codes: 0 ok; 1 the operation failed; 2 usage or bad input; 3 unauthorized or forbidden (401/403); 4 not found; 5 the API or store unreachable or not ready."

/**
 * The command tree: `health`, `breakers`, `overrides`, `dead-letters`,
 * `quarantine`, `impact`, `timeline`, with `--json`, `--url`, `--token` and
 * `--store` accepted anywhere.
 *
 * @example
 * ```ts
 * yield* Command.runWith(Cli.command, { version: "0.1.0" })(["health", "--url", "http://localhost:8080"])
 * ```
 * @since 0.1.0
 */
export const command = Command.make("wedsync-integrations").pipe(
  Command.withDescription(
    `Operate WedSync integrations through the admin API (--url, --token) or the stores directly (--store). ${EXIT_CODES}`
  ),
  Command.withSubcommands([health, breakers, overrides, deadLetters, quarantine, impact, timeline]),
  Command.withGlobalFlags(Settings.all)
)

/**
 * Runs the CLI on `argv` (without `node` and the script) and answers its
 * exit code; failures are already written to stderr as one line.
 *
 * @example
 * ```ts
 * const code = yield* Cli.run(["health", "--json"])
 * process.exitCode = code
 * ```
 * @since 0.1.0
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<ExitCode, never, Command.Environment> =>
  Command.runWith(command, { version: VERSION })(argv).pipe(
    Effect.as(Codes.Ok as ExitCode),
    Effect.catch((error) => {
      if (error instanceof CliFailure) return Effect.as(CliIo.errorLine(`error: ${error.message}`), error.exitCode)
      if (CliError.isCliError(error)) {
        // effect/cli already presented it: usage errors on stderr, or help when no command was chosen
        return Effect.succeed(Codes.Usage as ExitCode)
      }
      return Effect.as(
        CliIo.errorLine(`error: ${CliIo.oneLine(Redaction.redactText(String(error)))}`),
        Codes.Failed as ExitCode
      )
    }),
    Effect.catchCause((cause) =>
      Effect.as(
        CliIo.errorLine(
          `error: unexpected failure: ${CliIo.oneLine(Redaction.redactText(Cause.pretty(cause))).slice(0, 300)}`
        ),
        Codes.Failed as ExitCode
      )
    ),
    Effect.provide(CliIo.HelpPresenter)
  )

/**
 * The layer the CLI's help and usage errors need (already provided by {@link run}).
 *
 * @example
 * ```ts
 * Command.runWith(Cli.command, { version: "0.1.0" })(argv).pipe(Effect.provide(Cli.layerPresenter))
 * ```
 * @since 0.1.0
 */
export const layerPresenter: Layer.Layer<never> = CliIo.HelpPresenter
