/**
 * The one error every integration call fails with.
 *
 * Adapters classify their SDK's failures into an `IntegrationError` once, at the
 * edge; everything above (retry, breaker, failover, outbox, dashboards) reads
 * its `reason` and never a message string. Reasons fall in five families that
 * fix what happens next:
 *
 * | family     | reasons                                                          | retry | fail over |
 * |------------|------------------------------------------------------------------|-------|-----------|
 * | transient  | RateLimited, Unavailable, TimedOut, CircuitOpen, BulkheadFull    | yes   | yes       |
 * | provider   | Unauthorized, Misconfigured                                      | no    | yes       |
 * | operator   | Disabled                                                         | no    | yes       |
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
import { Duration, Schema } from "effect"
import { Delivery } from "./internal/delivery.ts"
import { failureClass, OptionalText, trusted } from "./internal/errorFields.ts"
import {
  BulkheadFull,
  CircuitOpen,
  Disabled,
  InvalidRequest,
  Misconfigured,
  PayloadInvalid,
  RateLimited,
  Rejected,
  SignatureInvalid,
  TimedOut,
  Unauthorized,
  Unavailable,
  type Family
} from "./internal/reasons.ts"

export * from "./internal/delivery.ts"
export * from "./internal/reasons.ts"

/** Every reason an integration call can fail for. @since 0.1.0 */
export type Reason =
  | RateLimited
  | Unavailable
  | TimedOut
  | CircuitOpen
  | BulkheadFull
  | Unauthorized
  | Misconfigured
  | Disabled
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
  Disabled,
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
  Disabled: "operator",
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
 * IntegrationError.familyOf("Disabled") // "operator"
 * IntegrationError.familyOf("Expired") // undefined
 * ```
 * @since 0.1.0
 */
export const familyOf = (tag: string): Family | undefined =>
  Object.hasOwn(families, tag) ? families[tag as ReasonTag] : undefined

/**
 * An integration call failed. Carries where (provider, operation), why
 * (`reason`), and what the provider said (status, code, request id), plus the
 * correlation id of the workflow it belonged to and, when known, whether the
 * request may have reached the provider (`delivery`, read through
 * `maybeSent` / `notSent`).
 *
 * @example
 * ```ts
 * const error = IntegrationError.make("twilio", "send", new IntegrationError.Unavailable({}), {
 *   status: 502,
 *   delivery: "maybeSent"
 * })
 * error.maybeSent // true: a repeat may send a second SMS
 * ```
 *
 * @since 0.1.0
 */
export class IntegrationError extends failureClass(
  Schema.TaggedError<IntegrationError>("@wedsync/core/IntegrationError")("IntegrationError", {
    provider: Schema.String,
    operation: Schema.String,
    reason: Reason,
    status: Schema.optional(Schema.Number),
    providerCode: OptionalText,
    requestId: OptionalText,
    correlationId: OptionalText,
    delivery: Schema.optional(Delivery),
    /**
     * Only this provider can complete the request: retry it here, never hand
     * it to another (Stripe's 409 `idempotency_key_in_use`: the first request
     * with this key is still running there). Makes `canFailover` false.
     */
    sameProviderOnly: Schema.optional(Schema.Boolean)
  })
) {
  /** Whether a later attempt at the same provider may succeed. */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
  /** Whether another provider may succeed where this one failed (never when `sameProviderOnly`). */
  get canFailover(): boolean {
    return this.sameProviderOnly !== true && this.reason.canFailover
  }
  /** The reason's family. */
  get family(): Family {
    return this.reason.family
  }
  /** Whether the call was refused before it reached the provider (open circuit, full bulkhead, disabled). */
  get refusedLocally(): boolean {
    return "refusedLocally" in this.reason && this.reason.refusedLocally
  }
  /**
   * Whether the request may have reached the provider and been acted on
   * (a timeout or reset after it was written, a 5xx, an unreadable 2xx): a
   * repeat may duplicate it. Read from `delivery`, never from the message.
   */
  get maybeSent(): boolean {
    return this.delivery === "maybeSent"
  }
  /** Whether the request certainly did not take effect at the provider: `delivery` says so, or the engine refused it. */
  get notSent(): boolean {
    return this.delivery === "notSent" || this.refusedLocally
  }
  /** The provider's requested wait, when it gave one. */
  get retryAfter(): Duration.Duration | undefined {
    return "retryAfter" in this.reason ? this.reason.retryAfter : undefined
  }
  override get message(): string {
    const status =
      this.status === undefined ? "" : ` (HTTP ${this.status}${this.providerCode ? ` ${this.providerCode}` : ""})`
    return `${this.provider}.${this.operation}: ${this.reason.message}${status}`
  }
}

/**
 * What a failed request's error says of its delivery, for records that keep
 * it (attempts, dead letters): the error's `delivery`, `"notSent"` for a call
 * the engine refused (open circuit, full bulkhead, disabled), otherwise
 * `undefined` (unknown, or not a request: a webhook's reasons).
 *
 * @example
 * ```ts
 * IntegrationError.deliveryOf(timedOut) // "maybeSent"
 * IntegrationError.deliveryOf(circuitOpen) // "notSent"
 * ```
 * @since 0.1.0
 */
export const deliveryOf = (error: IntegrationError): Delivery | undefined =>
  error.delivery ?? (error.refusedLocally ? "notSent" : undefined)

/** Whether a value is an {@link IntegrationError}. @since 0.1.0 */
export const isIntegrationError = (u: unknown): u is IntegrationError => u instanceof IntegrationError

const reasonClasses: { readonly [Tag in ReasonTag]: new (...args: Array<never>) => Reason } = {
  RateLimited,
  Unavailable,
  TimedOut,
  CircuitOpen,
  BulkheadFull,
  Unauthorized,
  Misconfigured,
  Disabled,
  Rejected,
  InvalidRequest,
  SignatureInvalid,
  PayloadInvalid
}

// What the schema would check of `make`'s arguments, checked by hand: the types say it, a caller in plain JS may not.
const isReasonInstance = (reason: unknown): reason is Reason => {
  const tag = typeof reason === "object" && reason !== null ? (reason as { readonly _tag?: unknown })._tag : undefined
  return (
    typeof tag === "string" && Object.hasOwn(reasonClasses, tag) && reason instanceof reasonClasses[tag as ReasonTag]
  )
}
const isOptional = (value: unknown, type: "string" | "number") => value === undefined || typeof value === type
const isDetails = (details: NonNullable<Parameters<typeof make>[3]>) =>
  isOptional(details.status, "number") &&
  isOptional(details.providerCode, "string") &&
  isOptional(details.requestId, "string") &&
  isOptional(details.correlationId, "string") &&
  (details.delivery === undefined || details.delivery === "notSent" || details.delivery === "maybeSent") &&
  (details.sameProviderOnly === undefined || typeof details.sameProviderOnly === "boolean")

/**
 * Builds an `IntegrationError` from its parts.
 *
 * Its arguments are already typed (the reason is an instance its own
 * constructor validated), so it checks them by hand and builds the error
 * without the schema's constructor: no second parse of the fields, no stack
 * capture. The error is indistinguishable from a constructed one (its
 * `stack` is the first line only, as every `IntegrationError`'s). Anything
 * the checks refuse goes through the constructor, which rejects it as before.
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
    readonly delivery?: Delivery | undefined
    readonly sameProviderOnly?: boolean | undefined
  }
): IntegrationError => {
  if (
    typeof provider !== "string" ||
    typeof operation !== "string" ||
    !isReasonInstance(reason) ||
    (details !== undefined && !isDetails(details))
  ) {
    return new IntegrationError({
      provider,
      operation,
      reason,
      ...(details?.status === undefined ? {} : { status: details.status }),
      ...(details?.providerCode === undefined ? {} : { providerCode: details.providerCode }),
      ...(details?.requestId === undefined ? {} : { requestId: details.requestId }),
      ...(details?.correlationId === undefined ? {} : { correlationId: details.correlationId }),
      ...(details?.delivery === undefined ? {} : { delivery: details.delivery }),
      ...(details?.sameProviderOnly === undefined ? {} : { sameProviderOnly: details.sameProviderOnly })
    })
  }
  // In the schema's order, as the constructor lays them out: `toJSON`, encoding and hashing see the same keys.
  const fields: Record<string, unknown> = { _tag: "IntegrationError", provider, operation, reason }
  if (details !== undefined) {
    if (details.status !== undefined) fields.status = details.status
    if (details.providerCode !== undefined) fields.providerCode = details.providerCode
    if (details.requestId !== undefined) fields.requestId = details.requestId
    if (details.correlationId !== undefined) fields.correlationId = details.correlationId
    if (details.delivery !== undefined) fields.delivery = details.delivery
    if (details.sameProviderOnly !== undefined) fields.sameProviderOnly = details.sameProviderOnly
  }
  return trusted<IntegrationError>(IntegrationError.prototype, fields)
}

/**
 * The reasons an adapter gives a provider's answer (the others come from core:
 * `TimedOut`, `CircuitOpen`, `BulkheadFull` and `Disabled` from the engine, the
 * webhook reasons from webhook sources).
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

const answerTags: Record<AnswerReasonTag, true> = {
  RateLimited: true,
  Unavailable: true,
  Unauthorized: true,
  Misconfigured: true,
  Rejected: true,
  InvalidRequest: true
}

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
  const { description, retryAfter } = details
  const waits = tag === "RateLimited" || tag === "Unavailable"
  if (
    Object.hasOwn(answerTags, tag) &&
    isOptional(description, "string") &&
    (!waits || retryAfter === undefined || Duration.isDuration(retryAfter))
  ) {
    // Typed parts, checked above: built as `make` builds, in the schema's order (`_tag`, `retryAfter`, `description`).
    const fields: Record<string, unknown> = { _tag: tag }
    if (waits && retryAfter !== undefined) fields.retryAfter = retryAfter
    if (description !== undefined) fields.description = description
    return trusted<Reason>(reasonClasses[tag].prototype, fields)
  }
  const text = description === undefined ? {} : { description }
  const wait = retryAfter === undefined ? text : { ...text, retryAfter }
  switch (tag) {
    case "RateLimited":
      return new RateLimited(wait)
    case "Unavailable":
      return new Unavailable(wait)
    case "Unauthorized":
      return new Unauthorized(text)
    case "Misconfigured":
      return new Misconfigured(text)
    case "Rejected":
      return new Rejected(text)
    case "InvalidRequest":
      return new InvalidRequest(text)
  }
}
