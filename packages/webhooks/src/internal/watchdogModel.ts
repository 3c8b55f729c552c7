/**
 * The watchdog's model: the steps a booking expects, what is observed on its
 * timeline, and the alerts a missing or late step raises. `Watchdog`
 * re-exports it.
 *
 * @internal
 */
import { Duration, Schema } from "effect"

/**
 * What completes a step: an observation of this `kind`, and — when given —
 * from this `provider` with this `outcome`. A field left out matches
 * anything, so a step that must not be completed by a failed attempt names
 * its outcome (`outcome: "success"`, `outcome: "delivered"`).
 *
 * @example
 * ```ts
 * const deposit: Watchdog.Match = { provider: "stripe", kind: "payment_intent.succeeded" }
 * const email: Watchdog.Match = { kind: "delivery", outcome: "delivered" }
 * ```
 * @since 0.1.0
 */
export interface Match {
  readonly kind: string
  readonly provider?: string | undefined
  readonly outcome?: string | undefined
}

/**
 * One step a booking expects. `within` is its deadline, counted from the
 * previous step's arrival (`from: "previous"`, the default; for the first
 * step, from the declaration) or from the declaration (`from: "start"`). A
 * step without `within` has no deadline of its own; the step after it counts
 * from its arrival.
 *
 * @example
 * ```ts
 * const confirmed: Watchdog.Step = { name: "vendor confirmation", match: { kind: "vendor.confirmed" }, within: "48 hours" }
 * ```
 * @since 0.1.0
 */
export interface Step {
  readonly name: string
  readonly match: Match
  readonly within?: Duration.Input | undefined
  readonly from?: "previous" | "start" | undefined
}

/**
 * Something that happened to a booking: an inbound webhook, an outbound
 * attempt, a delivery event. `key` is the booking's key, its wedding's id or
 * a linked alias (a message id, see `Watchdog.link`); `at` defaults to now;
 * `eventId`, when given, de-duplicates (the same event observed twice is
 * recorded once). `details` is kept as JSON: never put secrets in it.
 *
 * @example
 * ```ts
 * const observation: Watchdog.Observation = { key: "b_1", kind: "vendor.confirmed", provider: "vendor-portal", outcome: "success" }
 * ```
 * @since 0.1.0
 */
