/**
 * The playground's third scenario: what happened after the providers said
 * "accepted". Three SMS reminders go out through Twilio and are tracked in
 * `Deliveries` on embedded SQLite. Twilio's status callbacks, signed by the
 * simulator as Twilio signs them, are verified by `TwilioWebhooks` and
 * recorded; one callback is lost, so `Reconciliation` asks Twilio's API about
 * the overdue message; a forged callback is refused.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { Policy, Resilience } from "@wedsync/core"
import { Sqlite } from "@wedsync/durable"
import { Deliveries, Notifications, Reconciliation } from "@wedsync/notifications"
import { TwilioStatus, TwilioWebhooks } from "@wedsync/adapter-sms"
import { Webhooks } from "@wedsync/testkit"
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

/** Runs the delivery scenario against the running Twilio simulator. */
export const run = (providers: Providers.Providers): Effect.Effect<Report> => {
  const sim = providers.simulators.twilio
  const credentials = { accountSid: sim.credentials.accountSid, authToken: Redacted.make(sim.credentials.authToken) }
  const source = TwilioWebhooks.make({ authToken: credentials.authToken })

  /** What our webhook endpoint does: verify, decode, record; a forgery is refused and recorded nowhere. */
  const receive = (delivery: Webhooks.WebhookDelivery) =>
    Effect.gen(function* () {
      const event = yield* source.verify(Webhooks.toRequest(delivery))
      const deliveries = yield* Deliveries.Deliveries
      const outcomes = yield* Effect.forEach(yield* TwilioWebhooks.deliveryEvents(event), deliveries.record)
      return outcomes.join(",")
    }).pipe(Effect.catchTag("IntegrationError", (error) => Effect.succeed(`refused (${error.reason._tag})`)))

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
    for (const [story, hook] of hooks) {
      if (story !== undefined && hook !== undefined) story.webhooks.push(yield* receive(hook))
    }
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
        Layer.provideMerge(Deliveries.layerSql.pipe(Layer.provide(Sqlite.layerMemory))),
        Layer.provideMerge(Resilience.layerMemory()),
        Layer.provide(Policy.layer()),
        Layer.orDie
      )
    ),
    Effect.orDie
  )
}
