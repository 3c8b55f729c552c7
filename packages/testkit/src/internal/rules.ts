/**
 * The schemas of fault rules and scripts, and their checks: the one
 * definition that code (`sim.faults.add`) and the control endpoint
 * (`POST /providers/:provider/faults`) both decode with, so the same input is
 * refused the same way with the same words. `Faults` re-exports them.
 *
 * @internal
 */
import { Schema } from "effect"
import { decodeOrThrow, describe, Problem } from "./problems.ts"

/**
 * The four families of provider error a simulator can answer with, each in its
 * provider's real error body:
 * - `unavailable`: a 5xx;
 * - `rateLimited`: a 429 (or the provider's equivalent) with Retry-After;
 * - `providerPermanent`: wrong for every request to this account (bad key,
 *   unverified sender, suspended account);
 * - `requestPermanent`: wrong for this request only (declined card, invalid
 *   recipient, malformed parameter).
 *
 * @since 0.1.0
 */
export const ErrorKind = Schema.Literals(["unavailable", "rateLimited", "providerPermanent", "requestPermanent"])

/** @since 0.1.0 */
export type ErrorKind = typeof ErrorKind.Type

/** The longest delay `setTimeout` holds; past it, a timer fires at once. @internal */
export const MAX_TIMER_MILLIS = 2_147_483_647

const wholeNumber = (minimum: number, maximum: number, words: string) =>
  Schema.Number.check(
    Schema.isInt({ message: `must be ${words}` }),
    Schema.isBetween({ minimum, maximum }, { message: `must be ${words}` })
  )

// setTimeout fires at once for delays it cannot hold, so a longer latency would be no latency at all.
const Millis = wholeNumber(0, MAX_TIMER_MILLIS, "a whole number of milliseconds from 0 to 2147483647 (about 24.8 days)")

/**
 * A delay, fixed or drawn uniformly from `[min, max]` with the seeded random
 * source; `min` may not exceed `max`.
 *
 * @since 0.1.0
 */
export const Latency = Schema.Union([
  Schema.Struct({ millis: Millis }).annotate({ title: "a fixed latency" }),
  Schema.Struct({ min: Millis, max: Millis }).annotate({ title: "a latency range" })
])
  .annotate({ message: 'must be { "millis": N } or { "min": N, "max": N }' })
  .check(
    Schema.makeFilter((latency) =>
      !("min" in latency) || latency.min <= latency.max
        ? undefined
        : { path: ["min"], issue: `must not be greater than max (${latency.min} > ${latency.max})` }
    )
  )

/** @since 0.1.0 */
export type Latency = typeof Latency.Type

const FAULT_TAGS = "Error, Hang, Reset, Malformed, AmbiguousCommit, CommitThenHang or Pass"

/**
 * What a faulty request gets:
 * - `Error`: an error from the provider's catalogue, by entry name (`"card_declined"`)
 *   or by kind (`"rateLimited"` picks the kind's default entry);
 * - `Hang`: the request is read and never answered;
 * - `Reset`: the connection is destroyed before any answer;
 * - `Malformed`: HTTP 200 with a body that is not valid JSON;
 * - `AmbiguousCommit`: the request is carried out (charge made, message queued),
 *   then the connection is destroyed before the answer;
 * - `CommitThenHang`: the request is carried out, as with `AmbiguousCommit`, then
 *   never answered, as with `Hang`: the connection stays open until the client gives up;
 * - `Pass`: answered normally (a step of a script).
 *
 * @since 0.1.0
 */
export const Fault = Schema.Union([
  Schema.TaggedStruct("Error", {
    error: Schema.String.check(Schema.isNonEmpty({ message: "must name a catalogue entry or an error kind" })),
    retryAfterSeconds: Schema.optional(wholeNumber(0, 86_400, "a whole number of seconds from 0 to 86400"))
  }).annotate({ title: "an Error fault" }),
  Schema.TaggedStruct("Hang", {}).annotate({ title: "a Hang fault" }),
  Schema.TaggedStruct("Reset", {}).annotate({ title: "a Reset fault" }),
  Schema.TaggedStruct("Malformed", {}).annotate({ title: "a Malformed fault" }),
  Schema.TaggedStruct("AmbiguousCommit", {}).annotate({ title: "an AmbiguousCommit fault" }),
  Schema.TaggedStruct("CommitThenHang", {}).annotate({ title: "a CommitThenHang fault" }),
  Schema.TaggedStruct("Pass", {}).annotate({ title: "a Pass fault" })
]).annotate({ message: `must be a fault: an object whose "_tag" is ${FAULT_TAGS}` })

/** @since 0.1.0 */
export type Fault = typeof Fault.Type

const OperationName = Schema.String.check(Schema.isNonEmpty({ message: "must not be empty" }))

const EpochMillis = Schema.Number.check(Schema.isFinite({ message: "must be a time in epoch milliseconds" }))

/**
 * One fault rule. Every field but the fault (or the latency) is optional:
 * - `operation`: the simulator's operation names it applies to (all when absent),
 *   e.g. `"payment_intents.create"`; see each simulator's `operations`;
 * - `rate`: the probability that a matching request is affected (default 1);
 * - `times`: how many requests it affects before it is spent;
 * - `from` / `until`: an outage window in epoch milliseconds.
 *
 * A rule with neither fault nor latency, a window that ends before it starts
 * and unknown fields are refused, from code and over HTTP alike (see
 * {@link decodeRule}); a simulator also refuses operations and errors it does
 * not have.
 *
 * @since 0.1.0
 */
