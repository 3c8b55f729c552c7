/**
 * The deadline of a notification send on a real clock: every simulator
 * hangs (it takes the request and never answers), and `Notifications.send`
 * still returns within its deadline, having aborted the requests it started
 * and skipped the providers it had no time left for. The same scenario runs
 * under `TestClock` in packages/notifications/test/NotificationsDeadline.test.ts.
 */
import { Effect, Layer } from "effect"
import { MaybeSent, Policy, Resilience } from "@wedsync/core"
import { Notifications } from "@wedsync/notifications"
import { Faults } from "@wedsync/testkit"
import { describe, expect, it } from "vitest"
import * as Providers from "../src/providers.ts"
import { useSimulators } from "./fixtures/simulators.ts"

const sims = useSimulators(17)

const notifications = (policies: Policy.PolicyOverrides) =>
  Providers.notifications(Providers.adaptersFor(sims)).pipe(
    Layer.provideMerge(Resilience.layerMemory()),
    Layer.provideMerge(Policy.layer(policies))
  )

const ana = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }
const route = (attempts: ReadonlyArray<Notifications.Attempt>) =>
  attempts.map((attempt) => `${attempt.channel}/${attempt.provider}:${attempt.reason ?? attempt.outcome}`)

/** Sends with every provider hanging, under `maybeSent` (the policy for unresolved attempts); the error and how long the caller waited. */
const sendWhileHanging = async (
  policies: Policy.PolicyOverrides,
  deadlineMillis: number,
  maybeSent: MaybeSent.PolicyTable = MaybeSent.defaults
) => {
  for (const sim of [sims.twilio, sims.vonage, sims.resend, sims.postmark]) sim.faults.add(Faults.rule(Faults.hang))
  const startedAt = performance.now()
  const error = await Effect.runPromise(
    Effect.scoped(
      Effect.provide(
        Effect.flip(Notifications.send(ana, reminder, { channels: ["sms", "email"], deadlineMillis })).pipe(
          Effect.provideService(MaybeSent.Policy, maybeSent)
        ),
        notifications(policies)
      )
    )
  )
  return { error, waited: performance.now() - startedAt }
}

describe("a send's deadline with every provider hanging", () => {
  it("the spec's policies: Twilio is given what remains of 2 s; its hang may have sent it, so nothing is repeated", async () => {
    const { error, waited } = await sendWhileHanging({}, 2_000)
    expect(waited).toBeGreaterThanOrEqual(1_900)
    expect(waited).toBeLessThan(2_800)
    expect(route(error.attempts)).toEqual(["sms/twilio:TimedOut"])
    expect(error.attempts[0]).toMatchObject({ delivery: "maybeSent", resolution: "unknown" })
    expect(sims.twilio.ledger.requests().length).toBeGreaterThanOrEqual(1)
    expect(sims.vonage.ledger.requests()).toHaveLength(0)
    expect(sims.resend.ledger.requests()).toHaveLength(0)
    expect(sims.postmark.ledger.requests()).toHaveLength(0)
  })

  it("short timeouts, copies accepted: all four providers share the 2 s, and the send never waits past it", async () => {
    const short = { timeoutMillis: 600, inCall: { maxAttempts: 1 } }
    const copies = { ...MaybeSent.defaults, withoutWedding: "failover" as const, maxDuplicates: 3 }
    const { error, waited } = await sendWhileHanging({ services: { sms: short, email: short } }, 2_000, copies)
    expect(waited).toBeLessThan(2_800)
    const steps = route(error.attempts)
    expect(steps[0]).toBe("sms/twilio:TimedOut")
    expect(steps).toHaveLength(4)
    for (const step of steps) expect(step).toMatch(/:(TimedOut|DeadlineExceeded)$/)
    const durations = error.attempts.reduce((total, attempt) => total + attempt.durationMillis, 0)
    expect(durations).toBeLessThanOrEqual(2_100)
  })
})
