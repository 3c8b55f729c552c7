/**
 * Runs the CLI's command tree in-process on an argv, with stdout and stderr
 * captured (and stderr a terminal or not), on the Node platform services.
 */
import { NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import * as Cli from "../src/Cli.ts"

export interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Every output of every run, to check no secret ever appears. */
export const everything: Array<string> = []

export const runCli = async (
  argv: ReadonlyArray<string>,
  options: { readonly tty?: boolean } = {}
): Promise<Outcome> => {
  const out: Array<string> = []
  const err: Array<string> = []
  const io: Cli.Io = {
    out: (text) => Effect.sync(() => void out.push(text)),
    err: (text) => Effect.sync(() => void err.push(text)),
    errIsTerminal: options.tty ?? false
  }
  const code = await Effect.runPromise(
    Cli.run(argv).pipe(Effect.provideService(Cli.Io, io), Effect.provide(NodeServices.layer))
  )
  const outcome = { code, stdout: out.join(""), stderr: err.join("") }
  everything.push(outcome.stdout, outcome.stderr)
  return outcome
}
