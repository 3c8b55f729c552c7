/**
 * Rolling per-provider health: the last `size` calls' outcomes and latencies,
 * kept in typed arrays so recording a call allocates nothing.
 *
 * @internal
 */

/** @internal */
export type Status = "healthy" | "degraded" | "down"

/** @internal */
export class HealthWindow {
  private readonly latency: Float64Array
  private readonly failed: Uint8Array
  private index = 0
  private count = 0
  private failures = 0
  lastSuccessAt: number | undefined = undefined
  lastFailureAt: number | undefined = undefined
  lastFailureReason: string | undefined = undefined
  status: Status = "healthy"

  readonly service: string
  readonly provider: string
  readonly size: number

  constructor(service: string, provider: string, size: number) {
    this.service = service
    this.provider = provider
    this.size = size
    this.latency = new Float64Array(size)
    this.failed = new Uint8Array(size)
  }

  record(ok: boolean, millis: number, now: number, reason: string | undefined): void {
    if (this.count === this.size) this.failures -= this.failed[this.index]!
    else this.count++
    this.latency[this.index] = millis
    this.failed[this.index] = ok ? 0 : 1
    if (!ok) this.failures++
    this.index = this.index + 1 === this.size ? 0 : this.index + 1
    if (ok) {
      this.lastSuccessAt = now
    } else {
      this.lastFailureAt = now
      this.lastFailureReason = reason
    }
  }

  get calls(): number {
    return this.count
  }

  successRate(): number {
    return this.count === 0 ? 1 : 1 - this.failures / this.count
  }

  /** Latency percentiles over the window, in milliseconds. */
  percentiles(): { readonly p50: number; readonly p95: number; readonly p99: number } {
    if (this.count === 0) return { p50: 0, p95: 0, p99: 0 }
    const sorted = this.latency.slice(0, this.count).sort()
    const at = (q: number) => sorted[Math.min(this.count - 1, Math.ceil(q * this.count) - 1)]!
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) }
  }
}
