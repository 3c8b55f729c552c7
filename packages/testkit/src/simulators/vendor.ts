/**
 * A venue booking system's JSON API, the kind of small vendor API WedSync
 * calls for availability and bookings, for `@wedsync/adapter-vendor`'s
 * `VendorApi` (or any HTTP client) to talk to.
 *
 * - `GET /v1/venues/:venueId/availability?date=YYYY-MM-DD` →
 *   `{ venueId, date, slots: [{ slot, available }] }`; an unknown venue → 404
 *   `not_found`; a missing or malformed date → 422 `validation_error` naming `date`.
 * - `GET /v1/bookings?venueId=…` → `{ data: [booking…] }`; `GET /v1/bookings/:id`
 *   → the booking or 404.
 * - `POST /v1/bookings` `{ venueId, date, slot, couple }` → 201 and the booking.
 *   `Idempotency-Key` is required (400 `idempotency_key_required`), as the IETF
 *   draft describes it: the same key and body replay the first answer
 *   (`Idempotent-Replayed: true`) without a second booking; the same key with
 *   another body → 422 `idempotency_key_reused`; a key still in flight → 409
 *   `idempotency_key_in_use`. A slot booked under another key → 409 `slot_taken`.
 *   Every booking made is a `"booking"` side effect on the ledger, with its key.
 * - `Authorization: Bearer <credentials.apiToken>`: missing or wrong → 401.
 * - Every answer carries `x-request-id`.
 *
 * @example
 * ```ts
 * import { Simulator } from "@wedsync/testkit"
 * import * as Vendor from "@wedsync/testkit/simulators/vendor"
 *
 * const sim = await Simulator.start(Vendor.definition)
 * const answer = await fetch(`${sim.url}/v1/venues/venue_12/availability?date=2026-06-20`, {
 *   headers: { authorization: `Bearer ${sim.credentials.apiToken}` }
 * })
 * sim.ledger.sideEffects("booking") // bookings made, one per key
 * ```
 *
 * @since 0.1.0
 */
import { IdempotencyStore, withKey } from "../internal/idempotency.ts"
import type { Definition, HandlerContext, Reply, SimRequest } from "../Simulator.ts"
import { type BookingRequest, error, errors, validateBooking } from "./vendor/errors.ts"

/** Credentials the simulator accepts. @since 0.1.0 */
export interface Credentials {
  readonly apiToken: string
}

/** A booking the system holds. @since 0.1.0 */
export interface Booking extends BookingRequest {
  readonly id: string
  readonly status: "confirmed"
  readonly createdAt: string
}

/** The simulator's state. @since 0.1.0 */
export interface State {
  /** Venues and the slots each offers per day. */
  readonly venues: Map<string, ReadonlyArray<string>>
  readonly bookings: Map<string, Booking>
  readonly idempotency: IdempotencyStore
  /** How long a booking holds its key in flight. */
  processingMillis: number
}

/** The operations faults can target. @since 0.1.0 */
export const operations = ["availability.get", "bookings.list", "bookings.get", "bookings.create"] as const

export { errors }

type Context = HandlerContext<State, Credentials>

const DATE = /^\d{4}-\d{2}-\d{2}$/

const taken = (state: State, venueId: string, date: string, slot: string): boolean =>
  [...state.bookings.values()].some((b) => b.venueId === venueId && b.date === date && b.slot === slot)

const availability = (request: SimRequest, context: Context): Reply => {
  const venueId = request.params.venueId ?? ""
  const slots = context.state.venues.get(venueId)
  if (slots === undefined) return error(404, "not_found", `No venue ${venueId}.`)
  const date = request.query.get("date") ?? ""
  if (!DATE.test(date)) return error(422, "validation_error", "date must be YYYY-MM-DD", { field: "date" })
  return {
    status: 200,
    body: {
      venueId,
      date,
      slots: slots.map((slot) => ({ slot, available: !taken(context.state, venueId, date, slot) }))
    }
  }
}

const book = (request: SimRequest, context: Context): Promise<Reply> | Reply => {
  const key = request.headers["idempotency-key"]
  if (key === undefined || key === "") {
    return error(400, "idempotency_key_required", "Idempotency-Key is required for POST /v1/bookings.")
  }
  return withKey(context.state.idempotency, key, request.rawBody, {
    execute: () => {
      const parts = validateBooking(request.json())
      if ("refused" in parts) return parts.refused
      if (!context.state.venues.has(parts.venueId)) return error(404, "not_found", `No venue ${parts.venueId}.`)
      if (!context.state.venues.get(parts.venueId)?.includes(parts.slot)) {
        return error(422, "validation_error", `the venue has no slot ${parts.slot}`, { field: "slot" })
      }
      if (taken(context.state, parts.venueId, parts.date, parts.slot)) {
        return error(409, "slot_taken", "That slot is already booked.")
      }
      const booking: Booking = {
        id: context.id("bk_", 16),
        ...parts,
        status: "confirmed",
        createdAt: new Date().toISOString()
      }
      context.state.bookings.set(booking.id, booking)
      context.ledger.sideEffect({ kind: "booking", id: booking.id, key, data: parts })
      return { status: 201, body: booking }
    },
    mismatch: () =>
      error(422, "idempotency_key_reused", "This Idempotency-Key was used with another request body.", {
        field: "Idempotency-Key"
      }),
    inFlight: () => error(409, "idempotency_key_in_use", "A request with this Idempotency-Key is still in progress."),
    replayHeaders: { "idempotent-replayed": "true" },
    store: (reply) => reply.status < 500 && reply.status !== 429,
    processingMillis: context.state.processingMillis
  })
}

/** The booking system simulator. @since 0.1.0 */
export const definition: Definition<State, Credentials> = {
  provider: "vendor",
  credentials: { apiToken: "vnd_test_wedsync_7c41e2" },
  state: () => ({
    venues: new Map([
      ["venue_12", ["12:00", "14:00", "16:00"]],
      ["venue_13", ["11:00", "15:00"]]
    ]),
    bookings: new Map(),
    idempotency: new IdempotencyStore(),
    processingMillis: 0
  }),
  authenticate: (request, credentials) =>
    request.headers.authorization === `Bearer ${credentials.apiToken}`
      ? undefined
      : error(401, "unauthorized", "Invalid API token."),
  errors,
  defaultErrors: {
    unavailable: "service_unavailable",
    rateLimited: "rate_limited",
    providerPermanent: "account_suspended",
    requestPermanent: "validation_error"
  },
  notFound: () => error(404, "not_found", "No such endpoint."),
  invalidBody: () => error(400, "bad_request", "The body is not JSON."),
  responseHeaders: (_, context) => ({ "x-request-id": context.id("req_", 16) }),
  routes: [
    { method: "GET", path: "/v1/venues/:venueId/availability", operation: "availability.get", handle: availability },
    {
      method: "GET",
      path: "/v1/bookings",
      operation: "bookings.list",
      handle: (request, context) => {
        const venueId = request.query.get("venueId")
        const data = [...context.state.bookings.values()].filter((b) => venueId === null || b.venueId === venueId)
        return { status: 200, body: { data } }
      }
    },
    {
      method: "GET",
      path: "/v1/bookings/:id",
      operation: "bookings.get",
      handle: (request, context) => {
        const booking = context.state.bookings.get(request.params.id ?? "")
        return booking === undefined ? error(404, "not_found", "No such booking.") : { status: 200, body: booking }
      }
    },
    { method: "POST", path: "/v1/bookings", operation: "bookings.create", handle: book }
  ]
}
