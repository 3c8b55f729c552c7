/**
 * The ports' models accept what adapters and callers send and refuse what no
 * provider would take, naming the offending field; a port provided by a layer
 * is reachable through its service key.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Layer, Redacted, Ref, Schema, SchemaIssue } from "effect"
import * as CalendarProvider from "../src/CalendarProvider.ts"
import * as EmailProvider from "../src/EmailProvider.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as PaymentProvider from "../src/PaymentProvider.ts"
import * as SmsProvider from "../src/SmsProvider.ts"

/** Decodes and expects a failure; answers the error's message (which names the path). */
const decodeFailure = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, input: unknown): string => {
  const exit = Schema.decodeUnknownExit(schema)(input)
  if (Exit.isSuccess(exit)) return assert.fail(`expected a decoding failure, got ${JSON.stringify(exit.value)}`)
  const error = Cause.squash(exit.cause)
  assert.instanceOf(error, Error)
  return error.message
}

/** Decodes and expects a success. */
const decodeSuccess = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, input: unknown): S["Type"] => {
  const exit = Schema.decodeUnknownExit(schema)(input)
  if (Exit.isFailure(exit)) return assert.fail(`expected success, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}

const email = { from: "WedSync <reminders@wedsync.example>", to: "ana@example.com", subject: "Tasting tomorrow" }
const emailFixture = { from: "reminders@wedsync.example", subject: "Reminder", text: "Hello" }

describe("EmailMessage", () => {
  it("accepts one or many recipients and a text or html body", () => {
    const single = decodeSuccess(EmailProvider.EmailMessage, { ...email, text: "See you at 3 pm." })
    assert.instanceOf(single, EmailProvider.EmailMessage)
    assert.strictEqual(single.to, "ana@example.com")
    const many = decodeSuccess(EmailProvider.EmailMessage, {
      ...email,
      to: ["ana@example.com", "Ben <ben@example.com>"],
      cc: "planner@example.com",
      html: "<p>Hi</p>",
      headers: { "X-Entity-Ref-ID": "w_123" },
      tags: [{ name: "kind", value: "reminder" }],
      idempotencyKey: "reminder-w_123",
      metadata: { weddingId: "w_123" }
    })
    assert.deepStrictEqual(many.to, ["ana@example.com", "Ben <ben@example.com>"])
    assert.deepStrictEqual(many.metadata, { weddingId: "w_123" })
  })

  it("refuses a message with neither text nor html", () => {
    assert.include(decodeFailure(EmailProvider.EmailMessage, email), "text or html")
    assert.include(decodeFailure(EmailProvider.EmailMessage, { ...email, text: "", html: "" }), "text or html")
  })

  it("names the recipient that is not an address", () => {
    const message = decodeFailure(EmailProvider.EmailMessage, { ...email, to: ["ana@example.com", "ana"], text: "x" })
    assert.include(message, `["to"][1]`)
    assert.include(message, "expected an email address")
  })

  it("refuses an empty recipient list and a bad sender", () => {
    assert.include(decodeFailure(EmailProvider.EmailMessage, { ...email, to: [], text: "x" }), `["to"]`)
    assert.include(decodeFailure(EmailProvider.EmailMessage, { ...email, from: "nobody", text: "x" }), `["from"]`)
  })

  it("checks the constructor too", () => {
    try {
      new EmailProvider.EmailMessage({ ...email })
    } catch (error) {
      assert.instanceOf(error, Error)
      assert.ok(SchemaIssue.isIssue(error.cause))
      return assert.include(new Schema.SchemaError(error.cause).message, "text or html")
    }
    assert.fail("expected the constructor to throw")
  })
})

describe("BatchReceipt", () => {
  it("carries a classified error for a failed message, in order", () => {
    const batch = decodeSuccess(EmailProvider.BatchReceipt, {
      provider: "postmark",
      results: [
        { _tag: "Accepted", receipt: { provider: "postmark", messageId: "m1", acceptedAt: 1767225600000 } },
        {
          _tag: "Failed",
          error: {
            _tag: "IntegrationError",
            provider: "postmark",
            operation: "sendBatch",
            status: 422,
            providerCode: "406",
            reason: { _tag: "Rejected", description: "inactive recipient" }
          }
        }
      ]
    })
    const [first, second] = batch.results
    assert.strictEqual(first?._tag, "Accepted")
    if (second?._tag !== "Failed") return assert.fail("expected the second message to have failed")
    assert.instanceOf(second.error, IntegrationError.IntegrationError)
    assert.strictEqual(second.error.reason._tag, "Rejected")
    assert.isFalse(second.error.canFailover)
  })

  it("refuses a receipt without a message id or with a fractional timestamp", () => {
    assert.include(
      decodeFailure(EmailProvider.EmailReceipt, { provider: "resend", messageId: "", acceptedAt: 1 }),
      `["messageId"]`
    )
    assert.include(
      decodeFailure(EmailProvider.EmailReceipt, { provider: "resend", messageId: "m", acceptedAt: 1.5 }),
      `["acceptedAt"]`
    )
  })
})

describe("SmsMessage", () => {
  const sms = { from: "+15005550006", to: "+447700900123", body: "Florist at 9 am." }

  it("accepts E.164 numbers", () => {
    const message = decodeSuccess(SmsProvider.SmsMessage, {
      ...sms,
      statusCallbackUrl: "https://hooks.wedsync.example/sms",
      metadata: { weddingId: "w_123" }
    })
    assert.strictEqual(message.to, "+447700900123")
  })

  it("names the number that is not E.164", () => {
    const national = decodeFailure(SmsProvider.SmsMessage, { ...sms, to: "07700 900123" })
    assert.include(national, `["to"]`)
    assert.include(national, "E.164")
    assert.include(decodeFailure(SmsProvider.SmsMessage, { ...sms, from: "+0123" }), `["from"]`)
    assert.include(decodeFailure(SmsProvider.SmsMessage, { ...sms, to: "+1234567890123456" }), `["to"]`)
  })

  it("refuses an empty body and a callback that is not a URL", () => {
    assert.include(decodeFailure(SmsProvider.SmsMessage, { ...sms, body: "" }), `["body"]`)
    assert.include(
      decodeFailure(SmsProvider.SmsMessage, { ...sms, statusCallbackUrl: "ftp://x" }),
      `["statusCallbackUrl"]`
    )
  })

  it("decodes a receipt and refuses an unknown status", () => {
    const receipt: SmsProvider.SmsReceipt = { provider: "twilio", messageId: "SM1", segments: 2, status: "queued" }
    assert.deepStrictEqual(decodeSuccess(SmsProvider.SmsReceipt, receipt), receipt)
    assert.include(decodeFailure(SmsProvider.SmsReceipt, { ...receipt, status: "lost" }), `["status"]`)
    assert.include(decodeFailure(SmsProvider.SmsReceipt, { ...receipt, segments: 0 }), `["segments"]`)
  })
})

describe("CreatePaymentRequest", () => {
  const request = {
    amount: 2000,
    currency: "usd",
    metadata: { weddingId: "w_123" },
    captureMethod: "automatic",
    idempotencyKey: "deposit-w_123"
  }

  it("accepts minor units and a lower-case currency", () => {
    const decoded = decodeSuccess(PaymentProvider.CreatePaymentRequest, {
      ...request,
      confirm: true,
      customer: "cus_1"
    })
    assert.strictEqual(decoded.amount, 2000)
    assert.strictEqual(decoded.metadata.weddingId, "w_123")
  })

  it("refuses a zero, negative or fractional amount", () => {
    assert.include(decodeFailure(PaymentProvider.CreatePaymentRequest, { ...request, amount: 0 }), `["amount"]`)
    assert.include(decodeFailure(PaymentProvider.CreatePaymentRequest, { ...request, amount: -5 }), `["amount"]`)
    assert.include(decodeFailure(PaymentProvider.CreatePaymentRequest, { ...request, amount: 19.99 }), `["amount"]`)
  })

  it("refuses an upper-case or four-letter currency", () => {
    const upper = decodeFailure(PaymentProvider.CreatePaymentRequest, { ...request, currency: "USD" })
    assert.include(upper, `["currency"]`)
    assert.include(upper, "lower-case")
    assert.include(
      decodeFailure(PaymentProvider.CreatePaymentRequest, { ...request, currency: "usdt" }),
      `["currency"]`
    )
  })

  it("requires an idempotency key and a known capture method", () => {
    const { idempotencyKey: _, ...withoutKey } = request
    assert.include(decodeFailure(PaymentProvider.CreatePaymentRequest, withoutKey), `["idempotencyKey"]`)
    assert.include(
      decodeFailure(PaymentProvider.CreatePaymentRequest, { ...request, idempotencyKey: "" }),
      `["idempotencyKey"]`
    )
    assert.include(
      decodeFailure(PaymentProvider.CreatePaymentRequest, { ...request, captureMethod: "later" }),
      `["captureMethod"]`
    )
  })

  it("checks refunds and payments", () => {
    const refund = { paymentId: "pi_1", amount: 500, reason: "requested_by_customer", idempotencyKey: "refund-1" }
    assert.strictEqual(decodeSuccess(PaymentProvider.RefundRequest, refund).amount, 500)
    assert.include(decodeFailure(PaymentProvider.RefundRequest, { ...refund, amount: 0 }), `["amount"]`)
    assert.include(
      decodeFailure(PaymentProvider.RefundRequest, { ...refund, idempotencyKey: undefined }),
      `["idempotencyKey"]`
    )
    const payment = {
      provider: "stripe",
      id: "pi_1",
      status: "requires_capture",
      amount: 2000,
      currency: "usd",
      metadata: {},
      createdAt: 1767225600000,
      clientSecret: Redacted.make("pi_1_secret_x")
    }
    const decoded = decodeSuccess(PaymentProvider.Payment, payment)
    assert.strictEqual(
      decoded.clientSecret === undefined ? undefined : Redacted.value(decoded.clientSecret),
      "pi_1_secret_x"
    )
    assert.notInclude(String(decoded.clientSecret), "secret_x")
    assert.include(decodeFailure(PaymentProvider.Payment, { ...payment, status: "paid" }), `["status"]`)
  })
})

describe("CalendarEvent", () => {
  const timed = {
    summary: "Ceremony",
    start: { dateTime: "2026-06-06T13:00:00+01:00", timeZone: "Europe/London" },
    end: { dateTime: "2026-06-06T14:00:00+01:00", timeZone: "Europe/London" }
  }

  it("accepts timed and all-day events", () => {
    assert.strictEqual(
      decodeSuccess(CalendarProvider.CalendarEvent, { ...timed, id: "wsw123ceremony" }).id,
      "wsw123ceremony"
    )
    decodeSuccess(CalendarProvider.CalendarEvent, {
      summary: "Wedding day",
      start: { date: "2026-06-06" },
      end: { date: "2026-06-07" }
    })
    // 12:30Z is half an hour after 13:00+01:00, though it sorts before it as text
    decodeSuccess(CalendarProvider.CalendarEvent, { ...timed, end: { dateTime: "2026-06-06T12:30:00Z" } })
  })

  it("refuses an end before or at the start, naming end", () => {
    const before = decodeFailure(CalendarProvider.CalendarEvent, {
      ...timed,
      end: { dateTime: "2026-06-06T12:00:00+01:00" }
    })
    assert.include(before, `["end"]`)
    assert.include(before, "end must be after start")
    // 13:00+01:00 is 12:00Z: the same instant, so an empty event
    const same = decodeFailure(CalendarProvider.CalendarEvent, { ...timed, end: { dateTime: "2026-06-06T12:00:00Z" } })
    assert.include(same, "end must be after start")
    const allDay = decodeFailure(CalendarProvider.CalendarEvent, {
      summary: "x",
      start: { date: "2026-06-06" },
      end: { date: "2026-06-06" }
    })
    assert.include(allDay, `["end"]`)
  })

  it("refuses mixed, offset-less and impossible times", () => {
    assert.include(
      decodeFailure(CalendarProvider.CalendarEvent, { ...timed, end: { date: "2026-06-07" } }),
      "both be all-day dates or both be date-times"
    )
    assert.include(
      decodeFailure(CalendarProvider.CalendarEvent, { ...timed, start: { dateTime: "2026-06-06T13:00:00" } }),
      `["start"]`
    )
    assert.include(
      decodeFailure(CalendarProvider.CalendarEvent, {
        summary: "x",
        start: { date: "2026-02-30" },
        end: { date: "2026-03-02" }
      }),
      `["start"]`
    )
    assert.include(
      decodeFailure(CalendarProvider.CalendarEvent, { ...timed, start: { ...timed.start, timeZone: "Mars/Olympus" } }),
      "unknown time zone Mars/Olympus"
    )
  })

  it("checks the order of a patch only when it moves both ends", () => {
    decodeSuccess(CalendarProvider.EventPatch, { end: { date: "2026-06-01" } })
    assert.include(
      decodeFailure(CalendarProvider.EventPatch, { start: { date: "2026-06-02" }, end: { date: "2026-06-01" } }),
      `["end"]`
    )
  })

  it("refuses a sync token combined with a time window", () => {
    decodeSuccess(CalendarProvider.ListEventsOptions, { syncToken: "tok", maxResults: 250 })
    assert.include(
      decodeFailure(CalendarProvider.ListEventsOptions, { syncToken: "tok", timeMin: "2026-01-01T00:00:00Z" }),
      `["syncToken"]`
    )
    assert.include(decodeFailure(CalendarProvider.ListEventsOptions, { maxResults: 0 }), `["maxResults"]`)
  })
})

const sentTo = (message: EmailProvider.EmailMessage): string =>
  typeof message.to === "string" ? message.to : message.to.join(",")

/** A port backed by a list, standing in for an adapter. */
const recordingEmail = Layer.effect(
  EmailProvider.EmailProvider,
  Effect.gen(function* () {
    const sent = yield* Ref.make<ReadonlyArray<string>>([])
    const send = (
      message: EmailProvider.EmailMessage
    ): Effect.Effect<EmailProvider.EmailReceipt, IntegrationError.IntegrationError> =>
      sentTo(message).endsWith("@bounce.example")
        ? Effect.fail(
            IntegrationError.make("memory", "send", new IntegrationError.Rejected({ description: "hard bounce" }))
          )
        : Ref.updateAndGet(sent, (all) => [...all, sentTo(message)]).pipe(
            Effect.map((all) => ({ provider: "memory", messageId: `m${all.length}`, acceptedAt: 1767225600000 }))
          )
    const outcome = (message: EmailProvider.EmailMessage): Effect.Effect<EmailProvider.BatchResult> =>
      Effect.match(send(message), {
        onSuccess: (receipt) => ({ _tag: "Accepted", receipt }),
        onFailure: (error) => ({ _tag: "Failed", error })
      })
    return EmailProvider.EmailProvider.of({
      provider: "memory",
      send,
      sendBatch: (messages) =>
        Effect.forEach(messages, outcome).pipe(Effect.map((results) => ({ provider: "memory", results })))
    })
  })
)

describe("EmailProvider", () => {
  it.effect("is reached through its service key once a layer provides it", () =>
    Effect.gen(function* () {
      const email = yield* EmailProvider.EmailProvider
      assert.strictEqual(email.provider, "memory")
      const receipt = yield* email.send(new EmailProvider.EmailMessage({ ...emailFixture, to: "ana@example.com" }))
      assert.deepStrictEqual(receipt, { provider: "memory", messageId: "m1", acceptedAt: 1767225600000 })

      const failure = yield* Effect.flip(
        email.send(new EmailProvider.EmailMessage({ ...emailFixture, to: "gone@bounce.example" }))
      )
      assert.strictEqual(failure.reason._tag, "Rejected")

      const batch = yield* email.sendBatch([
        new EmailProvider.EmailMessage({ ...emailFixture, to: "ben@example.com" }),
        new EmailProvider.EmailMessage({ ...emailFixture, to: "gone@bounce.example" }),
        new EmailProvider.EmailMessage({ ...emailFixture, to: ["cy@example.com", "di@example.com"] })
      ])
      assert.deepStrictEqual(
        batch.results.map((result) => result._tag),
        ["Accepted", "Failed", "Accepted"]
      )
      const last = batch.results[2]
      assert.strictEqual(last?._tag === "Accepted" ? last.receipt.messageId : undefined, "m3")
    }).pipe(Effect.provide(recordingEmail))
  )
})

describe("IntegrationError.reasonFor", () => {
  const retryAfter = Duration.seconds(7)
  const table: ReadonlyArray<readonly [IntegrationError.AnswerReasonTag, boolean, boolean, boolean]> = [
    // tag, retryable, fails over, keeps Retry-After
    ["RateLimited", true, true, true],
    ["Unavailable", true, true, true],
    ["Unauthorized", false, true, false],
    ["Misconfigured", false, true, false],
    ["Rejected", false, false, false],
    ["InvalidRequest", false, false, false]
  ]
  for (const [tag, retryable, failover, keepsWait] of table) {
    it(`builds ${tag} with its family's decisions`, () => {
      const reason = IntegrationError.reasonFor(tag, { description: "from the provider", retryAfter })
      assert.strictEqual(reason._tag, tag)
      assert.strictEqual(reason.isRetryable, retryable)
      assert.strictEqual(reason.canFailover, failover)
      assert.strictEqual(reason.message, "from the provider")
      assert.strictEqual("retryAfter" in reason && reason.retryAfter !== undefined, keepsWait)
    })
  }
})
