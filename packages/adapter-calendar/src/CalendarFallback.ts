/**
 * Sync the wedding's event, or hand the couple an .ics: WS-198's calendar
 * fallback ("Calendar sync disabled, manual entry required" / "Please
 * manually add wedding events to your calendar"), made real.
 *
 * {@link sync} writes the event through the `CalendarProvider` port under
 * core's `Resilience.protect` (service `calendar`): an idempotent insert with
 * an event id derived from the business key (unless the event has one), then,
 * for a revision above 0, an update with every field. Both are safe to repeat,
 * so they are retried in the call (`idempotent: true`) by the calendar policy.
 * {@link cancel} deletes the event (a delete of a gone event succeeds).
 *
 * When sync cannot run, the same event goes to the couple by email, as an
 * RFC 5545 file ({@link Ics}: same UID for the same key, SEQUENCE = revision),
 * through the `EmailProvider` port under `Resilience.protect` (service
 * `email`), and the answer says why ({@link FallbackReason}):
 * - `CircuitOpen`: the calendar's circuit is open (tripped, or forced open by
 *   an operator's `ForceCircuit`); the call was not made;
 * - `Disabled`: an operator's `DisableIntegration` override;
 * - `ProviderFailed`: the provider refuses us as a client (`Unauthorized`,
 *   `Misconfigured`): no retry helps until someone fixes the account;
 * - `WeddingDay`: the wedding is `wedding_day_critical` (core
 *   `WeddingContext`) and sync did not succeed at its one attempt (the engine
 *   never retries in the call that day), or the circuit was not closed, in
 *   which case no attempt is made and the .ics goes at once.
 *
 * Any other failure (a transient one after the policy's in-call retries, a
 * request the provider rejects) is the caller's `IntegrationError`, for its
 * outbox to retry on the deferred schedule: sending an .ics then would give
 * the couple a second copy once sync recovers. If the email fails too, the
 * caller gets a {@link CalendarFallbackError} carrying both errors; nothing is
 * dropped silently.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WeddingContext } from "@wedsync/core"
 * import { CalendarFallback } from "@wedsync/adapter-calendar"
 *
 * const outcome = yield* CalendarFallback.sync(
 *   { event: ceremony, key: "wedding:w_123:ceremony", revision: 0, to: ["ana@example.com", "ben@example.com"] },
 *   { from: "WedSync <calendar@wedsync.example>", organizer: { email: "planner@wedsync.example", name: "WedSync" } }
 * ).pipe(WeddingContext.provide({ weddingId: "w_123", weddingDate: "2026-06-06", vendorType: "venue" }))
 * if (outcome._tag === "IcsSent") yield* Effect.log(`calendar fallback: ${outcome.reason}`)
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { CalendarProvider, EmailProvider, IntegrationError, Resilience, WeddingContext } from "@wedsync/core"
import { eventId as eventIdOf } from "./GoogleCalendar.ts"
import * as Ics from "./Ics.ts"
import { MANUAL_INSTRUCTIONS, messageOf, NOTICE } from "./internal/icsEmail.ts"

/**
 * WS-198's calendar fallback message, the email's subject.
 *
 * @example
 * ```ts
 * CalendarFallback.notice // "Calendar sync disabled, manual entry required"
 * ```
 * @since 0.1.0
 */
export const notice: string = NOTICE

/**
 * WS-198's calendar fallback instructions, the email's first lines.
 *
 * @example
 * ```ts
 * CalendarFallback.manualInstructions // "Please manually add wedding events to your calendar"
 * ```
 * @since 0.1.0
 */
export const manualInstructions: string = MANUAL_INSTRUCTIONS

/**
 * Why the .ics was sent instead of syncing.
 *
 * @example
 * ```ts
 * Schema.is(CalendarFallback.FallbackReason)("CircuitOpen") // true
 * ```
 * @since 0.1.0
 */
export const FallbackReason = Schema.Literals(["CircuitOpen", "Disabled", "ProviderFailed", "WeddingDay"])

/** @since 0.1.0 */
export type FallbackReason = typeof FallbackReason.Type

/**
 * Sync could not run and the .ics email failed as well: both errors, so the
 * caller (its outbox) can retry and an operator can see what happened.
 *
 * @example
 * ```ts
 * Effect.catchTag("CalendarFallbackError", (error) => Effect.log(error.emailError.message))
 * ```
 * @since 0.1.0
 */
export class CalendarFallbackError extends Schema.TaggedError<CalendarFallbackError>(
  "@wedsync/adapter-calendar/CalendarFallbackError"
)("CalendarFallbackError", {
  reason: FallbackReason,
  /** What sync failed with; absent when it was not attempted (wedding day, circuit not closed). */
  syncError: Schema.optional(IntegrationError.IntegrationError),
  emailError: IntegrationError.IntegrationError
}) {
  override get message(): string {
    const sync = this.syncError === undefined ? "not attempted" : this.syncError.message
    return `calendar sync (${this.reason}: ${sync}) and its .ics email (${this.emailError.message}) both failed`
  }
}

