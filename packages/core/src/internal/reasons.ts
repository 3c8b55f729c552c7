/**
 * The reasons an integration call fails for, one class each, with the family
 * that fixes what retry and failover do. `IntegrationError` re-exports them;
 * see its module for the table. Each is a `failureClass` (errorFields.ts): no
 * call-site stack, equality by class and fields.
 *
 * @internal
 */
import { Duration, Schema } from "effect"
import { failureClass, OptionalDuration, OptionalText } from "./errorFields.ts"

/**
 * The family of a reason: what retry and failover do with it. `"operator"` is
 * a refusal by our own operators (an override), not a fault of the provider or
 * the request: it fails over, is never retried in the call, is never counted
 * against the provider's health, and queued work refused for it waits rather
 * than being dead-lettered.
 *
 * @since 0.1.0
 */
export type Family = "transient" | "provider" | "operator" | "request" | "webhook"

/** The provider asked us to slow down (HTTP 429, Twilio 20429, Google 403 rateLimitExceeded). @since 0.1.0 */
export class RateLimited extends failureClass(
  Schema.Error<RateLimited>("@wedsync/core/IntegrationError/RateLimited")({
    _tag: Schema.tag("RateLimited"),
    retryAfter: OptionalDuration,
    description: OptionalText
  })
) {
  get family(): Family {
    return "transient"
  }
  get isRetryable(): boolean {
    return true
  }
  get canFailover(): boolean {
    return true
  }
  override get message(): string {
    return this.description ?? "rate limited by the provider"
  }
}

/** The provider could not be reached or failed on its side (5xx, refused, reset). @since 0.1.0 */
export class Unavailable extends failureClass(
  Schema.Error<Unavailable>("@wedsync/core/IntegrationError/Unavailable")({
    _tag: Schema.tag("Unavailable"),
    retryAfter: OptionalDuration,
    description: OptionalText
  })
) {
  get family(): Family {
    return "transient"
  }
  get isRetryable(): boolean {
    return true
  }
  get canFailover(): boolean {
    return true
  }
  override get message(): string {
    return this.description ?? "provider unavailable"
  }
}

/** The call did not finish within the policy's timeout; the request was aborted. @since 0.1.0 */
export class TimedOut extends failureClass(
  Schema.Error<TimedOut>("@wedsync/core/IntegrationError/TimedOut")({
    _tag: Schema.tag("TimedOut"),
    timeout: Schema.Duration
  })
) {
  get family(): Family {
    return "transient"
  }
  get isRetryable(): boolean {
    return true
  }
  get canFailover(): boolean {
    return true
  }
  override get message(): string {
    return `timed out after ${Duration.format(this.timeout)}`
  }
}

/** The provider's circuit is open (or half-open with its probe running): the call was not made. @since 0.1.0 */
export class CircuitOpen extends failureClass(
  Schema.Error<CircuitOpen>("@wedsync/core/IntegrationError/CircuitOpen")({
    _tag: Schema.tag("CircuitOpen"),
    key: Schema.String,
    retryAfter: OptionalDuration
  })
) {
  get family(): Family {
    return "transient"
  }
  get isRetryable(): boolean {
    return true
  }
  get canFailover(): boolean {
    return true
  }
  /** Refused here, before the provider: a retry within the same call cannot help. */
  get refusedLocally(): boolean {
    return true
  }
  override get message(): string {
    return `circuit ${this.key} is open`
  }
}

/** The provider's bulkhead and its waiting queue are full: the call was not made. @since 0.1.0 */
export class BulkheadFull extends failureClass(
  Schema.Error<BulkheadFull>("@wedsync/core/IntegrationError/BulkheadFull")({
    _tag: Schema.tag("BulkheadFull"),
    key: Schema.String,
    limit: Schema.Number,
    queue: Schema.Number
  })
) {
  get family(): Family {
    return "transient"
  }
  get isRetryable(): boolean {
    return true
  }
  get canFailover(): boolean {
    return true
  }
  /** Refused here, before the provider: a retry within the same call cannot help. */
  get refusedLocally(): boolean {
    return true
  }
  override get message(): string {
    return `bulkhead ${this.key} full (${this.limit} running, ${this.queue} queued)`
  }
}

