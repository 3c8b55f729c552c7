/**
 * Attachments on the email model: accepted as bytes or base64, refused by
 * name for an unsafe file name, a bad MIME type, content that is not base64,
 * or more than `maxAttachmentBytes` in all; sizes and base64 as the adapters
 * send them.
 */
import { describe, expect, it } from "vitest"
import { EmailProvider, Fields } from "../src/index.ts"

const base = {
  from: "WedSync <reminders@wedsync.example>",
  to: "couple@example.com",
  subject: "Your calendar",
  text: "Attached."
}

const ics = {
  filename: "wedding.ics",
  content: new TextEncoder().encode("BEGIN:VCALENDAR"),
  contentType: "text/calendar; charset=utf-8; method=REQUEST"
}

const problem = (attachments: ReadonlyArray<EmailProvider.Attachment>): string => {
  try {
    new EmailProvider.EmailMessage({ ...base, attachments })
  } catch (error) {
    expect(error).toBeInstanceOf(Fields.InvalidFields)
    return (error as Error).message
  }
  throw new Error("expected the message to be refused")
}

describe("EmailMessage attachments", () => {
  it("accepts bytes and base64, and reads back their size and base64", () => {
    const message = new EmailProvider.EmailMessage({
      ...base,
      attachments: [ics, { filename: "plan.pdf", content: "aGk=", contentType: "application/pdf" }]
    })
    expect(message.attachments?.map(EmailProvider.attachmentSize)).toEqual([15, 2])
    expect(message.attachments?.map(EmailProvider.attachmentBase64)).toEqual([
      Buffer.from("BEGIN:VCALENDAR").toString("base64"),
      "aGk="
    ])
    const sliced = new Uint8Array(Buffer.from("xxhixx")).subarray(2, 4)
    expect(EmailProvider.attachmentBase64({ ...ics, content: sliced })).toBe("aGk=")
  })

  it.each([
    ["a path", "../etc/passwd"],
    ["a Windows path", "C:\\boot.ini"],
    ["a hidden file", ".htaccess"],
    ["a trailing dot", "invite.ics."],
    ["a line break", "invite\r\n.ics"],
    ["a quote", 'in"vite.ics'],
    ["nothing", ""],
    ["256 characters", `${"a".repeat(252)}.ics`]
  ])("refuses a file name with %s", (_, filename) => {
    expect(problem([{ ...ics, filename }])).toContain("attachments")
  })

  it("refuses a bad MIME type, content that is not base64, and too many bytes in all", () => {
    expect(problem([{ ...ics, contentType: "calendar" }])).toContain("MIME type")
    expect(problem([{ ...ics, contentType: "text/calendar\r\nBcc: x@example.com" }])).toContain("MIME type")
    expect(problem([{ ...ics, content: "not base64!" }])).toContain("attachments")
    expect(problem([{ ...ics, content: "aGk" }])).toContain("attachments")
    const half = new Uint8Array(EmailProvider.maxAttachmentBytes / 2 + 1)
    expect(
      problem([
        { ...ics, content: half },
        { ...ics, content: half }
      ])
    ).toContain("at most")
    expect(() => new EmailProvider.EmailMessage({ ...base, attachments: [{ ...ics, content: half }] })).not.toThrow()
  })
})
