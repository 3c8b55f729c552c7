/**
 * The field schemas every model shares (ports, outbox jobs, dead letters,
 * deliveries), so a non-empty id or an epoch time means one thing everywhere.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Fields } from "@wedsync/core"
 *
 * const Booking = Schema.Struct({ id: Fields.NonEmptyString, at: Fields.EpochMillis, metadata: Fields.Metadata })
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A string with at least one character. @since 0.1.0 */
export const NonEmptyString = Schema.String.check(Schema.isMinLength(1))

/** Free-form string metadata, as Stripe and the email and SMS providers take it. @since 0.1.0 */
export const Metadata = Schema.Record(Schema.String, Schema.String)

/** A point in time as epoch milliseconds (UTC). @since 0.1.0 */
export const EpochMillis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
