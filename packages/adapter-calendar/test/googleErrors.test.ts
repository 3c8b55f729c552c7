/**
 * The classification table: every entry of the simulator's error catalogue
 * through the real SDK (reason, Google's reason as provider code, status,
 * delivery, Retry-After, one request), then the pure function on what the
 * catalogue cannot produce (403 reasons it lacks, 408, 502, 504, connection
 * codes, timeouts, secrets in messages), and properties over every status.
 */
import { Duration, Effect, Redacted } from "effect"
import { CalendarProvider, type IntegrationError } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as GoogleCalendarSim from "@wedsync/testkit/simulators/googleCalendar"
import * as fc from "fast-check"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as GoogleCalendar from "../src/GoogleCalendar.ts"
import {
  classify,
  deliveryFor,
  type GoogleFailure,
  isFullSyncRequired,
  reasonByCode,
  tagFor
} from "../src/internal/googleErrors.ts"

type Running = Simulator.Running<GoogleCalendarSim.State, GoogleCalendarSim.Credentials>
let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(GoogleCalendarSim.definition, { seed: 5 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

/** What each catalogue entry must come back as from a list call: reason, status, delivery, Retry-After (s). */
const table: Readonly<Record<string, readonly [string, number, "notSent" | "maybeSent", number | undefined]>> = {
  backendError: ["Unavailable", 500, "maybeSent", undefined],
  serviceUnavailable: ["Unavailable", 503, "notSent", undefined],
  tooManyRequests: ["RateLimited", 429, "notSent", 7],
  rateLimitExceeded: ["RateLimited", 403, "notSent", undefined],
  userRateLimitExceeded: ["RateLimited", 403, "notSent", undefined],
  authError: ["Unauthorized", 401, "notSent", undefined],
  insufficientPermissions: ["Misconfigured", 403, "notSent", undefined],
  forbidden: ["Misconfigured", 403, "notSent", undefined],
  requiredAccessLevel: ["Misconfigured", 403, "notSent", undefined],
  quotaExceeded: ["Misconfigured", 403, "notSent", undefined],
  dailyLimitExceeded: ["Misconfigured", 403, "notSent", undefined],
  forbiddenForNonOrganizer: ["Rejected", 403, "notSent", undefined],
  notFound: ["InvalidRequest", 404, "notSent", undefined],
  invalid: ["InvalidRequest", 400, "notSent", undefined],
  required: ["InvalidRequest", 400, "notSent", undefined],
  timeRangeEmpty: ["InvalidRequest", 400, "notSent", undefined],
  duplicate: ["InvalidRequest", 409, "notSent", undefined],
  deleted: ["InvalidRequest", 410, "notSent", undefined],
  fullSyncRequired: ["InvalidRequest", 410, "notSent", undefined]
}

const reasonOf = (name: string): string | undefined => {
  const body = GoogleCalendarSim.errors[name]?.reply({} as Simulator.SimRequest, { retryAfterSeconds: 7 }).body as
    | { readonly error?: { readonly errors?: ReadonlyArray<{ readonly reason?: string }> } }
    | undefined
  return body?.error?.errors?.[0]?.reason
}

const listFailure = (): Promise<IntegrationError.IntegrationError> =>
  Effect.runPromise(
    Effect.flip(
      Effect.flatMap(Effect.service(CalendarProvider.CalendarProvider), (calendar) =>
        calendar.listEvents("primary", {})
      ).pipe(
        Effect.provide(
          GoogleCalendar.layer({ baseUrl: sim.url, accessToken: Redacted.make(sim.credentials.accessToken) })
        )
      )
    )
  )

describe("classification of Google's error catalogue, through the SDK", () => {
  it("has a row for every catalogue entry", () => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(GoogleCalendarSim.errors).sort())
  })

  for (const [name, [reason, status, delivery, retryAfter]] of Object.entries(table)) {
    it(`${name} → ${reason}, HTTP ${status}, ${delivery}`, async () => {
      sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 7 }), { times: 1 }))
      const error = await listFailure()
      expect([error.reason._tag, error.status, error.delivery, error.providerCode]).toEqual([
        reason,
        status,
        delivery,
        reasonOf(name)
      ])
      expect(error.provider).toBe("google")
      expect(error.retryAfter === undefined ? undefined : Duration.toSeconds(error.retryAfter)).toBe(retryAfter)
      expect(sim.ledger.requests()).toHaveLength(1)
    })
  }

  it("a 410 on a listing is the sync's cue to list again from scratch; a 410 on a delete is not", async () => {
    sim.faults.add(Faults.rule(Faults.error("fullSyncRequired"), { times: 1 }))
    expect(isFullSyncRequired(await listFailure())).toBe(true)
    expect(isFullSyncRequired(classify("deleteEvent", { status: 410, reason: "deleted" }))).toBe(false)
    expect(
      GoogleCalendar.isFullSyncRequired(classify("listEvents", { status: 410, reason: "updatedMinTooLongAgo" }))
    ).toBe(true)
  })
})

