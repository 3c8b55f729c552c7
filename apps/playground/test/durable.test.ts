/**
 * Durable notifications end to end: `Notifications.offer` persists the send in
 * the outbox (SQLite), an outbox worker sends it through the real adapters
 * against the simulators, a total outage defers it by policy until a provider
 * is back, a recipient no channel will take is dead-lettered with every
 * provider tried, and on the wedding day nothing waits: it is dead-lettered at
 * once for an operator.
 */
import { Effect, Layer, Schedule, type Scope } from "effect"
import { PersistedQueue } from "effect/persistence"
import { Policy, Resilience } from "@wedsync/core"
import { Audit, DeadLetters, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { Notifications } from "@wedsync/notifications"
import { Faults } from "@wedsync/testkit"
import { describe, expect, it } from "vitest"
import * as Providers from "../src/providers.ts"
import { useSimulators } from "./fixtures/simulators.ts"

const sims = useSimulators(11)
const adapters = () => Providers.adaptersFor(sims)

// Deferred retries in milliseconds instead of the spec's minutes, one in-call attempt, and breakers that
// stay closed through this test's retry loop (breakers have their own tests).
const fast = { kind: "fixed" as const, millis: 50 }
const policies = Policy.layer({
  services: {
    sms: {
      inCall: { maxAttempts: 1 },
      breaker: { windowSize: 500, minimumCalls: 500 },
      deferred: {
        rules: [{ reasons: ["Unavailable", "RateLimited", "TimedOut", "CircuitOpen"], delay: fast, maxRetries: 50 }]
      }
    },
    email: {
      inCall: { maxAttempts: 1 },
      breaker: { windowSize: 500, minimumCalls: 500 },
      deferred: {
        rules: [{ reasons: ["Unavailable", "RateLimited", "TimedOut", "CircuitOpen"], delay: fast, maxRetries: 50 }]
      }
    }
  }
})

const world = () =>
  Providers.notifications(adapters()).pipe(
    Layer.provideMerge(
      DeadLetters.layerSql.pipe(
        Layer.provideMerge(Outbox.layer()),
        Layer.provideMerge(Audit.layerSql),
        Layer.provide(PersistedQueue.layer),
        Layer.provide(QueueStore.layerSql({ pollInterval: "10 millis" })),
        Layer.provide(Sqlite.layerMemory)
      )
    ),
    Layer.provideMerge(Resilience.layerMemory({ random: () => 0 })),
    Layer.provideMerge(policies),
    Layer.orDie
  )

type World = Layer.Success<ReturnType<typeof world>>

const run = <A, E>(effect: Effect.Effect<A, E, World | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, world())))

/** Polls `check` every 10 ms for up to 15 s of real time until it gives a value. */
const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
  check.pipe(
    Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 1_500 }),
    Effect.orDie
  )

const operator = { actor: "ops@wedsync.test", reason: "checking the run" }
const deadLetter = (id: string) =>
  Effect.flatMap(DeadLetters.DeadLetters, (letters) =>
    Effect.map(letters.list({}, { limit: 50 }, operator), (page) => page.items.find((item) => item.id === id))
  )

const ana = { email: "ana@example.com", phone: "+447700900123" }
const reminder = { subject: "Final headcount", text: "Please confirm your final headcount by Friday." }
const created = (sim: { readonly ledger: { sideEffects(): ReadonlyArray<unknown> } }) => sim.ledger.sideEffects().length

