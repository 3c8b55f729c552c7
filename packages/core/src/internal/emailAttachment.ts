/**
 * Email attachments: the file name, MIME type and content rules of
 * `EmailProvider.Attachment`, and the helpers adapters send them with.
 * Re-exported by `EmailProvider`.
 *
 * @internal
 */
import { Schema } from "effect"
import { textProblem } from "../Fields.ts"

/**
 * The most attachment content one message may carry, in decoded bytes: 7 MiB.
 * Postmark refuses a message over 10 MB with its base64 encoding (which adds
 * a third), the lower of the two providers' limits (Resend's is 40 MB).
 *
 * @example
 * ```ts
 * bytes.length <= EmailProvider.maxAttachmentBytes
 * ```
 * @since 0.1.0
 */
export const maxAttachmentBytes = 7 * 1024 * 1024

// Path separators, Windows' reserved characters and quotes: a name is a name, never a path or a header break.
const unsafeFilename = /[/\\:*?"<>|]/

/**
 * An attachment's file name: 1 to 255 characters, no control characters, no
 * path (`/`, `\\`), none of Windows' reserved `: * ? " < > |`, not starting
 * with a dot and not ending with a dot or a space. A bad name is refused,
 * never rewritten.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(EmailProvider.AttachmentFilename)("wedding.ics")
 * ```
 * @since 0.1.0
 */
export const AttachmentFilename = Schema.String.check(
  Schema.makeFilter((name: string) => {
    const problem = textProblem(name)
    if (problem !== undefined) return problem
    if (name.length === 0 || name.length > 255) return "expected a file name of 1 to 255 characters"
    if (unsafeFilename.test(name)) return 'expected a file name without / \\ : * ? " < > |'
    if (name.startsWith(".") || /[. ]$/.test(name))
      return "expected a file name not starting with a dot nor ending with a dot or a space"
    return undefined
  })
)

const token = "[A-Za-z0-9!#$&^_.+-]+"
const mediaType = new RegExp(`^${token}/${token}(?:\\s*;\\s*${token}=(?:${token}|"[^"\\\\\\u0000-\\u001f]*"))*$`)

/**
 * A MIME type with optional parameters, e.g. `application/pdf` or
 * `text/calendar; charset=utf-8; method=REQUEST`.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(EmailProvider.ContentType)("text/calendar; method=REQUEST")
 * ```
 * @since 0.1.0
 */
export const ContentType = Schema.String.check(
  Schema.makeFilter((type: string) =>
    mediaType.test(type) ? undefined : "expected a MIME type like application/pdf or text/calendar; method=REQUEST"
  )
)

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * An attachment's bytes: a `Uint8Array`, or the same bytes as standard base64
 * (padded, no line breaks).
 *
 * @example
 * ```ts
 * const content: EmailProvider.AttachmentContent = new TextEncoder().encode("BEGIN:VCALENDAR…")
 * ```
 * @since 0.1.0
 */
export const AttachmentContent = Schema.Union([
  Schema.Uint8Array,
  Schema.String.check(
    Schema.makeFilter((text: string) =>
      base64.test(text) ? undefined : "expected standard base64 (padded, no line breaks)"
    )
  )
])

/** @since 0.1.0 */
export type AttachmentContent = typeof AttachmentContent.Type

/**
 * A file attached to an email (Resend `attachments`, Postmark `Attachments`).
 *
 * @example
 * ```ts
 * const invite: EmailProvider.Attachment = {
 *   filename: "wedding.ics",
 *   content: new TextEncoder().encode(icsText),
 *   contentType: "text/calendar; charset=utf-8; method=REQUEST"
 * }
 * ```
 * @since 0.1.0
 */
export const Attachment = Schema.Struct({
  filename: AttachmentFilename,
  content: AttachmentContent,
  contentType: ContentType
})

/** @since 0.1.0 */
export type Attachment = typeof Attachment.Type

/**
 * How many bytes an attachment's content stands for.
 *
 * @example
 * ```ts
 * EmailProvider.attachmentSize({ filename: "a.txt", content: "aGk=", contentType: "text/plain" }) // 2
 * ```
 * @since 0.1.0
 */
export const attachmentSize = (attachment: Attachment): number =>
  typeof attachment.content === "string"
    ? (attachment.content.length / 4) * 3 -
      (attachment.content.endsWith("==") ? 2 : attachment.content.endsWith("=") ? 1 : 0)
    : attachment.content.byteLength

/**
 * An attachment's content as standard base64, what both providers' APIs carry.
 *
 * @example
 * ```ts
 * EmailProvider.attachmentBase64({ filename: "a.txt", content: new TextEncoder().encode("hi"), contentType: "text/plain" }) // "aGk="
 * ```
 * @since 0.1.0
 */
export const attachmentBase64 = (attachment: Attachment): string =>
  typeof attachment.content === "string"
    ? attachment.content
    : Buffer.from(attachment.content.buffer, attachment.content.byteOffset, attachment.content.byteLength).toString(
        "base64"
      )
