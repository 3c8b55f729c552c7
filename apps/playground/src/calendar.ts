/**
 * Scenario 6, the calendar down on the wedding day: the ceremony is synced
 * to Google Calendar a year out; on the day Google Calendar is down, so the
 * moved ceremony reaches the couple at once as an .ics by email (Resend),
 * and so does its cancellation — the same UID with a rising SEQUENCE, so
 * their calendar replaces the event instead of adding one.
 *
 * Scenario 7, vendor data served stale: the venue's availability is read
 * through its booking system; while the system is down, the last good answer
 * is served with its age and the spec's message instead of an error.
 */
import { Effect, Layer, References, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { CalendarFallback } from "@wedsync/adapter-calendar"
import { VendorApi } from "@wedsync/adapter-vendor"
import {
  CalendarProvider,
  type EmailProvider,
  type IntegrationError,
  type Resilience,
  StaleReads,
  WeddingContext
} from "@wedsync/core"
import * as Providers from "./providers.ts"

/** One step of the calendar scenario. */
export interface CalendarStep {
  readonly story: string
  readonly outcome: CalendarFallback.Outcome | { readonly _tag: "Failed"; readonly message: string }
  /** Inserts and patches Google Calendar received, and emails Resend accepted, during this step. */
  readonly calendarCalls: number
  readonly emails: number
  readonly millis: number
}

/** One read of the vendor scenario. */
export interface VendorRead {
  readonly story: string
  readonly answer:
    | VendorApi.CachedAnswer<typeof Availability.Type>
    | { readonly _tag: "Failed"; readonly reason: string }
}

const Availability = Schema.Struct({
  venueId: Schema.String,
  date: Schema.String,
  slots: Schema.Array(Schema.Struct({ slot: Schema.String, available: Schema.Boolean }))
})

const KEY = "wedding:w_ava_sam:ceremony"
const couple = ["ava@example.com", "sam@example.com"] as const
const options: CalendarFallback.Options = {
  from: "WedSync <calendar@wedsync.test>",
  organizer: { email: "planner@wedsync.test", name: "WedSync" }
}
const ceremonyAt = (hour: number, date: string) =>
  new CalendarProvider.CalendarEvent({
    summary: "Ceremony: Ava & Sam",
    location: "The Orangery, Kew Gardens",
    start: { dateTime: `${date}T${String(hour).padStart(2, "0")}:00:00Z`, timeZone: "Europe/London" },
    end: { dateTime: `${date}T${String(hour + 1).padStart(2, "0")}:00:00Z`, timeZone: "Europe/London" }
  })

/** Scenario 6: synced while Google Calendar works; an .ics at once when it is down on the wedding day. */
export const calendarDown = (providers: Providers.Providers) =>
  Effect.gen(function* () {
    const google = providers.simulators.googleCalendar
    const resend = providers.simulators.resend
    const today = new Date().toISOString().slice(0, 10)
    const steps: Array<CalendarStep> = []
    const step = (
      story: string,
      run: Effect.Effect<
        CalendarFallback.Outcome,
        CalendarFallback.CalendarFallbackError | IntegrationError.IntegrationError,
        CalendarProvider.CalendarProvider | EmailProvider.EmailProvider | Resilience.Resilience
      >
    ) =>
      Effect.gen(function* () {
        const calls = () => google.ledger.requests().filter((request) => request.operation.startsWith("events.")).length
        const before = { calls: calls(), emails: resend.ledger.sideEffects("email").length }
        const started = Date.now()
        const outcome = yield* run.pipe(
          Effect.catch((error) => Effect.succeed({ _tag: "Failed" as const, message: error.message }))
        )
        steps.push({
          story,
          outcome,
          calendarCalls: calls() - before.calls,
          emails: resend.ledger.sideEffects("email").length - before.emails,
          millis: Date.now() - started
        })
      })
    const wedding = (date: string) =>
      WeddingContext.provide({ weddingId: "w_ava_sam", weddingDate: date, vendorType: "venue" })
    const request = (revision: number, event: CalendarProvider.CalendarEvent): CalendarFallback.Request => ({
      event,
      key: KEY,
      revision,
      to: couple
    })

    // A year out: Google Calendar works, the event is synced and nobody is emailed.
    const nextYear = `${new Date().getUTCFullYear() + 1}-06-12`
    yield* step(
      "a year out, Google Calendar works",
      CalendarFallback.sync(request(0, ceremonyAt(13, nextYear)), options).pipe(wedding(nextYear))
    )
    // The wedding is today, the ceremony moves an hour, and Google Calendar is down.
    Providers.down(google)
    yield* step(
      "on the day, the ceremony moves while Google Calendar is down",
      CalendarFallback.sync(request(1, ceremonyAt(14, today)), options).pipe(wedding(today))
    )
    yield* step(
      "then the ceremony is called off, Google Calendar still down",
      CalendarFallback.cancel(request(2, ceremonyAt(14, today)), options).pipe(wedding(today))
    )
    Providers.up(google)
    return steps
  }).pipe(
    Effect.provide(Layer.mergeAll(providers.googleCalendar, providers.resend)),
    // The playground's adapters are configured from the simulators: one that fails to build is a bug here.
    Effect.orDie
  )

/** Scenario 7: the venue's availability, fresh, then served stale while its booking system is down. */
export const vendorStale = (providers: Providers.Providers) =>
  Effect.gen(function* () {
    const vendor = providers.simulators.vendor
    const venuebook = yield* VendorApi.VendorApi
    const reads: Array<VendorRead> = []
    const read = (story: string) =>
      venuebook
        .getCached({ path: "/v1/venues/venue_12/availability", query: { date: "2027-06-12" }, schema: Availability })
        .pipe(
          Effect.map((answer) => reads.push({ story, answer })),
          Effect.catch((error) =>
            Effect.sync(() => reads.push({ story, answer: { _tag: "Failed", reason: error.reason._tag } }))
          )
        )
    yield* read("the booking system answers")
    Providers.down(vendor)
    yield* Effect.sleep("50 millis")
    yield* read("the booking system is down")
    Providers.up(vendor)
    return reads
  }).pipe(
    Effect.provide(Layer.mergeAll(providers.vendor, StaleReads.layerMemory())),
    Effect.provide(FetchHttpClient.layer),
    // Serving stale is the story here; its warning would only repeat it.
    Effect.provideService(References.MinimumLogLevel, "Error"),
    Effect.orDie
  )
