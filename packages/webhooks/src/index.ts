/**
 * @wedsync/webhooks: inbound provider webhooks received durably before the
 * 2xx, as a Web-standard handler or an Effect HttpRouter route.
 *
 * @since 0.1.0
 */
export * as Inbound from "./Inbound.ts"
export * as Quarantine from "./Quarantine.ts"
export * as StandardWebhooks from "./StandardWebhooks.ts"
export * as SsrfGuard from "./SsrfGuard.ts"
export * as Watchdog from "./Watchdog.ts"
export * as Outbound from "./Outbound.ts"
