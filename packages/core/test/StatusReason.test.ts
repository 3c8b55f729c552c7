import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { AnswerReasonTag } from "../src/IntegrationError.ts"
import * as StatusReason from "../src/StatusReason.ts"

const tags: ReadonlyArray<AnswerReasonTag> = [
  "RateLimited",
  "Unavailable",
  "Unauthorized",
  "Misconfigured",
  "Rejected",
  "InvalidRequest"
]
const status = fc.integer({ min: 100, max: 599 })

describe("StatusReason.tagFor: the table", () => {
  it.each<[number | undefined, AnswerReasonTag]>([
    [undefined, "Unavailable"],
    [0, "Unavailable"],
    [200, "InvalidRequest"],
    [302, "InvalidRequest"],
    [400, "InvalidRequest"],
    [401, "Unauthorized"],
    [402, "InvalidRequest"],
    [403, "Misconfigured"],
    [404, "InvalidRequest"],
    [408, "InvalidRequest"],
    [409, "InvalidRequest"],
    [422, "InvalidRequest"],
    [429, "RateLimited"],
    [500, "Unavailable"],
    [502, "Unavailable"],
    [503, "Unavailable"],
    [504, "Unavailable"],
    [599, "Unavailable"]
  ])("%s → %s", (code, tag) => {
    expect(StatusReason.tagFor(code)).toBe(tag)
  })
})

describe("StatusReason: properties", () => {
  it("every 5xx is Unavailable, whatever a provider lists for other statuses", () => {
    fc.assert(
      fc.property(fc.integer({ min: 500, max: 599 }), (code) => {
        expect(StatusReason.tagFor(code)).toBe("Unavailable")
        expect(StatusReason.ladder({ 403: "Unauthorized", 402: "Rejected" })(code)).toBe("Unavailable")
      })
    )
  })

  it("a 4xx other than 401, 403 and 429 is InvalidRequest", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 499 }).filter((code) => code !== 401 && code !== 403 && code !== 429),
        (code) => {
          expect(StatusReason.tagFor(code)).toBe("InvalidRequest")
        }
      )
    )
  })

  it("a provider's exception decides its status; every other status follows the shared ladder", () => {
    const exceptions = fc.dictionary(status.map(String), fc.constantFrom(...tags))
    fc.assert(
      fc.property(exceptions, status, (listed, code) => {
        const table: StatusReason.Exceptions = Object.fromEntries(
          Object.entries(listed).map(([k, v]) => [Number(k), v])
        )
        const expected = table[code] ?? StatusReason.tagFor(code)
        expect(StatusReason.ladder(table)(code)).toBe(expected)
      })
    )
  })

  it("with no exceptions a ladder is the shared one, and no answer stays Unavailable", () => {
    fc.assert(
      fc.property(status, (code) => {
        expect(StatusReason.ladder({})(code)).toBe(StatusReason.tagFor(code))
      })
    )
    expect(StatusReason.ladder({ 403: "Unauthorized" })(undefined)).toBe("Unavailable")
  })
})
