/**
 * @wedsync/adapter-stripe: the Stripe `PaymentProvider` on the official
 * `stripe` SDK (idempotency keys derived from the business operation, every
 * failure classified into an `IntegrationError` with whether it may have
 * reached Stripe, maybe-sent creates resolved by replaying their key), and
 * Stripe's webhooks as a `WebhookSource`.
 *
 * @since 0.1.0
 */
export * as Stripe from "./Stripe.ts"
export * as StripeWebhooks from "./StripeWebhooks.ts"
