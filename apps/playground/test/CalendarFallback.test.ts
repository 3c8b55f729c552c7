/**
 * The calendar fallback end to end, on the published adapters: Google
 * Calendar against its simulator (healthy, in an outage, with a bad token)
 * under core's resilience engine and operator overrides, and Resend against
 * its simulator carrying the .ics. What is asserted is what went over the
 * wire (requests on each simulator's ledger, the email and its attachment
 * parsed back with ical.js) and the typed answer. The wedding-day rule is
 * shown by attempt counts: one insert (or none, when the circuit is not
 * closed) where another day makes three.
 */
import { Cause, Effect, Exit, Layer, Option, Redacted } from "effect"
import { Audit, CalendarProvider, IntegrationError, Overrides, Resilience, WeddingContext } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as GoogleSim from "@wedsync/testkit/simulators/googleCalendar"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { CalendarFallback, GoogleCalendar, Ics } from "@wedsync/adapter-calendar"
import { Resend } from "@wedsync/adapter-email"
import { parseIcs } from "@wedsync/test-fixtures/icsParse"

let google: Simulator.Running<GoogleSim.State, GoogleSim.Credentials>
let resend: Simulator.Running<ResendSim.State, ResendSim.Credentials>

beforeAll(async () => {
  google = await Simulator.start(GoogleSim.definition, { seed: 11 })
  resend = await Simulator.start(ResendSim.definition, { seed: 12 })
})
afterAll(async () => {
  await google.stop()
  await resend.stop()
})
beforeEach(() => {
  google.reset()
  resend.reset()
})

const KEY = "wedding:w_123:ceremony"
const options: CalendarFallback.Options = {
  from: "WedSync <calendar@wedsync.test>",
  organizer: { email: "planner@wedsync.test", name: "WedSync" }
}
const couple = ["ana@example.com", "ben@example.com"] as const

const ceremony = new CalendarProvider.CalendarEvent({
  summary: "Ceremony",
  location: "St Mary's Church, Oxford",
  start: { dateTime: "2027-06-05T13:00:00+01:00", timeZone: "Europe/London" },
  end: { dateTime: "2027-06-05T14:00:00+01:00", timeZone: "Europe/London" }
})
const request = (revision: number, event = ceremony): CalendarFallback.Request => ({
  event,
  key: KEY,
  revision,
  to: [...couple]
})

const today = () => new Date().toISOString().slice(0, 10)
const weddingDay = WeddingContext.provide({ weddingId: "w_123", weddingDate: today(), vendorType: "venue" })
const nextYear = WeddingContext.provide({ weddingId: "w_123", weddingDate: "2027-06-05", vendorType: "venue" })

const engine = () =>
  Overrides.layerMemory.pipe(
    Layer.provideMerge(Resilience.layerMemory({ random: () => 0 })),
    Layer.provide(Audit.layerMemory)
  )

const layers = (token = google.credentials.accessToken) =>
  Layer.mergeAll(
    GoogleCalendar.layer({ accessToken: Redacted.make(token), baseUrl: google.url }),
    Resend.layer({ apiKey: Redacted.make(resend.credentials.apiKey), baseUrl: resend.url }),
    engine()
  )

const operator = { actor: "ops@wedsync.test", reason: "Google Calendar incident INC-7" }

const force = (input: Overrides.Input) =>
  Effect.flatMap(Effect.service(Overrides.Overrides), (overrides) => overrides.set(input, operator))

const circuitOpen = force({ _tag: "ForceCircuit", service: "calendar", provider: "google", state: "open" })

type Environment = Layer.Success<ReturnType<typeof layers>>

const run = <A, E>(effect: Effect.Effect<A, E, Environment>, token?: string) =>
  Effect.runPromiseExit(Effect.provide(effect, layers(token)))

const successOf = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected a success, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}

const failureOf = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
  return Option.getOrUndefined(Cause.findErrorOption(exit.cause))
}

const inserts = () => google.ledger.requests({ operation: "events.insert" }).length

/** The one email Resend accepted: its JSON as sent, and its .ics parsed back. */
const sentEmail = () => {
  const emails = resend.ledger.sideEffects("email")
  expect(emails).toHaveLength(1)
  const [send] = resend.ledger.requests({ operation: "emails.send" })
  const body = JSON.parse(send?.body ?? "{}") as {
    readonly to: ReadonlyArray<string>
    readonly subject: string
    readonly text: string
    readonly attachments: ReadonlyArray<{
      readonly filename: string
      readonly content: string
      readonly content_type: string
    }>
  }
  const data = emails[0]?.data as { readonly attachments?: ReadonlyArray<ResendSim.RecordedAttachment> } | undefined
  const recorded = data?.attachments ?? []
  expect(recorded).toHaveLength(1)
  const ics = parseIcs(Buffer.from(recorded[0]?.content ?? "", "base64").toString("utf8"))
  return { body, attachment: recorded[0], ics }
}

