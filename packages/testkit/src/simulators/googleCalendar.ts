/**
 * A Google Calendar simulator that the real `@googleapis/calendar` client talks
 * to unchanged (`calendar({ version: "v3", rootUrl: sim.url + "/", auth, retry: false })`).
 *
 * - Events under `/calendar/v3/calendars/:calendarId/events`: insert (`sendUpdates`,
 *   `conferenceDataVersion`), get, patch, delete (204; again → 410 `deleted`),
 *   list with Google's incremental sync (`nextSyncToken` on a full listing's last
 *   page; `syncToken` → only what changed, deleted events as `cancelled` stubs;
 *   a stale token → 410 `fullSyncRequired`, see {@link expireSyncTokens}),
 *   `pageToken`, `maxResults` (≤ 2500), `timeMin`/`timeMax`, `showDeleted`,
 *   `orderBy`; `singleEvents` is accepted (the simulator has no recurring events).
 * - The `calendar#event` resource as Google answers it (etag, htmlLink, created,
 *   updated, creator/organizer, iCalUID, sequence, reminders). Times are echoed as
 *   sent, not converted to the calendar's zone as Google does.
 * - Google's data rules: client ids must be base32hex (`a`–`v`, `0`–`9`, 5–1024
 *   characters) or 400 `invalid` "Invalid resource id value."; a taken id → 409
 *   `duplicate` (deleted events keep their id); end ≤ start → 400 `timeRangeEmpty`;
 *   a date-time without offset or zone → 400 `required`; a bad attendee → 400.
 * - Calendars: `primary` = `credentials.accountEmail`; any `…@group.calendar.google.com`
 *   is a secondary calendar of the account; `…@group.v.calendar.google.com`
 *   (public holiday calendars) are read-only → 403 `requiredAccessLevel` on writes;
 *   anything else → 404 `notFound`.
 * - `Authorization: Bearer <credentials.accessToken>`: wrong → 401 `authError`
 *   "Invalid Credentials"; missing → 401 `required` "Login Required.".
 * - Push: `events.watch` (channel id, `type: "web_hook"`, HTTPS address, or HTTP on
 *   localhost) answers an `api#channel` and posts a `sync` notification, then
 *   `exists` on every change of the watched calendar; `channels.stop` → 204.
 * - `POST /calendar/v3/freeBusy` (`freebusy.query`): busy intervals per calendar from
 *   the stored events (cancelled ones are free), clipped to the window and merged;
 *   a calendar the account cannot see answers `errors: [{ reason: "notFound" }]`.
 *
 * @example
 * ```ts
 * import { auth, calendar } from "@googleapis/calendar"
 * import { Simulator } from "@wedsync/testkit"
 * import * as GoogleCalendar from "@wedsync/testkit/simulators/googleCalendar"
 *
 * const sim = await Simulator.start(GoogleCalendar.definition)
 * const oauth = new auth.OAuth2()
 * oauth.setCredentials({ access_token: sim.credentials.accessToken })
 * const api = calendar({ version: "v3", rootUrl: `${sim.url}/`, auth: oauth, retry: false })
 * const { data } = await api.events.insert({ calendarId: "primary", requestBody: { summary: "Tasting", start, end } })
 * ```
 *
 * @since 0.1.0
 */
import type { Definition, Reply, SimRequest } from "../Simulator.ts"
import { notification, type PushChannel, signer as channelSigner, stop } from "./googleCalendar/channels.ts"
import {
  catalogue,
  invalidCredentials,
  missingCredentials,
  notFound as notFoundReply,
  parseError
} from "./googleCalendar/errors.ts"
import { freeBusy } from "./googleCalendar/freeBusy.ts"
import { handlers } from "./googleCalendar/handlers.ts"
import { makeState, type State } from "./googleCalendar/state.ts"

export { expireSyncTokens } from "./googleCalendar/listing.ts"
export type { EventResource } from "./googleCalendar/model.ts"
export type { Channel, State, StoredEvent } from "./googleCalendar/state.ts"
export type { PushChannel, ResourceState } from "./googleCalendar/channels.ts"

