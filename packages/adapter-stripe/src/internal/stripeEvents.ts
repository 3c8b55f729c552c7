/**
 * Stripe's webhook events, decoded with Schema: the envelope every event has
 * (`id: evt_…`, `type`, `created`, `data.object`) and, for the types WedSync
 * acts on, the object inside. Only the fields read are declared; Stripe adds
 * fields on every API version, and extra ones pass through untouched.
 *
 * A known type whose object does not decode is `PayloadInvalid` (Stripe would
 * never send it: something is wrong). An unknown type is not an error: it is
 * recorded as it came (Stripe adds event types; an endpoint subscribed to
 * more than WedSync reads must still answer 2xx).
 *
 * @internal
 */
import { Schema } from "effect"

const Id = Schema.String.check(Schema.isMinLength(1))

/** Every Stripe event's envelope. @internal */
export const Envelope = Schema.Struct({
  id: Schema.String.check(Schema.isPattern(/^evt_/, { message: "expected an evt_ id" })),
  type: Id,
  created: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  livemode: Schema.optional(Schema.Boolean),
  data: Schema.Struct({ object: Schema.Record(Schema.String, Schema.Unknown) })
})

/** @internal */
export type Envelope = typeof Envelope.Type

/** The PaymentIntent inside a `payment_intent.*` event. @internal */
export const PaymentIntentObject = Schema.Struct({
  id: Schema.String.check(Schema.isPattern(/^pi_/, { message: "expected a pi_ id" })),
  object: Schema.Literal("payment_intent"),
  status: Schema.String,
  amount: Schema.Int,
  currency: Schema.String,
  metadata: Schema.optional(Schema.Record(Schema.String, Schema.String)),
  last_payment_error: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        code: Schema.optional(Schema.NullOr(Schema.String)),
        decline_code: Schema.optional(Schema.NullOr(Schema.String)),
        message: Schema.optional(Schema.NullOr(Schema.String))
      })
    )
  )
})

/** The charge inside `charge.refunded`. @internal */
export const ChargeObject = Schema.Struct({
  id: Schema.String.check(Schema.isPattern(/^(ch|py)_/, { message: "expected a ch_ id" })),
  object: Schema.Literal("charge"),
  amount: Schema.Int,
  amount_refunded: Schema.Int,
  currency: Schema.String,
  payment_intent: Schema.optional(Schema.NullOr(Schema.String)),
  refunded: Schema.optional(Schema.Boolean)
})

/** The dispute inside `charge.dispute.created`. @internal */
export const DisputeObject = Schema.Struct({
  id: Schema.String.check(Schema.isPattern(/^(dp|du)_/, { message: "expected a dp_ id" })),
  object: Schema.Literal("dispute"),
  amount: Schema.Int,
  currency: Schema.String,
  charge: Schema.String,
  payment_intent: Schema.optional(Schema.NullOr(Schema.String)),
  reason: Schema.String,
  status: Schema.String
})

/** The event types WedSync reads, and the object each carries. @internal */
export const objectOfType = {
  "payment_intent.succeeded": PaymentIntentObject,
  "payment_intent.payment_failed": PaymentIntentObject,
  "payment_intent.processing": PaymentIntentObject,
  "payment_intent.canceled": PaymentIntentObject,
  "payment_intent.requires_action": PaymentIntentObject,
  "charge.refunded": ChargeObject,
  "charge.dispute.created": DisputeObject
} as const

/** A type WedSync reads. @internal */
export type KnownType = keyof typeof objectOfType

/** Whether an event type is one WedSync reads. @internal */
export const isKnownType = (type: string): type is KnownType => Object.hasOwn(objectOfType, type)

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Whether a parsed body is an {@link Envelope}, without decoding it: what
 * `Schema.is(Envelope)` answers (a property test holds them together), at a
 * fraction of the cost, for the check before the 2xx. The Schema decode
 * still names the field when this says no.
 *
 * @internal
 */
export const isEnvelope = (value: unknown): value is Envelope => {
  if (!isRecord(value)) return false
  const { id, type, created, livemode, data } = value
  return (
    typeof id === "string" &&
    id.startsWith("evt_") &&
    typeof type === "string" &&
    type.length > 0 &&
    Number.isSafeInteger(created) &&
    (created as number) >= 0 &&
    (livemode === undefined || typeof livemode === "boolean") &&
    isRecord(data) &&
    isRecord(data.object)
  )
}
