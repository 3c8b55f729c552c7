/**
 * A sink's throttle: at most `max` notices per window. A notice held back is
 * counted and its title kept, and the next notice that goes out carries the
 * summary, so nothing throttled is lost without a trace.
 *
 * @internal
 */
import type { ThrottleOptions, Throttled } from "./model.ts"

const keptTitles = 10

/** What the throttle decided for one notice. @internal */
export type Decision =
  | { readonly send: true; readonly throttled?: Throttled | undefined }
  | { readonly send: false; readonly held: number }

/** One sink's window and what it held back. @internal */
export class Throttle {
  private windowStart = Number.NEGATIVE_INFINITY
  private sent = 0
  private heldCount = 0
  private heldTitles: Array<string> = []
  readonly options: ThrottleOptions

  constructor(options: ThrottleOptions) {
    this.options = options
  }

  /** Admits a notice at `now`; `bypass` (a page) always goes, but still counts against the window. */
  admit(now: number, title: string, bypass: boolean): Decision {
    if (now - this.windowStart >= this.options.windowMillis) {
      this.windowStart = now
      this.sent = 0
    }
    if (!bypass && this.sent >= this.options.max) {
      this.heldCount += 1
      if (this.heldTitles.length < keptTitles) this.heldTitles.push(title)
      return { send: false, held: this.heldCount }
    }
    this.sent += 1
    if (this.heldCount === 0) return { send: true }
    const throttled: Throttled = { count: this.heldCount, titles: this.heldTitles }
    this.heldCount = 0
    this.heldTitles = []
    return { send: true, throttled }
  }

  /** A notice failed to go out: its place in the window is given back, and its summary is carried to the next. */
  restore(throttled: Throttled | undefined): void {
    this.sent = Math.max(0, this.sent - 1)
    if (throttled === undefined) return
    this.heldCount += throttled.count
    this.heldTitles = [...throttled.titles, ...this.heldTitles].slice(0, keptTitles)
  }
}
