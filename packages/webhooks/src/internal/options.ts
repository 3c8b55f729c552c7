/**
 * The options of `Inbound.route`, `receive` and `webHandler`, apart so that
 * `Inbound.ts` stays about the pipeline; `Inbound` re-exports them.
 *
 * @internal
 */
import type { Duration } from "effect"
import type { Addressing } from "./delivery.ts"

/**
 * How one source's deliveries are received.
 *
 * @example
 * ```ts
 * const options: Inbound.Options = { maxBytes: 512 * 1024, publicUrl: "https://hooks.wedsync.example/twilio" }
 * ```
 * @since 0.1.0
 */
export interface Options extends Addressing {
  /** Largest body accepted, in bytes (default {@link DEFAULT_MAX_BYTES}); past it the answer is 413. */
  readonly maxBytes?: number | undefined
  /** Seconds the provider is asked to wait when the store cannot write (`Retry-After` of the 503; default 30). */
  readonly retryAfterSeconds?: number | undefined
  /**
   * Longest the inbox write may take before the answer is 503 (default 5
   * seconds, well inside the 10–15 s providers wait for an answer). A write
   * that commits after it is not lost: the provider's retry is a duplicate.
   */
  readonly writeTimeout?: Duration.Input | undefined
  /**
   * Whether every event of this source is wedding-critical work (the critical
   * lane, at least 8 retries): true by default for payment processors
   * ({@link PAYMENT_PROCESSORS}); set it for a vendor booking system. Other
   * events are critical when their wedding, read from their metadata
   * (`weddingId`, `weddingDate`), is within 7 days.
   */
  readonly critical?: boolean | undefined
  /**
   * Keep the request once and decode the event in the worker, when the source
   * can ({@link TwoStepSource}, e.g. `StripeWebhooks`): before the 2xx only the
   * signature, id, type and time are checked, 9–15% less CPU per webhook. The
   * worker must then be given the source (`worker(handlers, { sources })`);
   * without it such events are dead-lettered as `Misconfigured`. Off by
   * default: every worker decodes nothing and needs no source.
   */
  readonly twoStep?: boolean | undefined
}
