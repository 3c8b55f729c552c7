/**
 * @wedsync/adapter-email: `EmailProvider` adapters for Resend and Postmark on
 * their official SDKs, with every failure classified into an `IntegrationError`.
 *
 * @since 0.1.0
 */
export * as Postmark from "./Postmark.ts"
export * as Resend from "./Resend.ts"
