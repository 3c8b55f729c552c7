/**
 * The two senders of the outbound delivery bench.
 *
 * - `durable`: the real path. `Outbound.publish` offers each event to the
 *   outbox once per endpoint, on SQLite (a fresh file in a temp dir, the
 *   durable defaults: WAL, `synchronous=NORMAL`, group commit), with the
 *   endpoint registry in the same database (`Outbound.layerSql`);
 *   `Outbox.worker` runs `Outbound.handlers`, every request through
 *   `SsrfGuard`'s fetch (loopback allowlisted), under `Resilience.protect`
 *   (breaker and bulkhead of 2 per endpoint, the `webhook_delivery` policy
 *   with its timeout shortened).
 * - `bare`: a loop of `concurrency` async workers, each taking the next
 *   (event, healthy endpoint) pair, signing it with `standardwebhooks`'
 *   `Webhook.sign` as the handler does and POSTing it with undici's `fetch`
 *   on a plain `Agent`: no durability, no guard, no breaker. It sends
 *   nothing to the hanging endpoints (a bare loop has no timeout or breaker
 *   to get past them: it is the ceiling the durable path is measured against).
 */
import { Effect, Exit, Layer, ManagedRuntime, Redacted, References, Scope } from "effect"
import { PersistedQueue } from "effect/persistence"
import { Policy, Resilience } from "@wedsync/core"
import { Audit, DeadLetters, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { DatabaseSync } from "node:sqlite"
import { Webhook } from "standardwebhooks"
import { Agent, fetch } from "undici"
import { Outbound, SsrfGuard } from "../src/index.ts"

/** Epoch ms, sub-millisecond, comparable with the endpoints' process. */
export const now = () => performance.timeOrigin + performance.now()

/** The body every delivery carries: the endpoint reads `data.sentAt`. */
export const payloadOf = (seq: number) => ({ bookingId: `b_${seq}`, status: "confirmed", seq, sentAt: now() })

/** An endpoint's id in the registry. */
export const vendorOf = (index: number) => `vendor_${String(index).padStart(3, "0")}`

/** How events are published: all at once, or `perSecond` evenly spaced. */
export type Pace = { readonly _tag: "burst" } | { readonly _tag: "paced"; readonly perSecond: number }

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - now())))

/** Runs `publish(seq)` for `events` events at `pace`; resolves when every publish has. */
const publishAll = async (events: number, pace: Pace, publish: (seq: number) => Promise<unknown>) => {
  if (pace._tag === "burst") {
    // a few publishers at once, as several request handlers would
    let next = 0
    const publisher = async () => {
      while (next < events) await publish(next++)
    }
    await Promise.all(Array.from({ length: 4 }, publisher))
    return
  }
  const started = now()
  const pending: Array<Promise<unknown>> = []
  for (let seq = 0; seq < events; seq++) {
    await sleepUntil(started + (seq * 1000) / pace.perSecond)
    pending.push(publish(seq))
  }
  await Promise.all(pending)
}

/** The durable path, built and running (worker started) on a fresh SQLite file. */
export interface Durable {
  /** Publishes event `seq` of this run: its id. */
  readonly publish: (seq: number) => Promise<string>
  readonly publishAll: (events: number, pace: Pace) => Promise<ReadonlyArray<string>>
  /** The ids of the jobs still waiting in the outbox (deferred), read from the file once the path is closed. */
  readonly pending: () => ReadonlyArray<string>
  /** Failed attempts so far, by `"healthy <reason>"` / `"hanging <reason>"`. */
  readonly failures: Readonly<Record<string, number>>
  readonly close: () => Promise<void>
}

export interface DurableOptions {
  readonly filename: string
  readonly name: string
  readonly secret: string
  readonly urls: ReadonlyArray<string>
  readonly concurrency: number
  readonly timeoutMillis: number
  /** Indexes of the hanging endpoints, to tell their failures from the healthy ones'. */
  readonly hanging: ReadonlyArray<number>
  /** The bulkhead's queue per endpoint (default: the policy's, 0). */
  readonly bulkheadQueue?: number | undefined
}

/** `Outbound.handlers`, counting each failed attempt by its reason and whether its endpoint hangs. */
const counted = (guard: SsrfGuard.Guard, hanging: ReadonlyArray<number>, failures: Record<string, number>) => {
  const deliver = Outbound.handlers({ guard })["outbound.deliver"]
  return {
    "outbound.deliver": (job: Outbox.Job) =>
      deliver(job).pipe(
        Effect.tapError((error) =>
          Effect.sync(() => {
            const index = Number((job.payload as { endpointId: string }).endpointId.slice("vendor_".length))
            const key = `${hanging.includes(index) ? "hanging" : "healthy"} ${error.reason._tag}`
            failures[key] = (failures[key] ?? 0) + 1
          })
        )
      )
  }
}

