/**
 * Sending WedSync's events to vendors' systems (venues, photographers,
 * caterers) as Standard Webhooks.
 *
 * An `Endpoints` registry (URL, secrets with rotation, event-type filter,
 * enabled, rate) on SQL or memory; `publish` offers an event to the outbox
 * once per endpoint that takes its type (`outbound:<endpoint>:<event>`: the
 * same event published twice is delivered once); `handlers` delivers them
 * on the outbox's workers under the `webhook_delivery` policy — 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h with jitter, `Retry-After` honoured — with a
 * breaker and a bulkhead per endpoint, so one slow or dead endpoint never
 * delays another. Every request goes through `SsrfGuard` (the address
 * checked at connect time, redirects not followed) and carries the
 * publisher's W3C `traceparent`. A 410 disables the endpoint; so does
 * failing for longer than `autoDisableAfter` (5 days), telling the `alert`
 * hook. What arrives for a disabled endpoint is kept (held by the outbox)
 * and delivered once it is enabled again.
 *
 * @example
 * ```ts
 * yield* Effect.flatMap(Effect.service(Outbound.Endpoints), (endpoints) =>
 *   endpoints.put({ id: "venue_12", url: "https://hooks.venue.example/wedsync", secrets: [Redacted.make(secret)] })
 * )
 * yield* Outbound.publish({ id: "evt_b7_confirmed", type: "booking.confirmed", payload: { bookingId: "b7" } })
 * yield* Outbox.worker({ ...Outbound.handlers({ guard: SsrfGuard.make() }) })
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { Context, Duration, Effect, Layer, type Redacted, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import type { IntegrationError, Resilience, StoreError } from "@wedsync/core"
import { Outbox } from "@wedsync/durable"
import { type Disabled, deliver, type OutboundJob, RateWindows } from "./internal/outboundDeliver.ts"
import { type Endpoint, memoryStore, type Store, sqlStore } from "./internal/outboundStore.ts"
import type * as SsrfGuard from "./SsrfGuard.ts"

export type { Disabled, Endpoint }

/** The outbox operation of outbound deliveries (received events are `webhook.<provider>`: no provider name can collide with it). @example `Outbound.OPERATION // "outbound.deliver"` @since 0.1.0 */
export const OPERATION = "outbound.deliver"

/**
 * What `put` takes: an endpoint's id and URL, its secrets (several while
 * rotating), the event types it takes (omitted or empty: all), whether it is
 * enabled (default true) and its rate.
 *
 * @example
 * ```ts
 * const input: Outbound.EndpointInput = { id: "venue_12", url: "https://hooks.venue.example/", secrets: [secret], eventTypes: ["booking.confirmed"] }
 * ```
 * @since 0.1.0
 */
export interface EndpointInput {
  readonly id: string
  readonly url: string
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  readonly eventTypes?: ReadonlyArray<string> | undefined
  readonly enabled?: boolean | undefined
  readonly ratePerSecond?: number | undefined
}

/** An endpoint that cannot be saved: its URL, secrets or rate. @example `error._tag === "EndpointInvalid"` @since 0.1.0 */
export class EndpointInvalid extends Schema.TaggedError<EndpointInvalid>("@wedsync/webhooks/EndpointInvalid")(
  "EndpointInvalid",
  { id: Schema.String, problem: Schema.String }
) {
  override get message(): string {
    return `endpoint ${this.id}: ${this.problem}`
  }
}

/**
 * The endpoint registry.
 *
 * @example
 * ```ts
 * const venue = yield* Effect.flatMap(Effect.service(Outbound.Endpoints), (endpoints) => endpoints.get("venue_12"))
 * ```
 * @since 0.1.0
 */
export class Endpoints extends Context.Service<
  Endpoints,
  {
    readonly put: (input: EndpointInput) => Effect.Effect<Endpoint, EndpointInvalid | StoreError.StoreError>
    readonly get: (id: string) => Effect.Effect<Endpoint | undefined, StoreError.StoreError>
    readonly list: Effect.Effect<ReadonlyArray<Endpoint>, StoreError.StoreError>
    /** Enables (clearing its failure record) or disables an endpoint; what was held for it is delivered once enabled. */
    readonly setEnabled: (
      id: string,
      enabled: boolean,
      reason?: string
    ) => Effect.Effect<Endpoint | undefined, StoreError.StoreError>
  }
>()("@wedsync/webhooks/Outbound/Endpoints") {}

// The store behind each registry built here, for the delivery handler: not part of the service's API.
const stores = new WeakMap<object, Store>()

