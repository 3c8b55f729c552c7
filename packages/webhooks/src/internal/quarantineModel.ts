/**
 * The quarantine's model: why a delivery was refused and what is kept of it.
 * `Quarantine` re-exports it.
 *
 * @internal
 */
import { Schema } from "effect"

/**
 * Why a delivery was refused.
 *
 * @example
 * ```ts
 * const reason: Quarantine.Reason = "SignatureInvalid"
 * ```
 * @since 0.1.0
 */
export const Reason = Schema.Literals(["SignatureInvalid", "PayloadInvalid", "TooLarge", "NotUtf8", "Unreadable"])

/** @since 0.1.0 */
export type Reason = typeof Reason.Type

/**
 * One refused delivery. `body` is the raw body as UTF-8 text, or base64 when
 * `bodyEncoding` says so (a body that was not UTF-8); empty for a body past
 * the size limit, whose declared length is `declaredBytes`.
 *
 * @example
 * ```ts
 * const forged = (entry: Quarantine.Entry) => entry.reason === "SignatureInvalid"
 * ```
 * @since 0.1.0
 */
export class Entry extends Schema.Class<Entry>("@wedsync/webhooks/Quarantine/Entry")({
  id: Schema.String,
  provider: Schema.String,
  reason: Reason,
  description: Schema.String,
  method: Schema.String,
  url: Schema.String,
  headers: Schema.Record(Schema.String, Schema.String),
  body: Schema.String,
  bodyEncoding: Schema.Literals(["utf8", "base64"]),
  declaredBytes: Schema.optional(Schema.Int),
  remoteAddress: Schema.optional(Schema.String),
  receivedAt: Schema.Int,
  status: Schema.Literals(["held", "reinjected"])
}) {}

/** What the pipeline adds: an entry without its id and status. @since 0.1.0 */
export type NewEntry = Omit<Entry, "id" | "status">

/**
 * Which entries `list` returns, newest first: each field narrows; `limit`
 * defaults to 100, at most 1000.
 *
 * @example
 * ```ts
 * const filter: Quarantine.Filter = { provider: "twilio", since: Date.now() - 86_400_000 }
 * ```
 * @since 0.1.0
 */
export interface Filter {
  readonly provider?: string | undefined
  readonly reason?: Reason | undefined
  readonly status?: Entry["status"] | undefined
  readonly since?: number | undefined
  readonly limit?: number | undefined
}
