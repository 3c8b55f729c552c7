/**
 * The email that carries an .ics to the couple when calendar sync cannot run:
 * the spec's notice (WS-198's calendar fallback) as subject and first line,
 * the event in words, and the file attached.
 *
 * @internal
 */
import { type CalendarProvider, EmailProvider } from "@wedsync/core"
import type { IcsFile } from "../Ics.ts"

/** WS-198's calendar fallback `message`. @internal */
export const NOTICE = "Calendar sync disabled, manual entry required"

/** WS-198's calendar fallback `manualInstructions`. @internal */
export const MANUAL_INSTRUCTIONS = "Please manually add wedding events to your calendar"

// Header text takes no control characters: a summary's line break becomes a space.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim()

const describeTime = (time: CalendarProvider.EventTime): string =>
  "date" in time ? time.date : `${time.dateTime}${time.timeZone === undefined ? "" : ` (${time.timeZone})`}`

/** What the email says, for a new or changed event or a cancelled one. @internal */
export const bodyOf = (event: CalendarProvider.CalendarEvent, file: IcsFile): string => {
  const what =
    file.method === "CANCEL"
      ? `"${oneLine(event.summary)}" has been cancelled. Open the attached ${file.filename} to remove it from your calendar.`
      : `Open the attached ${file.filename} to add "${oneLine(event.summary)}" to your calendar.`
  return [
    `${NOTICE}.`,
    `${MANUAL_INSTRUCTIONS}.`,
    "",
    what,
    "",
    `Starts: ${describeTime(event.start)}`,
    `Ends: ${describeTime(event.end)}`,
    ...(event.location === undefined ? [] : [`Where: ${oneLine(event.location)}`])
  ].join("\n")
}

/**
 * The message: from the configured sender to the couple, keyed by UID,
 * SEQUENCE and method so a replay (Resend) or a lookup (Postmark) finds it.
 *
 * @internal
 */
export const messageOf = (
  from: string,
  to: EmailProvider.Recipients,
  event: CalendarProvider.CalendarEvent,
  file: IcsFile
): EmailProvider.EmailMessage =>
  new EmailProvider.EmailMessage({
    from,
    to,
    // Cut by code point, never inside a surrogate pair (a lone surrogate is refused in a header).
    subject: Array.from(`${NOTICE}: ${oneLine(event.summary)}`)
      .slice(0, 200)
      .join(""),
    text: bodyOf(event, file),
    attachments: [
      { filename: file.filename, content: new TextEncoder().encode(file.content), contentType: file.contentType }
    ],
    idempotencyKey: `calendar-ics-${file.uid}-${file.sequence}-${file.method.toLowerCase()}`,
    tags: [{ name: "kind", value: "calendar-fallback" }],
    metadata: { icsUid: file.uid, icsSequence: String(file.sequence) }
  })