describe("durable notifications", () => {
  it("a maybe-sent SMS nobody could find is held; the retry finds it at Twilio instead of sending it again", async () => {
    // Twilio takes the message and the answer is lost; its message list is down for the first lookup only.
    sims.twilio.faults.add(Faults.rule(Faults.ambiguousCommit, { operation: "messages.create", times: 1 }))
    sims.twilio.faults.add(Faults.rule(Faults.error("unavailable"), { operation: "messages.list", times: 1 }))
    const letter = await run(
      Effect.gen(function* () {
        yield* Notifications.offer({
          id: "reminder:w_6:ambiguous",
          recipient: ana,
          message: reminder,
          channels: ["sms", "email"]
        })
        yield* Outbox.worker(Notifications.handlers)
        // the retry's lookup: the second request to the list
        yield* eventually(
          Effect.sync(() =>
            sims.twilio.ledger.requests().filter((request) => request.operation === "messages.list").length >= 2
              ? true
              : undefined
          )
        )
        yield* Effect.sleep("200 millis") // room for a wrong second send to show up
        return yield* deadLetter("reminder:w_6:ambiguous")
      })
    )
    expect(letter).toBeUndefined()
    expect(created(sims.twilio)).toBe(1)
    expect(sims.twilio.ledger.requests().filter((request) => request.operation === "messages.create")).toHaveLength(1)
    // held, not failed over: nothing went to Vonage or to email
    expect(sims.vonage.ledger.requests()).toHaveLength(0)
    expect(sims.resend.ledger.requests()).toHaveLength(0)
  })

  it("a total outage defers the send by policy; when Twilio is back it goes out once, by SMS", async () => {
    for (const sim of Object.values(sims)) sim.faults.add(Faults.rule(Faults.error("unavailable")))
    const result = await run(
      Effect.gen(function* () {
        yield* Notifications.offer({
          id: "reminder:w_7:headcount",
          recipient: ana,
          message: reminder,
          channels: ["sms", "email"]
        })
        yield* Outbox.worker(Notifications.handlers)
        // the first attempt reached every provider and failed
        yield* eventually(Effect.sync(() => (sims.resend.ledger.requests().length > 0 ? true : undefined)))
        sims.twilio.faults.clear()
        yield* eventually(Effect.sync(() => (created(sims.twilio) > 0 ? true : undefined)))
        yield* Effect.sleep("200 millis") // room for a wrong second send to show up
        return { letter: yield* deadLetter("reminder:w_7:headcount") }
      })
    )
    expect(created(sims.twilio)).toBe(1)
    expect(created(sims.vonage) + created(sims.resend) + created(sims.postmark)).toBe(0)
    expect(result.letter).toBeUndefined()
    const keys = sims.twilio.ledger.requests().map((request) => request.operation)
    expect(keys.filter((operation) => operation === "messages.create").length).toBeGreaterThanOrEqual(2)
  })

  it("a recipient no channel will take is dead-lettered at once, with every provider tried and nothing re-sent", async () => {
    // Twilio: 21610 unsubscribed; Postmark: the address is inactive (406); Resend is down, so Postmark is reached
    sims.resend.faults.add(Faults.rule(Faults.error("unavailable")))
    const letter = await run(
      Effect.gen(function* () {
        yield* Notifications.offer({
          id: "reminder:w_8:headcount",
          recipient: { email: "hardbounce@example.com", phone: "+15005550004" },
          message: reminder,
          channels: ["sms", "email"]
        })
        yield* Outbox.worker(Notifications.handlers)
        return yield* eventually(deadLetter("reminder:w_8:headcount"))
      })
    )
    expect(letter.reason).toBe("Rejected")
    expect(letter.operation).toBe(Notifications.operation)
    expect([...letter.providersTried].sort()).toEqual(["postmark", "resend", "twilio"])
    expect(letter.errors.map((error) => `${error.provider}:${error.reason}`)).toEqual([
      "twilio:Rejected",
      "resend:Unavailable",
      "postmark:Rejected"
    ])
    expect(letter.attempts).toBe(1)
    // the deciding error is kept whole: Postmark's 406 "inactive recipient"
    expect(letter.errors.at(-1)).toMatchObject({ provider: "postmark", status: 422, providerCode: "406" })
    expect(sims.vonage.ledger.requests()).toHaveLength(0)
    expect(JSON.stringify(letter)).not.toContain(sims.twilio.credentials.authToken)
  })

  it("on the wedding day a total outage is dead-lettered at once for an operator, not deferred", async () => {
    for (const sim of Object.values(sims)) sim.faults.add(Faults.rule(Faults.error("unavailable")))
    const today = new Date().toISOString().slice(0, 10)
    const letter = await run(
      Effect.gen(function* () {
        const offered = yield* Notifications.offer({
          id: "reminder:w_9:day-of",
          recipient: ana,
          message: { subject: "Today", text: "The car arrives at 1 pm." },
          channels: ["sms", "email"],
          wedding: { weddingId: "w_9", weddingDate: today, vendorType: "transport" }
        })
        expect(offered.lane).toBe("critical")
        yield* Outbox.worker(Notifications.handlers)
        return yield* eventually(deadLetter("reminder:w_9:day-of"))
      })
    )
    expect(letter.reason).toBe("Unavailable")
    expect(letter.wedding?.criticality).toBe("wedding_day_critical")
    expect(letter.attempts).toBe(1)
    // one request per provider: no in-call retry, no deferred retry
    for (const sim of [sims.twilio, sims.vonage, sims.resend, sims.postmark])
      expect(sim.ledger.requests()).toHaveLength(1)
  })
})
