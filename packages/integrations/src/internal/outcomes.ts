/**
 * `notify` and `pay` as Effect programs that never fail: each typed error of
 * the packages below (`NotificationError`, an `IntegrationError`, a
 * `StoreError`, a `SchemaError` on bad input) becomes a result carrying its
 * reason, family and attempts. A store that cannot write is `Unavailable`
 * (transient): the caller may try again.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import { IntegrationError, PaymentProvider, type Resilience, WeddingContext } from "@wedsync/core"
import type * as DeadLetters from "@wedsync/durable/DeadLetters"
import type * as Outbox from "@wedsync/durable/Outbox"
import { Notifications } from "@wedsync/notifications"
import { Payments } from "@wedsync/payments"
import { Effect, Option } from "effect"
import type * as Results from "../Results.ts"

const misconfigured = (what: string) => new IntegrationError.Misconfigured({ description: what })

const notifyFailure = (
  reason: IntegrationError.Reason,
  service: Notifications.Channel,
  message: string,
  attempts: ReadonlyArray<Results.Attempt>,
  provider?: string
): Results.NotifyFailure => ({
  ok: false,
  reason: reason._tag,
  family: reason.family,
  service,
  ...(provider === undefined ? {} : { provider }),
  message,
  attempts
})

const fromSent = (sent: Notifications.Sent): Results.Sent => ({
  ok: true,
  status: "sent",
  channel: sent.channel,
  provider: sent.provider,
  id: sent.messageId,
  attempts: sent.attempts,
  ...(sent.fallback === undefined ? {} : { fallback: sent.fallback })
})

/**
 * Sends one notification (or queues it), never failing.
 *
 * @internal
 */
export const notify = (
  input: Results.NotifyInput,
  configured: ReadonlyArray<Notifications.Channel>
): Effect.Effect<Results.NotifyResult, never, Outbox.Outbox> =>
  Effect.gen(function* () {
    const channels = input.channels ?? configured
    const first = channels[0] ?? "email"
    const service = yield* Effect.serviceOption(Notifications.Notifications)
    if (Option.isNone(service)) {
      return notifyFailure(
        misconfigured("no email or SMS provider is configured"),
        first,
        "notifications are not configured",
        []
      )
    }
    const id = input.idempotencyKey ?? `notify:${randomUUID()}`
    const recipient = input.to
    const message = input.message
    const list = channels as readonly [Notifications.Channel, ...Array<Notifications.Channel>]
    const attempt =
      input.queue === false
        ? Effect.map(
            Notifications.send(recipient, message, { channels: list, idempotencyKey: id }).pipe(
              input.wedding === undefined ? (self) => self : WeddingContext.provide(input.wedding)
            ),
            fromSent
          )
        : Effect.map(
            Notifications.sendOrQueue({
              id,
              recipient,
              message,
              channels: list,
              ...(input.wedding === undefined ? {} : { wedding: input.wedding })
            }),
            (outcome): Results.NotifyResult =>
              outcome._tag === "Sent"
                ? fromSent(outcome.sent)
                : {
                    ok: true,
                    status: "queued",
                    message: outcome.message,
                    reference: outcome.id,
                    retryAt: outcome.retryAt,
                    attempts: outcome.attempts
                  }
          )
    return yield* attempt.pipe(
      Effect.provideService(Notifications.Notifications, service.value),
      Effect.catchTags({
        NotificationError: (error) =>
          Effect.succeed(
            notifyFailure(error.reason, error.service, error.message, error.attempts, error.lastError.provider)
          ),
        SchemaError: (error) =>
          Effect.succeed(
            notifyFailure(
              new IntegrationError.InvalidRequest({ description: error.message }),
              first,
              `the notification is invalid: ${error.message}`,
              []
            )
          ),
        StoreError: (error) =>
          Effect.succeed(
            notifyFailure(new IntegrationError.Unavailable({}), first, `could not be queued: ${error.message}`, [])
          )
      })
    )
  })

const deferred = (outcome: Exclude<Payments.Outcome, { _tag: "Charged" }>): Results.Deferred => ({
  ok: true,
  status: outcome._tag === "Queued" ? "queued" : "manual",
  reference: outcome.reference,
  state: outcome.state,
  message: outcome.message,
  ...(outcome._tag === "Queued" ? { retryAt: outcome.retryAt } : {}),
  reason: outcome.failure.reason._tag,
  family: outcome.failure.family
})

const payFailure = (error: IntegrationError.IntegrationError, attempts: number): Results.PayFailure => ({
  ok: false,
  reason: error.reason._tag,
  family: error.family,
  message: error.message,
  provider: error.provider,
  ...(error.reason._tag === "Rejected" && error.providerCode !== undefined ? { declineCode: error.providerCode } : {}),
  attempts
})

/**
 * Charges one instalment (or queues it), never failing.
 *
 * @internal
 */
export const pay = (
  input: Results.PayInput
): Effect.Effect<Results.PayResult, never, Resilience.Resilience | Outbox.Outbox | DeadLetters.DeadLetters> =>
  Effect.gen(function* () {
    const provider = yield* Effect.serviceOption(PaymentProvider.PaymentProvider)
    if (Option.isNone(provider)) {
      return payFailure(IntegrationError.make("payments", "charge", misconfigured("stripe is not configured")), 0)
    }
    return yield* Payments.charge(input).pipe(
      Effect.map(
        (outcome): Results.PayResult =>
          outcome._tag === "Charged"
            ? {
                ok: true,
                status: "charged",
                reference: Payments.keyOf(input.bookingId, input.instalment),
                provider: outcome.payment.provider,
                paymentId: outcome.payment.id,
                paymentStatus: outcome.payment.status,
                amount: outcome.payment.amount,
                currency: outcome.payment.currency,
                ...(outcome.resolution === undefined ? {} : { resolution: outcome.resolution })
              }
            : deferred(outcome)
      ),
      Effect.provideService(PaymentProvider.PaymentProvider, provider.value),
      Effect.catchTags({
        IntegrationError: (error) => Effect.succeed(payFailure(error, 1)),
        SchemaError: (error) =>
          Effect.succeed(
            payFailure(
              IntegrationError.make(
                provider.value.provider,
                "charge",
                new IntegrationError.InvalidRequest({ description: `the charge is invalid: ${error.message}` })
              ),
              0
            )
          ),
        StoreError: (error) =>
          Effect.succeed(
            payFailure(
              IntegrationError.make(
                provider.value.provider,
                "charge",
                new IntegrationError.Unavailable({ description: `could not be stored: ${error.message}` })
              ),
              1
            )
          )
      })
    )
  })
