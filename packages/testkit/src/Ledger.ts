/**
 * What a simulator saw and did: every request (with its fault and outcome) and
 * every distinct side effect (a charge per idempotency key, a message, an event),
 * so a test can assert "exactly one HTTP request per attempt" and "charged
 * exactly once" on what really crossed the wire.
 *
 * @example
 * ```ts
 * const charges = sim.ledger.sideEffects("payment_intent")
 * expect(charges).toHaveLength(1)
 * expect(sim.ledger.requests({ operation: "payment_intents.create" })).toHaveLength(2)
 * ```
 *
 * @since 0.1.0
 */
import type { Fault } from "./Faults.ts"
import { emptyRecord } from "./internal/records.ts"

/**
 * How a request ended:
 * - `answered`: a response was written (its status is in `status`);
 * - `reset`: the simulator destroyed the connection (a `Reset` fault or the
 *   second half of an `AmbiguousCommit`);
 * - `hung`: the simulator never answered (a `Hang` fault, or a `CommitThenHang`
 *   after carrying the request out);
 * - `clientAborted`: the client closed the connection before an answer, e.g. its
 *   timeout fired while the simulator hung or delayed.
 *
 * @since 0.1.0
 */
export type Outcome = "pending" | "answered" | "reset" | "hung" | "clientAborted"

/** One request as the simulator received it. Credentials in headers are masked. @since 0.1.0 */
export interface RequestEntry {
  readonly seq: number
  readonly at: number
  readonly provider: string
  readonly method: string
  readonly path: string
  readonly query: string
  readonly operation: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly fault: Fault
  readonly delayMillis: number
  outcome: Outcome
  status?: number
}

/** One distinct side effect: a charge, a refund, a message, a calendar event. @since 0.1.0 */
export interface SideEffect {
  readonly kind: string
  readonly id: string
  /** The idempotency key it was created under, when there was one. */
  readonly key?: string
  readonly at: number
  readonly data?: unknown
}

/** A filter over requests. @since 0.1.0 */
export interface RequestFilter {
  readonly operation?: string
  readonly method?: string
  readonly outcome?: Outcome
}

const SECRET_HEADERS = new Set(["authorization", "x-postmark-server-token", "x-goog-channel-token"])

const maskHeaders = (headers: Readonly<Record<string, string | Array<string> | undefined>>) => {
  const masked = emptyRecord<string>()
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    masked[name] = SECRET_HEADERS.has(name) ? "<redacted>" : Array.isArray(value) ? value.join(", ") : value
  }
  return masked
}

/**
 * The record of one simulator.
 *
 * @since 0.1.0
 */
export class Ledger {
  readonly #requests: Array<RequestEntry> = []
  readonly #effects: Array<SideEffect> = []
  readonly provider: string

  constructor(provider: string) {
    this.provider = provider
  }

  /** Records an incoming request; the simulator completes its outcome later. @internal */
  record(
    entry: Omit<RequestEntry, "seq" | "provider" | "headers" | "outcome"> & {
      readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
    }
  ): RequestEntry {
    const recorded: RequestEntry = {
      ...entry,
      seq: this.#requests.length + 1,
      provider: this.provider,
      headers: maskHeaders(entry.headers),
      outcome: "pending"
    }
    this.#requests.push(recorded)
    return recorded
  }

  /** Records a side effect. Simulators call it once per distinct effect, never on an idempotent replay. */
  sideEffect(effect: Omit<SideEffect, "at">): void {
    this.#effects.push({ ...effect, at: Date.now() })
  }

  /** The requests seen, oldest first, optionally filtered. */
  requests(filter: RequestFilter = {}): ReadonlyArray<RequestEntry> {
    return this.#requests.filter(
      (entry) =>
        (filter.operation === undefined || entry.operation === filter.operation) &&
        (filter.method === undefined || entry.method === filter.method) &&
        (filter.outcome === undefined || entry.outcome === filter.outcome)
    )
  }

  /** The side effects made, oldest first, optionally of one kind. */
  sideEffects(kind?: string): ReadonlyArray<SideEffect> {
    return kind === undefined ? [...this.#effects] : this.#effects.filter((effect) => effect.kind === kind)
  }

  /** Side effects of one kind grouped by idempotency key: more than one per key is a double charge. */
  byKey(kind: string): ReadonlyMap<string, ReadonlyArray<SideEffect>> {
    const groups = new Map<string, Array<SideEffect>>()
    for (const effect of this.sideEffects(kind)) {
      if (effect.key === undefined) continue
      const group = groups.get(effect.key) ?? []
      group.push(effect)
      groups.set(effect.key, group)
    }
    return groups
  }

  /** Forgets everything. */
  clear(): void {
    this.#requests.length = 0
    this.#effects.length = 0
  }

  /** A JSON-ready view, as the control endpoint serves it. */
  toJSON(): { readonly requests: ReadonlyArray<RequestEntry>; readonly sideEffects: ReadonlyArray<SideEffect> } {
    return { requests: this.#requests, sideEffects: this.#effects }
  }
}
