/**
 * Google push notifications: `events.watch` opens a channel, `channels.stop`
 * closes it, and every change to a watched calendar is announced to the
 * channel's address.
 *
 * A notification is a POST with an empty body and `X-Goog-*` headers; Google
 * signs nothing. What authenticates it is the `token` the client registered in
 * `events.watch`, echoed in `X-Goog-Channel-Token`, which the receiver compares
 * in constant time. There is no timestamp and no body to tamper with, so only
 * `wrongSecret` and `missingHeader` deliveries must be refused.
 *
 * @since 0.1.0
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import type { Signer, WebhookEvent } from "../../Webhooks.ts"
import { globalError, invalid, parseError, required } from "./errors.ts"
import type { Channel, State } from "./state.ts"

const DEFAULT_TTL_MILLIS = 7 * 24 * 60 * 60 * 1000
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"])
const WRONG_TOKEN = "forged-channel-token"

/** What a notification needs from a channel. @since 0.1.0 */
export interface PushChannel {
  readonly id: string
  readonly resourceId: string
  readonly resourceUri: string
  readonly token?: string
  /** Epoch milliseconds. */
  readonly expiration: number
  /** Where Google posts; defaults to the simulator's webhook URL. */
  readonly address?: string
}

/** `sync` when a channel opens, `exists` when the resource changed, `not_exists` when it is gone. @since 0.1.0 */
export type ResourceState = "sync" | "exists" | "not_exists"

/**
 * A push notification as Google sends it: empty body, channel headers.
 *
 * @example
 * ```ts
 * const event = notification({ id: "ch1", resourceId: "r1", resourceUri: "https://…", expiration: Date.now() + 60_000 }, "sync", 1)
 * ```
 * @since 0.1.0
 */
export const notification = (channel: PushChannel, state: ResourceState, messageNumber: number): WebhookEvent => ({
  id: `${channel.id}/${messageNumber}`,
  type: state,
  contentType: "application/json; charset=UTF-8",
  body: "",
  headers: {
    "x-goog-channel-id": channel.id,
    ...(channel.token === undefined ? {} : { "x-goog-channel-token": channel.token }),
    "x-goog-channel-expiration": new Date(channel.expiration).toUTCString(),
    "x-goog-resource-id": channel.resourceId,
    "x-goog-resource-uri": channel.resourceUri,
    "x-goog-resource-state": state,
    "x-goog-message-number": String(messageNumber)
  },
  ...(channel.address === undefined ? {} : { url: channel.address })
})

/**
 * The "signer" of Google's channel headers. The token a delivery carries is the
 * one its channel registered; an event without one (built by hand) carries
 * `credentials.channelToken`. `wrongSecret` sends a forged token.
 *
 * @since 0.1.0
 */
export const signer: Signer<{ readonly channelToken: string }> = {
  secret: (credentials) => credentials.channelToken,
  wrongSecret: WRONG_TOKEN,
  signatureHeaders: ["x-goog-channel-token"],
  timestamped: false,
  signsBody: false,
  sign: ({ event, secret }) => ({
    headers: {
      "x-goog-channel-token": secret === WRONG_TOKEN ? secret : (event.headers?.["x-goog-channel-token"] ?? secret)
    }
  })
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const checkAddress = (address: unknown): string | Reply => {
  if (typeof address !== "string" || address.length === 0) return required("Missing channel address.")
  let url: URL
  try {
    url = new URL(address)
  } catch {
    return invalid(`Invalid channel address: ${address}`)
  }
  // Google insists on HTTPS; plain HTTP is let through for local receivers only, so tests can listen.
  if (url.protocol === "https:" || (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname))) return address
  return globalError(400, "push.webhookUrlNotHttps", `WebHook callback must be HTTPS: ${address}`)
}

const expirationOf = (body: Record<string, unknown>, now: number): number => {
  const ttl = isRecord(body.params) ? Number(body.params.ttl) : Number.NaN
  if (Number.isFinite(ttl) && ttl > 0) return now + ttl * 1000
  const requested = Number(body.expiration)
  return Number.isFinite(requested) && requested > now ? requested : now + DEFAULT_TTL_MILLIS
}

const bodyOf = (request: SimRequest): Record<string, unknown> | undefined => {
  const body = request.json()
  return isRecord(body) ? body : undefined
}

/**
 * Answers `events.watch` for a resolved calendar: opens the channel and sends
 * its `sync` message.
 *
 * @since 0.1.0
 */
export const watch = (
  request: SimRequest,
  context: HandlerContext<State, unknown>,
  calendarId: string,
  requestedCalendarId: string
): Reply => {
  const body = bodyOf(request)
  if (body === undefined) return parseError()
  const { id, type, token } = body
  if (typeof id !== "string" || id.length === 0) return required("Missing channel id.")
  if (type !== "web_hook" && type !== "webhook") return invalid(`Invalid value for channel type: ${String(type)}`)
  if (token !== undefined && typeof token !== "string") return invalid("Invalid channel token.")
  if (context.state.channels.has(id)) return globalError(400, "channelIdNotUnique", `Channel id ${id} not unique`)
  const address = checkAddress(body.address)
  if (typeof address !== "string") return address
  const now = Date.now()
  const channel: Channel = {
    id,
    resourceId: context.id("", 27),
    resourceUri: `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(requestedCalendarId)}/events?alt=json`,
    calendarId,
    address,
    expiration: expirationOf(body, now),
    messageNumber: 1,
    ...(token === undefined ? {} : { token })
  }
  context.state.channels.set(id, channel)
  context.ledger.sideEffect({ kind: "channel", id, data: { calendarId, address } })
  context.emit(notification(channel, "sync", channel.messageNumber))
  return {
    status: 200,
    body: {
      kind: "api#channel",
      id,
      resourceId: channel.resourceId,
      resourceUri: channel.resourceUri,
      ...(token === undefined ? {} : { token }),
      expiration: String(channel.expiration)
    }
  }
}

/**
 * Answers `channels.stop`: 204 for an open channel, 404 otherwise.
 *
 * @since 0.1.0
 */
export const stop = (request: SimRequest, context: HandlerContext<State, unknown>): Reply => {
  const body = bodyOf(request)
  if (body === undefined) return parseError()
  const id = body.id
  const channel = typeof id === "string" ? context.state.channels.get(id) : undefined
  if (channel === undefined || channel.resourceId !== body.resourceId) {
    return globalError(404, "notFound", `Channel '${String(id)}' not found for project 'wedsync-simulator'`)
  }
  context.state.channels.delete(channel.id)
  context.ledger.sideEffect({ kind: "channel.stop", id: channel.id })
  return { status: 204 }
}

/**
 * Announces a change of a calendar (`exists`) to every open channel watching it.
 *
 * @since 0.1.0
 */
export const announce = (context: HandlerContext<State, unknown>, calendarId: string): void => {
  const now = Date.now()
  for (const channel of context.state.channels.values()) {
    if (channel.calendarId !== calendarId || channel.expiration <= now) continue
    channel.messageNumber++
    context.emit(notification(channel, "exists", channel.messageNumber))
  }
}
