/**
 * @wedsync/core: ports, the error model, policies and the resilience engine
 * (circuits, bulkheads, timeouts, in-call retry, failover, health, overrides).
 * No SQL driver, Redis client or queue code: durable work is `@wedsync/durable`,
 * notifications are `@wedsync/notifications`.
 *
 * @since 0.1.0
 */
export * as AbortSignals from "./AbortSignals.ts"
export * as AdapterConfig from "./AdapterConfig.ts"
export * as Audit from "./Audit.ts"
export * as CalendarProvider from "./CalendarProvider.ts"
export * as ConstantTime from "./ConstantTime.ts"
export * as Correlation from "./Correlation.ts"
export * as DeliveryEvent from "./DeliveryEvent.ts"
export * as EmailProvider from "./EmailProvider.ts"
export * as Failover from "./Failover.ts"
export * as Fields from "./Fields.ts"
export * as Health from "./Health.ts"
export * as IntegrationError from "./IntegrationError.ts"
export * as MaybeSent from "./MaybeSent.ts"
export * as Overrides from "./Overrides.ts"
export * as PaymentProvider from "./PaymentProvider.ts"
export * as Policy from "./Policy.ts"
export * as Redaction from "./Redaction.ts"
export * as Resilience from "./Resilience.ts"
export * as Retry from "./Retry.ts"
export * as RetryAfter from "./RetryAfter.ts"
export * as SmsProvider from "./SmsProvider.ts"
export * as StaleReads from "./StaleReads.ts"
export * as StatusReason from "./StatusReason.ts"
export * as StoreError from "./StoreError.ts"
export * as WebhookSource from "./WebhookSource.ts"
export * as WeddingContext from "./WeddingContext.ts"
export * as Wire from "./Wire.ts"
