import { describe, expect, it } from "@effect/vitest"
import { check, segments } from "../src/internal/segments.ts"

describe("segments", () => {
  const table: ReadonlyArray<readonly [string, string, number, number]> = [
    ["hello", "GSM-7", 5, 1],
    ["x".repeat(160), "GSM-7", 160, 1],
    ["x".repeat(161), "GSM-7", 161, 2],
    ["x".repeat(306), "GSM-7", 306, 2],
    ["x".repeat(307), "GSM-7", 307, 3],
    ["€".repeat(80), "GSM-7", 160, 1],
    ["€".repeat(81), "GSM-7", 162, 2],
    ["é".repeat(160), "GSM-7", 160, 1],
    ["ć".repeat(70), "UCS-2", 70, 1],
    ["ć".repeat(71), "UCS-2", 71, 2],
    ["ć".repeat(134), "UCS-2", 134, 2],
    ["ć".repeat(135), "UCS-2", 135, 3],
    ["💍".repeat(35), "UCS-2", 70, 1]
  ]
  it.each(table)("%#: %s → %s, %i units, %i segments", (body, encoding, units, count) => {
    expect(segments(body)).toEqual({ encoding, units, segments: count })
  })

  it("never splits an escape sequence or a surrogate pair across parts", () => {
    // 152 septets then "€" (2): the euro starts part 2 instead of straddling.
    expect(segments(`${"x".repeat(152)}€${"x".repeat(10)}`).segments).toBe(2)
    expect(segments(`${"x".repeat(152)}€${"x".repeat(152)}`).segments).toBe(3)
    expect(segments(`${"ć".repeat(66)}💍${"ć".repeat(66)}`).segments).toBe(3)
  })

  it("check fails only above the limit, as InvalidRequest on body", () => {
    expect(check("twilio", "x".repeat(1530), 10)).toBeUndefined()
    const error = check("twilio", "x".repeat(1531), 10)
    expect(error?.reason._tag).toBe("InvalidRequest")
    expect(error?.canFailover).toBe(false)
  })
})
