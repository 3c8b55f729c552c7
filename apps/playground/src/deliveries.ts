/**
 * The playground's third scenario: what happened after the providers said
 * "accepted". Three SMS reminders go out through Twilio and are tracked in
 * `Deliveries` on embedded SQLite. Twilio's status callbacks, signed by the
 * simulator as Twilio signs them, are posted to the route handler a WedSync
 * service mounts (`Inbound.webHandler` over `TwilioWebhooks`): verified,
 * written to the inbox before the 200, and recorded by the
 * `Inbound.recordDeliveries` handler — a retried callback is answered and not
 * processed again. A forged callback is refused (401) and quarantined; one
 * callback is lost, so `Reconciliation` asks Twilio's API about the overdue
 * message.
 */
import { Effect, Layer, Option, Redacted, References, Schedule } from "effect"
import { PersistedQueue } from "effect/persistence"
import { Policy, Resilience } from "@wedsync/core"
import { Audit as SqlAudit, DeadLetters, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { Inbound, Quarantine } from "@wedsync/webhooks"
import { Deliveries, Notifications, Reconciliation } from "@wedsync/notifications"
import { TwilioStatus, TwilioWebhooks } from "@wedsync/adapter-sms"
import type { Webhooks } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import type * as Providers from "./providers.ts"

/** One reminder's delivery story. */
export interface Story {
  readonly messageId: string
  /** What each status webhook did: recorded, duplicate, or refused. */
  readonly webhooks: ReadonlyArray<string>
  readonly status: string | undefined
  readonly events: ReadonlyArray<string>
}

/** What the delivery scenario saw. */
export interface Report {
  readonly stories: ReadonlyArray<Story>
  readonly reconciliation: Reconciliation.Summary
}

const HOOK_URL = "https://hooks.wedsync.test/sms/twilio"

/** Deliveries, the inbox (outbox, dead letters, quarantine) and the audit trail, on one embedded SQLite. */
const inbox = Layer.mergeAll(
  Deliveries.layerSql,
  DeadLetters.layerSql.pipe(
    Layer.provideMerge(Outbox.layer()),
    Layer.provideMerge(Quarantine.layerSql()),
    Layer.provideMerge(SqlAudit.layerSql),
    Layer.provide(PersistedQueue.layer),
    Layer.provide(QueueStore.layerSql({ pollInterval: "20 millis" }))
  )
).pipe(Layer.provideMerge(Sqlite.layerMemory))

/** Runs the delivery scenario against the running Twilio simulator. */
export const run = (providers: Providers.Providers): Effect.Effect<Report> => {
  const sim = providers.simulators.twilio
  const credentials = { accountSid: sim.credentials.accountSid, authToken: Redacted.make(sim.credentials.authToken) }
  const source = TwilioWebhooks.make({ authToken: credentials.authToken })

  /** Posts a callback to our route handler, as Twilio would; what it answered. */
  const post = (hooks: ReturnType<typeof Inbound.webHandler>, delivery: Webhooks.WebhookDelivery) =>
    Effect.promise(async () => {
      const answer = await hooks.handler(
        new Request(delivery.url, { method: "POST", headers: delivery.headers, body: delivery.body })
      )
      return answer.status === 200
        ? "200"
        : `${answer.status} ${((await answer.json()) as { error: string }).error}, quarantined`
    })

  const callback = (sid: string, status: TwilioSim.MessageStatus, options: Webhooks.BuildOptions = {}) => {
    const message = sim.state.messages.get(sid)
    if (message === undefined) return undefined
    if (status === "undelivered") {
      // the handset was unreachable: Twilio notes it on the message and says so in the callback
      message.status = "undelivered"
      message.errorCode = 30003
    }
    const errorCode = status === "undelivered" ? { errorCode: 30003 } : {}
    return sim.buildWebhook(TwilioSim.events.messageStatus(message, status, { url: HOOK_URL, ...errorCode }), options)
  }

  return Effect.gen(function* () {
    const stories: Array<{ messageId: string; webhooks: Array<string> }> = []
    for (const index of [1, 2, 3]) {
      const sent = yield* Notifications.send(
        { phone: "+447700900123" },
        { subject: "Rehearsal", text: `Reminder ${index}: rehearsal dinner at 7 pm.` },
        { channels: ["sms"] }
      )
      stories.push({ messageId: sent.messageId, webhooks: [] })
    }
    const [first, second, third] = stories
    const hooks: ReadonlyArray<[(typeof stories)[number] | undefined, Webhooks.WebhookDelivery | undefined]> = [
      [first, callback(first?.messageId ?? "", "delivered")],
      [first, callback(first?.messageId ?? "", "delivered")], // Twilio retried it: a duplicate
      [second, callback(second?.messageId ?? "", "undelivered")],
      [third, callback(third?.messageId ?? "", "failed", { tamper: "wrongSecret" })] // a forgery
      // reminder 3's real callback never arrives
    ]
    // The route handler a service mounts at HOOK_URL, and the worker that records what it received.
    const context = yield* Effect.context<Outbox.Outbox | Quarantine.Quarantine>()
    const route = yield* Effect.acquireRelease(
      Effect.sync(() => Inbound.webHandler(source, Layer.succeedContext(context), { minimumLogLevel: "Error" })),
      (handler) => Effect.promise(() => handler.dispose())
    )
    yield* Effect.forkScoped(
      Inbound.worker({ twilio: { "*": Inbound.recordDeliveries(TwilioWebhooks.deliveryEvents) } })
    )
    for (const [story, hook] of hooks) {
      if (story !== undefined && hook !== undefined) story.webhooks.push(yield* post(route, hook))
    }
    // Processed from the inbox: wait until both callbacks that got through are recorded.
    const tracked = yield* Deliveries.Deliveries
    const settled = (story: (typeof stories)[number] | undefined) =>
      Effect.map(
        tracked.get("twilio", story?.messageId ?? ""),
        (found) => Option.isSome(found) && found.value.status !== undefined
      )
    yield* Effect.repeat(Effect.all([settled(first), settled(second)]), {
      until: ([one, two]) => one && two,
      schedule: Schedule.spaced("10 millis"),
      times: 500
    })
    const reconciliation = yield* Reconciliation.run({
      lookups: [TwilioStatus.make({ ...credentials, baseUrl: sim.url })]
    })
    const deliveries = yield* Deliveries.Deliveries
    const told = yield* Effect.forEach(stories, (story) =>
      Effect.map(deliveries.get("twilio", story.messageId), (found): Story => {
        const delivery = Option.getOrUndefined(found)
        return {
          ...story,
          status: delivery?.status,
          events: (delivery?.events ?? []).map(
            (event) =>
              `${event.status} (${event.source}${event.providerCode ? `, carrier code ${event.providerCode}` : ""})`
          )
        }
      })
    )
    return { stories: told, reconciliation }
  }).pipe(
    Effect.provide(
      Notifications.layer({
        // overdue at once, so the playground need not wait ten minutes for reconciliation
        sms: { from: "+15005550006", providers: [providers.twilio], deliveryExpectedWithin: "0 millis" }
      }).pipe(
        Layer.provideMerge(inbox),
        Layer.provideMerge(Resilience.layerMemory()),
        Layer.provide(Policy.layer()),
        Layer.orDie
      )
    ),
    Effect.scoped,
    // The forged callback is the story here; its warning ("refused and quarantined") would only repeat it.
    Effect.provideService(References.MinimumLogLevel, "Error"),
    Effect.orDie
  )
}
