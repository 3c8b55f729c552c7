/**
 * The one error every integration call fails with.
 *
 * Adapters classify their SDK's failures into an `IntegrationError` once, at the
 * edge; everything above (retry, breaker, failover, outbox, dashboards) reads
 * its `reason` and never a message string. Reasons fall in three families that
 * fix what happens next:
 *
 * | family     | reasons                                                          | retry | fail over |
 * |------------|------------------------------------------------------------------|-------|-----------|
 * | transient  | RateLimited, Unavailable, TimedOut, CircuitOpen, BulkheadFull    | yes   | yes       |
 * | provider   | Unauthorized, Misconfigured                                      | no    | yes       |
 * | request    | Rejected, InvalidRequest                                         | no    | no        |
 * | webhook    | SignatureInvalid, PayloadInvalid                                 | no    | no        |
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { IntegrationError } from "@wedsync/core"
 *
 * const error = new IntegrationError.IntegrationError({
 *   provider: "resend",
 *   operation: "send",
 *   status: 429,
 *   reason: new IntegrationError.RateLimited({ retryAfter: Duration.seconds(2) })
 * })
 * error.isRetryable // true
 * error.canFailover // true
 *
 * const handled = Effect.fail(error).pipe(
 *   Effect.catchReason("IntegrationError", "RateLimited", (reason) => Effect.succeed(reason.retryAfter))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Equal, Hash, Schema } from "effect"

/** The family of a reason: what retry and failover do with it. @since 0.1.0 */
export type Family = "transient" | "provider" | "request" | "webhook"

/**
 * Equality by class and own fields: an error equals any other of its class
 * with equal fields, however it was built (the engine builds open-circuit
 * rejections without the constructor, see internal/trusted.ts).
 */
const sameFields = (self: object, that: unknown): boolean => {
  if (typeof that !== "object" || that === null || Object.getPrototypeOf(that) !== Object.getPrototypeOf(self)) {
    return false
  }
  const keys = Object.keys(self)
  return (
    keys.length === Object.keys(that).length &&
    keys.every(
      (key) =>
        Object.hasOwn(that, key) &&
        Equal.equals((self as Record<string, unknown>)[key], (that as Record<string, unknown>)[key])
    )
  )
}

const hashOfFields = (self: object): number => Hash.structureKeys(self, Object.keys(self))

const OptionalDuration = Schema.optional(Schema.Duration)
const OptionalText = Schema.optional(Schema.String)

