/**
 * What `notify` and `pay` take and answer. Every answer is a plain,
 * JSON-safe object discriminated by `ok` and then `status`: a failure is a
 * value with `reason` (an `IntegrationError` reason of `@wedsync/core`, such
 * as `"RateLimited"` or `"Rejected"`), its `family` (`"transient"`,
 * `"provider"`, `"operator"`, `"request"`) and the `attempts` made, never a
 * thrown string. Only a bug rejects the promise.
 *
 * @example
 * ```ts
 * import type { Results } from "@wedsync/integrations"
 *
 * const say = (result: Results.NotifyResult) =>
 *   result.ok ? (result.status === "sent" ? `sent by ${result.provider}` : result.message) : result.reason
 * ```
 *
 * @since 0.1.0
 */
import type { IntegrationError, WeddingContext } from "@wedsync/core"
import type { Notifications } from "@wedsync/notifications"
import type { Payments } from "@wedsync/payments"

/** A reason's name, e.g. `"RateLimited"`, `"Rejected"`. @example `const reason: Results.Reason = "Unavailable"` @since 0.1.0 */
export type Reason = IntegrationError.ReasonTag

/**
 * What retry and failover do with a reason: `"transient"` (retried),
 * `"provider"` (credentials or configuration), `"operator"` (an operator
 * disabled the integration), `"request"` (the request itself: a declined
 * card, a bad address), `"webhook"`.
 *
 * @example
 * ```ts
 * const family: Results.Family = "transient"
 * ```
 * @since 0.1.0
 */
export type Family = IntegrationError.IntegrationError["family"]

/**
 * One notification: who, what, on which channels in order of preference.
 *
 * @example
 * ```ts
 * const input: Results.NotifyInput = {
 *   to: { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" },
 *   message: { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." },
 *   channels: ["sms", "email"],
 *   idempotencyKey: "reminder:w_123:tasting"
 * }
 * ```
 * @since 0.1.0
 */
export interface NotifyInput {
  readonly to: Notifications.Recipient
  readonly message: Notifications.Message
  /** Tried in this order, each at most once (default: email, then SMS, of those configured). */
  readonly channels?: ReadonlyArray<Notifications.Channel> | undefined
  /**
   * The business key (`reminder:w_123:tasting`): the same key twice sends
   * once while the outbox remembers it, and it is the providers' idempotency
   * key. A random one when omitted.
   */
  readonly idempotencyKey?: string | undefined
  /** The wedding it is for: a wedding close by is critical work (more retries, the critical lane). */
  readonly wedding?: WeddingContext.WeddingInput | undefined
  /** Queue it in the outbox when no channel can take it now for a transient reason (default true). */
  readonly queue?: boolean | undefined
}

/**
 * One step of a notification: a provider's attempt, or a channel skipped
 * (`reason: "NoAddress"`, no `provider`).
 *
 * @example
 * ```ts
 * const attempt: Results.Attempt = { channel: "sms", provider: "twilio", outcome: "failed", reason: "RateLimited", durationMillis: 41 }
 * ```
 * @since 0.1.0
 */
export type Attempt = Notifications.Attempt

/**
 * The notification went out. `fallback` is set when an earlier channel failed.
 *
 * @example
 * ```ts
 * if (r.ok && r.status === "sent") console.log(`${r.channel} via ${r.provider}: ${r.id}`, r.fallback?.message)
 * ```
 * @since 0.1.0
 */
export interface Sent {
  readonly ok: true
  readonly status: "sent"
  readonly channel: Notifications.Channel
  readonly provider: string
  /** The provider's message id, which its delivery webhooks refer to. */
  readonly id: string
  readonly attempts: ReadonlyArray<Attempt>
  /** "SMS temporarily unavailable, email notification sent instead". */
  readonly fallback?: { readonly from: Notifications.Channel; readonly message: string } | undefined
}

/**
 * Nothing could take it now; it waits in the outbox and is sent by the workers.
 *
 * @example
 * ```ts
 * if (r.ok && r.status === "queued") console.log(r.message, new Date(r.retryAt)) // "Email queued for delivery when service is restored"
 * ```
 * @since 0.1.0
 */
export interface Queued {
  readonly ok: true
  readonly status: "queued"
  /** "Email queued for delivery when service is restored". */
  readonly message: string
  /** The outbox job id: the idempotency key. */
  readonly reference: string
  /** When the outbox tries again, epoch milliseconds. */
  readonly retryAt: number
  readonly attempts: ReadonlyArray<Attempt>
}

