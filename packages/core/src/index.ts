/**
 * @wedsync/core: ports, the error model, policies and the resilience engine.
 *
 * @since 0.1.0
 */
export * as Audit from "./Audit.ts"
export * as CalendarProvider from "./CalendarProvider.ts"
export * as Correlation from "./Correlation.ts"
export * as DeadLetters from "./DeadLetters.ts"
export * as Deliveries from "./Deliveries.ts"
export * as DeliveryEvent from "./DeliveryEvent.ts"
export * as EmailProvider from "./EmailProvider.ts"
export * as Failover from "./Failover.ts"
export * as Health from "./Health.ts"
export * as IntegrationError from "./IntegrationError.ts"
export * as Notifications from "./Notifications.ts"
export * as Outbox from "./Outbox.ts"
export * as Overrides from "./Overrides.ts"
export * as PaymentProvider from "./PaymentProvider.ts"
export * as Policy from "./Policy.ts"
export * as QueueStore from "./QueueStore.ts"
export * as Reconciliation from "./Reconciliation.ts"
export * as Resilience from "./Resilience.ts"
export * as Retry from "./Retry.ts"
export * as SmsProvider from "./SmsProvider.ts"
export * as Sqlite from "./Sqlite.ts"
export * as StoreError from "./StoreError.ts"
export * as WebhookSource from "./WebhookSource.ts"
export * as WeddingContext from "./WeddingContext.ts"
