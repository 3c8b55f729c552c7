/**
 * The Google Calendar `CalendarProvider`, on the official
 * `@googleapis/calendar` SDK (not the whole `googleapis`): insert, update
 * (patch), delete, list (with `syncToken` / `pageToken`) and free/busy, plus
 * Google's push channels (`watch`, `stop`) as the {@link Channels} service.
 *
 * Never book twice: an event's id comes from our business key
 * ({@link eventId}: base32hex of its SHA-256), the same on every retry and
 * after a restart. An insert that finds its id taken (Google's 409
 * `duplicate`) was made by an earlier attempt: the adapter fetches that event
 * and answers it, so a retry of a maybe-sent insert is safe and never
 * duplicates. Deleting an event that is already gone succeeds.
 *
 * Every failure is an `IntegrationError` classified by a pure table
 * (`internal/googleErrors.ts`, by Google's `errors[0].reason` before the
 * status: Google answers 403 for rate limits and for permissions alike) with
 * whether the request may have reached Google. gaxios' retries are off
 * (`retry: false`); each request is aborted when the Effect is interrupted
 * or the adapter's `timeout` passes, and tracked with core's `Wire`, so a
 * timeout before any byte was written is not sent.
 *
 * @example
 * ```ts
 * import { Config, Effect } from "effect"
 * import { CalendarProvider } from "@wedsync/core"
 * import { GoogleCalendar } from "@wedsync/adapter-calendar"
 *
 * const calendar = GoogleCalendar.layerConfig({ accessToken: Config.Redacted("GOOGLE_ACCESS_TOKEN") })
 * const book = Effect.gen(function* () {
 *   const google = yield* CalendarProvider.CalendarProvider
 *   return yield* google.insertEvent("primary", new CalendarProvider.CalendarEvent({
 *     id: GoogleCalendar.eventId("wedding:w_123/booking:b_77/tasting"),
 *     summary: "Cake tasting",
 *     start: { dateTime: "2026-06-01T15:00:00+01:00" },
 *     end: { dateTime: "2026-06-01T16:00:00+01:00" }
 *   }))
 * }).pipe(Effect.provide(calendar))
 * ```
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { type Config, Context, type Duration, Effect, Layer, type Redacted, Result } from "effect"
import { AdapterConfig, CalendarProvider, type IntegrationError } from "@wedsync/core"
import * as ChannelCalls from "./internal/channels.ts"
import {
  fromFreeBusy,
  fromGoogle,
  freeBusyBody,
  listParams,
  toGoogleEvent,
  toGoogleFields,
  toPage
} from "./internal/events.ts"
import {
  type Call,
  connect,
  failing,
  defaultBaseUrl as googleApi,
  defaultTimeout as googleTimeout
} from "./internal/googleClient.ts"
import {
  isDuplicate as duplicate,
  isFullSyncRequired as fullSyncRequired,
  isGone,
  PROVIDER
} from "./internal/googleErrors.ts"

/** Google's API root. @since 0.1.0 */
export const defaultBaseUrl: string = googleApi

/** The adapter's own timeout when the options give none (12 s, the calendar policy's). @since 0.1.0 */
export const defaultTimeout: Duration.Duration = googleTimeout

/** Options of the Google Calendar adapter. @since 0.1.0 */
export interface Options {
  /** An OAuth 2 access token with a calendar scope, sent as `Authorization: Bearer …`. */
  readonly accessToken: Redacted.Redacted<string>
  /** The API root, default {@link defaultBaseUrl}; a simulator's URL in tests. */
  readonly baseUrl?: string | undefined
  /** Aborts a request still running after this long, connecting included (default 12 s). */
  readonly timeout?: Duration.Input | undefined
}

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv"

/**
 * The Google event id of a business key: the SHA-256 of the key in lower-case
 * base32hex (`a`–`v`, `0`–`9`), 52 characters, which Google accepts as a
 * client-chosen id. The same key gives the same id on every retry, in every
 * process and after a restart; another key gives another. Throws a
 * `RangeError` for an empty key.
 *
 * @example
 * ```ts
 * GoogleCalendar.eventId("wedding:w_123/booking:b_77/ceremony") // 52 characters of a-v and 0-9
 * ```
 * @since 0.1.0
 */
