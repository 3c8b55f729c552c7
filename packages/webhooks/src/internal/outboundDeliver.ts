/**
 * Delivering one event to one endpoint: the outbox job's handler.
 *
 * - A disabled endpoint's delivery fails as `Disabled`, which the outbox
 *   holds (not a retry spent) and runs again once the endpoint is enabled:
 *   what arrives while it is disabled is kept, and replayed.
 * - Signed the Standard Webhooks way with every current secret (rotation:
 *   the receiver accepts any), `traceparent` carried from the publisher.
 * - Sent through the `SsrfGuard`'s fetch (the resolved address checked at
 *   connect time, redirects not followed) under `Resilience.protect` with
 *   the endpoint as the provider: a breaker and a bulkhead per endpoint, the
 *   `webhook_delivery` timeout, so a hanging endpoint holds at most its own
 *   bulkhead's workers and trips its own circuit.
 * - 2xx is delivered; 410 disables the endpoint (the delivery is held); any
 *   other answer, a 3xx included, is the endpoint's failure, `Retry-After`
 *   honoured, retried on the policy's schedule; a destination the guard
 *   refuses is `Misconfigured`, not retried.
 * - Failing for longer than `autoDisableAfter` disables the endpoint and
 *   tells the `alert` hook.
 *
 * @internal
 */
import { Duration, Effect, Redacted, Schedule } from "effect"
import { IntegrationError, Resilience, RetryAfter } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"
import { Webhook } from "standardwebhooks"
import * as SsrfGuard from "../SsrfGuard.ts"
import type { Endpoint, Store } from "./outboundStore.ts"

/** What an outbound job carries. @internal */
export interface OutboundJob {
  readonly endpointId: string
  readonly event: {
    readonly id: string
    readonly type: string
    readonly timestamp: number
    readonly payload: unknown
  }
  readonly traceparent: string
}

/** Why an endpoint was disabled, for the alert hook. @internal */
export interface Disabled {
  readonly endpoint: Endpoint
  readonly reason: "Gone" | "FailingTooLong"
  readonly description: string
}

/** @internal */
export interface DeliverOptions {
  readonly store: Store
  readonly guard: SsrfGuard.Guard
  readonly autoDisableAfterMillis: number
  readonly alert: (disabled: Disabled) => Effect.Effect<void>
  readonly rate: RateWindows
}

/** Each endpoint's deliveries this second, in this process: how long to wait when its rate is spent. @internal */
export class RateWindows {
  private readonly windows = new Map<string, { start: number; count: number }>()
  take(endpoint: Endpoint, now: number): number {
    const limit = endpoint.ratePerSecond
    if (limit === undefined) return 0
    const window = this.windows.get(endpoint.id)
    if (window === undefined || now - window.start >= 1_000) {
      this.windows.set(endpoint.id, { start: now, count: 1 })
      return 0
    }
    if (window.count < limit) {
      window.count++
      return 0
    }
    return 1_000 - (now - window.start)
  }
}

const OPERATION = "deliver"

/** How long a delivery waits for its endpoint's bulkhead in a burst: 20 more tries, 10 ms apart. */
const busyWait = Schedule.spaced("10 millis")

const failure = (
  endpoint: Endpoint,
  reason: IntegrationError.Reason,
  details: { readonly status?: number; readonly delivery?: "notSent" | "maybeSent" } = {}
) => IntegrationError.make(endpoint.id, OPERATION, reason, details)

const disabledError = (endpoint: Endpoint, why: string) =>
  failure(endpoint, new IntegrationError.Disabled({ overrideId: `endpoint:${endpoint.id}`, description: why }), {
    delivery: "notSent"
  })

/** The Standard Webhooks signature header: one `v1,<base64>` per current secret. @internal */
export const sign = (endpoint: Endpoint, messageId: string, at: Date, body: string): string =>
  endpoint.secrets.map((secret) => new Webhook(Redacted.value(secret)).sign(messageId, at, body)).join(" ")

const classify = (endpoint: Endpoint, response: Response) => {
  const status = response.status
  if (status >= 200 && status < 300) return Effect.void
  const retryAfter = RetryAfter.parse(response.headers.get("retry-after"), Date.now())
  const description = `the endpoint answered ${status}`
  if (status === 410) return Effect.fail(failure(endpoint, new IntegrationError.Rejected({ description }), { status }))
  const reason =
    status === 429
      ? new IntegrationError.RateLimited({ description, ...(retryAfter === undefined ? {} : { retryAfter }) })
      : new IntegrationError.Unavailable({ description, ...(retryAfter === undefined ? {} : { retryAfter }) })
  return Effect.fail(
    failure(endpoint, reason, { status, delivery: status === 503 || status === 429 ? "notSent" : "maybeSent" })
  )
}

