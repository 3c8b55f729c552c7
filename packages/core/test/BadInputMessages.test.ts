/**
 * The bad-input suite, messages half: the ports' models constructed with bad
 * fields throw `Fields.InvalidFields` naming each one in words, and text that
 * leaves for a provider (SMS bodies, email headers) refuses control
 * characters and lone surrogates — property-tested against an independent
 * oracle. The configuration half is `BadInput.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Exit, Schema } from "effect"
import * as fc from "fast-check"
import * as CalendarProvider from "../src/CalendarProvider.ts"
import * as EmailProvider from "../src/EmailProvider.ts"
import * as Fields from "../src/Fields.ts"
import * as PaymentProvider from "../src/PaymentProvider.ts"
import * as SmsProvider from "../src/SmsProvider.ts"

/** Runs `construct`, expecting it to throw `InvalidFields`; answers the error. */
const refused = (construct: () => unknown): Fields.InvalidFields => {
  try {
    construct()
  } catch (error) {
    assert.instanceOf(error, Fields.InvalidFields)
    return error
  }
  return assert.fail("expected the constructor to throw InvalidFields")
}

const sms = { from: "+15005550006", to: "+447700900123", body: "Florist at 9 am." }
const email = { from: "WedSync <reminders@wedsync.example>", to: "ana@example.com", subject: "Tasting", text: "3 pm" }

describe("messages: constructed with the field named", () => {
  it("an SMS to a number that is not E.164", () => {
    const error = refused(() => new SmsProvider.SmsMessage({ ...sms, to: "07700 900123" }))
    assert.strictEqual(error.path, "to")
    assert.strictEqual(error.message, "SmsMessage is invalid: to: expected an E.164 phone number like +447700900123")
  })

  it("every bad field at once, through make as well as new", () => {
    const error = refused(() => SmsProvider.SmsMessage.make({ from: "WedSync", to: "+447700900123", body: "" }))
    assert.deepStrictEqual(
      error.issues.map((issue) => issue.path),
      ["from", "body"]
    )
    assert.include(error.message, "body: an SMS needs a body")
  })

  it("an SMS body with a NUL byte or a lone surrogate", () => {
    const nul = refused(() => new SmsProvider.SmsMessage({ ...sms, body: "See you\u0000 at 9" }))
    assert.strictEqual(nul.path, "body")
    assert.include(
      nul.message,
      "body: must not contain control characters other than tab, line feed and carriage return"
    )
    assert.include(nul.message, "found U+0000 (NUL) at index 7")
    const half = refused(() => new SmsProvider.SmsMessage({ ...sms, body: "Congrats \ud83c" }))
    assert.include(half.message, "body: must be well-formed Unicode; found a lone surrogate U+D83C at index 9")
  })

  it("an SMS body keeps its line breaks, tabs and emoji", () => {
    const message = new SmsProvider.SmsMessage({ ...sms, body: "Timeline:\r\n\t9 am florist 💐" })
    assert.strictEqual(message.body, "Timeline:\r\n\t9 am florist 💐")
  })

  it("a status callback that is not an http(s) URL", () => {
    for (const statusCallbackUrl of ["file:///etc/passwd", "https://[broken", "https://hooks.example/\u0000"]) {
      const error = refused(() => new SmsProvider.SmsMessage({ ...sms, statusCallbackUrl }))
      assert.strictEqual(error.path, "statusCallbackUrl")
    }
  })

  it("an email subject carrying a second header", () => {
    const error = refused(
      () => new EmailProvider.EmailMessage({ ...email, subject: "Tasting\r\nBcc: all@example.com" })
    )
    assert.strictEqual(error.path, "subject")
    assert.include(
      error.message,
      "subject: must not contain control characters; found U+000D (carriage return) at index 7"
    )
  })

  it("display names, reply-to and headers are header text too", () => {
    const error = refused(
      () =>
        new EmailProvider.EmailMessage({
          ...email,
          from: "WedSync\n <reminders@wedsync.example>",
          to: ["ana@example.com", "Ben \ud800 <ben@example.com>"],
          replyTo: "Planner\u0007 <planner@example.com>",
          headers: { "X-Entity-Ref-ID": "w_1\r\nX-Evil: 1" },
          idempotencyKey: "reminder\tw_1"
        })
    )
    const byPath = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.message]))
    assert.include(byPath.from, "U+000A (line feed)")
    assert.include(byPath["to[1]"], "lone surrogate U+D800")
    assert.include(byPath.replyTo, "U+0007 (bell)")
    assert.include(byPath["headers.X-Entity-Ref-ID"], "U+000D (carriage return)")
    assert.include(byPath.idempotencyKey, "U+0009 (tab)")
  })

  it("a header name that is not a token is refused by name, never dropped", () => {
    const error = refused(() => new EmailProvider.EmailMessage({ ...email, headers: { "X-Ok": "1", "Bad Name": "v" } }))
    assert.strictEqual(error.path, "headers.Bad Name")
    assert.include(error.message, "expected a header name like X-Entity-Ref-ID")
  })

  it("a bad sender and a missing body, named", () => {
    const sender = refused(() => new EmailProvider.EmailMessage({ ...email, from: "nobody" }))
    assert.strictEqual(
      sender.message,
      "EmailMessage is invalid: from: expected an email address like ana@example.com or Ana <ana@example.com>"
    )
    const bodyless = refused(() => new EmailProvider.EmailMessage({ ...email, text: undefined }))
    assert.strictEqual(bodyless.message, "EmailMessage is invalid: an email needs a text or html body (or both)")
  })

  it("the payment and calendar models too", () => {
    const payment = refused(
      () =>
        new PaymentProvider.CreatePaymentRequest({
          amount: 50_000,
          currency: "GBP",
          metadata: {},
          captureMethod: "automatic",
          idempotencyKey: "deposit\r\nw_1"
        })
    )
    assert.deepStrictEqual(
      payment.issues.map((issue) => issue.path),
      ["currency", "idempotencyKey"]
    )
    assert.include(payment.message, "CreatePaymentRequest is invalid: currency: expected a three-letter lower-case")
    const refund = refused(
      () => new PaymentProvider.RefundRequest({ paymentId: "pi_1", amount: 0, idempotencyKey: "r" })
    )
    assert.strictEqual(refund.path, "amount")
    const event = refused(
      () =>
        new CalendarProvider.CalendarEvent({
          summary: "Ceremony",
          start: { dateTime: "2026-06-06T14:00:00+01:00" },
          end: { dateTime: "2026-06-06T13:00:00+01:00" }
        })
    )
    assert.strictEqual(event.path, "end")
    assert.include(event.message, "CalendarEvent is invalid: end: end must be after start")
  })

  it("decoding (the path notifications take) refuses the same text, naming the field", () => {
    const exit = Schema.decodeUnknownExit(SmsProvider.SmsMessage)({ ...sms, body: "a\u0000" })
    assert.isTrue(Exit.isFailure(exit))
    const message = Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : ""
    assert.include(message, "U+0000 (NUL)")
    assert.include(message, `["body"]`)
  })
})