export const eventId = (businessKey: string): string => {
  if (businessKey.length === 0) throw new RangeError("GoogleCalendar.eventId: the business key is empty")
  const digest = createHash("sha256").update(businessKey, "utf8").digest()
  let id = ""
  let buffer = 0
  let bits = 0
  for (const byte of digest) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      id += BASE32HEX[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return bits > 0 ? id + BASE32HEX[(buffer << (5 - bits)) & 31] : id
}

/**
 * Whether a failed listing means the sync token can no longer be used (a 410:
 * `fullSyncRequired`, `updatedMinTooLongAgo`): drop the token and list the
 * calendar again from scratch. `CalendarSync.sync` does so.
 *
 * @example
 * ```ts
 * Effect.catchIf(listing, GoogleCalendar.isFullSyncRequired, () => fullListing)
 * ```
 * @since 0.1.0
 */
export const isFullSyncRequired = (error: IntegrationError.IntegrationError): boolean => fullSyncRequired(error)

/** What {@link watch} asks Google for: our channel id (at most 64 characters), the HTTPS address, the token Google echoes in `X-Goog-Channel-Token`, and the TTL (Google's default 7 days). @since 0.1.0 */
export type WatchRequest = ChannelCalls.WatchRequest

/** An open push channel: its id, Google's resource id (needed to stop it), the calendar and the expiry (epoch ms). @since 0.1.0 */
export type Channel = ChannelCalls.Channel

/**
 * Google's push channels for one account: `watch` opens one on a calendar's
 * events, `stop` closes one (a channel already gone counts as stopped).
 * Provided by {@link layer} beside the `CalendarProvider`.
 *
 * @example
 * ```ts
 * const channel = yield* GoogleCalendar.watch("primary", { id: "wedsync-ch-1", address: "https://hooks.example.com/google", token })
 * ```
 * @since 0.1.0
 */
export class Channels extends Context.Service<
  Channels,
  {
    readonly watch: (
      calendarId: string,
      request: WatchRequest
    ) => Effect.Effect<Channel, IntegrationError.IntegrationError>
    readonly stop: (
      channel: Pick<Channel, "id" | "resourceId">
    ) => Effect.Effect<void, IntegrationError.IntegrationError>
  }
>()("@wedsync/adapter-calendar/GoogleCalendar/Channels") {}

/**
 * Opens a push channel on `calendarId`'s events (`events.watch`).
 *
 * @example
 * ```ts
 * GoogleCalendar.watch("primary", { id: crypto.randomUUID(), address: "https://hooks.example.com/google", ttl: "7 days" })
 * ```
 * @since 0.1.0
 */
export const watch = (
  calendarId: string,
  request: WatchRequest
): Effect.Effect<Channel, IntegrationError.IntegrationError, Channels> =>
  Effect.flatMap(Effect.service(Channels), (channels) => channels.watch(calendarId, request))

/**
 * Closes a push channel (`channels.stop`); one already gone counts as stopped.
 *
 * @example
 * ```ts
 * GoogleCalendar.stop(channel)
 * ```
 * @since 0.1.0
 */
export const stop = (
  channel: Pick<Channel, "id" | "resourceId">
): Effect.Effect<void, IntegrationError.IntegrationError, Channels> =>
  Effect.flatMap(Effect.service(Channels), (channels) => channels.stop(channel))

const provider = (call: Call): CalendarProvider.CalendarProvider["Service"] => {
  const getEvent = (operation: string, calendarId: string, id: string) =>
    call(operation, (sdk, options) => sdk.events.get({ calendarId, eventId: id }, options)).pipe(
      Effect.flatMap((data) => fromGoogle(operation, data))
    )
  const insertEvent = (
    calendarId: string,
    event: CalendarProvider.CalendarEvent,
    options?: CalendarProvider.InsertEventOptions
  ) =>
    call("insertEvent", (sdk, methodOptions) =>
      sdk.events.insert(
        {
          calendarId,
          requestBody: toGoogleEvent(event),
          ...(options?.sendUpdates === undefined ? {} : { sendUpdates: options.sendUpdates })
        },
        methodOptions
      )
    ).pipe(
      Effect.flatMap((data) => fromGoogle("insertEvent", data)),
      Effect.catchIf(
        (error) => duplicate(error) && event.id !== undefined,
        // Our id is taken: an earlier attempt went through. Answer that event; if Google
        // cannot find it after all, the duplicate stands.
        (conflict) =>
          getEvent("insertEvent", calendarId, event.id ?? "").pipe(
            Effect.catchIf(
              (error) => error.status === 404,
              () => Effect.fail(conflict)
            )
          )
      )
    )
  return CalendarProvider.CalendarProvider.of({
    provider: PROVIDER,
    insertEvent,
    updateEvent: (calendarId, id, patch) =>
      call("updateEvent", (sdk, options) =>
        sdk.events.patch({ calendarId, eventId: id, requestBody: toGoogleFields(patch) }, options)
      ).pipe(Effect.flatMap((data) => fromGoogle("updateEvent", data))),
    deleteEvent: (calendarId, id) =>
      call("deleteEvent", (sdk, options) => sdk.events.delete({ calendarId, eventId: id }, options), "none").pipe(
        Effect.asVoid,
        // Already deleted (410) or never there (404): the event is gone, so a retry succeeds.
        Effect.catchIf(isGone, () => Effect.void)
      ),
    listEvents: (calendarId, options) =>
      call("listEvents", (sdk, methodOptions) => sdk.events.list(listParams(calendarId, options), methodOptions)).pipe(
        Effect.flatMap(toPage)
      ),
    freeBusy: (request) =>
      call("freeBusy", (sdk, options) => sdk.freebusy.query({ requestBody: freeBusyBody(request) }, options)).pipe(
        Effect.flatMap((data) => fromFreeBusy(request, data))
      )
  })
}

const channels = (call: Call): Channels["Service"] =>
  Channels.of({
    watch: (calendarId, request) => ChannelCalls.watch(call, calendarId, request),
    stop: (channel) => ChannelCalls.stop(call, channel)
  })

/**
 * Builds the Google Calendar `CalendarProvider` service. With options that
 * fail their check every call fails with the `Misconfigured` error naming
 * the option; `layer` fails to build instead.
 *
 * @example
 * ```ts
 * const calendar = GoogleCalendar.make({ accessToken: Redacted.make("ya29…"), baseUrl: "http://127.0.0.1:8085/" })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): CalendarProvider.CalendarProvider["Service"] =>
  provider(Result.getOrElse(connect(options), failing))

/**
 * Builds the {@link Channels} service for one account, as {@link make} does
 * the `CalendarProvider`.
 *
 * @example
 * ```ts
 * const channels = GoogleCalendar.makeChannels({ accessToken: Redacted.make("ya29…") })
 * ```
 * @since 0.1.0
 */
export const makeChannels = (options: Options): Channels["Service"] =>
  channels(Result.getOrElse(connect(options), failing))

const build = (options: Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(connect(options))),
    (call) =>
      Context.make(CalendarProvider.CalendarProvider, provider(call)).pipe(Context.add(Channels, channels(call)))
  )

