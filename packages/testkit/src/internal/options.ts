/**
 * Checks of the options a simulator, the registry and the hub start with:
 * ports, the body limit and webhook URLs. A bad value is refused before
 * anything listens, with an {@link InvalidOptions} naming the option and the
 * problem in words; the `sim` command reuses the same words for its flags.
 *
 * @internal
 */
import { Schema } from "effect"
import { describeBytes } from "./http.ts"
import { describe, Problem } from "./problems.ts"

/**
 * Options a simulator, the registry or the hub cannot start with. `problems`
 * name each option and what is wrong; `message` joins them, e.g.
 * `webhookUrl: must be an http:// or https:// URL, got "file:///etc/passwd"`.
 *
 * @example
 * ```ts
 * await Simulator.start(Resend.definition, { port: 70_000 })
 * // rejects with InvalidOptions: "port: must be a whole number from 0 to 65535 (0 picks a free port), got 70000"
 * ```
 * @since 0.1.0
 */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>("@wedsync/testkit/Simulator/InvalidOptions")(
  "InvalidOptions",
  { problems: Schema.Array(Problem) }
) {
  /** The first option at fault (`port`, `ports.resend`, `webhookUrl`, …). */
  get field(): string {
    return this.problems[0]?.field ?? ""
  }
  override get message(): string {
    return describe(this.problems)
  }
}

/** The largest body limit an option may set: 1 GiB. @internal */
export const MAX_BODY_LIMIT_BYTES = 1_073_741_824

const show = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : String(value))

const wholeNumberProblem = (
  value: unknown,
  field: string,
  minimum: number,
  maximum: number,
  words: string
): ReadonlyArray<Problem> =>
  value === undefined || (typeof value === "number" && Number.isInteger(value) && value >= minimum && value <= maximum)
    ? []
    : [{ field, problem: `must be ${words}, got ${show(value)}` }]

/** A TCP port option: a whole number from 0 (any free port) to 65535. @internal */
export const portProblems = (value: unknown, field: string): ReadonlyArray<Problem> =>
  wholeNumberProblem(value, field, 0, 65_535, "a whole number from 0 to 65535 (0 picks a free port)")

/** A body limit option: a whole number of bytes from 1 to 1 GiB. @internal */
export const bodyLimitProblems = (value: unknown, field: string): ReadonlyArray<Problem> =>
  wholeNumberProblem(
    value,
    field,
    1,
    MAX_BODY_LIMIT_BYTES,
    `a whole number of bytes from 1 to ${MAX_BODY_LIMIT_BYTES} (${describeBytes(MAX_BODY_LIMIT_BYTES)})`
  )

/** A seed option: any finite number. @internal */
export const seedProblems = (value: unknown, field: string): ReadonlyArray<Problem> =>
  value === undefined || (typeof value === "number" && Number.isFinite(value))
    ? []
    : [{ field, problem: `must be a number, got ${show(value)}` }]

/** What is wrong with a webhook URL, or `undefined`: webhooks are POSTed over http or https only. @internal */
export const webhookUrlProblem = (url: unknown): string | undefined => {
  const parsed = typeof url === "string" && URL.canParse(url) ? new URL(url) : undefined
  return parsed?.protocol === "http:" || parsed?.protocol === "https:"
    ? undefined
    : `must be an http:// or https:// URL, got ${show(url)}`
}

/** A webhook URL option (absent is fine: no webhooks are sent). @internal */
export const webhookUrlProblems = (value: unknown, field: string): ReadonlyArray<Problem> => {
  const problem = value === undefined ? undefined : webhookUrlProblem(value)
  return problem === undefined ? [] : [{ field, problem }]
}

/** Throws {@link InvalidOptions} when there are problems. @internal */
export const refuseOptions = (problems: ReadonlyArray<Problem>): void => {
  if (problems.length > 0) throw new InvalidOptions({ problems })
}

/** The common options of a simulator, the registry and the hub. @internal */
export interface CommonOptions {
  readonly seed?: number | undefined
  readonly webhookUrl?: string | undefined
  readonly bodyLimitBytes?: number | undefined
}

/** The problems of the options every starter shares. @internal */
export const commonProblems = (options: CommonOptions): ReadonlyArray<Problem> => [
  ...seedProblems(options.seed, "seed"),
  ...webhookUrlProblems(options.webhookUrl, "webhookUrl"),
  ...bodyLimitProblems(options.bodyLimitBytes, "bodyLimitBytes")
]