export const Rule = Schema.Struct({
  operation: Schema.optional(
    Schema.Union([
      OperationName,
      Schema.Array(OperationName).check(Schema.isMinLength(1, { message: "must list at least one operation" }))
    ]).annotate({ message: "must be an operation name or a list of them" })
  ),
  fault: Schema.optional(Fault),
  latency: Schema.optional(Latency),
  rate: Schema.optional(
    Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }, { message: "must be a probability from 0 to 1" }))
  ),
  times: Schema.optional(wholeNumber(1, Number.MAX_SAFE_INTEGER, "a whole number, 1 or more")),
  from: Schema.optional(EpochMillis),
  until: Schema.optional(EpochMillis)
})
  .annotate({ title: "a fault rule" })
  .check(
    Schema.makeFilter((rule) =>
      rule.fault !== undefined || rule.latency !== undefined
        ? undefined
        : "a rule needs a fault, a latency or both; this one has neither, so it would change nothing"
    ),
    Schema.makeFilter((rule) =>
      rule.from === undefined || rule.until === undefined || rule.until > rule.from
        ? undefined
        : {
            path: ["until"],
            issue: `must be later than from: the window ends (${rule.until}) before it starts (${rule.from})`
          }
    )
  )

/** @since 0.1.0 */
export type Rule = typeof Rule.Type

/** A scripted sequence for one operation: each request takes the next step. @since 0.1.0 */
export const Script = Schema.Struct({
  operation: OperationName,
  steps: Schema.Array(Fault).check(Schema.isMinLength(1, { message: "must have at least one step" }))
}).annotate({ title: "a fault script" })

/** @since 0.1.0 */
export type Script = typeof Script.Type

/**
 * A fault rule or script that means nothing or that the simulator cannot
 * carry out. `problems` name each field and what is wrong with it, and
 * `message` joins them, e.g.
 * `latency.min: must not be greater than max (500 > 100)`.
 *
 * @example
 * ```ts
 * try {
 *   sim.faults.add({ operation: "emails.sned", fault: Faults.hang })
 * } catch (error) {
 *   if (error instanceof Faults.InvalidRule) console.log(error.field, error.message)
 * }
 * ```
 * @since 0.1.0
 */
export class InvalidRule extends Schema.TaggedError<InvalidRule>("@wedsync/testkit/Faults/InvalidRule")("InvalidRule", {
  problems: Schema.Array(Problem)
}) {
  /** The first field at fault, as a dotted path (`latency.min`); `""` for the rule as a whole. */
  get field(): string {
    return this.problems[0]?.field ?? ""
  }
  override get message(): string {
    return describe(this.problems)
  }
}

/**
 * What a simulator can do, for checking rules against it: its operations and
 * the error names a fault may use (catalogue entries and the kinds that have
 * a default entry).
 *
 * @since 0.1.0
 */
export interface Catalogue {
  readonly provider: string
  readonly operations: ReadonlyArray<string>
  readonly errors: ReadonlyArray<string>
}

const refuse = (problems: ReadonlyArray<Problem>) => new InvalidRule({ problems })

const operationProblem = (catalogue: Catalogue, operation: string, field: string): ReadonlyArray<Problem> =>
  catalogue.operations.includes(operation)
    ? []
    : [
        {
          field,
          problem: `${JSON.stringify(operation)} is not an operation of ${catalogue.provider}; its operations are ${catalogue.operations.join(", ")}`
        }
      ]

const faultProblem = (catalogue: Catalogue, fault: Fault | undefined, field: string): ReadonlyArray<Problem> =>
  fault?._tag !== "Error" || catalogue.errors.includes(fault.error)
    ? []
    : [
        {
          field: `${field}.error`,
          problem: `${JSON.stringify(fault.error)} is not in ${catalogue.provider}'s error catalogue; its errors are ${catalogue.errors.join(", ")}`
        }
      ]

const check = <A>(value: A, problems: ReadonlyArray<Problem>): A => {
  if (problems.length > 0) throw refuse(problems)
  return value
}

/**
 * Decodes a fault rule (from code or JSON), refusing unknown fields, a rule
 * with neither fault nor latency, `min` above `max`, a window that ends before
 * it starts, and, given a simulator's {@link Catalogue}, operations and errors
 * it does not have. Throws {@link InvalidRule}.
 *
 * @example
 * ```ts
 * Faults.decodeRule({ operation: "emails.send", latency: { min: 500, max: 100 } })
 * // throws InvalidRule: "latency.min: must not be greater than max (500 > 100)"
 * ```
 * @since 0.1.0
 */
export const decodeRule = (input: unknown, catalogue?: Catalogue): Rule => {
  const rule = decodeOrThrow(Rule, input, refuse)
  if (catalogue === undefined) return rule
  const operations =
    rule.operation === undefined ? [] : typeof rule.operation === "string" ? [rule.operation] : rule.operation
  return check(rule, [
    ...operations.flatMap((operation, index) =>
      operationProblem(catalogue, operation, typeof rule.operation === "string" ? "operation" : `operation[${index}]`)
    ),
    ...faultProblem(catalogue, rule.fault, "fault")
  ])
}

/**
 * Decodes a fault script the same way as {@link decodeRule}: at least one
 * step, known fields, and, given a {@link Catalogue}, a known operation and
 * known errors. Throws {@link InvalidRule}.
 *
 * @since 0.1.0
 */
export const decodeScript = (input: unknown, catalogue?: Catalogue): Script => {
  const script = decodeOrThrow(Script, input, refuse)
  if (catalogue === undefined) return script
  return check(script, [
    ...operationProblem(catalogue, script.operation, "operation"),
    ...script.steps.flatMap((step, index) => faultProblem(catalogue, step, `steps[${index}]`))
  ])
}
