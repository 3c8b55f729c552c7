/**
 * Rolls repeated events up so an outage is a few incidents, not thousands:
 * per key, the first event of a window is kept at once (`First`); the rest of
 * that window are only counted; when the window is over (found by `sweep`, or
 * by the next event of its key) one `More` stands for them, if there were any.
 * A window is `windowMillis` from its first event. Pure apart from its map.
 *
 * @internal
 */

/** What to record: an event as it came, or how many more of its key a window counted. @internal */
export type Rolled<A> =
  | { readonly _tag: "First"; readonly value: A }
  | { readonly _tag: "More"; readonly value: A; readonly count: number; readonly since: number }

interface Window<A> {
  readonly since: number
  more: number
  last: A
}

/** @internal */
export class Rollup<A> {
  private readonly windows = new Map<string, Window<A>>()
  private readonly windowMillis: number

  constructor(windowMillis: number) {
    this.windowMillis = windowMillis
  }

  /** An event of `key` at `now`: what to record for it now (nothing while its window runs). */
  add(key: string, value: A, now: number): ReadonlyArray<Rolled<A>> {
    const window = this.windows.get(key)
    if (window !== undefined && now < window.since + this.windowMillis) {
      window.more++
      window.last = value
      return []
    }
    this.windows.set(key, { since: now, more: 0, last: value })
    const first: Rolled<A> = { _tag: "First", value }
    return window === undefined || window.more === 0 ? [first] : [more(window), first]
  }

  /** Ends the windows over by `now`: one `More` for each that counted any. */
  sweep(now: number): ReadonlyArray<Rolled<A>> {
    const ended: Array<Rolled<A>> = []
    for (const [key, window] of this.windows) {
      if (now < window.since + this.windowMillis) continue
      this.windows.delete(key)
      if (window.more > 0) ended.push(more(window))
    }
    return ended
  }
}

const more = <A>(window: Window<A>): Rolled<A> => ({
  _tag: "More",
  value: window.last,
  count: window.more,
  since: window.since
})
