/**
 * A concurrency limit with a bounded FIFO queue. Synchronous on the fast path:
 * a free permit is a counter increment; only a full bulkhead allocates.
 *
 * @internal
 */
import * as IntegrationError from "../IntegrationError.ts"

/** @internal */
export class Bulkhead {
  active = 0
  private readonly waiting: Array<() => void> = []

  readonly maxConcurrent: number
  readonly maxQueue: number

  constructor(maxConcurrent: number, maxQueue: number) {
    this.maxConcurrent = maxConcurrent
    this.maxQueue = maxQueue
  }

  get queued(): number {
    return this.waiting.length
  }

  /** Takes a permit now, or false when none is free. */
  tryAcquire(): boolean {
    if (this.active < this.maxConcurrent) {
      this.active++
      return true
    }
    return false
  }

  /** Queues `start` for the next free permit; false when the queue is full. */
  enqueue(start: () => void): boolean {
    if (this.waiting.length >= this.maxQueue) return false
    this.waiting.push(start)
    return true
  }

  /** Forgets a queued start (its caller was interrupted). */
  cancel(start: () => void): void {
    const index = this.waiting.indexOf(start)
    if (index >= 0) this.waiting.splice(index, 1)
  }

  /** Returns a permit, handing it straight to the next waiter. */
  release(): void {
    const next = this.waiting.shift()
    if (next === undefined) this.active--
    else next()
  }
}

/**
 * The refusal of a call the bulkhead would not start: full, or its deadline
 * passed while it waited in the queue. Never the provider's failure
 * (`refusedLocally`): no circuit, health window or call metric hears of it.
 *
 * @internal
 */
export const bulkheadFull = (
  state: { readonly provider: string; readonly key: string; readonly bulkhead: Bulkhead },
  operation: string,
  correlationId: string | undefined
): IntegrationError.IntegrationError =>
  IntegrationError.make(
    state.provider,
    operation,
    new IntegrationError.BulkheadFull({
      key: state.key,
      limit: state.bulkhead.maxConcurrent,
      queue: state.bulkhead.maxQueue
    }),
    { correlationId }
  )
