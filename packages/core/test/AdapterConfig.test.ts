/**
 * The adapters' option checks: which values pass, and for the others the
 * `Misconfigured` error's words (the field and the problem, never the secret).
 * The timeout bounds are property-tested against what a Node timer can hold.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Redacted, Result } from "effect"
import * as fc from "fast-check"
import * as AdapterConfig from "../src/AdapterConfig.ts"
import * as IntegrationError from "../src/IntegrationError.ts"

const SECRET = "re_canary_5bd0a7"

/** The error of a failed check; fails the test when the check passed. */
const failure = <A>(check: AdapterConfig.Check<A>): IntegrationError.IntegrationError => {
  if (Result.isSuccess(check)) throw new Error(`expected a failure, got ${String(check.success)}`)
  return check.failure
}

const words = <A>(check: AdapterConfig.Check<A>): string => {
  const error = failure(check)
  expect(error.reason._tag).toBe("Misconfigured")
  expect(error.canFailover).toBe(true)
  expect(error.isRetryable).toBe(false)
  expect(error.operation).toBe("configure")
  return error.message
}

describe("AdapterConfig.nonEmptySecret", () => {
  it("passes a key and keeps it redacted", () => {
    const checked = AdapterConfig.nonEmptySecret("resend", "apiKey", Redacted.make(SECRET))
    expect(Result.isSuccess(checked) && Redacted.value(checked.success)).toBe(SECRET)
  })

  it.each<[string, Redacted.Redacted<string> | undefined, string]>([
    ["missing", undefined, "resend.configure: apiKey is missing"],
    ["empty", Redacted.make(""), "resend.configure: apiKey is empty"],
    ["blank", Redacted.make("  \n"), "resend.configure: apiKey is only whitespace"],
    [
      "with a copied line break",
      Redacted.make(`${SECRET}\n`),
      "resend.configure: apiKey starts or ends with whitespace"
    ],
    [
      "with a control character",
      Redacted.make(`re_\u0000${SECRET}`),
      "resend.configure: apiKey contains a control character"
    ]
  ])("refuses a key that is %s, naming the field and never the value", (_, value, expected) => {
    const message = words(AdapterConfig.nonEmptySecret("resend", "apiKey", value))
    expect(message).toContain(expected)
    expect(message).not.toContain(SECRET)
    expect(JSON.stringify(failure(AdapterConfig.nonEmptySecret("resend", "apiKey", value)))).not.toContain(SECRET)
  })

  it("refuses a plain string given where a Redacted is expected (untyped config)", () => {
    const plain = SECRET as unknown as Redacted.Redacted<string>
    const message = words(AdapterConfig.nonEmptySecret("resend", "apiKey", plain))
    expect(message).toContain("apiKey is not a Redacted value")
    expect(message).not.toContain(SECRET)
  })
})

describe("AdapterConfig.nonEmptyText", () => {
  it("passes an identifier and refuses an empty one", () => {
    expect(AdapterConfig.nonEmptyText("vonage", "apiKey", "abcd1234")).toEqual(Result.succeed("abcd1234"))
    expect(words(AdapterConfig.nonEmptyText("vonage", "apiKey", ""))).toBe("vonage.configure: apiKey is empty")
    expect(words(AdapterConfig.nonEmptyText("twilio", "accountSid", undefined))).toBe(
      "twilio.configure: accountSid is missing"
    )
  })
})

describe("AdapterConfig.baseUrl", () => {
  it("passes http and https URLs", () => {
    const checked = AdapterConfig.baseUrl("postmark", "baseUrl", "http://127.0.0.1:4010/")
    expect(Result.isSuccess(checked) && checked.success.host).toBe("127.0.0.1:4010")
    expect(Result.isSuccess(AdapterConfig.baseUrl("resend", "baseUrl", "https://api.resend.com"))).toBe(true)
  })

  it.each<[string, string, string]>([
    ["not a url", "not a url", "baseUrl is not an absolute URL"],
    ["a bare host", "api.resend.com", "baseUrl is not an absolute URL"],
    ["a relative path", "/emails", "baseUrl is not an absolute URL"],
    ["another scheme", "ftp://api.resend.com", "baseUrl must be an http or https URL, not ftp:"],
    ["a key pasted in", SECRET, "baseUrl is not an absolute URL"],
    ["credentials", `https://user:${SECRET}@api.resend.com`, "baseUrl carries credentials"]
  ])("refuses %s without echoing it", (_, value, expected) => {
    const message = words(AdapterConfig.baseUrl("resend", "baseUrl", value))
    expect(message).toContain(expected)
    expect(message).not.toContain(SECRET)
  })
})

