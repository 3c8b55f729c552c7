/**
 * Incremental calendar sync and push-channel renewal.
 *
 * {@link sync} lists what changed in a calendar since the last sync: it keeps
 * Google's `nextSyncToken` per calendar in a {@link SyncTokens} store, lists
 * with it across every page, and answers the changed events and the ids of
 * the deleted ones. When the token can no longer be used (the port's 410:
 * Google's `fullSyncRequired`) it drops the token and lists the whole
 * calendar again (`full: true`: replace what you hold, anything not listed
 * is gone). It runs on any `CalendarProvider`, so a webhook handler calls it
 * when a channel says `exists` ("sync this calendar now"), and a periodic
 * poll calls it too, since Google says push notifications are not 100%
 * reliable.
 *
 * {@link keepWatching} opens a push channel and keeps one open: Google never
 * renews a channel, so before each one expires (by default when a tenth of
 * its lifetime, at most an hour, remains) it opens a new one with a new id,
 * then stops the old one (both are live for a moment: a change in between is
 * announced twice, and syncing twice is harmless). A failed renewal is
 * retried on a `Schedule`; closing the scope stops the current channel.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CalendarSync } from "@wedsync/adapter-calendar"
 *
 * const onExists = (calendarId: string) =>
 *   CalendarSync.sync(calendarId).pipe(
 *     Effect.tap((result) => applyChanges(result.changed, result.deletedEventIds, result.full))
 *   )
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Context, Duration, Effect, Layer, type Redacted, Ref, Schedule, type Scope } from "effect"
import { CalendarProvider, IntegrationError, type StoreError } from "@wedsync/core"
import * as GoogleCalendar from "./GoogleCalendar.ts"

/**
 * Where the sync token of each calendar is kept between syncs. A lost token
 * costs one full listing, never a missed change.
 *
 * @example
 * ```ts
 * const tokens = yield* CalendarSync.SyncTokens
 * yield* tokens.remove("primary") // the next sync lists the whole calendar
 * ```
 * @since 0.1.0
 */
export class SyncTokens extends Context.Service<
  SyncTokens,
  {
    readonly get: (calendarId: string) => Effect.Effect<string | undefined, StoreError.StoreError>
    readonly set: (calendarId: string, token: string) => Effect.Effect<void, StoreError.StoreError>
    readonly remove: (calendarId: string) => Effect.Effect<void, StoreError.StoreError>
  }
>()("@wedsync/adapter-calendar/CalendarSync/SyncTokens") {}

/**
 * Sync tokens in this process's memory (lost on restart: the first sync
 * after it is a full listing).
 *
 * @example
 * ```ts
 * const tokens = CalendarSync.makeMemory()
 * ```
 * @since 0.1.0
 */
export const makeMemory = (): SyncTokens["Service"] => {
  const tokens = new Map<string, string>()
  return SyncTokens.of({
    get: (calendarId) => Effect.sync(() => tokens.get(calendarId)),
    set: (calendarId, token) => Effect.sync(() => void tokens.set(calendarId, token)),
    remove: (calendarId) => Effect.sync(() => void tokens.delete(calendarId))
  })
}

/**
 * The in-memory {@link SyncTokens} as a layer.
 *
 * @example
 * ```ts
 * CalendarSync.sync("primary").pipe(Effect.provide(CalendarSync.layerMemory))
 * ```
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<SyncTokens> = Layer.sync(SyncTokens, makeMemory)

/** What a sync found. @since 0.1.0 */
export interface SyncResult {
  readonly calendarId: string
  /**
   * `true` when the calendar was listed from scratch (the first sync, or the
   * token had expired): `changed` is then the whole calendar, and any event
   * you hold that is not in it is gone.
   */
  readonly full: boolean
  /** Events created or changed since the last sync (every event, when `full`). */
  readonly changed: ReadonlyArray<CalendarProvider.CalendarEvent>
  /** Ids of events deleted since the last sync. */
  readonly deletedEventIds: ReadonlyArray<string>
}

/** Options of {@link sync}. @since 0.1.0 */
export interface SyncOptions {
  /** Page size asked of the provider (Google: up to 2500; default the provider's). */
  readonly maxResults?: number | undefined
  /** Pages read in one sync before it fails as `Unavailable`, a guard against a provider that pages forever (default 1000). */
  readonly maxPages?: number | undefined
}