export const durable = async (options: DurableOptions): Promise<Durable> => {
  const bulkhead =
    options.bulkheadQueue === undefined ? {} : { bulkhead: { maxConcurrent: 2, maxQueue: options.bulkheadQueue } }
  const policies = Policy.layer({
    services: { webhook_delivery: { timeoutMillis: options.timeoutMillis, ...bulkhead } }
  })
  const layer = Layer.mergeAll(
    DeadLetters.layerSql.pipe(
      Layer.provideMerge(Outbox.layer()),
      Layer.provideMerge(Audit.layerSql),
      Layer.provide(PersistedQueue.layer),
      Layer.provide(QueueStore.layerSql())
    ),
    Outbound.layerSql,
    Resilience.layerMemory().pipe(Layer.provide(policies)),
    // the hanging endpoints' retries would log a warning each
    Layer.succeed(References.MinimumLogLevel, "Error")
  ).pipe(Layer.provideMerge(policies), Layer.provideMerge(Sqlite.layer({ filename: options.filename })))
  const runtime = ManagedRuntime.make(layer)
  const guard = SsrfGuard.make({ allow: ["127.0.0.1/32"] })
  await runtime.runPromise(
    Effect.flatMap(Effect.service(Outbound.Endpoints), (endpoints) =>
      Effect.forEach(
        options.urls,
        (url, index) => endpoints.put({ id: vendorOf(index), url, secrets: [Redacted.make(options.secret)] }),
        { discard: true }
      )
    )
  )
  const failures: Record<string, number> = {}
  const workers = await Effect.runPromise(Scope.make())
  await runtime.runPromise(
    Outbox.worker(counted(guard, options.hanging, failures), {
      concurrency: { standard: options.concurrency, critical: 2 }
    }).pipe(Effect.forkIn(workers), Effect.provideService(Scope.Scope, workers))
  )
  const publish = async (seq: number) => {
    const id = `evt_${options.name}_${seq}`
    await runtime.runPromise(Outbound.publish({ id, type: "booking.confirmed", payload: payloadOf(seq) }))
    return id
  }
  return {
    publish,
    failures,
    pending: () => {
      const database = new DatabaseSync(options.filename, { readOnly: true })
      try {
        const rows = database.prepare("select id from wedsync_queue where state = 'pending'").all()
        // a deferred attempt is stored as `<job id>#r<replay>a<attempt>`
        return rows.map((row) => String(row.id).replace(/#.*$/, ""))
      } finally {
        database.close()
      }
    },
    publishAll: async (events, pace) => {
      await publishAll(events, pace, publish)
      return Array.from({ length: events }, (_, seq) => `evt_${options.name}_${seq}`)
    },
    close: async () => {
      await Effect.runPromise(Scope.close(workers, Exit.void))
      await runtime.dispose()
      await guard.close()
    }
  }
}

export interface BareOptions {
  readonly name: string
  readonly secret: string
  readonly urls: ReadonlyArray<string>
  readonly concurrency: number
}

/** The bare loop over `events` events × `urls`; the event ids sent and how many answers were not 2xx. */
export const bare = async (options: BareOptions, events: number) => {
  const agent = new Agent()
  const total = events * options.urls.length
  let next = 0
  let failed = 0
  const worker = async () => {
    while (next < total) {
      const index = next++
      const seq = Math.floor(index / options.urls.length)
      const id = `evt_${options.name}_${seq}`
      const at = new Date()
      const body = JSON.stringify({ type: "booking.confirmed", timestamp: at.toISOString(), data: payloadOf(seq) })
      const response = await fetch(options.urls[index % options.urls.length]!, {
        method: "POST",
        dispatcher: agent,
        headers: {
          "content-type": "application/json",
          "user-agent": "WedSync-Webhooks/0.1",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          // built per delivery, as the handler does
          "webhook-signature": new Webhook(options.secret).sign(id, at, body)
        },
        body
      })
      await response.arrayBuffer()
      if (response.status < 200 || response.status >= 300) failed++
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  await agent.close()
  return { ids: Array.from({ length: events }, (_, seq) => `evt_${options.name}_${seq}`), failed }
}
