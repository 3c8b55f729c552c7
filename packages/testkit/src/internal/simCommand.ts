/**
 * The `sim` command behind `src/bin/sim.ts`: reads the flags, starts every
 * simulator and the control endpoint, and prints their base URLs. A mistake
 * the user can fix (an unknown flag, a bad value, a port in use) is one line
 * on stderr and exit code 2, never a stack trace.
 *
 * @internal
 */
import { parseArgs } from "node:util"
import * as SimulatorHub from "../SimulatorHub.ts"
import { describeBytes } from "./http.ts"
import { bodyLimitProblems, InvalidOptions, portProblems, webhookUrlProblem } from "./options.ts"
import type { Problem } from "./problems.ts"

const FLAGS = {
  seed: { type: "string" },
  "control-port": { type: "string" },
  "webhook-url": { type: "string" },
  "body-limit": { type: "string" },
  help: { type: "boolean", short: "h" }
} as const

const FLAG_LIST = "--seed N, --control-port N, --webhook-url URL, --body-limit BYTES, --help"

/** What `--help` prints. @internal */
export const usage = `Usage: pnpm --filter @wedsync/testkit sim [flags]

Starts every provider simulator and the control endpoint on 127.0.0.1 and runs
until Ctrl+C. GET / on the control endpoint lists each simulator's base URL,
test credentials, operations and error catalogue.

Flags:
  --seed N             seed of fault draws, latencies and ids (default 1)
  --control-port N     port of the control endpoint, 0 for any free port (default 4010)
  --webhook-url URL    where every simulator sends its webhooks (http:// or https://)
  --body-limit BYTES   largest request body read (default 1048576, 1 MiB); larger ones get 413
  -h, --help           print this and exit

Exit codes: 0 stopped or --help; 2 a bad flag or a port that cannot be used; 1 anything else.`

/** A mistake in the command line or the environment the user can fix: one line, exit code 2. */
class UsageError extends Error {}

type Command =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Start"; readonly options: SimulatorHub.Options & { readonly seed: number } }

const checkTokens = (tokens: ReturnType<typeof parseArgs>["tokens"]): void => {
  for (const token of tokens ?? []) {
    if (token.kind === "option-terminator") {
      throw new UsageError(
        'unexpected "--": pnpm passes it on as it is, so give the flags without it (pnpm --filter @wedsync/testkit sim --seed 7)'
      )
    }
    if (token.kind === "positional") {
      throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}; the flags are ${FLAG_LIST}`)
    }
    if (!Object.hasOwn(FLAGS, token.name)) {
      throw new UsageError(`unknown flag ${token.rawName}; the flags are ${FLAG_LIST}`)
    }
    const takesValue = FLAGS[token.name as keyof typeof FLAGS].type === "string"
    if (takesValue && (token.value === undefined || (!token.inlineValue && token.value.startsWith("--")))) {
      throw new UsageError(`${token.rawName} needs a value, e.g. ${token.rawName} 7`)
    }
    if (!takesValue && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`)
  }
}

/** A whole number from a flag; anything else is reported in the flag's own words. */
const flagNumber = (
  flag: string,
  text: string,
  check: (value: unknown, field: string) => ReadonlyArray<Problem>
): number => {
  const value = /^-?\d+$/.test(text) ? Number(text) : text
  const problems = check(value, flag)
  if (problems.length > 0) throw new UsageError(problems.map(({ problem }) => `${flag} ${problem}`).join("; "))
  return Number(value)
}

const seedProblems = (value: unknown, field: string): ReadonlyArray<Problem> =>
  typeof value === "number" && Number.isSafeInteger(value)
    ? []
    : [{ field, problem: `must be a whole number, got ${JSON.stringify(String(value))}` }]

/** Reads the command line. @internal */
export const parse = (argv: ReadonlyArray<string>): Command => {
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true
  })
  checkTokens(tokens)
  if (values.help === true) return { _tag: "Help" }
  const text = (name: keyof typeof FLAGS): string | undefined => {
    const value = values[name]
    return typeof value === "string" ? value : undefined
  }
  const webhookUrl = text("webhook-url")
  const urlProblem = webhookUrl === undefined ? undefined : webhookUrlProblem(webhookUrl)
  if (urlProblem !== undefined) throw new UsageError(`--webhook-url ${urlProblem}`)
  const bodyLimit = text("body-limit")
  return {
    _tag: "Start",
    options: {
      seed: flagNumber("--seed", text("seed") ?? "1", seedProblems),
      controlPort: flagNumber("--control-port", text("control-port") ?? "4010", portProblems),
      ...(webhookUrl === undefined ? {} : { webhookUrl }),
      ...(bodyLimit === undefined ? {} : { bodyLimitBytes: flagNumber("--body-limit", bodyLimit, bodyLimitProblems) })
    }
  }
}

/** What went wrong when listening, in one line, or `undefined` for a failure that is not the user's to fix. */
const listenProblem = (cause: unknown, controlPort: number): string | undefined => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  const port = typeof cause === "object" && cause !== null && "port" in cause ? cause.port : controlPort
  if (code === "EADDRINUSE") {
    return `port ${port} is already in use; stop what listens there or pick another with --control-port N (0 picks a free port)`
  }
  if (code === "EACCES") {
    return `not allowed to listen on port ${port}; pick one above 1023 with --control-port N (0 picks a free port)`
  }
  return cause instanceof InvalidOptions ? cause.message : undefined
}

const start = async (options: SimulatorHub.Options & { readonly seed: number }): Promise<number> => {
  const hub = await SimulatorHub.start(options)
  console.log("WedSync provider simulators (offline, seed %d)", options.seed)
  for (const [name, url] of Object.entries(hub.urls)) console.log(`  ${name.padEnd(15)} ${url}`)
  console.log(`  ${"control".padEnd(15)} ${hub.controlUrl}   (GET / lists credentials, operations and error names)`)
  console.log(`Request bodies over ${describeBytes(options.bodyLimitBytes ?? 1_048_576)} are answered 413.`)
  console.log("Press Ctrl+C to stop.")
  const stop = () => {
    hub.stop().then(() => process.exit(0))
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  return 0
}

/**
 * Runs the command; resolves with the exit code once the simulators listen
 * (they keep the process alive) or once it has refused to start.
 *
 * @internal
 */
export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  try {
    const command = parse(argv)
    if (command._tag === "Help") {
      console.log(usage)
      return 0
    }
    return await start(command.options).catch((cause: unknown) => {
      const problem = listenProblem(cause, command.options.controlPort ?? 4010)
      if (problem === undefined) throw cause
      throw new UsageError(problem)
    })
  } catch (cause) {
    if (cause instanceof UsageError) {
      console.error(`sim: ${cause.message}`)
      return 2
    }
    console.error(`sim: could not start: ${cause instanceof Error ? cause.message : String(cause)}`)
    return 1
  }
}
