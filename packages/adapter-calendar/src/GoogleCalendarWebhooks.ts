/**
 * Google Calendar push notifications as a core `WebhookSource`.
 *
 * `events.watch` opens a channel: we choose its id and an unguessable token,
 * and Google then POSTs an empty body with `X-Goog-*` headers to our address
 * whenever the watched calendar changes. Google signs nothing, so what
 * authenticates a notification is the token it echoes in
 * `X-Goog-Channel-Token` (compared in constant time with each configured
 * token, `Redacted` here) and a channel id we opened ({@link Options.channels}).
 *
 * - no token, or one we never registered → `SignatureInvalid`;
 * - a channel id we did not open (or already stopped) → `SignatureInvalid`:
 *   a channel is part of the credential, and a stopped one may still be
 *   delivered to until it expires;
 * - missing `X-Goog-Resource-ID`, a `X-Goog-Resource-State` other than
 *   `sync`, `exists` or `not_exists`, a message number that is not a positive
 *   integer, an expiration that is not a date → `PayloadInvalid`.
 *
 * The event's `type` is the resource state, its `id` (the de-duplication key)
 * `"<channel id>/<message number>"`: Google numbers each channel's messages,
 * and a redelivery carries the same number. The body is not read: Google
 * sends none, and the token does not cover it.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { WebhookSource } from "@wedsync/core"
 * import { GoogleCalendarWebhooks } from "@wedsync/adapter-calendar"
 *
 * const source = GoogleCalendarWebhooks.layer({
 *   token: Redacted.make(process.env.GOOGLE_CHANNEL_TOKEN ?? ""),
 *   channels: (channelId) => channelStore.isOpen(channelId)
 * })
 * const receive = (request: WebhookSource.WebhookRequest) =>
 *   Effect.flatMap(Effect.service(WebhookSource.WebhookSource), (google) => google.verify(request))
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Effect, type Layer, Redacted } from "effect"
import { ConstantTime, IntegrationError, WebhookSource } from "@wedsync/core"
import {
  type ChannelHeaders,
  decodeHeaders,
  eventIdOf,
  headerNames,
  headerOf,
  type ResourceState,
  resourceStates
} from "./internal/channelHeaders.ts"

const PROVIDER = "google"

/**
 * Whether a channel id is one we opened. A function may look it up in a
 * store; its own failure is the call's failure (an `Unavailable` store is
 * retried by the pipeline, never taken as "unknown").
 *
 * @example
 * ```ts
 * const lookup: GoogleCalendarWebhooks.ChannelLookup = (channelId) => Effect.succeed(channelId.startsWith("wedsync-"))
 * ```
 * @since 0.1.0
 */
export type ChannelLookup = (channelId: string) => Effect.Effect<boolean, IntegrationError.IntegrationError>

/**
 * Options of the Google Calendar webhook source.
 *
 * @example
 * ```ts
 * const options: GoogleCalendarWebhooks.Options = { token: Redacted.make("ch-token…"), channels: ["wedsync-ch-w123"] }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /**
   * The token registered in `events.watch`, or several while rolling it: a
   * notification carrying any of them passes.
   */
  readonly token: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  /** The channels we opened: their ids, or a lookup. */
  readonly channels: ReadonlySet<string> | ReadonlyArray<string> | ChannelLookup
}

/**
 * The resource states Google sends for event channels.
 *
 * @example
 * ```ts
 * GoogleCalendarWebhooks.states // ["sync", "exists", "not_exists"]
 * ```
 * @since 0.1.0
 */
export const states: ReadonlyArray<ResourceState> = resourceStates

/**
 * A verified notification's payload (`WebhookEvent.payload`).
 *
 * @example
 * ```ts
 * const notification = event.payload as GoogleCalendarWebhooks.Notification
 * if (notification.resourceState === "exists") yield* resync(notification.channelId)
 * ```
 * @since 0.1.0
 */
export interface Notification extends ChannelHeaders {}

const forged = (description: string) =>
  IntegrationError.make(PROVIDER, "webhook", new IntegrationError.SignatureInvalid({ description }))

const unreadable = (description: string) =>
  IntegrationError.make(PROVIDER, "webhook", new IntegrationError.PayloadInvalid({ description }))