/**
 * Where the events go and who the .ics comes from.
 *
 * @example
 * ```ts
 * const options: CalendarFallback.Options = {
 *   from: "WedSync <calendar@wedsync.example>",
 *   organizer: { email: "planner@wedsync.example", name: "WedSync" },
 *   calendarId: "primary"
 * }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** The sender of the .ics email, e.g. `"WedSync <calendar@wedsync.example>"`. */
  readonly from: string
  /** The .ics's `ORGANIZER` (required by iTIP). */
  readonly organizer: Ics.Organizer
  /** The calendar to sync to (default `"primary"`). */
  readonly calendarId?: string | undefined
  /** Whom the provider notifies of an insert (default: the provider's default). */
  readonly sendUpdates?: CalendarProvider.InsertEventOptions["sendUpdates"]
  /** The .ics UID's right-hand side (default `"wedsync"`). */
  readonly domain?: string | undefined
}

/**
 * One event to sync. `revision` counts the changes since creation (0 first,
 * then 1, 2, …; a cancellation is a change too) and is the .ics SEQUENCE.
 *
 * @example
 * ```ts
 * const request: CalendarFallback.Request = { event, key: "wedding:w_123:ceremony", revision: 1, to: "ana@example.com" }
 * ```
 * @since 0.1.0
 */
export interface Request {
  readonly event: CalendarProvider.CalendarEvent
  /** Our business key; the event id (unless the event has one) and the .ics UID come from it. */
  readonly key: string
  readonly revision: number
  /** The couple: who gets the .ics when sync cannot run. */
  readonly to: EmailProvider.Recipients
}

/**
 * What the .ics email carried.
 *
 * @example
 * ```ts
 * if (outcome._tag === "IcsSent") outcome.file.sequence // the revision sent
 * ```
 * @since 0.1.0
 */
export interface SentFile {
  readonly uid: string
  readonly sequence: number
  readonly method: Ics.Method
  readonly filename: string
}

/**
 * The answer: synced (with the provider's event; absent for a cancellation),
 * or the .ics sent, with why and, when sync was attempted, its error.
 *
 * @example
 * ```ts
 * const said = outcome._tag === "Synced" ? "in your calendar" : `${CalendarFallback.notice} (${outcome.reason})`
 * ```
 * @since 0.1.0
 */
export type Outcome =
  | {
      readonly _tag: "Synced"
      readonly provider: string
      readonly eventId: string
      readonly event?: CalendarProvider.CalendarEvent | undefined
    }
  | {
      readonly _tag: "IcsSent"
      readonly reason: FallbackReason
      readonly syncError?: IntegrationError.IntegrationError | undefined
      readonly file: SentFile
      readonly receipt: EmailProvider.EmailReceipt
      readonly notice: { readonly message: string; readonly manualInstructions: string }
    }

type Needs = CalendarProvider.CalendarProvider | EmailProvider.EmailProvider | Resilience.Resilience

/** Why a failed (or skipped) sync falls back, or `undefined` when the caller should retry it later. */
const fallbackReason = (error: IntegrationError.IntegrationError, weddingDay: boolean): FallbackReason | undefined => {
  const tag = error.reason._tag
  if (tag === "Disabled") return "Disabled"
  if (tag === "CircuitOpen") return "CircuitOpen"
  if (weddingDay) return "WeddingDay"
  return error.family === "provider" ? "ProviderFailed" : undefined
}

const patchOf = (event: CalendarProvider.CalendarEvent): CalendarProvider.EventPatch => ({
  summary: event.summary,
  start: event.start,
  end: event.end,
  ...(event.description === undefined ? {} : { description: event.description }),
  ...(event.location === undefined ? {} : { location: event.location }),
  ...(event.attendees === undefined ? {} : { attendees: event.attendees }),
  ...(event.status === undefined ? {} : { status: event.status })
})

const invalid = (description: string) =>
  IntegrationError.make("ics", "email", new IntegrationError.InvalidRequest({ description }), { delivery: "notSent" })

