/**
 * The field schemas every model shares (ports, outbox jobs, dead letters,
 * deliveries), so a non-empty id or an epoch time means one thing everywhere;
 * the text rules for what travels in a header or a message body; and
 * {@link InvalidFields}, what constructing a port's model with a bad field
 * throws.
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
import { Schema, type SchemaIssue } from "effect"
import { describeIssues, FieldIssue, fieldIssues } from "./internal/schemaIssues.ts"

/** A string with at least one character. @since 0.1.0 */
export const NonEmptyString = Schema.String.check(Schema.isMinLength(1))

/** Free-form string metadata, as Stripe and the email and SMS providers take it. @since 0.1.0 */
export const Metadata = Schema.Record(Schema.String, Schema.String)

/** A point in time as epoch milliseconds (UTC). @since 0.1.0 */
export const EpochMillis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const controlNames: Readonly<Record<number, string>> = {
  0: "NUL",
  7: "bell",
  8: "backspace",
  9: "tab",
  10: "line feed",
  11: "vertical tab",
  12: "form feed",
  13: "carriage return",
  27: "escape",
  127: "delete"
}

const codePoint = (code: number): string => `U+${code.toString(16).toUpperCase().padStart(4, "0")}`

const isControl = (code: number): boolean => code < 0x20 || (code >= 0x7f && code <= 0x9f)

/**
 * What is wrong with a text that leaves WedSync for a provider, in words, or
 * `undefined` when nothing is: a control character (C0, DEL or C1; in a
 * `multiline` text tab, line feed and carriage return are allowed) or a lone
 * surrogate (half of an emoji, usually from cutting a string by length). Only
 * the character and its index are named, never the text, which may be personal.
 *
 * @example
 * ```ts
 * Fields.textProblem("Hi\u0000") // "must not contain control characters; found U+0000 (NUL) at index 2"
 * Fields.textProblem("Line one\nLine two", { multiline: true }) // undefined
 * ```
 * @since 0.1.0
 */
export const textProblem = (
  text: string,
  options?: { readonly multiline?: boolean | undefined }
): string | undefined => {
  const multiline = options?.multiline === true
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (isControl(code)) {
      if (multiline && (code === 0x09 || code === 0x0a || code === 0x0d)) continue
      const name = controlNames[code]
      const allowed = multiline ? " other than tab, line feed and carriage return" : ""
      return `must not contain control characters${allowed}; found ${codePoint(code)}${name === undefined ? "" : ` (${name})`} at index ${index}`
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(index + 1)
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        index++
        continue
      }
      return `must be well-formed Unicode; found a lone surrogate ${codePoint(code)} at index ${index} (half of an emoji or other character, often from cutting a string by length)`
    }
  }
  return undefined
}

/**
 * Text that travels in a header or a single-line field: an email subject, an
 * address with its display name, a header value, an idempotency key. No
 * control characters at all (a line break would start a new header) and no
 * lone surrogates.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(Fields.HeaderText)("Your tasting is tomorrow")
 * ```
 * @since 0.1.0
 */
export const HeaderText = Schema.String.check(Schema.makeFilter((text: string) => textProblem(text)))

/**
 * Text of a message body (an SMS, an email's text or html): tab, line feed and
 * carriage return allowed, no other control character, no lone surrogates.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(Fields.BodyText)("See you at 3 pm.\nAna")
 * ```
 * @since 0.1.0
 */
export const BodyText = Schema.String.check(Schema.makeFilter((text: string) => textProblem(text, { multiline: true })))

/**
 * A port's model was constructed with bad fields (`new SmsMessage(...)`,
 * `new EmailMessage(...)`, `new CreatePaymentRequest(...)`, …). `issues` names
 * each field and its problem; `cause` keeps the Schema issue.
 *
 * @example
 * ```ts
 * try {
 *   new SmsProvider.SmsMessage({ from: "+15005550006", to: "07700 900123", body: "Hi" })
 * } catch (error) {
 *   if (error instanceof Fields.InvalidFields) error.message
 *   // "SmsMessage is invalid: to: expected an E.164 phone number like +447700900123"
 * }
 * ```
 * @since 0.1.0
 */
export class InvalidFields extends Schema.TaggedError<InvalidFields>("@wedsync/core/Fields/InvalidFields")(
  "InvalidFields",
  { model: Schema.String, issues: Schema.Array(FieldIssue) }
) {
  /**
   * Names the failures of `issue` for `model`.
   *
   * @example
   * ```ts
   * Effect.mapError(Booking.makeEffect(input), (issue) => Fields.InvalidFields.fromIssue("Booking", issue))
   * ```
   */
  static fromIssue(model: string, issue: SchemaIssue.Issue): InvalidFields {
    const error = new InvalidFields({ model, issues: fieldIssues(issue) })
    Object.defineProperty(error, "cause", { value: issue, configurable: true, enumerable: false, writable: true })
    return error
  }
  /** The path of the first bad field, e.g. `body` or `to[1]`. */
  get path(): string {
    return this.issues[0]?.path ?? ""
  }
  override get message(): string {
    return `${this.model} is invalid: ${describeIssues(this.issues)}`
  }
}
