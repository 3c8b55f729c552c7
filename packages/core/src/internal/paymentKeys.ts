/**
 * Idempotency keys of payment operations, derived from the business
 * operation and never from the attempt; `PaymentProvider` re-exports them.
 *
 * @internal
 */
import { createHash } from "node:crypto"

/**
 * A business operation whose idempotency key {@link idempotencyKey} derives:
 * a step of one instalment of a booking, or a refund.
 *
 * @since 0.1.0
 */
export type KeyedOperation =
  | {
      readonly operation: "createPayment" | "confirmPayment" | "capturePayment" | "cancelPayment"
      /** WedSync's booking id. */
      readonly bookingId: string
      /** Which instalment of the booking: `"deposit"`, `1`, `"balance"`. */
      readonly instalment: string | number
    }
  | {
      readonly operation: "refund"
      /** WedSync's refund id (one per refund decision, not per attempt). */
      readonly refundId: string
    }

const MAX = 255

const partsOf = (operation: KeyedOperation): ReadonlyArray<string> =>
  operation.operation === "refund" ? [operation.refundId] : [operation.bookingId, String(operation.instalment)]

/**
 * The idempotency key of a business operation, never of an attempt:
 * `wedsync/<operation>/<booking id>/<instalment>` for the PaymentIntent steps
 * (each step its own key: Stripe refuses one key on two endpoints) and
 * `wedsync/refund/<refund id>`. Each part is percent-encoded, so
 * `("a/b", "1")` and `("a", "b/1")` never meet; past 255 characters it becomes
 * `wedsync/<operation>/sha256-<hex>` of the same parts. The same inputs give
 * the same key on every retry, in every process and after a restart, so the
 * provider answers a repeat with the first result. Throws a `RangeError` for
 * an empty part (a key shared by every booking would be worse than none).
 * Every caller (the adapters, `@wedsync/payments`) derives keys here, so two
 * paths to one charge can never disagree on its key.
 *
 * @example
 * ```ts
 * PaymentProvider.idempotencyKey({ operation: "createPayment", bookingId: "b_77", instalment: 2 })
 * // "wedsync/createPayment/b_77/2"
 * PaymentProvider.idempotencyKey({ operation: "refund", refundId: "rf_9" }) // "wedsync/refund/rf_9"
 * ```
 * @since 0.1.0
 */
export const idempotencyKey = (operation: KeyedOperation): string => {
  const parts = partsOf(operation)
  for (const part of parts) {
    if (part.trim() === "")
      throw new RangeError(`PaymentProvider.idempotencyKey: an empty part in ${operation.operation}`)
  }
  const key = ["wedsync", operation.operation, ...parts.map(encodeURIComponent)].join("/")
  if (key.length <= MAX) return key
  const digest = createHash("sha256").update(parts.join("\u0000"), "utf8").digest("hex")
  return `wedsync/${operation.operation}/sha256-${digest}`
}
