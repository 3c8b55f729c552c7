/**
 * Small schemas the port models share.
 *
 * @internal
 */
import { Schema } from "effect"

/** A string with at least one character. @internal */
export const NonEmptyString = Schema.String.check(Schema.isMinLength(1))

/** Free-form string metadata, as Stripe and the email and SMS providers take it. @internal */
export const Metadata = Schema.Record(Schema.String, Schema.String)

/** A point in time as epoch milliseconds (UTC). @internal */
export const EpochMillis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
