/**
 * Google's push channels on the SDK: `events.watch` opens one, with our
 * channel id, token, address and TTL; `channels.stop` closes one. A channel
 * Google no longer knows (404: stopped already, or expired) counts as
 * stopped, so a retried stop succeeds.
 *
 * @internal
 */
import type { calendar_v3 } from "@googleapis/calendar"
import { Duration, Effect, Redacted } from "effect"
import type { IntegrationError } from "@wedsync/core"
import type { Call } from "./googleClient.ts"
import { isGone, malformed } from "./googleErrors.ts"

/** What `watch` asks Google for. @internal */
export interface WatchRequest {
  readonly id: string
  readonly address: string
  readonly token?: Redacted.Redacted<string> | undefined
  readonly ttl?: Duration.Input | undefined
}

/** An open channel. @internal */
export interface Channel {
  readonly id: string
  readonly resourceId: string
  readonly calendarId: string
  /** When Google stops sending, in epoch milliseconds. */
  readonly expiration: number
}

const watchBody = (request: WatchRequest): calendar_v3.Schema$Channel => {
  const ttl = request.ttl === undefined ? undefined : Duration.fromInput(request.ttl)
  return {
    id: request.id,
    type: "web_hook",
    address: request.address,
    ...(request.token === undefined ? {} : { token: Redacted.value(request.token) }),
    ...(ttl === undefined || ttl._tag === "None"
      ? {}
      : { params: { ttl: String(Math.max(1, Math.floor(Duration.toSeconds(ttl.value)))) } })
  }
}

/** Opens a channel on `calendarId`'s events. @internal */
export const watch = (
  call: Call,
  calendarId: string,
  request: WatchRequest
): Effect.Effect<Channel, IntegrationError.IntegrationError> =>
  call("watch", (sdk, options) => sdk.events.watch({ calendarId, requestBody: watchBody(request) }, options)).pipe(
    Effect.flatMap((data) => {
      const expiration = Number(data.expiration)
      return typeof data.id === "string" && typeof data.resourceId === "string" && Number.isFinite(expiration)
        ? Effect.succeed({ id: data.id, resourceId: data.resourceId, calendarId, expiration })
        : Effect.fail(malformed("watch", 200))
    })
  )

/** Closes a channel; one Google no longer knows is closed already. @internal */
export const stop = (
  call: Call,
  channel: Pick<Channel, "id" | "resourceId">
): Effect.Effect<void, IntegrationError.IntegrationError> =>
  call(
    "stop",
    (sdk, options) => sdk.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } }, options),
    "none"
  ).pipe(
    Effect.asVoid,
    Effect.catchIf(isGone, () => Effect.void)
  )
