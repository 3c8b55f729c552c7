/**
 * @wedsync/notifications: one message to one person across channels and
 * providers — provider failover within a channel, SMS-to-email fallback,
 * durable sends through the outbox, delivery tracking from webhooks and
 * status lookups, and reconciliation of the overdue.
 *
 * @since 0.1.0
 */
export * as Deliveries from "./Deliveries.ts"
export * as Notifications from "./Notifications.ts"
export * as Reconciliation from "./Reconciliation.ts"
