/**
 * Fault injection for the simulators: what can go wrong, when, and how often.
 *
 * A simulator holds an ordered list of rules. For each request, every rule whose
 * operation and window match (and which has uses left) draws against its `rate`
 * with the simulator's seeded random source. Matching rules add their latency;
 * the first matching rule that carries a fault decides the answer. Scripted
 * sequences ("fail twice, then succeed") are rules with `times: 1` in order.
 * The same schemas decode rules sent to the control endpoint, so code and HTTP
 * share one definition and bad input is a 400 that names the field.
 *
 * @example
 * ```ts
 * import { Faults } from "@wedsync/testkit"
 *
 * sim.faults.add(Faults.rule(Faults.error("rateLimited", { retryAfterSeconds: 2 }), { operation: "emails.send", times: 3 }))
 * sim.faults.script("emails.send", [Faults.reset, Faults.error("unavailable"), Faults.pass])
 * sim.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.2 }))
 * sim.faults.add(Faults.outage({ forMillis: 5_000 }))
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

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

/** A delay, fixed or drawn uniformly from `[min, max]` with the seeded random source. @since 0.1.0 */
export const Latency = Schema.Union([
  Schema.Struct({ millis: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)) }),
  Schema.Struct({
    min: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
    max: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
  })
])

/** @since 0.1.0 */
export type Latency = typeof Latency.Type

/**
 * What a faulty request gets:
 * - `Error`: an error from the provider's catalogue, by entry name (`"card_declined"`)
 *   or by kind (`"rateLimited"` picks the kind's default entry);
 * - `Hang`: the request is read and never answered;
 * - `Reset`: the connection is destroyed before any answer;
 * - `Malformed`: HTTP 200 with a body that is not valid JSON;
 * - `AmbiguousCommit`: the request is carried out (charge made, message queued),
 *   then the connection is destroyed before the answer;
 * - `Pass`: answered normally (a step of a script).
 *
 * @since 0.1.0
 */
export const Fault = Schema.Union([
  Schema.TaggedStruct("Error", {
    error: Schema.String,
    retryAfterSeconds: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
  }),
  Schema.TaggedStruct("Hang", {}),
  Schema.TaggedStruct("Reset", {}),
  Schema.TaggedStruct("Malformed", {}),
  Schema.TaggedStruct("AmbiguousCommit", {}),
  Schema.TaggedStruct("Pass", {})
])

/** @since 0.1.0 */
export type Fault = typeof Fault.Type

/**
 * One fault rule. Every field but the fault (or the latency) is optional:
 * - `operation`: the simulator's operation names it applies to (all when absent),
 *   e.g. `"payment_intents.create"`; see each simulator's `operations`;
 * - `rate`: the probability that a matching request is affected (default 1);
 * - `times`: how many requests it affects before it is spent;
 * - `from` / `until`: an outage window in epoch milliseconds.
 *
 * @since 0.1.0
 */
