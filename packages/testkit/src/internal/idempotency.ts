/**
 * Idempotency-Key semantics shared by the simulators of providers that honour
 * one (Stripe, Resend): the same key with the same parameters replays the
 * stored answer without a new side effect; the same key with other parameters
 * is refused; a key still in flight is refused as concurrent.
 *
 * @internal
 */
import type { Reply } from "../Simulator.ts"

/** What the store says about a key. @internal */
export type Lookup =
  | { readonly _tag: "New" }
  | { readonly _tag: "Replay"; readonly reply: Reply }
  | { readonly _tag: "Mismatch" }
  | { readonly _tag: "InFlight" }

interface Entry {
  readonly fingerprint: string
  reply: Reply | undefined
  readonly at: number
}

const DAY_MILLIS = 24 * 60 * 60 * 1000

/** Stored answers by key, remembered for 24 hours as the providers do. @internal */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>()

  /** Looks a key up and, when it is new, marks it in flight. */
  begin(key: string, fingerprint: string, now = Date.now()): Lookup {
    const entry = this.#entries.get(key)
    if (entry === undefined || now - entry.at > DAY_MILLIS) {
      this.#entries.set(key, { fingerprint, reply: undefined, at: now })
      return { _tag: "New" }
    }
    if (entry.fingerprint !== fingerprint) return { _tag: "Mismatch" }
    if (entry.reply === undefined) return { _tag: "InFlight" }
    return { _tag: "Replay", reply: entry.reply }
  }

  /** Stores the answer of a finished request. */
  complete(key: string, reply: Reply): void {
    const entry = this.#entries.get(key)
    if (entry !== undefined) entry.reply = reply
  }

  /** Forgets a key whose request failed before doing anything, so a retry runs afresh. */
  abandon(key: string): void {
    this.#entries.delete(key)
  }
}

/**
 * Runs `execute` under an idempotency key: new keys execute and store their
 * answer (unless `store` says not to), replays return the stored answer with
 * `replayHeaders`, mismatches and keys in flight get the provider's refusals.
 *
 * @internal
 */
export const withKey = async (
  store: IdempotencyStore,
  key: string | undefined,
  fingerprint: string,
  options: {
    readonly execute: () => Reply | Promise<Reply>
    readonly mismatch: () => Reply
    readonly inFlight: () => Reply
    readonly replayHeaders?: Readonly<Record<string, string>>
    readonly store?: (reply: Reply) => boolean
    /** Time the work takes while the key is in flight (to make concurrent requests observable). */
    readonly processingMillis?: number
  }
): Promise<Reply> => {
  if (key === undefined) return options.execute()
  const lookup = store.begin(key, fingerprint)
  switch (lookup._tag) {
    case "Mismatch":
      return options.mismatch()
    case "InFlight":
      return options.inFlight()
    case "Replay":
      return { ...lookup.reply, headers: { ...lookup.reply.headers, ...options.replayHeaders } }
    case "New": {
      try {
        if (options.processingMillis) await new Promise((resolve) => setTimeout(resolve, options.processingMillis))
        const reply = await options.execute()
        if (options.store?.(reply) ?? true) store.complete(key, reply)
        else store.abandon(key)
        return reply
      } catch (cause) {
        store.abandon(key)
        throw cause
      }
    }
  }
}