interface Listing {
  readonly changed: Array<CalendarProvider.CalendarEvent>
  readonly deletedEventIds: Array<string>
  readonly nextSyncToken: string | undefined
}

const tooManyPages = (provider: string, calendarId: string, maxPages: number): IntegrationError.IntegrationError =>
  IntegrationError.make(
    provider,
    "sync",
    new IntegrationError.Unavailable({ description: `${calendarId} still had more pages after ${maxPages}` })
  )

const listAll = (
  calendar: CalendarProvider.CalendarProvider["Service"],
  calendarId: string,
  syncToken: string | undefined,
  options: SyncOptions
) =>
  Effect.gen(function* () {
    const listing: Listing = { changed: [], deletedEventIds: [], nextSyncToken: undefined }
    const maxPages = options.maxPages ?? 1000
    let pageToken: string | undefined
    for (let pages = 0; pages < maxPages; pages++) {
      const page = yield* calendar.listEvents(calendarId, {
        ...(pageToken === undefined ? (syncToken === undefined ? {} : { syncToken }) : { pageToken }),
        ...(options.maxResults === undefined ? {} : { maxResults: options.maxResults })
      })
      listing.changed.push(...page.events)
      listing.deletedEventIds.push(...(page.deletedEventIds ?? []))
      if (page.nextPageToken === undefined) return { ...listing, nextSyncToken: page.nextSyncToken }
      pageToken = page.nextPageToken
    }
    return yield* Effect.fail(tooManyPages(calendar.provider, calendarId, maxPages))
  })

/**
 * Syncs one calendar: lists what changed since the last sync (every page),
 * keeps the new sync token, and answers the changes. A token the provider no
 * longer accepts (the port's 410) is dropped and the calendar listed again
 * from scratch, with `full: true`. Call it when a push channel says `exists`.
 *
 * @example
 * ```ts
 * const result = yield* CalendarSync.sync("primary")
 * // { calendarId: "primary", full: false, changed: [ … ], deletedEventIds: ["ev…"] }
 * ```
 * @since 0.1.0
 */
export const sync = (
  calendarId: string,
  options: SyncOptions = {}
): Effect.Effect<
  SyncResult,
  IntegrationError.IntegrationError | StoreError.StoreError,
  CalendarProvider.CalendarProvider | SyncTokens
> =>
  Effect.gen(function* () {
    const calendar = yield* CalendarProvider.CalendarProvider
    const tokens = yield* SyncTokens
    const token = yield* tokens.get(calendarId)
    const full = () =>
      Effect.map(listAll(calendar, calendarId, undefined, options), (listing) => ({ listing, full: true }))
    const { listing, full: wasFull } =
      token === undefined
        ? yield* full()
        : yield* listAll(calendar, calendarId, token, options).pipe(
            Effect.map((listing) => ({ listing, full: false })),
            // The port's promise: a token the provider no longer accepts fails with status 410.
            Effect.catchIf(
              (error) => error.status === 410,
              () => Effect.andThen(tokens.remove(calendarId), full())
            )
          )
    if (listing.nextSyncToken !== undefined) yield* tokens.set(calendarId, listing.nextSyncToken)
    return {
      calendarId,
      full: wasFull,
      changed: listing.changed,
      deletedEventIds: listing.deletedEventIds
    } satisfies SyncResult
  })

/** Options of {@link keepWatching}. @since 0.1.0 */
export interface WatchOptions {
  readonly calendarId: string
  /** The HTTPS address Google posts notifications to. */
  readonly address: string
  /**
   * The token of a channel, echoed by Google in `X-Goog-Channel-Token`, made
   * for each new channel id (e.g. an HMAC of the id) so a renewed channel has
   * its own; none by default.
   */
  readonly token?: ((channelId: string) => Redacted.Redacted<string>) | undefined
  /** The lifetime asked for each channel (Google's default 7 days when absent). */
  readonly ttl?: Duration.Input | undefined
  /** A new channel id (at most 64 characters); a random UUID by default. */
  readonly channelId?: (() => string) | undefined
  /** How long before its expiry a channel is renewed, given its lifetime; default {@link defaultRenewBefore}. */
  readonly renewBefore?: ((lifetime: Duration.Duration) => Duration.Duration) | undefined
  /** How a failed renewal is retried; default {@link defaultRenewalRetry}. */
  readonly retry?: Schedule.Schedule<unknown, IntegrationError.IntegrationError> | undefined
}