/** Credentials the simulator accepts. @since 0.1.0 */
export interface Credentials {
  /** The OAuth 2 access token expected as `Authorization: Bearer …`. */
  readonly accessToken: string
  /** The token clients register in `events.watch`; Google echoes it in `X-Goog-Channel-Token`. */
  readonly channelToken: string
  /** The account's email, which is also its primary calendar's id. */
  readonly accountEmail: string
}

/** The operations faults can target, named after the SDK's methods. @since 0.1.0 */
export const operations = [
  "events.insert",
  "events.get",
  "events.patch",
  "events.delete",
  "events.list",
  "events.watch",
  "channels.stop",
  "freebusy.query"
] as const

/** Google Calendar's error catalogue (see `googleCalendar/errors.ts`). @since 0.1.0 */
export const errors = catalogue

/**
 * Builders of Google's push notifications, for hand-made deliveries.
 *
 * @example
 * ```ts
 * const delivery = sim.buildWebhook(GoogleCalendar.events.exists(channel, 2), { tamper: "wrongSecret" })
 * ```
 * @since 0.1.0
 */
export const events = {
  notification,
  /** The first message of a new channel. */
  sync: (channel: PushChannel) => notification(channel, "sync", 1),
  /** The watched calendar changed. */
  exists: (channel: PushChannel, messageNumber: number) => notification(channel, "exists", messageNumber),
  /** The watched resource is gone. */
  notExists: (channel: PushChannel, messageNumber: number) => notification(channel, "not_exists", messageNumber)
}

/** Google channel headers: the registered token is the only credential. @since 0.1.0 */
export const signer = channelSigner

const EVENTS = "/calendar/v3/calendars/:calendarId/events"

const authenticate = (request: SimRequest, credentials: Credentials): Reply | undefined => {
  const header = request.headers.authorization
  if (header === undefined || header.length === 0) return missingCredentials()
  return header === `Bearer ${credentials.accessToken}` ? undefined : invalidCredentials()
}

/**
 * The Google Calendar simulator.
 *
 * @example
 * ```ts
 * const sim = await Simulator.start(GoogleCalendar.definition, { seed: 7 })
 * sim.faults.add(Faults.rule(Faults.error("rateLimitExceeded"), { operation: "events.insert", times: 1 }))
 * ```
 * @since 0.1.0
 */
export const definition: Definition<State, Credentials> = {
  provider: "googleCalendar",
  credentials: {
    accessToken: "ya29.a0AfH6SMC-wedsync-simulator-access-token",
    channelToken: "wedsync-channel-token-7d1f3c9a2b",
    accountEmail: "planner@wedsync.test"
  },
  state: makeState,
  routes: [
    { method: "POST", path: `${EVENTS}/watch`, operation: "events.watch", handle: handlers.watch },
    { method: "POST", path: EVENTS, operation: "events.insert", handle: handlers.insert },
    { method: "GET", path: EVENTS, operation: "events.list", handle: handlers.list },
    { method: "GET", path: `${EVENTS}/:eventId`, operation: "events.get", handle: handlers.get },
    { method: "PATCH", path: `${EVENTS}/:eventId`, operation: "events.patch", handle: handlers.patch },
    { method: "DELETE", path: `${EVENTS}/:eventId`, operation: "events.delete", handle: handlers.delete },
    { method: "POST", path: "/calendar/v3/channels/stop", operation: "channels.stop", handle: stop },
    { method: "POST", path: "/calendar/v3/freeBusy", operation: "freebusy.query", handle: freeBusy }
  ],
  authenticate,
  errors: catalogue,
  defaultErrors: {
    unavailable: "backendError",
    rateLimited: "tooManyRequests",
    providerPermanent: "authError",
    requestPermanent: "invalid"
  },
  notFound: () => notFoundReply(),
  invalidBody: () => parseError(),
  responseHeaders: () => ({
    server: "ESF",
    vary: "Origin, X-Origin, Referer",
    "cache-control": "private, max-age=0",
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "x-xss-protection": "0"
  }),
  signer: channelSigner
}
