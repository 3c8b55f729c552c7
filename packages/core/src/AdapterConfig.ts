/**
 * The checks every adapter runs on its options before it makes a client: a
 * key that is empty, a base URL that does not parse, a timeout no timer can
 * hold. Each fails as `Misconfigured` (provider family: the plan fails over
 * at once and never retries) with words that name the field and the problem,
 * never the value of a secret.
 *
 * Unchecked, these surfaced per call as a defect (`Error: Missing API key`,
 * `RangeError … "delay"`) that crashed a whole send, or as the transient
 * `Unavailable`, retried and tripping the breaker like an outage. An
 * adapter's `layer` fails to build with the first problem; its synchronous
 * `make` fails every call with it. The checks are pure `Result`s so that both
 * can use them; {@link fromDefect} classifies whatever still throws at call
 * time.
 *
 * @example
 * ```ts
 * import { Effect, Result } from "effect"
 * import { AdapterConfig } from "@wedsync/core"
 *
 * const settings = Result.all({
 *   apiKey: AdapterConfig.nonEmptySecret("resend", "apiKey", options.apiKey),
 *   baseUrl: AdapterConfig.baseUrl("resend", "baseUrl", options.baseUrl ?? "https://api.resend.com"),
 *   timeout: AdapterConfig.timeout("resend", "timeout", options.timeout ?? "10 seconds")
 * })
 * const checked = Effect.fromResult(settings) // fails with "resend.configure: apiKey is empty"
 * ```
 *
 * @since 0.1.0
 */
import { Config, Duration, Effect, Redacted, Result } from "effect"
import * as Timers from "./internal/timers.ts"
import * as IntegrationError from "./IntegrationError.ts"
import * as Redaction from "./Redaction.ts"

/** The operation a configuration error names. @since 0.1.0 */
export const OPERATION = "configure"

/** The longest a Node timer can wait: 2^31-1 ms, about 24.8 days; longer ones fire at once. @since 0.1.0 */
export const MAX_TIMER_MILLIS: number = Timers.MAX_TIMER_MILLIS

/** The outcome of one check: the checked value, or the `Misconfigured` error. @since 0.1.0 */
export type Check<A> = Result.Result<A, IntegrationError.IntegrationError>

/**
 * A `Misconfigured` error for one field of an adapter's options, e.g.
 * `resend.configure: apiKey is empty`.
 *
 * @example
 * ```ts
 * AdapterConfig.misconfigured("twilio", "accountSid", "must start with AC")
 * // IntegrationError { provider: "twilio", operation: "configure", reason: Misconfigured }
 * ```
 * @since 0.1.0
 */
export const misconfigured = (provider: string, field: string, problem: string): IntegrationError.IntegrationError =>
  IntegrationError.make(provider, OPERATION, new IntegrationError.Misconfigured({ description: `${field} ${problem}` }))

// Tabs, line breaks and other control characters break HTTP headers and are never part of a key.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f]/

/** What is wrong with a key or identifier, if anything; never its value. */
const textProblem = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return "is missing"
  if (typeof value !== "string") return `is not text (got a ${typeof value})`
  if (value.trim() === "") return value === "" ? "is empty" : "is only whitespace"
  if (value.trim() !== value) return "starts or ends with whitespace (a copied line break?): remove it"
  if (CONTROL.test(value)) return "contains a control character"
  return undefined
}

/** `text` without the given secrets and anything `Redaction` knows as one, at most 300 characters. */
const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let result = text
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join(Redaction.REDACTED)
  result = Redaction.redactText(result)
  return result.length > 300 ? `${result.slice(0, 300)}…` : result
}

/**
 * A secret that can be sent: present, not empty or blank, with no whitespace
 * around it and no control character. The error never shows the value.
 *
 * @example
 * ```ts
 * AdapterConfig.nonEmptySecret("resend", "apiKey", Redacted.make(""))
 * // Failure: "resend.configure: apiKey is empty"
 * ```
 * @since 0.1.0
 */
export const nonEmptySecret = (
  provider: string,
  field: string,
  value: Redacted.Redacted<string> | undefined
): Check<Redacted.Redacted<string>> => {
  if (value === undefined) return Result.fail(misconfigured(provider, field, "is missing"))
  if (!Redacted.isRedacted(value)) {
    return Result.fail(misconfigured(provider, field, "is not a Redacted value (wrap it with Redacted.make)"))
  }
  const problem = textProblem(Redacted.value(value))
  return problem === undefined ? Result.succeed(value) : Result.fail(misconfigured(provider, field, problem))
}

/**
 * An account id or other identifier that is not secret but must be there:
 * the same rules as {@link nonEmptySecret}. The error does not show it either.
 *
 * @example
 * ```ts
 * AdapterConfig.nonEmptyText("vonage", "apiKey", " ") // Failure: "vonage.configure: apiKey is only whitespace"
 * ```
 * @since 0.1.0
 */
export const nonEmptyText = (provider: string, field: string, value: string | undefined): Check<string> => {
  if (value === undefined) return Result.fail(misconfigured(provider, field, "is missing"))
  const problem = textProblem(value)
  return problem === undefined ? Result.succeed(value) : Result.fail(misconfigured(provider, field, problem))
}

/**
 * An absolute `http:` or `https:` URL without credentials in it. The error
 * does not echo the value: a key pasted into the wrong variable would leak.
 *
 * @example
 * ```ts
 * AdapterConfig.baseUrl("postmark", "baseUrl", "not a url")
 * // Failure: "postmark.configure: baseUrl is not an absolute URL (expected e.g. https://api.example.com)"
 * ```
 * @since 0.1.0
 */
