import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as ConstantTime from "../src/ConstantTime.ts"

describe("ConstantTime.equals", () => {
  it.each<[string, string, boolean]>([
    ["", "", true],
    ["postmark:pw", "postmark:pw", true],
    ["a", "a much longer secret", false],
    ["a much longer secret", "a", false],
    ["", "x", false],
    ["abc", "abd", false],
    ["ABC", "abc", false],
    ["é", "e\u0301", false]
  ])("%j vs %j → %s", (given, expected, equal) => {
    expect(ConstantTime.equals(given, expected)).toBe(equal)
  })

  it("is string equality, for any two strings of any lengths, and never throws", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (given, expected) => {
        expect(ConstantTime.equals(given, expected)).toBe(given === expected)
        expect(ConstantTime.equals(given, given)).toBe(true)
      })
    )
  })

  it("compares bytes as bytes, and a string as its UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array(), (given, expected) => {
        expect(ConstantTime.equals(given, expected)).toBe(Buffer.from(given).equals(Buffer.from(expected)))
      })
    )
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(ConstantTime.equals(text, new TextEncoder().encode(text))).toBe(true)
      })
    )
  })
})