/**
 * The Google Calendar layer: the `CalendarProvider` and the {@link Channels}
 * of one account. Fails to build with `Misconfigured`, naming the option,
 * when `accessToken` is empty or blank, `baseUrl` is not an http(s) URL or
 * `timeout` is not a duration a timer can hold.
 *
 * @example
 * ```ts
 * const calendar = GoogleCalendar.layer({ accessToken: Redacted.make(token), timeout: "10 seconds" })
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<CalendarProvider.CalendarProvider | Channels, IntegrationError.IntegrationError> =>
  Layer.effectContext(build(options))

/**
 * The Google Calendar layer with its options read from `Config`. A value that
 * cannot be read (a missing `GOOGLE_ACCESS_TOKEN`) or fails its check fails
 * the layer as `Misconfigured`, naming the variable or the option.
 *
 * @example
 * ```ts
 * const calendar = GoogleCalendar.layerConfig({
 *   accessToken: Config.Redacted("GOOGLE_ACCESS_TOKEN"),
 *   baseUrl: Config.String("GOOGLE_CALENDAR_BASE_URL").pipe(Config.withDefault(GoogleCalendar.defaultBaseUrl))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<CalendarProvider.CalendarProvider | Channels, IntegrationError.IntegrationError> =>
  Layer.effectContext(Effect.flatMap(AdapterConfig.unwrap(PROVIDER, config), build))