describe("CalendarFallback while Google Calendar works", () => {
  it("syncs the event with a deterministic id and sends no email; a revision updates it", async () => {
    const created = successOf(await run(CalendarFallback.sync(request(0), options).pipe(nextYear)))
    expect(created).toMatchObject({ _tag: "Synced", provider: "google", eventId: GoogleCalendar.eventId(KEY) })
    const moved = new CalendarProvider.CalendarEvent({
      ...ceremony,
      start: { dateTime: "2027-06-05T14:00:00+01:00", timeZone: "Europe/London" },
      end: { dateTime: "2027-06-05T15:00:00+01:00", timeZone: "Europe/London" }
    })
    const updated = successOf(await run(CalendarFallback.sync(request(1, moved), options).pipe(nextYear)))
    expect(updated._tag === "Synced" ? updated.event?.start : undefined).toEqual(moved.start)
    expect(inserts()).toBe(2)
    expect(google.ledger.requests({ operation: "events.patch" })).toHaveLength(1)
    expect([...google.state.calendars.values()].reduce((sum, events) => sum + events.size, 0)).toBe(1)
    expect(resend.ledger.requests()).toHaveLength(0)
    const cancelled = successOf(await run(CalendarFallback.cancel(request(2, moved), options).pipe(nextYear)))
    expect(cancelled).toMatchObject({ _tag: "Synced", eventId: GoogleCalendar.eventId(KEY) })
    expect(resend.ledger.requests()).toHaveLength(0)
  })
})

describe("CalendarFallback when sync cannot run", () => {
  it("sends the couple the .ics when an operator forced the circuit open, without calling Google", async () => {
    const outcome = successOf(
      await run(Effect.andThen(circuitOpen, CalendarFallback.sync(request(0), options)).pipe(nextYear))
    )
    expect(outcome).toMatchObject({
      _tag: "IcsSent",
      reason: "CircuitOpen",
      file: { uid: Ics.uidOf(KEY), sequence: 0, method: "REQUEST" },
      notice: {
        message: "Calendar sync disabled, manual entry required",
        manualInstructions: "Please manually add wedding events to your calendar"
      }
    })
    expect(google.ledger.requests()).toHaveLength(0)
    const { body, attachment, ics } = sentEmail()
    expect(body.to).toEqual(couple)
    expect(body.subject).toBe("Calendar sync disabled, manual entry required: Ceremony")
    expect(body.text).toContain("Please manually add wedding events to your calendar")
    expect(attachment?.contentType).toBe("text/calendar; charset=utf-8; method=REQUEST")
    expect(attachment?.filename).toMatch(/^wedding-[0-9a-f]{12}\.ics$/)
    expect(ics).toMatchObject({
      method: "REQUEST",
      uid: Ics.uidOf(KEY),
      sequence: 0,
      summary: "Ceremony",
      tzid: "Europe/London"
    })
    expect(ics.startMillis).toBe(Date.parse("2027-06-05T13:00:00+01:00"))
    if (outcome._tag === "IcsSent") expect(outcome.receipt.messageId).toBe(resend.ledger.sideEffects("email")[0]?.id)
  })

  it("sends the .ics when the integration is disabled, saying so", async () => {
    const disable = force({ _tag: "DisableIntegration", service: "calendar", provider: "google" })
    const outcome = successOf(
      await run(Effect.andThen(disable, CalendarFallback.sync(request(0), options)).pipe(nextYear))
    )
    expect(outcome).toMatchObject({ _tag: "IcsSent", reason: "Disabled" })
    expect(google.ledger.requests()).toHaveLength(0)
    expect(sentEmail().ics.uid).toBe(Ics.uidOf(KEY))
  })

  it("sends the .ics when Google refuses our credentials (ProviderFailed), after one request", async () => {
    const outcome = successOf(
      await run(CalendarFallback.sync(request(0), options).pipe(nextYear), "ya29.revoked-token")
    )
    expect(outcome).toMatchObject({ _tag: "IcsSent", reason: "ProviderFailed" })
    if (outcome._tag === "IcsSent") expect(outcome.syncError?.reason._tag).toBe("Unauthorized")
    expect(inserts()).toBe(1)
    sentEmail()
  })

  it("keeps the same UID with SEQUENCE rising across create → update → cancel sent as .ics", async () => {
    const sequences: Array<readonly [string, number, string | undefined]> = []
    for (const [revision, operation] of [
      [0, CalendarFallback.sync],
      [1, CalendarFallback.sync],
      [2, CalendarFallback.cancel]
    ] as const) {
      resend.reset()
      successOf(await run(Effect.andThen(circuitOpen, operation(request(revision), options)).pipe(nextYear)))
      const { ics } = sentEmail()
      expect(ics.uid).toBe(Ics.uidOf(KEY))
      sequences.push([ics.method, ics.sequence, ics.status])
    }
    expect(sequences).toEqual([
      ["REQUEST", 0, "CONFIRMED"],
      ["REQUEST", 1, "CONFIRMED"],
      ["CANCEL", 2, "CANCELLED"]
    ])
  })
})

