/**
 * W3C trace context across the outbox. A job offered inside a span carries
 * that span's `traceparent`; the worker runs it under a span
 * (`outbox.run <operation>`) whose parent is that context, so the work that
 * offered it, its run and the provider attempts inside share one trace id.
 * With Effect's native tracer (which exports nothing) neither side reads or
 * makes a span: the outbox's hot path pays one reference read.
 *
 * @internal
 */
import { Context, Effect, type Fiber, Option, Tracer } from "effect"
import { Headers, HttpTraceContext } from "effect/http"
import type { Job } from "./job.ts"

const TRACE_ID = /^[0-9a-f]{32}$/
const SPAN_ID = /^[0-9a-f]{16}$/

type AnyFiber = Fiber.Fiber<unknown, unknown>

/** Whether spans made here would go anywhere: a tracer other than Effect's native one. */
const exporting = (fiber: AnyFiber) => fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer

/**
 * The current span's W3C `traceparent`, or undefined: no span, the native
 * tracer, propagation disabled, or ids that are not W3C's.
 *
 * @internal
 */
export const traceparentOf = (fiber: AnyFiber): string | undefined => {
  if (!exporting(fiber) || fiber.getRef(Tracer.DisablePropagation)) return undefined
  const span = Context.getOption(fiber.context, Tracer.ParentSpan)
  if (Option.isNone(span)) return undefined
  const traceId = span.value.traceId.padStart(32, "0")
  const spanId = span.value.spanId
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return undefined
  return `00-${traceId}-${spanId}-${span.value.sampled ? "01" : "00"}`
}

/**
 * `input` with the current span's `traceparent` when it names none (an
 * explicit one, e.g. a replay's, is kept).
 *
 * @internal
 */
export const withCurrentTrace = <I extends { readonly traceparent?: string | undefined }>(
  input: I,
  fiber: AnyFiber
): I => {
  if (input.traceparent !== undefined) return input
  const traceparent = traceparentOf(fiber)
  return traceparent === undefined ? input : { ...input, traceparent }
}

/** The span a job's `traceparent` names, if it parses. @internal */
export const parentOf = (job: Job): Tracer.ExternalSpan | undefined => {
  if (job.traceparent === undefined) return undefined
  const parsed = HttpTraceContext.w3c(Headers.fromRecordUnsafe({ traceparent: job.traceparent }))
  return Option.getOrUndefined(parsed)
}

/**
 * Runs one run of `job` under `outbox.run <operation>` (kind `consumer`),
 * the child of the span it was offered in, or a root span when it carries
 * none; the native tracer gets `effect` untouched.
 *
 * @internal
 */
export const traced =
  (job: Job, attempt: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiber((fiber) => {
      if (!exporting(fiber)) return effect
      const parent = parentOf(job)
      return Effect.withSpan(effect, `outbox.run ${job.operation}`, {
        kind: "consumer",
        ...(parent === undefined ? { root: true } : { parent }),
        attributes: {
          "wedsync.job_id": job.id,
          "wedsync.operation": job.operation,
          "wedsync.service": job.service,
          "wedsync.attempt": attempt,
          "wedsync.correlation_id": job.correlationId
        }
      })
    })