describe("the pure table, beyond the catalogue", () => {
  const rows: ReadonlyArray<readonly [GoogleFailure, IntegrationError.ReasonTag, "notSent" | "maybeSent"]> = [
    // Google answers 403 for rate limits and for permissions: the reason decides, not the status or the words.
    [{ status: 403, reason: "userRateLimitExceeded", message: "Forbidden" }, "RateLimited", "notSent"],
    [{ status: 403, reason: "dailyLimitExceeded", message: "Rate Limit Exceeded" }, "Misconfigured", "notSent"],
    [{ status: 403, reason: "quotaExceeded" }, "Misconfigured", "notSent"],
    [{ status: 403, reason: "forbiddenForNonOrganizer" }, "Rejected", "notSent"],
    [{ status: 403, reason: "cannotChangeOrganizer" }, "Rejected", "notSent"],
    [{ status: 403, reason: "forbiddenForServiceAccounts" }, "Misconfigured", "notSent"],
    [{ status: 403, reason: "somethingNew" }, "Misconfigured", "notSent"],
    [{ status: 403 }, "Misconfigured", "notSent"],
    // A rate-limit reason on a status that does not carry it is not a rate limit.
    [{ status: 400, reason: "rateLimitExceeded" }, "InvalidRequest", "notSent"],
    [{ status: 401, reason: "authError" }, "Unauthorized", "notSent"],
    [{ status: 408 }, "Unavailable", "notSent"],
    [{ status: 429 }, "RateLimited", "notSent"],
    [{ status: 502 }, "Unavailable", "maybeSent"],
    [{ status: 503 }, "Unavailable", "notSent"],
    [{ status: 504 }, "Unavailable", "maybeSent"],
    [{ networkCode: "ECONNREFUSED" }, "Unavailable", "notSent"],
    [{ networkCode: "ENOTFOUND" }, "Unavailable", "notSent"],
    [{ networkCode: "ECONNRESET" }, "Unavailable", "maybeSent"],
    [{}, "Unavailable", "maybeSent"]
  ]

  it.each(rows)("%o → %s, %s", (failure, reason, delivery) => {
    const error = classify("insertEvent", failure)
    expect([error.reason._tag, error.delivery]).toEqual([reason, delivery])
  })

  it("Retry-After in seconds or as an HTTP date, on a 429 and on a 403 rate limit", () => {
    expect(classify("listEvents", { status: 429, headers: { "retry-after": "30" } }).retryAfter).toEqual(
      Duration.seconds(30)
    )
    const at = new Date(Date.now() + 120_000).toUTCString()
    const error = classify("listEvents", { status: 403, reason: "rateLimitExceeded", headers: { "retry-after": at } })
    expect(Duration.toSeconds(error.retryAfter ?? Duration.zero)).toBeGreaterThan(100)
  })

  it("our own timeout is TimedOut, not sent when nothing was written", () => {
    const before = classify("insertEvent", {}, { timedOut: true, timeout: Duration.seconds(12), written: false })
    const after = classify("insertEvent", {}, { timedOut: true, timeout: Duration.seconds(12), written: true })
    expect([before.reason._tag, before.delivery, after.delivery]).toEqual(["TimedOut", "notSent", "maybeSent"])
    expect(deliveryFor({ networkCode: "ECONNRESET" }, false)).toBe("notSent")
  })

  it("keeps the access token out of the error, even when Google's message echoes it", () => {
    const token = "ya29.a0secret-token-value"
    const error = classify(
      "listEvents",
      { status: 400, reason: "invalid", message: `bad header Bearer ${token} and ${token.slice(5)}` },
      { secrets: [token.slice(5)] }
    )
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain("secret-token-value")
    expect(classify("listEvents", { status: 401, message: token }).message).not.toContain("secret")
  })

  it("every status lands in one reason, and retryability follows Google's rules", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.option(fc.constantFrom(...Object.keys(reasonByCode), "invalid", "notFound"), { nil: undefined }),
        (status, reason) => {
          const error = classify("listEvents", { status, reason })
          const tag = tagFor({ status, reason })
          expect(error.reason._tag).toBe(tag)
          if (status >= 500) expect(tag).toBe("Unavailable")
          if (status === 401 || status === 429) expect(error.isRetryable).toBe(status === 429)
          if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
            expect(tag === "RateLimited").toBe(
              status === 403 && reason !== undefined && reasonByCode[reason] === "RateLimited"
            )
          }
          expect(error.delivery).toBe(status >= 500 && status !== 503 ? "maybeSent" : "notSent")
        }
      )
    )
  })
})
