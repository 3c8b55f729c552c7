/**
 * The attempts in flight on one circuit, so a hang trip can stop them: once
 * consecutive timeouts have opened the circuit, a caller already waiting on
 * the provider would only wait out its own timeout too, so it is released
 * to fail over at once instead.
 *
 * An attempt registers the timeout callback it already has, in an entry
 * linked into the circuit's list. On the default clock the entry also holds
 * the Node timer of the attempt's full policy timeout, and goes back to a pool
 * when the attempt ends, for the next attempt to re-arm: `refresh()` restarts
 * the timer from now for the same duration, which is what a new `setTimeout`
 * of that duration would do, without building a timer (and the timer list of
 * its duration) on every call. While pooled, the timer is unref'd and fires,
 * if at all, into nothing.
 *
 * @internal
 */

/** One attempt in flight on a circuit. @internal */
export class Attempt {
  /** The attempt's timeout callback while it runs; cleared when it ends. */
  stop: (() => void) | undefined = undefined
  prev: Attempt | undefined = undefined
  next: Attempt | undefined = undefined
  linked = false
  /** The timer calling `stop` after `millis` ms, when the circuit times this attempt. */
  timeout: ReturnType<typeof setTimeout> | undefined = undefined
  millis = -1
  pooled = false
  /** The timer's callback: the stop of whichever attempt holds this entry now. */
  readonly fire = () => {
    const stop = this.stop
    this.stop = undefined
    if (stop !== undefined) stop()
  }
}

/** @internal */
export class InFlight {
  private head: Attempt | undefined = undefined
  private count = 0
  /** Ended entries whose timers are all of `pooledMillis`, for the next attempts to re-arm. */
  private readonly pool: Array<Attempt> = []
  private pooledMillis = -1
  /** True only while `release` runs: a stop callback reads it to tell a release from its own timer. */
  releasing = false

  get size(): number {
    return this.count
  }

  /**
   * Registers an attempt's `stop` until `end`; with `millis`, also calls it after
   * `millis` ms (as `setTimeout(stop, millis)` would) unless the attempt has ended.
   */
  begin(stop: () => void, millis?: number): Attempt {
    let attempt: Attempt | undefined
    if (millis !== undefined) {
      if (millis !== this.pooledMillis) {
        // Another duration (a policy this circuit did not start with): the pooled timers are of no use to it.
        for (const idle of this.pool) clearTimeout(idle.timeout)
        this.pool.length = 0
        this.pooledMillis = millis
      }
      attempt = this.pool.pop()
      if (attempt === undefined) {
        attempt = new Attempt()
        attempt.stop = stop
        attempt.millis = millis
        attempt.timeout = setTimeout(attempt.fire, millis)
      } else {
        attempt.stop = stop
        attempt.pooled = false
        attempt.timeout!.ref()
        attempt.timeout!.refresh()
      }
    } else {
      attempt = new Attempt()
      attempt.stop = stop
    }
    attempt.linked = true
    attempt.prev = undefined
    attempt.next = this.head
    if (this.head !== undefined) this.head.prev = attempt
    this.head = attempt
    this.count++
    return attempt
  }

  /** The attempt has ended: it is no longer released, and its timer will not call its `stop` nor keep the process alive. */
  end(attempt: Attempt): void {
    attempt.stop = undefined
    this.unlink(attempt)
    if (attempt.timeout === undefined || attempt.pooled) return
    if (attempt.millis === this.pooledMillis) {
      attempt.pooled = true
      attempt.timeout.unref()
      this.pool.push(attempt)
    } else {
      clearTimeout(attempt.timeout)
      attempt.timeout = undefined
    }
  }

  private unlink(attempt: Attempt): void {
    if (!attempt.linked) return
    attempt.linked = false
    if (attempt.prev === undefined) this.head = attempt.next
    else attempt.prev.next = attempt.next
    if (attempt.next !== undefined) attempt.next.prev = attempt.prev
    attempt.prev = undefined
    attempt.next = undefined
    this.count--
  }

  /** Stops every attempt in flight now; returns how many. */
  release(): number {
    const stops: Array<() => void> = []
    for (let attempt = this.head; attempt !== undefined; ) {
      const next = attempt.next
      if (attempt.stop !== undefined) stops.push(attempt.stop)
      attempt.linked = false
      attempt.prev = undefined
      attempt.next = undefined
      attempt = next
    }
    const released = this.count
    this.head = undefined
    this.count = 0
    this.releasing = true
    try {
      for (const stop of stops) stop()
    } finally {
      this.releasing = false
    }
    return released
  }
}
