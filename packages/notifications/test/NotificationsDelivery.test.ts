/**
 * A notification's attempts say of each failed provider whether the request
 * may have reached it (`delivery`), as the adapter classified it: what a
 * retry or a fallback has to weigh before it repeats a reminder.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type * as EmailProvider from "@wedsync/core/EmailProvider"
import * as Failover from "@wedsync/core/Failover"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import * as WeddingContext from "@wedsync/core/WeddingContext"
import * as Notifications from "../src/Notifications.ts"

const resilience = Resilience.layerMemory({ random: () => 0 }).pipe(
  Layer.provideMerge(Policy.layer({ providers: { flaky: { inCall: { maxAttempts: 1 } } } }))
)

const email = (
  provider: string,
  outcome: IntegrationError.IntegrationError | undefined
): EmailProvider.EmailProvider["Service"] => ({
  provider,
  send: () =>
    outcome === undefined
      ? Effect.succeed({ provider, messageId: `${provider}-1`, acceptedAt: 0 })
      : Effect.fail(outcome),
  sendBatch: () => Effect.die("not used")
})

const ana = { name: "Ana Lopez", email: "ana@example.com" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }

describe("Notifications attempts", () => {
  it.effect("name maybeSent for a provider that failed after the request may have reached it", () =>
    Effect.gen(function* () {
      const reset = IntegrationError.make("flaky", "send", new IntegrationError.Unavailable({}), {
        delivery: "maybeSent"
      })
      const notifications = yield* Notifications.make({
        email: {
          from: "reminders@wedsync.test",
          providers: Failover.fromServices("email", [email("flaky", reset), email("backup", undefined)])
        }
      })
      // Held by default: flaky may have sent it, and it has no lookup.
      const held = yield* Effect.flip(notifications.send(ana, reminder, { channels: ["email"] }))
      assert.deepStrictEqual(
        held.attempts.map(({ provider, outcome, delivery, resolution }) => ({
          provider,
          outcome,
          delivery,
          resolution
        })),
        [{ provider: "flaky", outcome: "failed", delivery: "maybeSent", resolution: "unknown" }]
      )
      // On the wedding day it fails over, once.
      const sent = yield* notifications
        .send(ana, reminder, { channels: ["email"] })
        .pipe(WeddingContext.provide({ weddingId: "w_1", weddingDate: "1970-01-01", vendorType: "venue" }))
      assert.deepStrictEqual(
        sent.attempts.map(({ provider, outcome, delivery, resolution }) => ({
          provider,
          outcome,
          delivery,
          resolution
        })),
        [
          { provider: "flaky", outcome: "failed", delivery: "maybeSent", resolution: "unknown" },
          { provider: "backup", outcome: "success", delivery: undefined, resolution: undefined }
        ]
      )
    }).pipe(Effect.provide(resilience))
  )
})
