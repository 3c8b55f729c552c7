/**
 * The in-process view of one circuit: the trip decision (a failure-rate
 * window where slow calls count as failures, and a run of consecutive slow
 * calls, because a hang is evidence long before the window has enough calls
 * to judge a rate) and the admission fast path.
 *
 * Shared state (open, probe, close) lives in Effect's `CircuitBreakerStore`;
 * the engine's shared-state protocol (`sharedState.ts`) writes every
 * transition there and reads it back. This object only
 * answers the common cases synchronously so a closed circuit costs a few field
 * reads and an open one rejects without touching the store.
 *
 * @internal
 */

/** @internal */
export const CLOSED = 0
/** @internal */
export const OPEN = 1
/** @internal */
export const HALF_OPEN = 2
/** @internal */
export type CircuitState = typeof CLOSED | typeof OPEN | typeof HALF_OPEN

/** Admission answers. @internal */
export const ADMIT = 0
/** @internal */
export const REJECT = 1
/** The open time is over: ask the store for the probe permit. @internal */
export const PROBE = 2
/** @internal */
export type Admission = typeof ADMIT | typeof REJECT | typeof PROBE

/** What `record` decided. @internal */
export const NO_TRIP = 0
/** The failure-rate window tripped it. @internal */
export const RATE_TRIP = 1
/** A run of timeouts or slow calls tripped it: calls still waiting on the provider are waiting in vain. @internal */
export const HANG_TRIP = 2
/** @internal */
export type TripDecision = typeof NO_TRIP | typeof RATE_TRIP | typeof HANG_TRIP

/** @internal */
export interface TripSettings {
  readonly failureRateThreshold: number
  readonly windowSize: number
  readonly minimumCalls: number
  readonly openMillis: number
  readonly slowCallMillis: number
  readonly consecutiveSlowCalls: number
}

/** @internal */
export class Circuit {
  state: CircuitState = CLOSED
  openUntil = 0
  /** Forced by an operator: "open" rejects everything, "closed" admits everything. */
  forced: "open" | "closed" | undefined = undefined
  lastUsed = 0
  private ring: Uint8Array
  private index = 0
  private count = 0
  private failures = 0
  /** Timeouts and slow calls in a row, up to the last quick outcome. */
  private slowRun = 0

  readonly key: string
  settings: TripSettings

  constructor(key: string, settings: TripSettings) {
    this.key = key
    this.settings = settings
    this.ring = new Uint8Array(settings.windowSize)
  }

  /**
   * New trip settings from the next outcome. The window of recent outcomes is
   * kept when its size is unchanged, else started afresh; the state (closed,
   * open until, half-open) is kept.
   */
  retune(settings: TripSettings): void {
    if (settings.windowSize !== this.settings.windowSize) {
      this.ring = new Uint8Array(settings.windowSize)
      this.index = 0
      this.count = 0
      this.failures = 0
    }
    this.settings = settings
  }

  admit(now: number): Admission {
    this.lastUsed = now
    if (this.state === CLOSED) return this.forced === "open" ? REJECT : ADMIT
    if (this.forced === "closed") return ADMIT
    if (this.forced === "open" || this.state === HALF_OPEN || now < this.openUntil) return REJECT
    return PROBE
  }

  /** Milliseconds until an open circuit lets a probe through. */
  retryAfter(now: number): number {
    return this.state === OPEN ? Math.max(0, this.openUntil - now) : 0
  }

  /**
   * Records a closed-state outcome and says whether it trips the circuit.
   * `slow` is a timeout or a call of `slowCallMillis` or longer; any quicker
   * outcome, success or failure, ends a run of them.
   */
  record(failed: boolean, slow: boolean): TripDecision {
    if (this.state !== CLOSED) return NO_TRIP
    const settings = this.settings
    const size = settings.windowSize
    if (this.count === size) {
      this.failures -= this.ring[this.index]!
    } else {
      this.count++
    }
    const bit = failed ? 1 : 0
    this.ring[this.index] = bit
    this.failures += bit
    this.index = this.index + 1 === size ? 0 : this.index + 1
    this.slowRun = slow ? this.slowRun + 1 : 0
    if (!failed || this.forced === "closed") return NO_TRIP
    if (slow && this.slowRun >= settings.consecutiveSlowCalls) return HANG_TRIP
    return this.count >= settings.minimumCalls && this.failures / this.count >= settings.failureRateThreshold
      ? RATE_TRIP
      : NO_TRIP
  }

  open(until: number): void {
    this.state = OPEN
    this.openUntil = until
    this.reset()
  }

  halfOpen(): void {
    this.state = HALF_OPEN
  }

  close(): void {
    this.state = CLOSED
    this.openUntil = 0
    this.reset()
  }

  /** Failure rate of the current window, 0 when empty. */
  failureRate(): number {
    return this.count === 0 ? 0 : this.failures / this.count
  }

  private reset(): void {
    this.ring.fill(0)
    this.index = 0
    this.count = 0
    this.failures = 0
    this.slowRun = 0
  }
}

/** A circuit state's public name. @internal */
export const stateName = (state: CircuitState): "closed" | "open" | "half_open" =>
  state === CLOSED ? "closed" : state === OPEN ? "open" : "half_open"

/** What a circuit admits now, as callers see it: an operator's forced state wins over the breaker's. @internal */
export const view = (circuit: Circuit): "closed" | "open" | "half_open" => circuit.forced ?? stateName(circuit.state)
