/**
 * @wedsync/testkit: local provider simulators with fault injection, and the
 * contract suites every adapter runs against them. The simulators themselves
 * are subpath modules: `@wedsync/testkit/simulators/stripe`, `…/resend`,
 * `…/postmark`, `…/twilio`, `…/vonage`, `…/googleCalendar`, each listed once
 * in `SimulatorRegistry`.
 *
 * @since 0.1.0
 */
export * as Assertions from "./Assertions.ts"
export * as CalendarProviderContract from "./contracts/CalendarProviderContract.ts"
export * as DeliveryContract from "./contracts/DeliveryContract.ts"
export * as EmailProviderContract from "./contracts/EmailProviderContract.ts"
export * as PaymentProviderContract from "./contracts/PaymentProviderContract.ts"
export * as SmsProviderContract from "./contracts/SmsProviderContract.ts"
export * as WebhookSourceContract from "./contracts/WebhookSourceContract.ts"
export * as Faults from "./Faults.ts"
export * as Ledger from "./Ledger.ts"
export * as Network from "./Network.ts"
export * as Simulator from "./Simulator.ts"
export * as SimulatorHub from "./SimulatorHub.ts"
export * as SimulatorRegistry from "./SimulatorRegistry.ts"
export * as Webhooks from "./Webhooks.ts"
