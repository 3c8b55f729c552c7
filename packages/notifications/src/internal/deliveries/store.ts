/**
 * The storage seam under `Deliveries`: the primitives the service needs,
 * implemented once in memory (here) and once in SQL (`sql.ts`). Each primitive
 * is atomic on its own (one transaction in SQL), so two instances recording
 * the same event, or a webhook racing reconciliation, keep one copy and one
 * latest status.
 *
 * @internal
 */
import { Effect } from "effect"
import type { DeliveryEvent, Status } from "@wedsync/core/DeliveryEvent"
import { isFinal } from "@wedsync/core/DeliveryEvent"
import type { StoreError } from "@wedsync/core/StoreError"
import { Delivery, Pending, type RecordOutcome, type State, supersedes, Tracked } from "./model.ts"

/** What a store must do; every operation fails with `StoreError` only. @internal */
export interface Store {
  /** Keeps a tracked message; `false` when (provider, messageId) was tracked already (nothing changes). */
  readonly track: (message: Tracked) => Effect.Effect<boolean, StoreError>
  /** Appends the event unless its id is known, and moves the message's status and state on. */
  readonly record: (event: DeliveryEvent) => Effect.Effect<RecordOutcome, StoreError>
  /** Up to `limit` pending tracked messages with `dueBy <= now`, by (dueBy, provider, messageId). */
  readonly overdue: (now: number, limit: number) => Effect.Effect<ReadonlyArray<Pending>, StoreError>
  /** Sets a pending message's `dueBy` and `checks`; `false` when it is not pending (or unknown). */
  readonly reschedule: (
    provider: string,
    messageId: string,
    dueBy: number,
    checks: number
  ) => Effect.Effect<boolean, StoreError>
  /** Moves a pending message to `abandoned`; `false` when it is not pending (or unknown). */
  readonly abandon: (provider: string, messageId: string, checks: number) => Effect.Effect<boolean, StoreError>
  readonly get: (provider: string, messageId: string) => Effect.Effect<Delivery | undefined, StoreError>
}

/** The state after a final or non-final event: a final one settles, whatever the state was. @internal */
export const stateAfter = (current: State, status: Status): State => (isFinal({ status }) ? "settled" : current)

interface Entry {
  readonly channel: DeliveryEvent["channel"]
  readonly provider: string
  readonly messageId: string
  tracked: Tracked | undefined
  state: State
  checks: number
  latest: { readonly status: Status; readonly occurredAt: number } | undefined
  readonly events: Array<DeliveryEvent>
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** A store in this process's memory. @internal */
export const makeMemory = (): Store => {
  const entries = new Map<string, Entry>()
  const eventIds = new Set<string>()
  const keyOf = (provider: string, messageId: string) => JSON.stringify([provider, messageId])
  const pending = (provider: string, messageId: string) => {
    const entry = entries.get(keyOf(provider, messageId))
    return entry?.state === "pending" && entry.tracked !== undefined ? entry : undefined
  }

  return {
    track: (message) =>
      Effect.sync(() => {
        const key = keyOf(message.provider, message.messageId)
        const entry = entries.get(key)
        if (entry?.tracked !== undefined) return false
        if (entry === undefined) {
          entries.set(key, {
            channel: message.channel,
            provider: message.provider,
            messageId: message.messageId,
            tracked: message,
            state: "pending",
            checks: 0,
            latest: undefined,
            events: []
          })
        } else {
          entry.tracked = message
        }
        return true
      }),
    record: (event) =>
      Effect.sync((): RecordOutcome => {
        if (eventIds.has(event.id)) return "duplicate"
        eventIds.add(event.id)
        const key = keyOf(event.provider, event.messageId)
        const entry: Entry = entries.get(key) ?? {
          channel: event.channel,
          provider: event.provider,
          messageId: event.messageId,
          tracked: undefined,
          state: "pending",
          checks: 0,
          latest: undefined,
          events: []
        }
        entries.set(key, entry)
        entry.events.push(event)
        entry.state = stateAfter(entry.state, event.status)
        if (supersedes(event, entry.latest)) entry.latest = { status: event.status, occurredAt: event.occurredAt }
        return "recorded"
      }),
    overdue: (now, limit) =>
      Effect.sync(() =>
        [...entries.values()]
          .flatMap((entry) =>
            entry.state === "pending" && entry.tracked !== undefined && entry.tracked.dueBy <= now
              ? [{ entry, tracked: entry.tracked }]
              : []
          )
          .sort(
            (a, b) =>
              a.tracked.dueBy - b.tracked.dueBy ||
              compareText(a.entry.provider, b.entry.provider) ||
              compareText(a.entry.messageId, b.entry.messageId)
          )
          .slice(0, limit)
          .map(
            ({ entry, tracked }) =>
              new Pending({
                ...tracked,
                checks: entry.checks,
                ...(entry.latest === undefined ? {} : { status: entry.latest.status })
              })
          )
      ),
    reschedule: (provider, messageId, dueBy, checks) =>
      Effect.sync(() => {
        const entry = pending(provider, messageId)
        if (entry?.tracked === undefined) return false
        entry.tracked = new Tracked({ ...entry.tracked, dueBy })
        entry.checks = checks
        return true
      }),
    abandon: (provider, messageId, checks) =>
      Effect.sync(() => {
        const entry = pending(provider, messageId)
        if (entry === undefined) return false
        entry.state = "abandoned"
        entry.checks = checks
        return true
      }),
    get: (provider, messageId) =>
      Effect.sync(() => {
        const entry = entries.get(keyOf(provider, messageId))
        if (entry === undefined) return undefined
        return new Delivery({
          channel: entry.channel,
          provider: entry.provider,
          messageId: entry.messageId,
          ...(entry.tracked === undefined ? {} : { tracked: entry.tracked }),
          state: entry.state,
          checks: entry.checks,
          ...(entry.latest === undefined ? {} : { status: entry.latest.status }),
          // Array.prototype.sort is stable: equal times keep the order recorded
          events: [...entry.events].sort((a, b) => a.occurredAt - b.occurredAt)
        })
      })
  }
}