describe("AdapterConfig.timeout", () => {
  it.each<[Duration.Input, number]>([
    ["10 seconds", 10_000],
    [1, 1],
    [Duration.millis(AdapterConfig.MAX_TIMER_MILLIS), AdapterConfig.MAX_TIMER_MILLIS],
    ["24 days", 24 * 86_400_000]
  ])("passes %s", (value, millis) => {
    const checked = AdapterConfig.timeout("resend", "timeout", value)
    expect(Result.isSuccess(checked) && Duration.toMillis(checked.success)).toBe(millis)
  })

  it.each<[string, Duration.Input, string]>([
    ["negative", "-5 seconds", "resend.configure: timeout is negative (-5s): give a duration more than zero"],
    ["negative millis", -1, "timeout is negative"],
    ["zero", 0, "timeout is zero: every request would time out at once"],
    ["NaN", Number.NaN, "timeout is not a number (NaN)"],
    ["infinite", Duration.infinity, "timeout is infinite: give a bound no longer than a timer can wait"],
    ["Infinity", "Infinity", "timeout is infinite"],
    [
      "beyond a timer",
      "25 days",
      "timeout is 25d, longer than a timer can wait (24d 20h 31m 23s 647ms, 2147483647 ms)"
    ],
    ["one past the timer", AdapterConfig.MAX_TIMER_MILLIS + 1, "longer than a timer can wait"],
    ["unreadable", "soon" as Duration.Input, 'timeout is not a duration (expected e.g. "10 seconds"']
  ])("refuses %s, naming the field and the problem", (_, value, expected) => {
    expect(words(AdapterConfig.timeout("resend", "timeout", value))).toContain(expected)
  })

  it("passes exactly the whole milliseconds a timer can hold", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (millis) => {
        const checked = AdapterConfig.timeout("twilio", "timeoutMillis", millis)
        expect(Result.isSuccess(checked)).toBe(millis > 0 && millis <= AdapterConfig.MAX_TIMER_MILLIS)
      })
    )
  })

  it("whatever number passes, a timer can wait that long; whatever fails is named", () => {
    fc.assert(
      fc.property(fc.double(), (millis) => {
        const checked = AdapterConfig.timeout("twilio", "timeoutMillis", millis)
        if (Result.isFailure(checked)) {
          expect(checked.failure.message).toMatch(/^twilio\.configure: timeoutMillis (is|must)/)
          return
        }
        const passed = Duration.toMillis(checked.success)
        expect(passed > 0 && passed <= AdapterConfig.MAX_TIMER_MILLIS).toBe(true)
        expect(() => AbortSignal.timeout(Math.ceil(passed))).not.toThrow()
      })
    )
  })
})

describe("AdapterConfig.fromDefect", () => {
  it("is the provider's Misconfigured failure with the thrown words, without secrets or credentials", () => {
    const thrown = new Error(
      `accountSid must start with AC; token ${SECRET}; see https://AC1:${SECRET}2@api.twilio.com`
    )
    const error = AdapterConfig.fromDefect("twilio", "send", thrown, [SECRET])
    expect(error.reason._tag).toBe("Misconfigured")
    expect(error.message).toContain("twilio.send: unexpected Error: accountSid must start with AC")
    expect(JSON.stringify(error)).not.toContain(SECRET)
    expect(AdapterConfig.fromDefect("x", "send", new Error("Authorization: Bearer abc.def")).message).not.toContain(
      "abc.def"
    )
  })

  it("keeps an IntegrationError that was thrown, and names what a non-error throw was", () => {
    const typed = IntegrationError.make("resend", "send", new IntegrationError.Unavailable({}))
    expect(AdapterConfig.fromDefect("resend", "send", typed)).toBe(typed)
    expect(AdapterConfig.fromDefect("resend", "send", undefined).message).toBe(
      "resend.send: unexpected a thrown undefined"
    )
    expect(AdapterConfig.fromDefect("resend", "send", "x".repeat(1_000)).message.length).toBeLessThan(400)
  })
})
