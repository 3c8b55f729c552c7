/**
 * @wedsync/payments: payments that are never lost and never charged twice,
 * over core's `PaymentProvider` port and durable's outbox.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Payments from "./Payments.ts"
