/**
 * Webhook emission shared by every simulator: build a provider's delivery,
 * sign it as the provider does (or deliberately wrong), and POST it to a URL.
 *
 * Each simulator supplies a {@link Signer} that knows its provider's scheme
 * (Stripe-Signature, X-Twilio-Signature, svix headers, Basic auth, a Vonage JWT,
 * Google channel headers). The tampering kinds are the ways real deliveries go
 * wrong or get forged; a `WebhookSource` must refuse each of them.
 *
 * @example
 * ```ts
 * const delivery = sim.webhooks.build(Stripe.events.paymentIntentSucceeded(payment), { url, tamper: "staleTimestamp" })
 * const [{ status }] = await sim.webhooks.deliver(delivery)
 * ```
 *
 * @since 0.1.0
 */

import { WebhookSource } from "@wedsync/core"
import { webhookUrlProblem } from "./internal/options.ts"

/**
 * How a delivery is made wrong on purpose:
 * - `body`: the body is changed after signing;
 * - `staleTimestamp`: signed with a timestamp 10 minutes old (for schemes with one);
 * - `wrongSecret`: signed with another secret;
 * - `missingHeader`: the signature header (or credential) is left out.
 *
 * @since 0.1.0
 */
export type Tamper = "body" | "staleTimestamp" | "wrongSecret" | "missingHeader"

/** @since 0.1.0 */
export const tampers: ReadonlyArray<Tamper> = ["body", "staleTimestamp", "wrongSecret", "missingHeader"]

/**
 * A provider event before signing: its id (what a receiver dedupes on), a
 * JSON or form body, and headers that carry data (Google's channel headers).
 *
 * @since 0.1.0
 */
export interface WebhookEvent {
  readonly id: string
  readonly type: string
  readonly contentType: string
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
  /** Where the provider itself would send it (Twilio's StatusCallback); else the simulator's webhook URL. */
  readonly url?: string
}

/** A signed delivery, ready to POST. @since 0.1.0 */
export interface WebhookDelivery {
  readonly event: WebhookEvent
  readonly url: string
  readonly method: "POST"
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly tamper?: Tamper
}

/** What signing gets: the URL and body as sent, the unix timestamp, and the secret to use. @since 0.1.0 */
export interface SignInput {
  readonly event: WebhookEvent
  readonly url: string
  readonly body: string
  readonly timestamp: number
  readonly secret: string
}

/**
 * A provider's signing scheme.
 *
 * @since 0.1.0
 */
export interface Signer<Credentials> {
  /** The webhook secret in the simulator's credentials. */
  readonly secret: (credentials: Credentials) => string
  /** Another secret of the same shape, for `wrongSecret`. */
  readonly wrongSecret: string
  /** The headers a receiver authenticates with; `missingHeader` drops them. */
  readonly signatureHeaders: ReadonlyArray<string>
  /** Whether the scheme carries a timestamp (a `staleTimestamp` delivery is then refused). */
  readonly timestamped: boolean
  /**
   * Whether the signature covers the body (default true). Postmark's Basic
   * auth and Google's channel token do not, so a changed body goes unnoticed.
   */
  readonly signsBody?: boolean
  /** The headers (and, for Twilio's JSON variant, the URL) of a signed delivery. */
  readonly sign: (input: SignInput) => { readonly headers: Readonly<Record<string, string>>; readonly url?: string }
}

/** One delivery attempt and what the receiver answered. @since 0.1.0 */
export interface DeliveryRecord {
  readonly eventId: string
  readonly type: string
  readonly url: string
  readonly tamper?: Tamper
  readonly status: number | "unreachable"
  readonly response: string
  readonly at: number
}

/** Options for building a delivery. @since 0.1.0 */
export interface BuildOptions {
  readonly url?: string
  readonly tamper?: Tamper
  /** Unix seconds; defaults to now (10 minutes earlier for `staleTimestamp`). */
  readonly timestamp?: number
}

const STALE_SECONDS = 600

