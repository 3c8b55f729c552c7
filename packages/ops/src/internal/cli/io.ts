/**
 * Where the CLI writes: stdout for results (one JSON document with `--json`),
 * stderr for errors and progress. A `Context.Reference` whose default writes
 * to this process's streams, so tests swap it for a capture without a
 * terminal; `HelpPresenter` sends effect/cli's help and usage errors through it.
 *
 * @internal
 */
import { Context, Effect, type Layer } from "effect"
import { CliOutput } from "effect/cli"

/** The CLI's output streams. @internal */
export interface Io {
  /** Writes `text` to stdout as is (callers add the newline). */
  readonly out: (text: string) => Effect.Effect<void>
  /** Writes `text` to stderr as is. */
  readonly err: (text: string) => Effect.Effect<void>
  /** Whether stderr is a terminal (a progress bar can redraw itself there). */
  readonly errIsTerminal: boolean
}

const nodeIo = (): Io => ({
  out: (text) =>
    Effect.sync(() => {
      process.stdout.write(text)
    }),
  err: (text) =>
    Effect.sync(() => {
      process.stderr.write(text)
    }),
  errIsTerminal: process.stderr.isTTY === true
})

/** The output streams; the process's own unless provided. @internal */
export const Io = Context.Reference<Io>("@wedsync/ops/Cli/Io", { defaultValue: nodeIo })

/** Writes one line to stdout. @internal */
export const line = (text: string): Effect.Effect<void> =>
  Effect.flatMap(Effect.service(Io), (io) => io.out(`${text}\n`))

/** Writes one line to stderr. @internal */
export const errorLine = (text: string): Effect.Effect<void> =>
  Effect.flatMap(Effect.service(Io), (io) => io.err(`${text}\n`))

/** Prints `value` as one JSON document on stdout. @internal */
export const json = (value: unknown): Effect.Effect<void> => line(JSON.stringify(value, null, 2))

/**
 * effect/cli's help on stdout; a usage error as one line per problem on
 * stderr (no help dump, so stdout stays clean under `--json`).
 *
 * @internal
 */
export const HelpPresenter: Layer.Layer<never> = CliOutput.layerPresenter({
  present: (event) =>
    Effect.gen(function* () {
      const formatter = CliOutput.defaultFormatter({ colors: false })
      switch (event._tag) {
        case "Help":
          return yield* line(formatter.formatHelpDoc(event.helpDoc))
        case "Version":
          return yield* line(formatter.formatVersion(event.name, event.version))
        case "InvalidInvocation": {
          const command = event.commandPath.join(" ")
          for (const error of event.errors) yield* errorLine(`error: ${oneLine(error.message)}`)
          return yield* errorLine(`run \`${command} --help\` for usage`)
        }
      }
    })
})

/** Collapses whitespace so an error stays on one line. @internal */
export const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim()