export interface Observation {
  readonly key: string
  readonly kind: string
  readonly provider?: string | undefined
  readonly outcome?: string | undefined
  readonly at?: number | undefined
  readonly eventId?: string | undefined
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

/**
 * One entry of a timeline: an observation as recorded, under the key it
 * resolved to, with the step it completed (when it completed one as it
 * arrived) and when it was recorded.
 *
 * @example
 * ```ts
 * const line = (entry: Watchdog.Entry) => `${new Date(entry.at).toISOString()} ${entry.provider ?? "-"} ${entry.kind} ${entry.outcome ?? ""}`
 * ```
 * @since 0.1.0
 */
export interface Entry {
  readonly id: string
  readonly key: string
  readonly kind: string
  readonly provider?: string | undefined
  readonly outcome?: string | undefined
  readonly at: number
  readonly recordedAt: number
  readonly eventId?: string | undefined
  readonly step?: string | undefined
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Where one declared step stands: its deadline once it is known (`dueAt`,
 * epoch ms) and its arrival.
 *
 * @example
 * ```ts
 * const pending = (steps: ReadonlyArray<Watchdog.StepStatus>) => steps.filter((step) => step.arrivedAt === undefined)
 * ```
 * @since 0.1.0
 */
export interface StepStatus {
  readonly index: number
  readonly name: string
  readonly match: Match
  readonly withinMillis?: number | undefined
  readonly from: "previous" | "start"
  readonly dueAt?: number | undefined
  readonly arrivedAt?: number | undefined
}

/**
 * The kinds of lateness, each raised at most once per booking and step:
 * `Missing` (the deadline passed and the step has not arrived), `Late` (it
 * arrived after its deadline before any check noticed), `Resolved` (it
 * arrived after a `Missing` alert).
 *
 * @example
 * ```ts
 * const kind: Watchdog.AlertKind = "Missing"
 * ```
 * @since 0.1.0
 */
export const AlertKind = Schema.Literals(["Missing", "Late", "Resolved"])

/** @since 0.1.0 */
export type AlertKind = typeof AlertKind.Type

/**
 * A missing or late step: the booking (and its wedding), the step and what
 * completes it, its deadline, the steps that did arrive and when, and — for
 * `Late` and `Resolved` — when this one arrived.
 *
 * @example
 * ```ts
 * const page = (alert: Watchdog.Alert) => alert.kind === "Missing" && alert.step === "deposit"
 * ```
 * @since 0.1.0
 */
export interface Alert {
  readonly kind: AlertKind
  readonly key: string
  readonly weddingId?: string | undefined
  readonly step: string
  readonly index: number
  readonly expected: Match
  readonly deadline: number
  readonly arrived: ReadonlyArray<{ readonly step: string; readonly at: number }>
  readonly arrivedAt?: number | undefined
  readonly at: number
}

/**
 * A plan that cannot be watched: no steps, a step without a name or kind,
 * two steps of one name, or a `within` that is not a positive duration.
 *
 * @example
 * ```ts
 * Effect.catchTag("PlanInvalid", (error) => Effect.logError(error.description))
 * ```
 * @since 0.1.0
 */
export class PlanInvalid extends Schema.TaggedError<PlanInvalid>("@wedsync/webhooks/Watchdog/PlanInvalid")(
  "PlanInvalid",
  { key: Schema.String, description: Schema.String }
) {}

/**
 * The alerts port could not raise an alert (a pager that did not answer).
 * The watchdog raises it again after its claim lapses.
 *
 * @example
 * ```ts
 * Effect.fail(new Watchdog.AlertFailed({ description: "PagerDuty answered 503" }))
 * ```
 * @since 0.1.0
 */
export class AlertFailed extends Schema.TaggedError<AlertFailed>("@wedsync/webhooks/Watchdog/AlertFailed")(
  "AlertFailed",
  { description: Schema.String }
) {}

/** Whether `observation` completes a step matched by `match`. @internal */
export const matches = (match: Match, observation: Pick<Observation, "kind" | "provider" | "outcome">): boolean =>
  match.kind === observation.kind &&
  (match.provider === undefined || match.provider === observation.provider) &&
  (match.outcome === undefined || match.outcome === observation.outcome)

/** The declared steps of a valid plan, or why it is not one. @internal */
export const planOf = (key: string, steps: ReadonlyArray<Step>, startedAt: number) => {
  if (steps.length === 0) return new PlanInvalid({ key, description: "a plan needs at least one step" })
  const names = new Set<string>()
  const declared: Array<StepStatus> = []
  for (const [index, step] of steps.entries()) {
    if (step.name.length === 0 || step.match.kind.length === 0)
      return new PlanInvalid({ key, description: `step ${index} needs a name and a kind` })
    if (names.has(step.name)) return new PlanInvalid({ key, description: `two steps are named "${step.name}"` })
    names.add(step.name)
    const within = step.within === undefined ? undefined : Duration.fromInput(step.within)
    const withinMillis =
      within === undefined ? undefined : within._tag === "Some" ? Duration.toMillis(within.value) : NaN
    if (withinMillis !== undefined && !(withinMillis > 0 && Number.isFinite(withinMillis)))
      return new PlanInvalid({ key, description: `step "${step.name}": within must be a positive, finite duration` })
    const from = step.from ?? "previous"
    const anchored = from === "start" || index === 0
    declared.push({
      index,
      name: step.name,
      match: step.match,
      withinMillis,
      from,
      dueAt: anchored && withinMillis !== undefined ? startedAt + withinMillis : undefined
    })
  }
  return declared
}

/** The deadline the next step gets when `arrived` arrives at `at`, if it counts from it. @internal */
export const nextDue = (
  steps: ReadonlyArray<StepStatus>,
  arrived: StepStatus,
  at: number
): { readonly index: number; readonly dueAt: number } | undefined => {
  const next = steps[arrived.index + 1]
  if (next === undefined || next.from !== "previous" || next.withinMillis === undefined) return undefined
  if (next.arrivedAt !== undefined || next.dueAt !== undefined) return undefined
  return { index: next.index, dueAt: at + next.withinMillis }
}

const iso = (millis: number) => new Date(millis).toISOString()

/**
 * One line for a person: the booking, the step, its deadline and what arrived.
 *
 * @example
 * ```ts
 * Watchdog.describe(alert) // "booking b_1: step \"vendor confirmation\" (vendor.confirmed) missing, due 2026-06-03T10:00:00.000Z; arrived: deposit at 2026-06-01T10:00:00.000Z"
 * ```
 * @since 0.1.0
 */
export const describe = (alert: Alert): string => {
  const expected = [alert.expected.provider, alert.expected.kind, alert.expected.outcome]
    .filter((part) => part !== undefined)
    .join(" ")
  const what =
    alert.kind === "Missing"
      ? "missing"
      : `${alert.kind === "Late" ? "arrived late" : "arrived after the alert"} at ${iso(alert.arrivedAt ?? alert.at)}`
  const arrived =
    alert.arrived.length === 0
      ? "nothing yet"
      : alert.arrived.map((step) => `${step.step} at ${iso(step.at)}`).join(", ")
  return `booking ${alert.key}: step "${alert.step}" (${expected}) ${what}, due ${iso(alert.deadline)}; arrived: ${arrived}`
}