describe("CalendarFallback on the wedding day", () => {
  it("in a Google outage: one insert, no retry, then the .ics at once (another day: three inserts and an error)", async () => {
    google.faults.add(Faults.outage({ forMillis: 60_000, operation: "events.insert" }))
    const outcome = successOf(await run(CalendarFallback.sync(request(0), options).pipe(weddingDay)))
    expect(outcome).toMatchObject({ _tag: "IcsSent", reason: "WeddingDay" })
    if (outcome._tag === "IcsSent") expect(outcome.syncError?.reason._tag).toBe("Unavailable")
    expect(inserts()).toBe(1)
    expect(sentEmail().ics.sequence).toBe(0)

    google.reset()
    resend.reset()
    google.faults.add(Faults.outage({ forMillis: 60_000, operation: "events.insert" }))
    const error = failureOf(await run(CalendarFallback.sync(request(0), options).pipe(nextYear)))
    expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("Unavailable")
    // The calendar policy's in-call retries (3 attempts, 250 ms apart or more), then the caller's outbox.
    expect(inserts()).toBe(3)
    expect(resend.ledger.requests()).toHaveLength(0)
  })

  it("with the circuit not closed: no request to Google at all, the .ics straight away", async () => {
    const outcome = successOf(
      await run(Effect.andThen(circuitOpen, CalendarFallback.sync(request(0), options)).pipe(weddingDay))
    )
    expect(outcome).toMatchObject({ _tag: "IcsSent", reason: "CircuitOpen", syncError: undefined })
    expect(google.ledger.requests()).toHaveLength(0)
    expect(sentEmail().ics.method).toBe("REQUEST")
  })

  it("cancels by .ics when the delete fails, with the cancellation's higher SEQUENCE", async () => {
    google.faults.add(Faults.outage({ forMillis: 60_000, operation: "events.delete" }))
    const outcome = successOf(await run(CalendarFallback.cancel(request(3), options).pipe(weddingDay)))
    expect(outcome).toMatchObject({ _tag: "IcsSent", reason: "WeddingDay", file: { method: "CANCEL", sequence: 3 } })
    expect(google.ledger.requests({ operation: "events.delete" })).toHaveLength(1)
    expect(sentEmail().ics).toMatchObject({ method: "CANCEL", status: "CANCELLED", sequence: 3, uid: Ics.uidOf(KEY) })
  })
})

describe("CalendarFallback failures", () => {
  it("fails with both errors when the email fails too", async () => {
    resend.faults.add(Faults.outage({ forMillis: 60_000, operation: "emails.send" }))
    const error = failureOf(
      await run(Effect.andThen(circuitOpen, CalendarFallback.sync(request(0), options)).pipe(weddingDay))
    )
    expect(error).toBeInstanceOf(CalendarFallback.CalendarFallbackError)
    const both = error as CalendarFallback.CalendarFallbackError
    expect(both.reason).toBe("CircuitOpen")
    expect(both.emailError.reason._tag).toBe("Unavailable")
    expect(both.message).toContain("both failed")
    expect(resend.ledger.requests({ operation: "emails.send" })).toHaveLength(1)
  })

  it("refuses an input that cannot become an .ics before anything is sent", async () => {
    for (const bad of [request(-1), { ...request(0), key: "" }, { ...request(0), to: "not an address" }]) {
      const exit = await run(Effect.andThen(circuitOpen, CalendarFallback.sync(bad, options)).pipe(nextYear))
      const error = failureOf(exit)
      expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("InvalidRequest")
    }
    const cancelZero = failureOf(await run(CalendarFallback.cancel(request(0), options).pipe(nextYear)))
    expect(IntegrationError.isIntegrationError(cancelZero) && cancelZero.reason._tag).toBe("InvalidRequest")
    expect(google.ledger.requests()).toHaveLength(0)
    expect(resend.ledger.requests()).toHaveLength(0)
  })
})
