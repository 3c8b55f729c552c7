/**
 * Fault injection for the simulators: what can go wrong, when, and how often.
 *
 * A simulator holds an ordered list of rules. For each request, every rule whose
 * operation and window match (and which has uses left) draws against its `rate`
 * with the simulator's seeded random source. Matching rules add their latency;
 * the first matching rule that carries a fault decides the answer. Scripted
 * sequences ("fail twice, then succeed") are rules with `times: 1` in order.
 * The same schemas decode rules sent to the control endpoint, so code and HTTP
 * share one definition: a rule that means nothing (no fault and no latency,
 * `min` above `max`, a window ending before it starts, an unknown field, an
 * operation or error the simulator does not have) is an {@link InvalidRule}
 * in code and a 400 over HTTP, both naming the field in the same words.
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

export {
  type Catalogue,
  decodeRule,
  decodeScript,
  ErrorKind,
  Fault,
  InvalidRule,
  Latency,
  Rule,
  Script
} from "./internal/rules.ts"
import {
  type Catalogue,
  decodeRule,
  decodeScript,
  type ErrorKind,
  type Fault,
  type InvalidRule,
  type Latency,
  type Rule
} from "./internal/rules.ts"

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
 * Carry the request out (the charge is made, the message queued, as with
 * {@link ambiguousCommit}), then never answer (as with {@link hang}): the
 * connection stays open until the client's timeout fires, and the ledger entry
 * reads `hung` (then `clientAborted` once the client closes). The side effect a
 * client cannot tell from a plain timeout.
 *
 * @example
 * ```ts
 * sim.faults.add(Faults.failTimes(1, Faults.commitThenHang, { operation: "messages.create" }))
 * // the SDK times out; sim.ledger.sideEffects("message") has the message all the same
 * ```
 * @since 0.1.0
 */
export const commitThenHang: Fault = { _tag: "CommitThenHang" }

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
 * The rules of one simulator and the decision they make per request. Every
 * rule and script is checked as it is added (see {@link decodeRule}); given
 * the simulator's {@link Catalogue}, against its operations and errors too.
 *
 * @since 0.1.0
 */
export class FaultPlan {
  readonly #rules: Array<LiveRule> = []
  readonly #scripts = new Map<string, Array<Fault>>()
  readonly #next: () => number
  readonly #catalogue: Catalogue | undefined

  constructor(next: () => number, catalogue?: Catalogue) {
    this.#next = next
    this.#catalogue = catalogue
  }

  /** Adds a rule after the existing ones; throws {@link InvalidRule} for a rule that means nothing here. */
  add(rule: Rule): this {
    decodeRule(rule, this.#catalogue)
    this.#rules.push({ rule, used: 0 })
    return this
  }

  /**
   * Scripts one operation: its next requests take these steps in order, ahead
   * of every rule. Throws {@link InvalidRule} for an unknown operation or error, or no steps.
   */
  script(operation: string, steps: ReadonlyArray<Fault>): this {
    decodeScript({ operation, steps }, this.#catalogue)
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
