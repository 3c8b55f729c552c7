/**
 * Observations from what the rest of WedSync already has: an inbound
 * webhook (its booking or wedding read from the metadata WedSync put on
 * what it sent, which providers echo back), a core `DeliveryEvent` (keyed
 * by its message id, which `Watchdog.link` ties to a booking), and a
 * failover run's attempts (one observation per provider tried). Pure
 * functions: nothing here touches the store.
 *
 * @internal
 */
import type { DeliveryEvent, WebhookSource } from "@wedsync/core"
import type { Observation } from "./watchdogModel.ts"
import type { Received } from "./processing.ts"

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const metadataOf = (payload: unknown): ReadonlyArray<Readonly<Record<string, unknown>>> => {
  if (!isRecord(payload)) return []
  const found: Array<Readonly<Record<string, unknown>>> = []
  for (const name of ["metadata", "Metadata"]) {
    const value = payload[name]
    if (isRecord(value)) found.push(value)
  }
  const data = payload.data
  if (isRecord(data) && isRecord(data.object) && isRecord(data.object.metadata)) found.push(data.object.metadata)
  return found
}

const textOf = (record: Readonly<Record<string, unknown>>, names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const value = Object.hasOwn(record, name) ? record[name] : undefined
    if (typeof value === "string" && value.length > 0) return value
  }
  return undefined
}

/**
 * The key of a webhook event: the `bookingId` (or `booking_id`) in its
 * metadata, else its `weddingId` (or `wedding_id`).
 *
 * @example
 * ```ts
 * Watchdog.keyOfEvent({ provider: "stripe", id: "evt_1", type: "payment_intent.succeeded", payload: { data: { object: { metadata: { bookingId: "b_1" } } } } }) // "b_1"
 * ```
 * @since 0.1.0
 */
export const keyOfEvent = (event: WebhookSource.WebhookEvent): string | undefined => {
  const metadata = metadataOf(event.payload)
  for (const names of [
    ["bookingId", "booking_id"],
    ["weddingId", "wedding_id"]
  ]) {
    for (const record of metadata) {
      const key = textOf(record, names)
      if (key !== undefined) return key
    }
  }
  return undefined
}

/**
 * How a webhook becomes an observation: `key` reads the key from the event
 * (default {@link keyOfEvent}).
 *
 * @example
 * ```ts
 * const options: Watchdog.WebhookOptions = { key: (event) => (event.type.startsWith("calendar.") ? "b_1" : undefined) }
 * ```
 * @since 0.1.0
 */
export interface WebhookOptions {
  readonly key?: ((event: WebhookSource.WebhookEvent) => string | undefined) | undefined
}

const isReceived = (input: WebhookSource.WebhookEvent | Received): input is Received =>
  "event" in input && "request" in input

/**
 * The observation of an inbound webhook (a decoded event, or what the inbox
 * holds for it): kind = the event's type, provider = its source, outcome
 * `"received"`, at = when the provider says it happened (else when it was
 * received); `undefined` when no key is found.
 *
 * @example
 * ```ts
 * const observation = Watchdog.fromWebhook(received) // { key: "b_1", kind: "payment_intent.succeeded", provider: "stripe", ... }
 * ```
 * @since 0.1.0
 */
export const fromWebhook = (
  input: WebhookSource.WebhookEvent | Received,
  options?: WebhookOptions
): Observation | undefined => {
  const event = isReceived(input) ? input.event : input
  const key = (options?.key ?? keyOfEvent)(event)
  if (key === undefined) return undefined
  return {
    key,
    kind: event.type,
    provider: event.provider,
    outcome: "received",
    at: event.occurredAt ?? (isReceived(input) ? input.request.receivedAt : undefined),
    eventId: `${event.provider}:${event.id}`,
    details: { eventId: event.id }
  }
}

/**
 * The observation of a delivery event: key = the message id (link it to the
 * booking with `Watchdog.link` when it is sent), kind `"delivery"`, outcome
 * = the status (`"delivered"`, `"bounced"`, ...).
 *
 * @example
 * ```ts
 * yield* Watchdog.observe(Watchdog.fromDelivery(event))
 * ```
 * @since 0.1.0
 */
export const fromDelivery = (event: DeliveryEvent.DeliveryEvent): Observation => ({
  key: event.messageId,
  kind: "delivery",
  provider: event.provider,
  outcome: event.status,
  at: event.occurredAt,
  eventId: event.id,
  details: {
    channel: event.channel,
    messageId: event.messageId,
    source: event.source,
    ...(event.bounce === undefined ? {} : { bounce: event.bounce }),
    ...(event.providerCode === undefined ? {} : { providerCode: event.providerCode }),
    ...(event.description === undefined ? {} : { description: event.description })
  }
})

/**
 * One attempt of an outbound call, as a `Failover.Served` or a
 * `FailoverError` (or a `ProviderFailure`) lists them.
 *
 * @example
 * ```ts
 * const attempt: Watchdog.AttemptLike = { provider: "resend", outcome: "failed", reason: "Unavailable" }
 * ```
 * @since 0.1.0
 */
export interface AttemptLike {
  readonly provider?: string | undefined
  readonly outcome: "success" | "failed" | "skipped"
  readonly reason?: string | undefined
  readonly delivery?: string | undefined
  readonly durationMillis?: number | undefined
}

/**
 * One observation per attempt of an outbound call, in order: kind =
 * `operation` (`"email.send"`), provider and outcome (`"success"`,
 * `"failed"`, `"skipped"`) of the attempt, its reason and duration in
 * `details`. A step completed by the call names `outcome: "success"`.
 *
 * @example
 * ```ts
 * const served = yield* Failover.run(plan, "send", (email) => email.send(message))
 * yield* Watchdog.observeAll(Watchdog.fromAttempts("b_1", "email.send", served))
 * ```
 * @since 0.1.0
 */
export const fromAttempts = (
  key: string,
  operation: string,
  result: { readonly attempts: ReadonlyArray<AttemptLike> },
  at?: number
): ReadonlyArray<Observation> =>
  result.attempts.map((attempt, index) => ({
    key,
    kind: operation,
    provider: attempt.provider,
    outcome: attempt.outcome,
    at,
    details: {
      attempt: index + 1,
      ...(attempt.reason === undefined ? {} : { reason: attempt.reason }),
      ...(attempt.delivery === undefined ? {} : { delivery: attempt.delivery }),
      ...(attempt.durationMillis === undefined ? {} : { durationMillis: attempt.durationMillis })
    }
  }))
