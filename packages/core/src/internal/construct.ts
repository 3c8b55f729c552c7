/**
 * The constructors of the ports' models (`new SmsMessage(...)`,
 * `new EmailMessage(...)`, …): Schema's class constructor throws a bare
 * `Error("Schema validation failed")` naming no field, so each model's
 * constructor runs its validation through these two helpers and throws
 * `Fields.InvalidFields` instead, with every bad field named.
 *
 * @internal
 */
import { type Schema, SchemaIssue } from "effect"
import { InvalidFields } from "../Fields.ts"

/** Make options that report every bad field rather than the first. @internal */
export const reportingAll = (options: Schema.MakeOptions | undefined): Schema.MakeOptions => ({
  ...options,
  parseOptions: { errors: "all", ...options?.parseOptions }
})

/** What a model's constructor throws for `cause`: `InvalidFields` for a Schema failure, anything else as it came. @internal */
export const named = (model: string, cause: unknown): unknown =>
  cause instanceof Error && SchemaIssue.isIssue(cause.cause) ? InvalidFields.fromIssue(model, cause.cause) : cause
