/**
 * Reading Google's push-notification headers: pure functions from the
 * lower-cased header record of a `WebhookRequest` to the fields of a
 * notification, or the problem that makes it unreadable.
 *
 * @internal
 */

/** Google's `X-Goog-Resource-State` values for calendar event channels. @internal */
export const resourceStates = ["sync", "exists", "not_exists"] as const

/** One of {@link resourceStates}. @internal */
export type ResourceState = (typeof resourceStates)[number]

/** The header names, lower case as `WebhookRequest.headers` carries them. @internal */
export const headerNames = {
  channelId: "x-goog-channel-id",
  channelToken: "x-goog-channel-token",
  channelExpiration: "x-goog-channel-expiration",
  resourceId: "x-goog-resource-id",
  resourceUri: "x-goog-resource-uri",
  resourceState: "x-goog-resource-state",
  messageNumber: "x-goog-message-number"
} as const

/** The data a notification carries, decoded. @internal */
export interface ChannelHeaders {
  readonly channelId: string
  readonly resourceId: string
  readonly resourceUri: string | undefined
  readonly resourceState: ResourceState
  readonly messageNumber: number
  /** Epoch milliseconds; absent when Google sent none (a channel without expiry). */
  readonly channelExpiration: number | undefined
}

/** A header's value, or `undefined` when it is absent or blank. @internal */
export const headerOf = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const value = headers[name]
  return value === undefined || value.trim().length === 0 ? undefined : value.trim()
}

const isResourceState = (value: string): value is ResourceState =>
  (resourceStates as ReadonlyArray<string>).includes(value)

// Google numbers a channel's messages 1, 2, …; it sends them as decimal digits.
const messageNumberOf = (value: string | undefined): number | undefined =>
  value !== undefined && /^[1-9]\d{0,15}$/.test(value) && Number.isSafeInteger(Number(value))
    ? Number(value)
    : undefined

// Google sends an RFC 1123 date (`Tue, 19 Nov 2026 01:13:52 GMT`).
const expirationOf = (value: string | undefined): number | undefined | "invalid" => {
  if (value === undefined) return undefined
  const millis = Date.parse(value)
  return Number.isNaN(millis) ? "invalid" : millis
}

/**
 * Decodes everything but the token (which the caller checks first). Answers
 * the notification, or a description of the first problem for `PayloadInvalid`.
 *
 * @internal
 */
export const decodeHeaders = (
  headers: Readonly<Record<string, string>>,
  channelId: string
): ChannelHeaders | { readonly problem: string } => {
  const resourceId = headerOf(headers, headerNames.resourceId)
  if (resourceId === undefined) return { problem: "X-Goog-Resource-ID is missing" }
  const state = headerOf(headers, headerNames.resourceState)
  if (state === undefined) return { problem: "X-Goog-Resource-State is missing" }
  if (!isResourceState(state)) return { problem: "X-Goog-Resource-State is not sync, exists or not_exists" }
  const messageNumber = messageNumberOf(headerOf(headers, headerNames.messageNumber))
  if (messageNumber === undefined) return { problem: "X-Goog-Message-Number is missing or not a positive integer" }
  const expiration = expirationOf(headerOf(headers, headerNames.channelExpiration))
  if (expiration === "invalid") return { problem: "X-Goog-Channel-Expiration is not a date" }
  return {
    channelId,
    resourceId,
    resourceUri: headerOf(headers, headerNames.resourceUri),
    resourceState: state,
    messageNumber,
    channelExpiration: expiration
  }
}

/** The de-duplication key: Google numbers each channel's messages, so the pair is unique. @internal */
export const eventIdOf = (channelId: string, messageNumber: number): string => `${channelId}/${messageNumber}`