const checkInput = (input: EndpointInput): EndpointInvalid | undefined => {
  const invalid = (problem: string) => new EndpointInvalid({ id: input.id, problem })
  if (input.id.trim() === "") return invalid("the id is empty")
  let url: URL
  try {
    url = new URL(input.url)
  } catch {
    return invalid("the url is not a URL")
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return invalid("the url is not http(s)")
  if (url.username !== "" || url.password !== "") return invalid("the url carries credentials")
  if (input.secrets.length === 0) return invalid("no signing secret")
  if (input.ratePerSecond !== undefined && !(Number.isInteger(input.ratePerSecond) && input.ratePerSecond > 0)) {
    return invalid("the rate is not a whole number above 0")
  }
  return undefined
}

const serviceOf = (store: Store) => {
  const service = Endpoints.of({
    put: (input) =>
      Effect.gen(function* () {
        const invalid = checkInput(input)
        if (invalid !== undefined) return yield* Effect.fail(invalid)
        const existing = yield* store.get(input.id)
        const endpoint: Endpoint = {
          id: input.id,
          url: input.url,
          secrets: [...input.secrets],
          eventTypes: [...(input.eventTypes ?? [])],
          enabled: input.enabled ?? existing?.enabled ?? true,
          ...(input.ratePerSecond === undefined ? {} : { ratePerSecond: input.ratePerSecond }),
          createdAt: existing?.createdAt ?? Date.now()
        }
        yield* store.put(endpoint)
        return endpoint
      }),
    get: store.get,
    list: store.list,
    setEnabled: (id, enabled, reason) =>
      store.update(id, ({ disabledReason: _r, disabledAt: _a, failingSince: _f, ...rest }) =>
        enabled
          ? { ...rest, enabled }
          : { ...rest, enabled, disabledReason: reason ?? "disabled by an operator", disabledAt: Date.now() }
      )
  })
  stores.set(service, store)
  return service
}

/** The registry in a SQL table (SQLite or PostgreSQL), created on build. @example `Outbound.layerSql.pipe(Layer.provide(Sqlite.layer({ filename })))` @since 0.1.0 */
export const layerSql: Layer.Layer<Endpoints, StoreError.StoreError, SqlClient.SqlClient> = Layer.effect(
  Endpoints,
  Effect.map(sqlStore, serviceOf)
)

/** The registry in memory. @example `Outbound.layerMemory` @since 0.1.0 */
export const layerMemory: Layer.Layer<Endpoints> = Layer.sync(Endpoints, () => serviceOf(memoryStore()))

/**
 * One event to send.
 *
 * @example
 * ```ts
 * const event: Outbound.Event = { id: "evt_b7_confirmed", type: "booking.confirmed", payload: { bookingId: "b7" } }
 * ```
 * @since 0.1.0
 */
export interface Event {
  /** The event's id: the `webhook-id` receivers de-duplicate on, and the outbox's key. */
  readonly id: string
  readonly type: string
  readonly payload: unknown
  /** When it happened (default now). */
  readonly timestamp?: number | undefined
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex")

/** The W3C `traceparent` of the current span, or of a new trace. */
const traceparentNow = Effect.map(Effect.option(Effect.currentSpan), (span) =>
  span._tag === "Some" ? `00-${span.value.traceId}-${span.value.spanId}-01` : `00-${hex(16)}-${hex(8)}-01`
)

/**
 * Offers `event` for delivery to every endpoint that takes its type,
 * disabled ones included (held until enabled); the endpoints' ids.
 *
 * @example
 * ```ts
 * const sentTo = yield* Outbound.publish({ id: "evt_1", type: "booking.confirmed", payload })
 * ```
 * @since 0.1.0
 */
export const publish = (
  event: Event
): Effect.Effect<ReadonlyArray<string>, StoreError.StoreError | Schema.SchemaError, Endpoints | Outbox.Outbox> =>
  Effect.gen(function* () {
    const endpoints = yield* Endpoints
    const outbox = yield* Outbox.Outbox
    const traceparent = yield* traceparentNow
    const timestamp = event.timestamp ?? Date.now()
    const takers = (yield* endpoints.list).filter(
      (endpoint) => endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(event.type)
    )
    yield* Effect.forEach(
      takers,
      (endpoint) => {
        const payload: OutboundJob = {
          endpointId: endpoint.id,
          event: { id: event.id, type: event.type, timestamp, payload: event.payload },
          traceparent
        }
        return outbox.offer({
          id: `outbound:${endpoint.id}:${event.id}`,
          service: "webhook_delivery",
          operation: OPERATION,
          payload
        })
      },
      // at once: the outbox's store writes concurrent offers in one statement and one commit
      { discard: true, concurrency: "unbounded" }
    )
    return takers.map((endpoint) => endpoint.id)
  })

/**
 * How deliveries are made.
 *
 * @example
 * ```ts
 * const options: Outbound.Options = { guard: SsrfGuard.make(), autoDisableAfter: "5 days" }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** Every request goes through it. */
  readonly guard: SsrfGuard.Guard
  /** Failing for this long disables the endpoint (default 5 days). */
  readonly autoDisableAfter?: Duration.Input | undefined
  /** Told when an endpoint is disabled (410, or failing too long); default: an error log line. */
  readonly alert?: ((disabled: Disabled) => Effect.Effect<void>) | undefined
}

const logAlert = (disabled: Disabled) =>
  Effect.logError(`webhook endpoint ${disabled.endpoint.id} disabled: ${disabled.description}`).pipe(
    Effect.annotateLogs({ endpoint: disabled.endpoint.id, reason: disabled.reason })
  )

/**
 * The outbox handler of outbound deliveries, to run with the outbox's
 * worker next to other handlers: `Outbox.worker({ ...Outbound.handlers(options) })`.
 *
 * @example
 * ```ts
 * yield* Outbox.worker({ ...Outbound.handlers({ guard }), "reminder.email": sendReminder })
 * ```
 * @since 0.1.0
 */
export const handlers = (
  options: Options
): {
  readonly "outbound.deliver": (
    job: Outbox.Job
  ) => Effect.Effect<void, IntegrationError.IntegrationError, Resilience.Resilience | Endpoints>
} => {
  const rate = new RateWindows()
  const autoDisableAfterMillis = Duration.toMillis(Duration.fromInputUnsafe(options.autoDisableAfter ?? "5 days"))
  return {
    [OPERATION]: (job: Outbox.Job) =>
      Effect.flatMap(Effect.service(Endpoints), (endpoints) => {
        const store = stores.get(endpoints)
        if (store === undefined) {
          return Effect.die(new Error("Outbound.handlers needs Endpoints built by Outbound.layerSql or layerMemory"))
        }
        return deliver({ store, guard: options.guard, autoDisableAfterMillis, alert: options.alert ?? logAlert, rate })(
          job
        )
      })
  }
}
