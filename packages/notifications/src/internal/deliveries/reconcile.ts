/**
 * Reconciliation's decision for one overdue message, a pure function of the
 * message, what its provider answered, the time and the settings: settle it,
 * ask again later (backing off), or stop asking. Kept apart from the effects
 * so the rules can be read, and property-tested, in one place.
 *
 * @internal
 */
import { Duration } from "effect"
import { type DeliveryEvent, isFinal, type Status } from "@wedsync/core/DeliveryEvent"
import type { IntegrationError, ReasonTag } from "@wedsync/core/IntegrationError"
import type { Delay } from "@wedsync/core/Policy"
import { tableDelay } from "@wedsync/core/Retry"
import type { Pending } from "./model.ts"

/**
 * How reconciliation backs off and when it gives up: after the n-th check
 * without a final answer the message is asked again `tableDelay(backoff, n - 1)`
 * later; the `maxChecks`-th such check abandons it.
 *
 * @internal
 */
export interface Settings {
  readonly backoff: Delay
  readonly maxChecks: number
}

/** What asking the provider gave. @internal */
export type Answer =
  | { readonly _tag: "Found"; readonly event: DeliveryEvent }
  | { readonly _tag: "NoNews" }
  | { readonly _tag: "LookupFailed"; readonly error: IntegrationError }
  | { readonly _tag: "NoLookup" }

/**
 * What one check of one overdue message came to.
 *
 * - `Settled`: the provider reported a final status, now recorded;
 * - `Pending`: no final status yet (nothing new, or `sent`/`delayed`, recorded); asked again at `dueBy`;
 * - `Failed`: the lookup failed with `reason`; asked again at `dueBy`;
 * - `Abandoned`: no longer polled, and why (checks exhausted, or the provider does not know the id);
 * - `Skipped`: no status lookup for the provider; asked again at `dueBy` in case one is configured.
 *
 * @example
 * ```ts
 * const line = (outcome: Reconciliation.Outcome) => `${outcome.provider}/${outcome.messageId}: ${outcome._tag}`
 * ```
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Settled"; readonly provider: string; readonly messageId: string; readonly status: Status }
  | {
      readonly _tag: "Pending"
      readonly provider: string
      readonly messageId: string
      readonly status: Status | undefined
      readonly dueBy: number
    }
  | {
      readonly _tag: "Failed"
      readonly provider: string
      readonly messageId: string
      readonly reason: ReasonTag
      readonly dueBy: number
    }
  | { readonly _tag: "Abandoned"; readonly provider: string; readonly messageId: string; readonly why: string }
  | {
      readonly _tag: "Skipped"
      readonly provider: string
      readonly messageId: string
      readonly why: string
      readonly dueBy: number
    }

/** What to write back after the answer (a found event is recorded before it). @internal */
export type Write =
  | { readonly _tag: "None" }
  | { readonly _tag: "Reschedule"; readonly dueBy: number; readonly checks: number }
  | { readonly _tag: "Abandon"; readonly checks: number }

/** @internal */
export interface Decision {
  readonly outcome: Outcome
  readonly write: Write
}

const retryAfterMillis = (error: IntegrationError): number => {
  const wait = error.retryAfter
  const millis = wait === undefined ? 0 : Duration.toMillis(wait)
  return Number.isFinite(millis) && millis > 0 ? millis : 0
}

const describe = (answer: Answer): string => {
  switch (answer._tag) {
    case "Found":
      return `still ${answer.event.status}`
    case "NoNews":
      return "no news"
    case "LookupFailed":
      return `last lookup failed: ${answer.error.reason._tag}`
    case "NoLookup":
      return "no status lookup for the provider"
  }
}

/**
 * Decides what one check of `message` comes to, at `now`. Every check counts
 * (answered, failed or skipped), so the number of checks per message is
 * bounded by `maxChecks` whatever the provider does.
 *
 * @internal
 */
export const decide = (message: Pending, answer: Answer, now: number, settings: Settings): Decision => {
  const { provider, messageId } = message
  const checks = message.checks + 1
  if (answer._tag === "Found" && isFinal(answer.event)) {
    return { outcome: { _tag: "Settled", provider, messageId, status: answer.event.status }, write: { _tag: "None" } }
  }
  const abandon = (why: string): Decision => ({
    outcome: { _tag: "Abandoned", provider, messageId, why },
    write: { _tag: "Abandon", checks }
  })
  // a request-family answer (the id is not one of its messages, or the question is malformed): asking again cannot help
  if (answer._tag === "LookupFailed" && answer.error.family === "request") {
    return abandon(`${answer.error.reason._tag}: ${answer.error.message}`)
  }
  if (checks >= Math.max(1, Math.floor(settings.maxChecks))) {
    return abandon(`no final status after ${checks} checks (${describe(answer)})`)
  }
  const wait = Math.max(
    tableDelay(settings.backoff, checks - 1),
    answer._tag === "LookupFailed" ? retryAfterMillis(answer.error) : 0
  )
  const dueBy = now + Math.ceil(wait)
  const write: Write = { _tag: "Reschedule", dueBy, checks }
  switch (answer._tag) {
    case "LookupFailed":
      return { outcome: { _tag: "Failed", provider, messageId, reason: answer.error.reason._tag, dueBy }, write }
    case "NoLookup":
      return {
        outcome: {
          _tag: "Skipped",
          provider,
          messageId,
          why: `no status lookup for ${provider} (${message.channel})`,
          dueBy
        },
        write
      }
    case "Found":
      return { outcome: { _tag: "Pending", provider, messageId, status: answer.event.status, dueBy }, write }
    case "NoNews":
      return { outcome: { _tag: "Pending", provider, messageId, status: message.status, dueBy }, write }
  }
}
