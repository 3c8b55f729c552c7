import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import * as fc from "fast-check"
import * as RetryAfter from "../src/RetryAfter.ts"

const NOW = Date.UTC(2026, 5, 20, 12, 0, 0)
const millis = (value: Duration.Duration | undefined) => (value === undefined ? undefined : Duration.toMillis(value))

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const two = (n: number) => String(n).padStart(2, "0")
const clock = (date: Date) => `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`

/** The obsolete RFC 850 form, with its two-digit year. */
const rfc850 = (date: Date) =>
  `${LONG_DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${two(date.getUTCFullYear() % 100)} ${clock(date)} GMT`

/** ANSI C's asctime() form: the day padded with a space. */
const asctime = (date: Date) =>
  `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ${clock(date)} ${date.getUTCFullYear()}`

describe("RetryAfter.parse: the table", () => {
  it.each<[string | null | undefined, number | undefined]>([
    ["0", 0],
    ["7", 7_000],
    ["007", 7_000],
    [" 7 ", 7_000],
    ["120", 120_000],
    // Fractions are outside the RFC but some servers send them: to the millisecond, rounded up.
    ["1.5", 1_500],
    ["0.25", 250],
    ["1.0005", 1_001],
    ["0.0001", 1],
    ["2.000", 2_000],
    // Negatives, signs and other number notations are not delta-seconds.
    ["-1", undefined],
    ["-0", undefined],
    ["+5", undefined],
    ["1e3", undefined],
    ["0x10", undefined],
    [".5", undefined],
    ["1.", undefined],
    ["Infinity", undefined],
    ["NaN", undefined],
    ["1".padEnd(400, "0"), undefined],
    // Absent and garbage.
    [null, undefined],
    [undefined, undefined],
    ["", undefined],
    ["   ", undefined],
    ["soon", undefined],
    ["5 seconds", undefined],
    // HTTP-dates: the wait from now, a past date is zero.
    ["Sat, 20 Jun 2026 12:00:30 GMT", 30_000],
    ["Saturday, 20-Jun-26 12:00:30 GMT", 30_000],
    ["Sat Jun 20 12:00:30 2026", 30_000],
    ["Sat Jun  6 12:00:00 2026", 0],
    ["Sun, 06 Nov 1994 08:49:37 GMT", 0],
    // Not HTTP-dates, though Date.parse reads them.
    ["2026-06-20T12:00:30Z", undefined],
    ["Sat, 20 Jun 2026 12:00:30 UTC", undefined],
    ["Sat, 20 Jun 2026 12:00:30", undefined],
    ["20 Jun 2026", undefined],
    // No such moment.
    ["Mon, 30 Feb 2026 12:00:00 GMT", undefined],
    ["Sat, 20 Jun 2026 24:00:00 GMT", undefined],
    ["Sat, 20 Jun 2026 12:60:00 GMT", undefined]
  ])("%j → %j ms", (value, expected) => {
    expect(millis(RetryAfter.parse(value, NOW))).toBe(expected)
  })

  it("reads the whole-second answers the simulators send as whole milliseconds", () => {
    expect(RetryAfter.parse("7")).toEqual(Duration.seconds(7))
    expect(RetryAfter.parse(new Date(10_000).toUTCString(), 4_000)).toEqual(Duration.millis(6_000))
  })

  it("takes a leap second", () => {
    expect(millis(RetryAfter.parse("Wed, 31 Dec 2025 23:59:60 GMT", Date.UTC(2025, 11, 31, 23, 59, 0)))).toBe(60_000)
  })

  it("reads a two-digit year more than 50 years ahead as the last such year past", () => {
    const now = Date.UTC(2026, 0, 1)
    expect(millis(RetryAfter.parse("Wednesday, 01-Jan-76 00:00:10 GMT", now))).toBe(
      Date.UTC(2076, 0, 1, 0, 0, 10) - now
    )
    expect(millis(RetryAfter.parse("Saturday, 01-Jan-77 00:00:10 GMT", now))).toBe(0)
  })
})

describe("RetryAfter.parse: properties", () => {
  const seconds = fc.nat({ max: 10_000_000 })
  const instant = fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2070, 0, 1) }).map((n) => n - (n % 1000))
  const now = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })

  it("delta-seconds are that many seconds", () => {
    fc.assert(
      fc.property(seconds, (n) => {
        expect(RetryAfter.parse(String(n))).toEqual(Duration.seconds(n))
      })
    )
  })

  it("a fraction is never shorter than asked, and less than a millisecond longer", () => {
    // Exact arithmetic in picoseconds: 10^9 of them to the millisecond.
    const perMilli = 10n ** 9n
    fc.assert(
      fc.property(seconds, fc.stringMatching(/^\d{1,9}$/), (whole, fraction) => {
        const asked = BigInt(whole) * 1000n * perMilli + BigInt(fraction.padEnd(12, "0"))
        const parsed = millis(RetryAfter.parse(`${whole}.${fraction}`)) ?? Number.NaN
        expect(Number.isInteger(parsed)).toBe(true)
        const given = BigInt(parsed) * perMilli
        expect(given >= asked && given - asked < perMilli).toBe(true)
      })
    )
  })

  it("a negative number is undefined", () => {
    fc.assert(
      fc.property(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), (n) => {
        expect(RetryAfter.parse(String(n))).toBeUndefined()
      })
    )
  })

  it("a number in any notation JavaScript prints is read only when it is plain digits", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (n) => {
        const text = String(n)
        const parsed = RetryAfter.parse(text)
        if (/^\d+(\.\d+)?$/.test(text)) {
          expect(Math.abs((millis(parsed) ?? Number.NaN) - n * 1000)).toBeLessThanOrEqual(Math.max(1, n * 1e-9))
        } else expect(parsed).toBeUndefined()
      })
    )
  })

  it("each of the three HTTP-date forms is the wait until that instant, zero once it has passed", () => {
    fc.assert(
      fc.property(instant, now, (at, from) => {
        const date = new Date(at)
        const expected = Math.max(0, at - from)
        expect(millis(RetryAfter.parse(date.toUTCString(), from))).toBe(expected)
        expect(millis(RetryAfter.parse(asctime(date), from))).toBe(expected)
        // The two-digit year is only recoverable within 50 years of now.
        if (Math.abs(date.getUTCFullYear() - new Date(from).getUTCFullYear()) < 50) {
          expect(millis(RetryAfter.parse(rfc850(date), from))).toBe(expected)
        }
      })
    )
  })

  it("surrounding whitespace changes nothing", () => {
    const value = fc.oneof(
      seconds.map(String),
      instant.map((at) => new Date(at).toUTCString())
    )
    const space = fc.stringMatching(/^[ \t]{0,3}$/)
    fc.assert(
      fc.property(value, space, space, (text, before, after) => {
        expect(RetryAfter.parse(`${before}${text}${after}`, NOW)).toEqual(RetryAfter.parse(text, NOW))
      })
    )
  })

  it("any string answers undefined or a finite, non-negative wait, and never throws", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = RetryAfter.parse(text, NOW)
        if (parsed !== undefined) {
          expect(Duration.isFinite(parsed)).toBe(true)
          expect(Duration.toMillis(parsed)).toBeGreaterThanOrEqual(0)
        }
      })
    )
  })

  it("text without a digit is undefined", () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !/\d/.test(text)),
        (text) => {
          expect(RetryAfter.parse(text, NOW)).toBeUndefined()
        }
      )
    )
  })
})
