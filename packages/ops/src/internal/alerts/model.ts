/**
 * What alerts are made of: the alert, its resolution, the notice a sink is
 * handed (either, plus what was throttled before it) and a sink's failure.
 * Shared by `Alerts` and `AlertSinks` so neither imports the other.
 *
 * @internal
 */
import { type Effect, Schema } from "effect"
import type * as Impact from "../../Impact.ts"

/** How loud an alert is: `page` wakes someone now. @internal */
export type Severity = "info" | "warning" | "page"

/** One open incident's alert. @internal */
export interface Alert {
  readonly _tag: "Alert"
  /** One per incident, e.g. `"circuit:sms:twilio"`: while it is open, opening it again is a no-op. */
  readonly key: string
  readonly severity: Severity
  readonly title: string
  readonly summary: string
  readonly service: string
  readonly provider?: string | undefined
  /** Epoch milliseconds. */
  readonly openedAt: number
  readonly impact?: Impact.Assessment | undefined
}

/** The notice that an alert's incident is over. @internal */
export interface Resolution {
  readonly _tag: "Resolution"
  readonly key: string
  readonly severity: Severity
  readonly service: string
  readonly provider?: string | undefined
  readonly resolvedAt: number
  readonly title: string
  readonly summary: string
  readonly openedAt: number
}

/** Notices a sink's throttle held back since its last notice: summarised in the next one. @internal */
export interface Throttled {
  readonly count: number
  /** Titles of the held notices, oldest first (at most 10). */
  readonly titles: ReadonlyArray<string>
}

/** What a sink is handed: an alert or a resolution, with what was throttled before it. @internal */
export type Notice = (Alert | Resolution) & { readonly throttled?: Throttled | undefined }

/**
 * A sink could not deliver a notice. `status` is the HTTP status when there
 * was one; the message never holds the sink's URL or credentials.
 *
 * @internal
 */
export class AlertFailed extends Schema.TaggedError<AlertFailed>("@wedsync/ops/AlertSinks/AlertFailed")("AlertFailed", {
  sink: Schema.String,
  status: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message(): string {
    return `alert sink ${this.sink} failed${this.status === undefined ? "" : ` (HTTP ${this.status})`}: ${this.detail}`
  }
}

/** At most `max` notices per `windowMillis`. @internal */
export interface ThrottleOptions {
  readonly max: number
  readonly windowMillis: number
}

/** A destination for notices. @internal */
export interface AlertSink {
  readonly name: string
  readonly send: (notice: Notice) => Effect.Effect<void, AlertFailed>
  /** Whether this sink takes a notice at all (the email sink declines alerts about email). Default: every notice. */
  readonly accepts?: ((notice: Alert | Resolution) => boolean) | undefined
  /** This sink's own throttle, in place of the `Alerts` layer's default. */
  readonly throttle?: ThrottleOptions | undefined
}
