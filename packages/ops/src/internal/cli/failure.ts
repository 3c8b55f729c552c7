/**
 * How a command ends badly: one `CliFailure` with the exit code and one line
 * for stderr, classified once from whatever failed (an admin API error, an
 * HTTP transport failure, a store error). The message never quotes a token;
 * store and transport messages go through core's redaction first (a
 * connection string may carry a password).
 *
 * @internal
 */
import { Redaction } from "@wedsync/core"
import { Predicate, Schema } from "effect"

/**
 * The exit codes: 0 ok, 1 the operation failed, 2 usage or bad input, 3
 * unauthorized or forbidden, 4 not found, 5 the API or store unreachable or
 * not ready.
 *
 * @internal
 */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Unauthorized: 3,
  NotFound: 4,
  Unavailable: 5
} as const

/** One of {@link ExitCode}. @internal */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A command's failure: the exit code and a one-line message. @internal */
export class CliFailure extends Schema.TaggedError<CliFailure>("@wedsync/ops/Cli/CliFailure")("CliFailure", {
  exitCode: Schema.Literals([1, 2, 3, 4, 5]),
  message: Schema.String
}) {}

/** A usage error of our own (a bad duration, a missing field for a kind). @internal */
export const usage = (message: string): CliFailure => new CliFailure({ exitCode: ExitCode.Usage, message })

/** The operation ran and failed (a replay that failed). @internal */
export const failed = (message: string): CliFailure => new CliFailure({ exitCode: ExitCode.Failed, message })

const tagOf = (error: unknown): string | undefined =>
  Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : undefined

const textOf = (error: unknown, key: string): string | undefined =>
  Predicate.hasProperty(error, key) && typeof error[key] === "string" ? error[key] : undefined

const statusOf = (error: unknown): number | undefined => {
  if (!Predicate.hasProperty(error, "response")) return undefined
  const response = error.response
  return Predicate.hasProperty(response, "status") && typeof response.status === "number" ? response.status : undefined
}

const byStatus = (status: number, what: string): CliFailure => {
  if (status === 401 || status === 403)
    return new CliFailure({ exitCode: ExitCode.Unauthorized, message: `${what}: the token was refused (${status})` })
  if (status === 404) return new CliFailure({ exitCode: ExitCode.NotFound, message: `${what}: not found (404)` })
  if (status === 400 || status === 422) return usage(`${what}: the API refused the request (${status})`)
  if (status >= 500)
    return new CliFailure({ exitCode: ExitCode.Unavailable, message: `${what}: the API answered ${status}` })
  return failed(`${what}: the API answered ${status}`)
}

const safe = (text: string): string => Redaction.redactText(text).replace(/\s+/g, " ").trim()

/**
 * Classifies what failed while doing `what` (e.g. `"replay dl_1"`).
 *
 * @internal
 */
export const classify = (what: string, error: unknown): CliFailure => {
  if (error instanceof CliFailure) return error
  switch (tagOf(error)) {
    case "Unauthorized":
      return new CliFailure({ exitCode: ExitCode.Unauthorized, message: `${what}: unauthorized (401): check --token` })
    case "Forbidden":
      return new CliFailure({
        exitCode: ExitCode.Unauthorized,
        message: `${what}: forbidden (403): this token may only read`
      })
    case "NotFound":
    case "DeadLetterNotFound":
    case "QuarantineNotFound":
    case "OverrideNotFound":
      return new CliFailure({ exitCode: ExitCode.NotFound, message: `${what}: not found` })
    case "Invalid":
    case "OverrideInvalid":
    case "BadRequest":
    case "BadRequestProblem":
      return usage(`${what}: ${safe(textOf(error, "message") ?? "invalid request")}`)
    case "Conflict":
    case "NotReplayable":
      return failed(`${what}: ${safe(textOf(error, "message") ?? "conflict")}`)
    case "Unavailable":
    case "NotReady":
    case "StoreError":
    case "SqlError":
      return new CliFailure({
        exitCode: ExitCode.Unavailable,
        message: `${what}: the store is unavailable: ${safe(textOf(error, "message") ?? "no answer")}`
      })
    case "HttpClientError": {
      const reason = Predicate.hasProperty(error, "reason") ? error.reason : undefined
      const status = statusOf(reason)
      if (status !== undefined) return byStatus(status, what)
      return new CliFailure({
        exitCode: ExitCode.Unavailable,
        message: `${what}: the admin API is unreachable (${tagOf(reason) ?? "transport error"})`
      })
    }
    case "SchemaError":
      return failed(`${what}: unexpected answer: ${safe(textOf(error, "message") ?? "does not decode")}`)
  }
  return failed(`${what}: ${safe(textOf(error, "message") ?? String(error))}`)
}
