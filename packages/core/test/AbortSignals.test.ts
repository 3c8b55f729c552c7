import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import * as AbortSignals from "../src/AbortSignals.ts"

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener("abort", () => resolve(signal.reason), { once: true }))

describe("AbortSignals.join", () => {
  it("aborts when any of its signals does, with that signal's reason", () => {
    const first = new AbortController()
    const second = new AbortController()
    const joined = AbortSignals.join(first.signal, undefined, second.signal, null)
    expect(joined.aborted).toBe(false)
    const reason = new Error("interrupted")
    second.abort(reason)
    expect(joined.aborted).toBe(true)
    expect(joined.reason).toBe(reason)
  })

  it("is already aborted when one of its signals is", () => {
    const joined = AbortSignals.join(new AbortController().signal, AbortSignal.abort("gone"))
    expect(joined.aborted).toBe(true)
    expect(joined.reason).toBe("gone")
  })

  it("is the one signal itself when only one is given", () => {
    const only = new AbortController().signal
    expect(AbortSignals.join(undefined, only, null)).toBe(only)
  })

  it("never aborts when none is given", () => {
    expect(AbortSignals.join().aborted).toBe(false)
    expect(AbortSignals.join(undefined, null).aborted).toBe(false)
  })
})

describe("AbortSignals.timeout", () => {
  it("aborts with a TimeoutError once the duration has passed", async () => {
    const signal = AbortSignals.timeout(Duration.millis(1))
    const reason = await aborted(signal)
    expect(reason).toBeInstanceOf(DOMException)
    expect((reason as DOMException).name).toBe("TimeoutError")
  })

  it("takes any Duration input, fractions of a millisecond and lengths beyond a timer's reach", () => {
    expect(AbortSignals.timeout(Duration.seconds(10)).aborted).toBe(false)
    expect(AbortSignals.timeout(1.5).aborted).toBe(false)
    expect(AbortSignals.timeout(Duration.days(100)).aborted).toBe(false)
  })

  it("never aborts for an infinite duration", () => {
    expect(AbortSignals.timeout(Duration.infinity).aborted).toBe(false)
  })

  it("joined with an interruption, says which fired", async () => {
    const interruption = new AbortController()
    const timer = AbortSignals.timeout(Duration.millis(1))
    const joined = AbortSignals.join(interruption.signal, timer)
    await aborted(joined)
    expect(timer.aborted).toBe(true)
    expect(interruption.signal.aborted).toBe(false)
  })
})
