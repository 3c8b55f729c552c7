/**
 * Playground scenario 8 against the real Twilio adapter and simulator: a
 * circuit opening on a day with weddings gives the operators exactly one
 * alert — a page, today's weddings ranked first — nothing more while it stays
 * open, and exactly one resolution once Twilio is back.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Operations from "../src/operations.ts"
import * as Providers from "../src/providers.ts"

describe("playground scenario 8: operators told once", () => {
  it("one page with the ranked impact, no repeats, one resolution", async () => {
    const report = await Effect.runPromise(
      Effect.scoped(Effect.flatMap(Providers.start, (providers) => Operations.operatorsTold(providers)))
    )
    expect(report.sends.map((send) => send.outcome)).toEqual([
      "failed: Unavailable",
      "failed: Unavailable",
      "failed: Unavailable",
      "failed: CircuitOpen",
      "failed: CircuitOpen",
      "sent"
    ])
    expect(report.notices.map((notice) => notice._tag)).toEqual(["Alert", "Resolution"])
    const alert = report.notices[0]
    if (alert?._tag !== "Alert") throw new Error("no alert")
    expect(alert.severity).toBe("page")
    expect(alert.key).toBe(report.notices[1]?.key)
    const ranked = alert.impact?.affected.map((wedding) => wedding.weddingId) ?? []
    expect(ranked.slice(0, 2).sort()).toEqual(["w_ava_sam", "w_noor_eli"])
    expect(ranked.slice(2)).toEqual(["w_kit_rob", "w_jo_lee"])
    expect(report.incidents.filter((incident) => incident.kind === "alert")).toHaveLength(1)
  })
})