/**
 * Renew when a tenth of the channel's lifetime remains, but at most an hour
 * before it expires: a 7-day channel is renewed an hour early, a 1-hour one
 * six minutes early.
 *
 * @example
 * ```ts
 * CalendarSync.defaultRenewBefore(Duration.days(7)) // 1 hour
 * ```
 * @since 0.1.0
 */
export const defaultRenewBefore = (lifetime: Duration.Duration): Duration.Duration =>
  Duration.min(Duration.times(lifetime, 0.1), Duration.hours(1))

/**
 * A failed renewal is tried again after 1 s, 2 s, 4 s … at most every 5
 * minutes, for as long as the scope is open: the old channel keeps
 * notifying until it expires, and a periodic sync covers any gap after.
 *
 * @example
 * ```ts
 * CalendarSync.keepWatching({ calendarId, address, retry: CalendarSync.defaultRenewalRetry })
 * ```
 * @since 0.1.0
 */
export const defaultRenewalRetry: Schedule.Schedule<unknown, IntegrationError.IntegrationError> = Schedule.min([
  Schedule.exponential("1 second"),
  Schedule.spaced("5 minutes")
])

/** A channel kept open by {@link keepWatching}. @since 0.1.0 */
export interface Watching {
  /** The channel open now (it changes at each renewal). */
  readonly current: Effect.Effect<GoogleCalendar.Channel>
}

interface Opened {
  readonly channel: GoogleCalendar.Channel
  readonly openedAt: number
}

/**
 * Opens a push channel on a calendar and keeps one open for as long as the
 * scope is: each channel is replaced by a new one (new id, new token) before
 * it expires, and the old one stopped; closing the scope stops the current
 * one. Fails only when the first channel cannot be opened.
 *
 * @example
 * ```ts
 * const watching = yield* CalendarSync.keepWatching({
 *   calendarId: "primary",
 *   address: "https://hooks.example.com/google-calendar",
 *   token: (channelId) => Redacted.make(hmac(secret, channelId)),
 *   ttl: "7 days"
 * })
 * ```
 * @since 0.1.0
 */
export const keepWatching = (
  options: WatchOptions
): Effect.Effect<Watching, IntegrationError.IntegrationError, GoogleCalendar.Channels | Scope.Scope> =>
  Effect.gen(function* () {
    const channels = yield* GoogleCalendar.Channels
    const newId = options.channelId ?? randomUUID
    const renewBefore = options.renewBefore ?? defaultRenewBefore
    const open = Effect.gen(function* () {
      const id = newId()
      const openedAt = yield* Clock.currentTimeMillis
      const channel = yield* channels.watch(options.calendarId, {
        id,
        address: options.address,
        token: options.token?.(id),
        ttl: options.ttl
      })
      return { channel, openedAt } satisfies Opened
    })
    const current = yield* Ref.make(yield* open)
    // Registered before the renewal fiber, so it runs after that fiber is interrupted.
    yield* Effect.addFinalizer(() =>
      Ref.get(current).pipe(
        Effect.flatMap(({ channel }) => channels.stop(channel)),
        Effect.ignore
      )
    )
    const renew = Effect.gen(function* () {
      const { channel, openedAt } = yield* Ref.get(current)
      const lifetime = Duration.millis(Math.max(0, channel.expiration - openedAt))
      const now = yield* Clock.currentTimeMillis
      const renewAt = channel.expiration - Duration.toMillis(renewBefore(lifetime))
      // At least a second apart, whatever the clocks say: never a tight loop of watch calls.
      yield* Effect.sleep(Duration.millis(Math.max(1_000, renewAt - now)))
      const next = yield* Effect.retry(open, options.retry ?? defaultRenewalRetry)
      yield* Ref.set(current, next)
      // The old channel expires on its own if this fails; a duplicate notification until then is harmless.
      yield* Effect.ignore(channels.stop(channel))
    })
    yield* Effect.forkScoped(Effect.forever(renew))
    return { current: Effect.map(Ref.get(current), (opened) => opened.channel) }
  })