export const baseUrl = (provider: string, field: string, value: string | undefined): Check<URL> => {
  if (typeof value !== "string") return Result.fail(misconfigured(provider, field, "is missing"))
  const url = URL.parse(value)
  if (url === null) {
    return Result.fail(misconfigured(provider, field, "is not an absolute URL (expected e.g. https://api.example.com)"))
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Result.fail(misconfigured(provider, field, `must be an http or https URL, not ${url.protocol}`))
  }
  if (url.username !== "" || url.password !== "") {
    return Result.fail(
      misconfigured(provider, field, "carries credentials (user:password@): give them in their own option")
    )
  }
  return Result.succeed(url)
}

/**
 * An adapter's options read from `Config`, a value that cannot be read
 * (missing, empty, not a duration) failing as the provider's `Misconfigured`
 * with the words of the `ConfigError`, which name the variable: one provider's
 * missing key is a step `Failover` skips, not a crash of the whole plan.
 *
 * @example
 * ```ts
 * AdapterConfig.unwrap("resend", { apiKey: Config.Redacted("RESEND_API_KEY") })
 * // fails with "resend.configure: could not read its configuration: Expected string at [\"RESEND_API_KEY\"]"
 * ```
 * @since 0.1.0
 */
export const unwrap = <A>(
  provider: string,
  config: Config.Wrap<A>,
  operation: string = OPERATION
): Effect.Effect<A, IntegrationError.IntegrationError> =>
  Effect.mapError(Config.unwrap(config), (error) => {
    const words = scrub(error.cause.message.replace(/\s*\n\s*/g, " "), [])
    const description = `could not read its configuration: ${words}`
    return IntegrationError.make(provider, operation, new IntegrationError.Misconfigured({ description }))
  })

const LONGEST = `${Duration.format(Duration.millis(MAX_TIMER_MILLIS))}, ${MAX_TIMER_MILLIS} ms`

/** The duration an input stands for, or `undefined` when it stands for none (NaN included). */
const durationOf = (value: unknown): Duration.Duration | undefined => {
  if (typeof value === "number" && Number.isNaN(value)) return undefined
  if (Array.isArray(value) && value.some((part) => Number.isNaN(part))) return undefined
  const duration = Duration.fromInput(value as Duration.Input)
  return duration._tag === "Some" && !Number.isNaN(Duration.toMillis(duration.value)) ? duration.value : undefined
}

/**
 * A bounded wait (a request timeout, a signature's tolerance): a duration
 * more than zero and no longer than a timer can hold ({@link MAX_TIMER_MILLIS}).
 * Negative, zero, NaN, infinite and unreadable inputs fail, naming the value.
 *
 * @example
 * ```ts
 * AdapterConfig.timeout("resend", "timeout", "-5 seconds")
 * // Failure: "resend.configure: timeout is negative (-5s): give a duration more than zero"
 * AdapterConfig.timeout("twilio", "timeoutMillis", 5_000) // Success(Duration.seconds(5))
 * ```
 * @since 0.1.0
 */
export const timeout = (
  provider: string,
  field: string,
  value: Duration.Input | undefined
): Check<Duration.Duration> => {
  const duration = durationOf(value)
  const fail = (problem: string) => Result.fail(misconfigured(provider, field, problem))
  if (duration === undefined) {
    return fail(
      typeof value === "number"
        ? "is not a number (NaN)"
        : 'is not a duration (expected e.g. "10 seconds" or a number of milliseconds)'
    )
  }
  const shown = Duration.format(duration)
  if (Duration.isNegative(duration)) return fail(`is negative (${shown}): give a duration more than zero`)
  if (Duration.isZero(duration)) return fail("is zero: every request would time out at once")
  if (!Duration.isFinite(duration)) {
    return fail(`is infinite: give a bound no longer than a timer can wait (${LONGEST})`)
  }
  if (Duration.toMillis(duration) > MAX_TIMER_MILLIS) {
    return fail(`is ${shown}, longer than a timer can wait (${LONGEST})`)
  }
  return Result.succeed(duration)
}

/**
 * What a thrown value says, for an error's description: its name and
 * message, without the given secrets, URL credentials or bearer and basic
 * tokens, at most 300 characters.
 *
 * @example
 * ```ts
 * AdapterConfig.describeDefect(new TypeError("fetch failed for https://u:pw@host"))
 * // "TypeError: fetch failed for https://u:<redacted>@host"
 * ```
 * @since 0.1.0
 */
export const describeDefect = (defect: unknown, secrets: ReadonlyArray<string> = []): string =>
  scrub(
    defect instanceof Error
      ? `${defect.name}: ${defect.message}`
      : typeof defect === "string"
        ? defect
        : `a thrown ${defect === null ? "null" : typeof defect}`,
    secrets
  )

/**
 * Whatever an SDK or our own code threw where no answer was expected, as the
 * provider's `Misconfigured` error: it is a bug or a misconfiguration of this
 * provider's adapter, which a backup can work around and a retry cannot.
 * The description is {@link describeDefect}'s; a thrown `IntegrationError` is
 * kept as it is.
 *
 * @example
 * ```ts
 * AdapterConfig.fromDefect("twilio", "send", new Error("accountSid must start with AC"), [authToken])
 * // IntegrationError "twilio.send: unexpected Error: accountSid must start with AC"
 * ```
 * @since 0.1.0
 */
export const fromDefect = (
  provider: string,
  operation: string,
  defect: unknown,
  secrets: ReadonlyArray<string> = []
): IntegrationError.IntegrationError =>
  IntegrationError.isIntegrationError(defect)
    ? defect
    : IntegrationError.make(
        provider,
        operation,
        new IntegrationError.Misconfigured({ description: `unexpected ${describeDefect(defect, secrets)}` })
      )
