/**
 * @wedsync/adapter-email: `EmailProvider` adapters for Resend and Postmark on
 * their official SDKs, with every failure classified into an `IntegrationError`;
 * their webhooks as `WebhookSource`s with `DeliveryEvent` decoders; and their
 * status lookups as `DeliveryEvent.DeliveryStatus` for reconciliation.
 *
 * @since 0.1.0
 */
export * as Postmark from "./Postmark.ts"
export * as PostmarkStatus from "./PostmarkStatus.ts"
export * as PostmarkWebhooks from "./PostmarkWebhooks.ts"
export * as Resend from "./Resend.ts"
export * as ResendStatus from "./ResendStatus.ts"
export * as ResendWebhooks from "./ResendWebhooks.ts"