/** Our credentials were refused (401, Twilio 20003, Vonage status 4). The backup has its own account. @since 0.1.0 */
export class Unauthorized extends failureClass(
  Schema.Error<Unauthorized>("@wedsync/core/IntegrationError/Unauthorized")({
    _tag: Schema.tag("Unauthorized"),
    description: OptionalText
  })
) {
  get family(): Family {
    return "provider"
  }
  get isRetryable(): boolean {
    return false
  }
  get canFailover(): boolean {
    return true
  }
  override get message(): string {
    return this.description ?? "credentials refused by the provider"
  }
}

/**
 * Our account at this provider cannot do this: unverified sender, From number not
 * SMS-capable, quota or credit exhausted, account suspended.
 *
 * @since 0.1.0
 */
export class Misconfigured extends failureClass(
  Schema.Error<Misconfigured>("@wedsync/core/IntegrationError/Misconfigured")({
    _tag: Schema.tag("Misconfigured"),
    description: OptionalText
  })
) {
  get family(): Family {
    return "provider"
  }
  get isRetryable(): boolean {
    return false
  }
  get canFailover(): boolean {
    return true
  }
  override get message(): string {
    return this.description ?? "provider account misconfigured"
  }
}

/**
 * An operator disabled this integration (a `DisableIntegration` override, on
 * the provider or its whole service): the call was not made. Not retried in
 * the call; a failover plan moves on to the next provider; the outbox holds
 * queued work refused this way until the override is cleared or expires.
 *
 * @example
 * ```ts
 * const reason = new IntegrationError.Disabled({ overrideId: "ovr_1", description: "disabled by ana@wedsync: INC-42" })
 * reason.family // "operator"
 * ```
 * @since 0.1.0
 */
export class Disabled extends failureClass(
  Schema.Error<Disabled>("@wedsync/core/IntegrationError/Disabled")({
    _tag: Schema.tag("Disabled"),
    /** The id of the override that disabled it. */
    overrideId: OptionalText,
    description: OptionalText
  })
) {
  get family(): Family {
    return "operator"
  }
  get isRetryable(): boolean {
    return false
  }
  get canFailover(): boolean {
    return true
  }
  /** Refused here, before the provider. */
  get refusedLocally(): boolean {
    return true
  }
  override get message(): string {
    return this.description ?? "disabled by an operator"
  }
}

/** The provider refused this request on its merits (card declined, unsubscribed or invalid recipient). @since 0.1.0 */
export class Rejected extends failureClass(
  Schema.Error<Rejected>("@wedsync/core/IntegrationError/Rejected")({
    _tag: Schema.tag("Rejected"),
    description: OptionalText
  })
) {
  get family(): Family {
    return "request"
  }
  get isRetryable(): boolean {
    return false
  }
  get canFailover(): boolean {
    return false
  }
  override get message(): string {
    return this.description ?? "rejected by the provider"
  }
}

/** The request itself is malformed; every provider would refuse it. @since 0.1.0 */
export class InvalidRequest extends failureClass(
  Schema.Error<InvalidRequest>("@wedsync/core/IntegrationError/InvalidRequest")({
    _tag: Schema.tag("InvalidRequest"),
    description: OptionalText,
    field: OptionalText
  })
) {
  get family(): Family {
    return "request"
  }
  get isRetryable(): boolean {
    return false
  }
  get canFailover(): boolean {
    return false
  }
  override get message(): string {
    return this.description ?? (this.field === undefined ? "invalid request" : `invalid request: ${this.field}`)
  }
}

/** An inbound webhook's signature, timestamp or credentials did not verify. @since 0.1.0 */
export class SignatureInvalid extends failureClass(
  Schema.Error<SignatureInvalid>("@wedsync/core/IntegrationError/SignatureInvalid")({
    _tag: Schema.tag("SignatureInvalid"),
    description: OptionalText
  })
) {
  get family(): Family {
    return "webhook"
  }
  get isRetryable(): boolean {
    return false
  }
  get canFailover(): boolean {
    return false
  }
  override get message(): string {
    return this.description ?? "webhook signature invalid"
  }
}

/** An inbound webhook verified but its body could not be decoded. @since 0.1.0 */
export class PayloadInvalid extends failureClass(
  Schema.Error<PayloadInvalid>("@wedsync/core/IntegrationError/PayloadInvalid")({
    _tag: Schema.tag("PayloadInvalid"),
    description: OptionalText
  })
) {
  get family(): Family {
    return "webhook"
  }
  get isRetryable(): boolean {
    return false
  }
  get canFailover(): boolean {
    return false
  }
  override get message(): string {
    return this.description ?? "webhook payload invalid"
  }
}