export const Rule = Schema.Struct({
  operation: Schema.optional(Schema.Union([Schema.String, Schema.Array(Schema.String)])),
  fault: Schema.optional(Fault),
  latency: Schema.optional(Latency),
  rate: Schema.optional(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  times: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  from: Schema.optional(Schema.Number),
  until: Schema.optional(Schema.Number)
})

/** @since 0.1.0 */
export type Rule = typeof Rule.Type

/** A scripted sequence for one operation: each request takes the next step. @since 0.1.0 */
export const Script = Schema.Struct({
  operation: Schema.String,
  steps: Schema.NonEmptyArray(Fault)
})

/** @since 0.1.0 */
export type Script = typeof Script.Type

/** Answer normally. @since 0.1.0 */
export const pass: Fault = { _tag: "Pass" }
/** Read the request and never answer. @since 0.1.0 */
export const hang: Fault = { _tag: "Hang" }
/** Destroy the connection before answering. @since 0.1.0 */
export const reset: Fault = { _tag: "Reset" }
/** Answer HTTP 200 with a body that is not JSON. @since 0.1.0 */
export const malformed: Fault = { _tag: "Malformed" }
/** Carry the request out, then drop the connection before the answer. @since 0.1.0 */
export const ambiguousCommit: Fault = { _tag: "AmbiguousCommit" }

/**
 * An error from the simulator's catalogue, by entry name or by kind.
 *
 * @example
 * ```ts
 * Faults.error("rateLimited", { retryAfterSeconds: 7 })
 * Faults.error("card_declined")
 * ```
 * @since 0.1.0
 */
export const error = (name: ErrorKind | (string & {}), options?: { readonly retryAfterSeconds?: number }): Fault =>
  options?.retryAfterSeconds === undefined
    ? { _tag: "Error", error: name }
    : { _tag: "Error", error: name, retryAfterSeconds: options.retryAfterSeconds }

/**
 * A rule from a fault and where it applies.
 *
 * @example
 * ```ts
 * Faults.rule(Faults.error("unavailable"), { operation: "messages.create", rate: 0.2 })
 * ```
 * @since 0.1.0
 */
export const rule = (fault: Fault, options: Omit<Rule, "fault"> = {}): Rule => ({ ...options, fault })

/**
 * Added latency on every matching request, without a fault.
 *
 * @example
 * ```ts
 * Faults.latency({ min: 20, max: 200 }, { operation: "emails.send" })
 * ```
 * @since 0.1.0
 */
export const latency = (delay: Latency, options: Omit<Rule, "fault" | "latency"> = {}): Rule => ({
  ...options,
  latency: delay
})

/**
 * An outage window starting now: every matching request gets the fault
 * (a 5xx by default) until the window ends.
 *
 * @example
 * ```ts
 * Faults.outage({ forMillis: 30_000, operation: "emails.send" })
 * ```
 * @since 0.1.0
 */
export const outage = (options: {
  readonly forMillis: number
  readonly fault?: Fault
  readonly operation?: string | ReadonlyArray<string>
  readonly now?: number
}): Rule => {
  const from = options.now ?? Date.now()
  return {
    fault: options.fault ?? error("unavailable"),
    from,
    until: from + options.forMillis,
    ...(options.operation === undefined ? {} : { operation: options.operation })
  }
}

/**
 * `n` failures with the given fault, then normal answers: the classic
 * "fail N times, then succeed" script as one rule.
 *
 * @example
 * ```ts
 * Faults.failTimes(2, Faults.error("unavailable"), { operation: "emails.send" })
 * ```
 * @since 0.1.0
 */
export const failTimes = (n: number, fault: Fault, options: Omit<Rule, "fault" | "times"> = {}): Rule => ({
  ...options,
  fault,
  times: n
})

/** The answer the simulator settled on for one request. @since 0.1.0 */
export interface Decision {
  readonly delayMillis: number
  readonly fault: Fault
}

/**
 * A seeded pseudo-random source (mulberry32): the same seed gives the same
 * fault draws, latencies and generated ids, so a failing run can be replayed.
 *
 * @since 0.1.0
 */
export const random = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface LiveRule {
  readonly rule: Rule
  used: number
}

const appliesTo = (rule: Rule, operation: string, now: number): boolean => {
  if (rule.from !== undefined && now < rule.from) return false
  if (rule.until !== undefined && now >= rule.until) return false
  if (rule.operation === undefined) return true
  return typeof rule.operation === "string" ? rule.operation === operation : rule.operation.includes(operation)
}

const drawLatency = (latency: Latency, next: () => number): number =>
  "millis" in latency ? latency.millis : Math.round(latency.min + (latency.max - latency.min) * next())

/**
 * The rules of one simulator and the decision they make per request.
 *
 * @since 0.1.0
 */
export class FaultPlan {
  readonly #rules: Array<LiveRule> = []
  readonly #scripts = new Map<string, Array<Fault>>()
  readonly #next: () => number

  constructor(next: () => number) {
    this.#next = next
  }

  /** Adds a rule after the existing ones. */
  add(rule: Rule): this {
    this.#rules.push({ rule, used: 0 })
    return this
  }

  /** Scripts one operation: its next requests take these steps in order, ahead of every rule. */
  script(operation: string, steps: ReadonlyArray<Fault>): this {
    const queue = this.#scripts.get(operation) ?? []
    queue.push(...steps)
    this.#scripts.set(operation, queue)
    return this
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.length = 0
    this.#scripts.clear()
  }

  /** The rules that still apply (spent ones are dropped). */
  get rules(): ReadonlyArray<Rule> {
    return this.#rules.filter((live) => live.rule.times === undefined || live.used < live.rule.times).map((l) => l.rule)
  }

  /** Decides latency and fault for one request to `operation` at `now`. */
  decide(operation: string, now: number): Decision {
    const scripted = this.#scripts.get(operation)?.shift()
    if (scripted !== undefined) return { delayMillis: 0, fault: scripted }
    let delayMillis = 0
    for (const live of this.#rules) {
      const { rule } = live
      if (rule.times !== undefined && live.used >= rule.times) continue
      if (!appliesTo(rule, operation, now)) continue
      if (rule.rate !== undefined && rule.rate < 1 && this.#next() >= rule.rate) continue
      live.used++
      if (rule.latency !== undefined) delayMillis += drawLatency(rule.latency, this.#next)
      if (rule.fault !== undefined) return { delayMillis, fault: rule.fault }
    }
    return { delayMillis, fault: pass }
  }
}