const misconfigured = (description: string) =>
  IntegrationError.make(PROVIDER, "webhook.configure", new IntegrationError.Misconfigured({ description }))

const tokensOf = (token: Options["token"]): ReadonlyArray<Redacted.Redacted<string>> =>
  Redacted.isRedacted(token) ? [token] : token

const lookupOf = (channels: Options["channels"]): ChannelLookup => {
  if (typeof channels === "function") return channels
  const known: ReadonlySet<string> = channels instanceof Set ? channels : new Set(channels)
  return (channelId) => Effect.succeed(known.has(channelId))
}

// Every token is compared, so the time taken does not tell which one (or whether any) matched.
const matchesAny = (given: string, tokens: ReadonlyArray<string>): boolean =>
  tokens.reduce((matched, token) => ConstantTime.equals(given, token) || matched, false)

const toEvent = (notification: ChannelHeaders): WebhookSource.WebhookEvent => ({
  provider: PROVIDER,
  id: eventIdOf(notification.channelId, notification.messageNumber),
  type: notification.resourceState,
  payload: notification satisfies Notification
})

/**
 * Builds the Google Calendar webhook source. Fails with `Misconfigured` when
 * no token is given or one is blank, or the channels are neither ids nor a lookup.
 *
 * @example
 * ```ts
 * const source = yield* GoogleCalendarWebhooks.make({ token: Redacted.make("ch-token…"), channels: ["wedsync-ch-1"] })
 * ```
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<WebhookSource.WebhookSource["Service"], IntegrationError.IntegrationError> =>
  Effect.suspend(() => {
    const tokens = tokensOf(options.token)
    if (tokens.length === 0) return Effect.fail(misconfigured("no channel token given"))
    if (!tokens.every(Redacted.isRedacted)) return Effect.fail(misconfigured("a channel token is not Redacted"))
    const values = tokens.map((token) => Redacted.value(token))
    const blank = values.findIndex((token) => token.trim().length === 0)
    if (blank >= 0) return Effect.fail(misconfigured(`channel token #${blank + 1} is blank`))
    const channels = options.channels as unknown
    if (typeof channels !== "function" && !(channels instanceof Set) && !Array.isArray(channels)) {
      return Effect.fail(misconfigured("channels must be a set or array of channel ids, or a lookup"))
    }
    const isOpen = lookupOf(options.channels)
    const verify = (request: WebhookSource.WebhookRequest) => {
      const token = headerOf(request.headers, headerNames.channelToken)
      if (token === undefined) return Effect.fail(forged("X-Goog-Channel-Token is missing"))
      if (!matchesAny(token, values)) return Effect.fail(forged("X-Goog-Channel-Token matches no registered token"))
      const channelId = headerOf(request.headers, headerNames.channelId)
      if (channelId === undefined) return Effect.fail(forged("X-Goog-Channel-ID is missing"))
      return Effect.flatMap(isOpen(channelId), (open) => {
        if (!open) return Effect.fail(forged("X-Goog-Channel-ID is not a channel we opened"))
        const decoded = decodeHeaders(request.headers, channelId)
        return "problem" in decoded ? Effect.fail(unreadable(decoded.problem)) : Effect.succeed(toEvent(decoded))
      })
    }
    // Nothing thrown while verifying (a lookup's defect included) escapes as a defect.
    return Effect.succeed(WebhookSource.guarded(PROVIDER, verify, values))
  })

/**
 * The Google Calendar webhook source layer.
 *
 * @example
 * ```ts
 * const source = GoogleCalendarWebhooks.layer({
 *   token: Redacted.make(process.env.GOOGLE_CHANNEL_TOKEN ?? ""),
 *   channels: new Set(["wedsync-ch-w123"])
 * })
 * ```
 * @since 0.1.0
 */
export const layer: (options: Options) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> =
  WebhookSource.layerOf(make)

/**
 * The Google Calendar webhook source with its options read from `Config`.
 *
 * @example
 * ```ts
 * const source = GoogleCalendarWebhooks.layerConfig({
 *   token: Config.Redacted("GOOGLE_CHANNEL_TOKEN"),
 *   channels: Config.Array(Schema.String, "GOOGLE_CHANNEL_IDS")
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig: (
  config: Config.Wrap<Options>
) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> = WebhookSource.layerConfigOf(
  PROVIDER,
  make
)