describe("text rules, property-tested", () => {
  const controls = [
    ...Array.from({ length: 0x20 }, (_, code) => code),
    ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i)
  ]
  const character = fc.oneof(
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    fc.constantFrom(...controls).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code))
  )
  const anyText = fc.string({ unit: character, maxLength: 40 })
  const controlPattern = /\p{Cc}/u
  // with the u flag a surrogate pair is one code point, so only a lone surrogate is Cs
  const wellFormed = (text: string) => !/\p{Cs}/u.test(text)
  const bodyControlPattern = /[^\P{Cc}\t\n\r]/u
  // Well-formed text without control characters: what a careful caller sends.
  const cleanText = fc.string({ unit: "binary", maxLength: 40 }).filter((text) => !controlPattern.test(text))
  const bodyBreak = fc.constantFrom("\t", "\n", "\r")
  const badForHeader = fc.oneof(
    fc.constantFrom(...controls).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code))
  )
  const badForBody = badForHeader.filter((char) => !["\t", "\n", "\r"].includes(char))

  it("a header text is refused exactly when it has a control character or a lone surrogate", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const expected = wellFormed(text) && !controlPattern.test(text)
        assert.strictEqual(Fields.textProblem(text) === undefined, expected, JSON.stringify(text))
        assert.strictEqual(Schema.is(Fields.HeaderText)(text), expected)
      })
    )
  })

  it("a body text is refused exactly when it has one, tab, line feed and carriage return aside", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const expected = wellFormed(text) && !bodyControlPattern.test(text)
        assert.strictEqual(Fields.textProblem(text, { multiline: true }) === undefined, expected, JSON.stringify(text))
        assert.strictEqual(Schema.is(Fields.BodyText)(text), expected)
      })
    )
  })

  it("any SMS body or email subject with one bad character is refused, naming the field and the index", () => {
    fc.assert(
      fc.property(cleanText, badForBody, cleanText, (before, bad, after) => {
        const body = refused(() => new SmsProvider.SmsMessage({ ...sms, body: before + bad + after }))
        assert.strictEqual(body.path, "body")
        assert.include(body.message, `at index ${before.length}`)
        const subject = refused(() => new EmailProvider.EmailMessage({ ...email, subject: before + bad + after }))
        assert.strictEqual(subject.path, "subject")
        assert.include(subject.message, `at index ${before.length}`)
      })
    )
    fc.assert(
      fc.property(cleanText, badForHeader, cleanText, (before, bad, after) => {
        const subject = refused(() => new EmailProvider.EmailMessage({ ...email, subject: before + bad + after }))
        assert.strictEqual(subject.path, "subject")
      })
    )
  })

  it("any well-formed text without them is sent as given", () => {
    fc.assert(
      fc.property(cleanText, fc.array(fc.tuple(bodyBreak, cleanText), { maxLength: 3 }), (text, lines) => {
        const body = `x${text}${lines.map(([separator, line]) => separator + line).join("")}`
        assert.strictEqual(new SmsProvider.SmsMessage({ ...sms, body }).body, body)
        assert.strictEqual(new EmailProvider.EmailMessage({ ...email, subject: text, text: body }).subject, text)
      })
    )
  })
})