/** Changes a body after signing while keeping it parseable where it was. */
const tamperBody = (body: string): string => {
  if (body.length === 0) return "tampered"
  const digit = body.search(/\d/)
  if (digit >= 0) return body.slice(0, digit) + ((Number(body[digit]) + 1) % 10) + body.slice(digit + 1)
  return `${body} `
}

/**
 * Builds a signed delivery of `event` with `signer`.
 *
 * @since 0.1.0
 */
export const build = <Credentials>(
  signer: Signer<Credentials>,
  credentials: Credentials,
  event: WebhookEvent,
  url: string,
  options: BuildOptions = {}
): WebhookDelivery => {
  const now = Math.floor(Date.now() / 1000)
  const timestamp = options.timestamp ?? (options.tamper === "staleTimestamp" ? now - STALE_SECONDS : now)
  const secret = options.tamper === "wrongSecret" ? signer.wrongSecret : signer.secret(credentials)
  const signed = signer.sign({ event, url, body: event.body, timestamp, secret })
  const headers: Record<string, string> = { "content-type": event.contentType, ...event.headers, ...signed.headers }
  if (options.tamper === "missingHeader") {
    for (const name of signer.signatureHeaders) delete headers[name]
  }
  const body = options.tamper === "body" ? tamperBody(event.body) : event.body
  return {
    event,
    url: signed.url ?? url,
    method: "POST",
    headers,
    body,
    ...(options.tamper === undefined ? {} : { tamper: options.tamper })
  }
}

/**
 * POSTs a delivery and records the answer. Never throws: an unreachable
 * receiver is recorded as such, and so is a URL that is not http(s) (a
 * `file://` callback named in a request is never opened).
 *
 * @since 0.1.0
 */
export const post = async (delivery: WebhookDelivery, timeoutMillis = 10_000): Promise<DeliveryRecord> => {
  const base = {
    eventId: delivery.event.id,
    type: delivery.event.type,
    url: delivery.url,
    at: Date.now(),
    ...(delivery.tamper === undefined ? {} : { tamper: delivery.tamper })
  }
  const problem = webhookUrlProblem(delivery.url)
  if (problem !== undefined) return { ...base, status: "unreachable", response: `not sent: the webhook URL ${problem}` }
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
      signal: AbortSignal.timeout(timeoutMillis)
    })
    return { ...base, status: response.status, response: await response.text() }
  } catch (cause) {
    return { ...base, status: "unreachable", response: String(cause) }
  }
}

/** Reorders events for an out-of-order delivery, with the simulator's seeded random source. @since 0.1.0 */
export const reorder = <A>(items: ReadonlyArray<A>, order: "asIs" | "reversed" | "shuffled", next: () => number) => {
  if (order === "asIs") return [...items]
  if (order === "reversed") return [...items].reverse()
  const shuffled = [...items]
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    const swap = shuffled[i] as A
    shuffled[i] = shuffled[j] as A
    shuffled[j] = swap
  }
  return shuffled
}

/**
 * A delivery as the receiving server hands it to a `WebhookSource`: header
 * names in lower case, the time it arrived. `overrides` play what sits in
 * between — a proxy that rewrites the URL or adds headers, the sender's
 * address for IP allowlists, a late arrival.
 *
 * @example
 * ```ts
 * const event = yield* source.verify(Webhooks.toRequest(sim.buildWebhook(event)))
 * ```
 * @since 0.1.0
 */
export const toRequest = (
  delivery: Pick<WebhookDelivery, "url" | "headers" | "body"> & { readonly method?: string },
  overrides: {
    readonly url?: string
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: string
    readonly receivedAt?: number
    readonly remoteAddress?: string
  } = {}
): WebhookSource.WebhookRequest =>
  new WebhookSource.WebhookRequest({
    method: delivery.method ?? "POST",
    url: overrides.url ?? delivery.url,
    headers: Object.fromEntries(
      Object.entries({ ...delivery.headers, ...overrides.headers }).map(([name, value]) => [name.toLowerCase(), value])
    ),
    body: overrides.body ?? delivery.body,
    ...(overrides.remoteAddress === undefined ? {} : { remoteAddress: overrides.remoteAddress }),
    receivedAt: overrides.receivedAt ?? Date.now()
  })