/** The provider asked us to slow down (HTTP 429, Twilio 20429, Google 403 rateLimitExceeded). @since 0.1.0 */
export class RateLimited extends Schema.Error<RateLimited>("@wedsync/core/IntegrationError/RateLimited")({
  _tag: Schema.tag("RateLimited"),
  retryAfter: OptionalDuration,
  description: OptionalText
}) {
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
export class Unavailable extends Schema.Error<Unavailable>("@wedsync/core/IntegrationError/Unavailable")({
  _tag: Schema.tag("Unavailable"),
  retryAfter: OptionalDuration,
  description: OptionalText
}) {
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
export class TimedOut extends Schema.Error<TimedOut>("@wedsync/core/IntegrationError/TimedOut")({
  _tag: Schema.tag("TimedOut"),
  timeout: Schema.Duration
}) {
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
export class CircuitOpen extends Schema.Error<CircuitOpen>("@wedsync/core/IntegrationError/CircuitOpen")({
  _tag: Schema.tag("CircuitOpen"),
  key: Schema.String,
  retryAfter: OptionalDuration
}) {
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
  [Equal.symbol](that: Equal.Equal): boolean {
    return sameFields(this, that)
  }
  [Hash.symbol](): number {
    return hashOfFields(this)
  }
}

/** The provider's bulkhead and its waiting queue are full: the call was not made. @since 0.1.0 */
export class BulkheadFull extends Schema.Error<BulkheadFull>("@wedsync/core/IntegrationError/BulkheadFull")({
  _tag: Schema.tag("BulkheadFull"),
  key: Schema.String,
  limit: Schema.Number,
  queue: Schema.Number
}) {
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
export class Unauthorized extends Schema.Error<Unauthorized>("@wedsync/core/IntegrationError/Unauthorized")({
  _tag: Schema.tag("Unauthorized"),
  description: OptionalText
}) {
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
export class Misconfigured extends Schema.Error<Misconfigured>("@wedsync/core/IntegrationError/Misconfigured")({
  _tag: Schema.tag("Misconfigured"),
  description: OptionalText
}) {
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

/** The provider refused this request on its merits (card declined, unsubscribed or invalid recipient). @since 0.1.0 */
export class Rejected extends Schema.Error<Rejected>("@wedsync/core/IntegrationError/Rejected")({
  _tag: Schema.tag("Rejected"),
  description: OptionalText
}) {
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
export class InvalidRequest extends Schema.Error<InvalidRequest>("@wedsync/core/IntegrationError/InvalidRequest")({
  _tag: Schema.tag("InvalidRequest"),
  description: OptionalText,
  field: OptionalText
}) {
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
export class SignatureInvalid extends Schema.Error<SignatureInvalid>("@wedsync/core/IntegrationError/SignatureInvalid")(
  {
    _tag: Schema.tag("SignatureInvalid"),
    description: OptionalText
  }
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
export class PayloadInvalid extends Schema.Error<PayloadInvalid>("@wedsync/core/IntegrationError/PayloadInvalid")({
  _tag: Schema.tag("PayloadInvalid"),
  description: OptionalText
}) {
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

/** Every reason an integration call can fail for. @since 0.1.0 */
export type Reason =
  | RateLimited
  | Unavailable
  | TimedOut
  | CircuitOpen
  | BulkheadFull
  | Unauthorized
  | Misconfigured
  | Rejected
  | InvalidRequest
  | SignatureInvalid
  | PayloadInvalid

/** Schema of {@link Reason}. @since 0.1.0 */
export const Reason = Schema.Union([
  RateLimited,
  Unavailable,
  TimedOut,
  CircuitOpen,
  BulkheadFull,
  Unauthorized,
  Misconfigured,
  Rejected,
  InvalidRequest,
  SignatureInvalid,
  PayloadInvalid
])

/** The tag of a reason, e.g. `"RateLimited"`. @since 0.1.0 */
export type ReasonTag = Reason["_tag"]

// A Record, so the compiler fails here when a reason is added without its family.
const families: Record<ReasonTag, Family> = {
  RateLimited: "transient",
  Unavailable: "transient",
  TimedOut: "transient",
  CircuitOpen: "transient",
  BulkheadFull: "transient",
  Unauthorized: "provider",
  Misconfigured: "provider",
  Rejected: "request",
  InvalidRequest: "request",
  SignatureInvalid: "webhook",
  PayloadInvalid: "webhook"
}

/**
 * Schema of {@link ReasonTag}, for models that keep the reason's name only
 * (attempts, dead-letter records).
 *
 * @example
 * ```ts
 * Schema.is(IntegrationError.ReasonTag)("RateLimited") // true
 * ```
 * @since 0.1.0
 */
export const ReasonTag = Schema.Literals(Object.keys(families) as Array<ReasonTag>)

/**
 * The family of a reason known only by its tag (a stored record, an
 * attempt): what retry and failover would do with it. Anything that is not a
 * reason's tag has none.
 *
 * @example
 * ```ts
 * IntegrationError.familyOf("Rejected") // "request"
 * IntegrationError.familyOf("Expired") // undefined
 * ```
 * @since 0.1.0
 */
export const familyOf = (tag: string): Family | undefined =>
  Object.hasOwn(families, tag) ? families[tag as ReasonTag] : undefined

/**
 * An integration call failed. Carries where (provider, operation), why
 * (`reason`), and what the provider said (status, code, request id), plus the
 * correlation id of the workflow it belonged to.
 *
 * @since 0.1.0
 */
export class IntegrationError extends Schema.TaggedError<IntegrationError>("@wedsync/core/IntegrationError")(
  "IntegrationError",
  {
    provider: Schema.String,
    operation: Schema.String,
    reason: Reason,
    status: Schema.optional(Schema.Number),
    providerCode: OptionalText,
    requestId: OptionalText,
    correlationId: OptionalText
  }
) {
  /** Whether a later attempt at the same provider may succeed. */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
  /** Whether another provider may succeed where this one failed. */
  get canFailover(): boolean {
    return this.reason.canFailover
  }
  /** The reason's family. */
  get family(): Family {
    return this.reason.family
  }
  /** Whether the engine refused the call before it reached the provider (open circuit, full bulkhead). */
  get refusedLocally(): boolean {
    return "refusedLocally" in this.reason && this.reason.refusedLocally
  }
  /** The provider's requested wait, when it gave one. */
  get retryAfter(): Duration.Duration | undefined {
    return "retryAfter" in this.reason ? this.reason.retryAfter : undefined
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return sameFields(this, that)
  }
  [Hash.symbol](): number {
    return hashOfFields(this)
  }
  override get message(): string {
    const status =
      this.status === undefined ? "" : ` (HTTP ${this.status}${this.providerCode ? ` ${this.providerCode}` : ""})`
    return `${this.provider}.${this.operation}: ${this.reason.message}${status}`
  }
}

/** Whether a value is an {@link IntegrationError}. @since 0.1.0 */
export const isIntegrationError = (u: unknown): u is IntegrationError => u instanceof IntegrationError

/**
 * Builds an `IntegrationError` from its parts.
 *
 * @example
 * ```ts
 * IntegrationError.make("twilio", "send", new IntegrationError.Rejected({ description: "unsubscribed" }), { status: 400, providerCode: "21610" })
 * ```
 * @since 0.1.0
 */
export const make = (
  provider: string,
  operation: string,
  reason: Reason,
  details?: {
    readonly status?: number | undefined
    readonly providerCode?: string | undefined
    readonly requestId?: string | undefined
    readonly correlationId?: string | undefined
  }
): IntegrationError =>
  new IntegrationError({
    provider,
    operation,
    reason,
    ...(details?.status === undefined ? {} : { status: details.status }),
    ...(details?.providerCode === undefined ? {} : { providerCode: details.providerCode }),
    ...(details?.requestId === undefined ? {} : { requestId: details.requestId }),
    ...(details?.correlationId === undefined ? {} : { correlationId: details.correlationId })
  })

/**
 * The reasons an adapter gives a provider's answer (the others come from core:
 * `TimedOut`, `CircuitOpen` and `BulkheadFull` from the engine, the webhook
 * reasons from webhook sources).
 *
 * @since 0.1.0
 */
export type AnswerReasonTag =
  | "RateLimited"
  | "Unavailable"
  | "Unauthorized"
  | "Misconfigured"
  | "Rejected"
  | "InvalidRequest"

/**
 * Builds the reason for a classified provider answer, so an adapter's
 * classification can be a table from provider codes to tags. `retryAfter`
 * is kept on the reasons that carry one (`RateLimited`, `Unavailable`).
 *
 * @example
 * ```ts
 * const byCode: Record<number, IntegrationError.AnswerReasonTag> = { 20429: "RateLimited", 21610: "Rejected" }
 * IntegrationError.reasonFor(byCode[21610] ?? "Unavailable", { description: "unsubscribed recipient" })
 * ```
 * @since 0.1.0
 */
export const reasonFor = (
  tag: AnswerReasonTag,
  details: { readonly description?: string | undefined; readonly retryAfter?: Duration.Duration | undefined } = {}
): Reason => {
  const description = details.description === undefined ? {} : { description: details.description }
  const wait = details.retryAfter === undefined ? description : { ...description, retryAfter: details.retryAfter }
  switch (tag) {
    case "RateLimited":
      return new RateLimited(wait)
    case "Unavailable":
      return new Unavailable(wait)
    case "Unauthorized":
      return new Unauthorized(description)
    case "Misconfigured":
      return new Misconfigured(description)
    case "Rejected":
      return new Rejected(description)
    case "InvalidRequest":
      return new InvalidRequest(description)
  }
}
