/**
 * `@wedsync/adapter-sms`: `SmsProvider` adapters for Twilio and Vonage on
 * their official SDKs, with classified errors and segment checks before send;
 * `WebhookSource`s for their status callbacks and delivery receipts, with
 * decoders into `DeliveryEvent`s; and Twilio status lookups for reconciliation.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Twilio from "./Twilio.ts"
/** @since 0.1.0 */
export * as TwilioStatus from "./TwilioStatus.ts"
/** @since 0.1.0 */
export * as TwilioWebhooks from "./TwilioWebhooks.ts"
/** @since 0.1.0 */
export * as Vonage from "./Vonage.ts"
/** @since 0.1.0 */
export * as VonageReceipts from "./VonageReceipts.ts"
/** @since 0.1.0 */
export * as VonageWebhooks from "./VonageWebhooks.ts"
