/**
 * The admin API's error answers besides 401/403 (which are `HttpApiError`'s):
 * each a `Schema.TaggedError` with its HTTP status, so the server renders,
 * the OpenAPI document lists and a generated client decodes them. Public
 * through `AdminApi`.
 *
 * @internal
 */
import { Schema } from "effect"
import * as S from "./schemas.ts"

/**
 * No such resource (answered only to an authorized caller).
 *
 * @example
 * ```ts
 * Effect.fail(new AdminApi.NotFound({ resource: "deadLetter", id }))
 * ```
 * @since 0.1.0
 */
export class NotFound extends Schema.TaggedError<NotFound>("@wedsync/ops/AdminApi/NotFound")(
  "NotFound",
  { resource: Schema.String, id: Schema.String },
  { httpApiStatus: 404 }
) {}

/**
 * The request is well-formed but its content is refused; `field` names what
 * to fix when one field is at fault.
 *
 * @example
 * ```ts
 * Effect.fail(new AdminApi.Invalid({ field: "url", message: "the url is not http(s)" }))
 * ```
 * @since 0.1.0
 */
export class Invalid extends Schema.TaggedError<Invalid>("@wedsync/ops/AdminApi/Invalid")(
  "Invalid",
  { field: Schema.optional(Schema.String), message: Schema.String },
  { httpApiStatus: 400 }
) {}

/**
 * The resource is not in a state that allows the action (a letter already
 * replayed, a delivery re-injected already, no webhook source configured).
 *
 * @example
 * ```ts
 * Effect.fail(new AdminApi.Conflict({ message: "dead letter x is replayed, not dead" }))
 * ```
 * @since 0.1.0
 */
export class Conflict extends Schema.TaggedError<Conflict>("@wedsync/ops/AdminApi/Conflict")(
  "Conflict",
  { message: Schema.String },
  { httpApiStatus: 409 }
) {}

/**
 * A store behind the API could not answer; try again.
 *
 * @example
 * ```ts
 * Effect.fail(new AdminApi.Unavailable({ message: "the dead-letter store did not answer" }))
 * ```
 * @since 0.1.0
 */
export class Unavailable extends Schema.TaggedError<Unavailable>("@wedsync/ops/AdminApi/Unavailable")(
  "Unavailable",
  { message: Schema.String },
  { httpApiStatus: 503 }
) {}

/**
 * The ready probe's answer when a store is unreachable.
 *
 * @example
 * ```ts
 * Effect.fail(new AdminApi.NotReady({ status: "not_ready", checks }))
 * ```
 * @since 0.1.0
 */
export class NotReady extends Schema.TaggedError<NotReady>("@wedsync/ops/AdminApi/NotReady")(
  "NotReady",
  { status: Schema.Literal("not_ready"), checks: Schema.Array(S.Check) },
  { httpApiStatus: 503 }
) {}