/** The outbox handler of outbound jobs. @internal */
export const deliver =
  (options: DeliverOptions) =>
  (job: Outbox.Job): Effect.Effect<void, IntegrationError.IntegrationError, Resilience.Resilience> =>
    Effect.gen(function* () {
      const { endpointId, event, traceparent } = job.payload as OutboundJob
      const endpoint = yield* options.store.get(endpointId).pipe(Effect.mapError(storeFailure(endpointId)))
      if (endpoint === undefined) {
        return yield* Effect.fail(
          IntegrationError.make(
            endpointId,
            OPERATION,
            new IntegrationError.InvalidRequest({ description: "the endpoint was removed" })
          )
        )
      }
      if (!endpoint.enabled) return yield* Effect.fail(disabledError(endpoint, endpoint.disabledReason ?? "disabled"))
      const waitMillis = options.rate.take(endpoint, Date.now())
      if (waitMillis > 0) {
        return yield* Effect.fail(
          failure(
            endpoint,
            new IntegrationError.RateLimited({
              description: `over the endpoint's ${endpoint.ratePerSecond} deliveries a second`,
              retryAfter: Duration.millis(waitMillis)
            }),
            { delivery: "notSent" }
          )
        )
      }
      const body = JSON.stringify({
        type: event.type,
        timestamp: new Date(event.timestamp).toISOString(),
        data: event.payload
      })
      const at = new Date()
      const headers = {
        "content-type": "application/json",
        "user-agent": "WedSync-Webhooks/0.1",
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": sign(endpoint, event.id, at, body),
        traceparent
      }
      const send = Effect.tryPromise({
        try: (signal) => options.guard.fetch(endpoint.url, { method: "POST", headers, body, signal }),
        catch: (cause) => {
          const blocked = SsrfGuard.blockedIn(cause)
          return blocked !== undefined
            ? SsrfGuard.toIntegrationError(blocked, { provider: endpoint.id, operation: OPERATION })
            : failure(endpoint, new IntegrationError.Unavailable({ description: "the endpoint could not be reached" }))
        }
      }).pipe(Effect.flatMap((response) => classify(endpoint, response)))
      // A full bulkhead is the endpoint busy with its own deliveries, not failing: in a burst, wait for its
      // permits a moment (never longer than BUSY_WAIT) rather than defer the delivery by the schedule's 5 s.
      const outcome = yield* Effect.result(
        Resilience.protect(send, { service: "webhook_delivery", provider: endpoint.id, operation: OPERATION }).pipe(
          Effect.retry({
            while: (error: IntegrationError.IntegrationError) => error.reason._tag === "BulkheadFull",
            schedule: busyWait,
            times: 20
          })
        )
      )
      const now = Date.now()
      if (outcome._tag === "Success") {
        if (endpoint.failingSince !== undefined) {
          yield* options.store.update(endpoint.id, ({ failingSince: _, ...rest }) => rest).pipe(Effect.ignore)
        }
        return
      }
      const error = outcome.failure
      if (error.status === 410) {
        const gone = `the endpoint answered 410 Gone at ${new Date(now).toISOString()}`
        yield* disable(options, endpoint, "Gone", gone, now)
        return yield* Effect.fail(disabledError(endpoint, gone))
      }
      if (error.reason._tag === "Misconfigured") return yield* Effect.fail(error)
      const updated = yield* options.store
        .update(endpoint.id, (current) => ({ ...current, failingSince: current.failingSince ?? now }))
        .pipe(Effect.orElseSucceed(() => undefined))
      const since = updated?.failingSince ?? now
      if (now - since >= options.autoDisableAfterMillis) {
        const why = `every delivery failed since ${new Date(since).toISOString()}`
        yield* disable(options, endpoint, "FailingTooLong", why, now)
        return yield* Effect.fail(disabledError(endpoint, why))
      }
      return yield* Effect.fail(error)
    })

const storeFailure = (endpointId: string) => (error: { readonly message: string }) =>
  IntegrationError.make(
    endpointId,
    OPERATION,
    new IntegrationError.Unavailable({ description: `the endpoint registry could not be read: ${error.message}` }),
    { providerCode: "wedsync.endpoints.store", delivery: "notSent" }
  )

const disable = (
  options: DeliverOptions,
  endpoint: Endpoint,
  reason: Disabled["reason"],
  description: string,
  now: number
) =>
  Effect.gen(function* () {
    let turnedOff = false
    const changed = yield* options.store
      .update(endpoint.id, (current) => {
        turnedOff = current.enabled
        return current.enabled ? { ...current, enabled: false, disabledReason: description, disabledAt: now } : current
      })
      .pipe(Effect.orElseSucceed(() => undefined))
    // Told once: only by the worker whose change turned it off.
    if (changed !== undefined && turnedOff) yield* options.alert({ endpoint: changed, reason, description })
  })