const sendIcs = (
  request: Request,
  options: Options,
  file: Ics.IcsFile,
  reason: FallbackReason,
  syncError: IntegrationError.IntegrationError | undefined
): Effect.Effect<Outcome, CalendarFallbackError | IntegrationError.IntegrationError, Needs> =>
  Effect.gen(function* () {
    const message = yield* Effect.try({
      try: () => messageOf(options.from, request.to, request.event, file),
      catch: (cause) => invalid(`the .ics email is invalid: ${cause instanceof Error ? cause.message : String(cause)}`)
    })
    const email = yield* EmailProvider.EmailProvider
    const receipt = yield* email.send(message).pipe(
      Resilience.protect({ service: "email", provider: email.provider, operation: "send" }),
      Effect.mapError((emailError) => new CalendarFallbackError({ reason, syncError, emailError }))
    )
    return {
      _tag: "IcsSent" as const,
      reason,
      syncError,
      file: { uid: file.uid, sequence: file.sequence, method: file.method, filename: file.filename },
      receipt,
      notice: { message: NOTICE, manualInstructions: MANUAL_INSTRUCTIONS }
    }
  })

/** The common path: check the input, try `write` (unless the wedding-day rule skips it), fall back when it says so. */
const run = (
  request: Request,
  options: Options,
  method: Ics.Method,
  write: (
    calendar: CalendarProvider.CalendarProvider["Service"],
    eventId: string
  ) => Effect.Effect<Outcome, IntegrationError.IntegrationError, Resilience.Resilience>
): Effect.Effect<Outcome, CalendarFallbackError | IntegrationError.IntegrationError, Needs> =>
  Effect.gen(function* () {
    const input = {
      event: request.event,
      key: request.key,
      revision: request.revision,
      organizer: options.organizer,
      domain: options.domain
    }
    // The file is made first: a request that cannot become an .ics is refused before anything is written.
    const file = yield* method === "CANCEL" ? Ics.cancel(input) : Ics.request(input)
    const calendar = yield* CalendarProvider.CalendarProvider
    const wedding = yield* WeddingContext.current
    const weddingDay = wedding?.criticality === "wedding_day_critical"
    if (weddingDay) {
      const state = yield* Resilience.circuitState("calendar", calendar.provider)
      // Nothing waits on the wedding day: not a probe, not a queue behind an open circuit.
      if (state !== "closed")
        return yield* sendIcs(request, options, file, state === "open" ? "CircuitOpen" : "WeddingDay", undefined)
    }
    const eventId = request.event.id ?? eventIdOf(request.key)
    return yield* write(calendar, eventId).pipe(
      Effect.catch((syncError) => {
        const reason = fallbackReason(syncError, weddingDay)
        return reason === undefined ? Effect.fail(syncError) : sendIcs(request, options, file, reason, syncError)
      })
    )
  })

const protect = (provider: string, operation: string) =>
  Resilience.protect({ service: "calendar", provider, operation, idempotent: true })

/**
 * Syncs a new (revision 0) or changed event, or sends the couple a
 * `METHOD:REQUEST` .ics when sync cannot run (see the module's header).
 *
 * @example
 * ```ts
 * const outcome = yield* CalendarFallback.sync({ event, key, revision: 0, to: "ana@example.com" }, options)
 * ```
 * @since 0.1.0
 */
export const sync = (
  request: Request,
  options: Options
): Effect.Effect<Outcome, CalendarFallbackError | IntegrationError.IntegrationError, Needs> =>
  run(request, options, "REQUEST", (calendar, eventId) =>
    Effect.gen(function* () {
      const calendarId = options.calendarId ?? "primary"
      const withId = new CalendarProvider.CalendarEvent({ ...request.event, id: eventId })
      const inserted = yield* calendar
        .insertEvent(
          calendarId,
          withId,
          options.sendUpdates === undefined ? undefined : { sendUpdates: options.sendUpdates }
        )
        .pipe(protect(calendar.provider, "insertEvent"))
      // An insert of a taken id answers the event as it was: a change is written by an update.
      const event =
        request.revision === 0
          ? inserted
          : yield* calendar
              .updateEvent(calendarId, eventId, patchOf(request.event))
              .pipe(protect(calendar.provider, "updateEvent"))
      return { _tag: "Synced" as const, provider: calendar.provider, eventId, event }
    })
  )

/**
 * Deletes the synced event, or sends the couple a `METHOD:CANCEL` .ics when
 * sync cannot run. `revision` must be above every one sent before (≥ 1).
 *
 * @example
 * ```ts
 * const outcome = yield* CalendarFallback.cancel({ event, key, revision: 2, to: "ana@example.com" }, options)
 * ```
 * @since 0.1.0
 */
export const cancel = (
  request: Request,
  options: Options
): Effect.Effect<Outcome, CalendarFallbackError | IntegrationError.IntegrationError, Needs> =>
  run(request, options, "CANCEL", (calendar, eventId) =>
    calendar
      .deleteEvent(options.calendarId ?? "primary", eventId)
      .pipe(
        protect(calendar.provider, "deleteEvent"),
        Effect.as({ _tag: "Synced" as const, provider: calendar.provider, eventId })
      )
  )