/**
 * It was not sent and will not be retried: every channel refused it
 * (`family: "request"`), the input is invalid (`"InvalidRequest"`), a
 * transient failure with `queue: false`, or the outbox could not store it.
 *
 * @example
 * ```ts
 * if (!r.ok) console.warn(`${r.service} not sent: ${r.reason} (${r.family})`, r.attempts)
 * ```
 * @since 0.1.0
 */
export interface NotifyFailure {
  readonly ok: false
  readonly reason: Reason
  readonly family: Family
  /** The channel whose failure decided (`"sms"` or `"email"`). */
  readonly service: Notifications.Channel
  /** The deciding provider, when one answered. */
  readonly provider?: string | undefined
  readonly message: string
  readonly attempts: ReadonlyArray<Attempt>
}

/**
 * What `notify` answers.
 *
 * @example
 * ```ts
 * const r: Results.NotifyResult = await integrations.notify(input)
 * if (!r.ok) console.warn(r.reason, r.family, r.attempts.length)
 * ```
 * @since 0.1.0
 */
export type NotifyResult = Sent | Queued | NotifyFailure

/**
 * One charge: an instalment of a booking, in minor units. `bookingId` and
 * `instalment` make the idempotency key, so the same instalment is never
 * charged twice.
 *
 * @example
 * ```ts
 * const input: Results.PayInput = {
 *   bookingId: "bk_4471", instalment: 1, amount: 50_000, currency: "gbp",
 *   customer: "cus_9s6XKzkNRiz8i3", paymentMethod: "pm_card_visa"
 * }
 * ```
 * @since 0.1.0
 */
export type PayInput = Payments.ChargeInput

/**
 * The charge was made (`resolution: "found"`: an answer lost on the way was recovered).
 *
 * @example
 * ```ts
 * if (p.ok && p.status === "charged") await saveBooking({ paymentId: p.paymentId, reference: p.reference })
 * ```
 * @since 0.1.0
 */
export interface Charged {
  readonly ok: true
  readonly status: "charged"
  /** The idempotency key, `wedsync/createPayment/<bookingId>/<instalment>`. */
  readonly reference: string
  readonly provider: string
  readonly paymentId: string
  /** The processor's status of the payment, e.g. `"succeeded"`. */
  readonly paymentStatus: string
  readonly amount: number
  readonly currency: string
  readonly resolution?: "found" | undefined
}

/**
 * The processor could not complete it now: queued under its key (`"queued"`,
 * retried by the workers) or, on the wedding day, handed to an operator
 * (`"manual"`, kept as a dead letter, never charged behind their back).
 * `state: "unknown"` when the processor may have charged and is asked first.
 *
 * @example
 * ```ts
 * if (p.ok && p.status !== "charged") showBanner(p.message) // "Payment processing temporarily unavailable. Your booking is secure."
 * ```
 * @since 0.1.0
 */
export interface Deferred {
  readonly ok: true
  readonly status: "queued" | "manual"
  readonly reference: string
  readonly state: "unavailable" | "unknown"
  /** "Payment processing temporarily unavailable. Your booking is secure." */
  readonly message: string
  /** When the outbox tries again (`"queued"` only), epoch milliseconds. */
  readonly retryAt?: number | undefined
  /** Why it could not complete now. */
  readonly reason: Reason
  readonly family: Family
}

/**
 * The customer must act (`"Rejected"`: a declined card, `declineCode` as
 * Stripe gives it; `"InvalidRequest"`), or the charge could not be stored.
 *
 * @example
 * ```ts
 * if (!p.ok && p.reason === "Rejected") console.log(p.declineCode) // "insufficient_funds"
 * ```
 * @since 0.1.0
 */
export interface PayFailure {
  readonly ok: false
  readonly reason: Reason
  readonly family: Family
  readonly message: string
  readonly provider?: string | undefined
  /** Stripe's decline code, e.g. `"insufficient_funds"`, `"generic_decline"`. */
  readonly declineCode?: string | undefined
  /** Charge requests this call made (0 when the input was refused before any). */
  readonly attempts: number
}

/**
 * What `pay` answers.
 *
 * @example
 * ```ts
 * const p: Results.PayResult = await integrations.pay(input)
 * if (!p.ok && p.reason === "Rejected") askForAnotherCard(p.declineCode)
 * ```
 * @since 0.1.0
 */
export type PayResult = Charged | Deferred | PayFailure
