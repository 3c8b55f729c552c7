/**
 * `@wedsync/adapter-sms`: `SmsProvider` adapters for Twilio and Vonage on
 * their official SDKs, with classified errors and segment checks before send.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Twilio from "./Twilio.ts"
/** @since 0.1.0 */
export * as Vonage from "./Vonage.ts"
