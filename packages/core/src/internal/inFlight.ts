/**
 * The attempts in flight on one circuit, so a hang trip can stop them: once
 * consecutive timeouts have opened the circuit, a caller already waiting on
 * the provider would only wait out its own timeout too, so it is released
 * to fail over at once instead.
 *
 * A call registers the timeout callback it already has: the happy path adds
 * and removes a set entry and allocates nothing more.
 *
 * @internal
 */

/** @internal */
export class InFlight {
  private readonly stops = new Set<() => void>()
  /** True only while `release` runs: a stop callback reads it to tell a release from its own timer. */
  releasing = false

  get size(): number {
    return this.stops.size
  }

  add(stop: () => void): void {
    this.stops.add(stop)
  }

  delete(stop: () => void): void {
    this.stops.delete(stop)
  }

  /** Stops every attempt in flight now; returns how many. */
  release(): number {
    const stops = [...this.stops]
    this.stops.clear()
    this.releasing = true
    try {
      for (const stop of stops) stop()
    } finally {
      this.releasing = false
    }
    return stops.length
  }
}
