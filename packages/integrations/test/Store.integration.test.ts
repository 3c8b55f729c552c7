/**
 * One suite over every store the facade offers: SQLite (always) and
 * PostgreSQL with circuits shared through Redis (when DATABASE_URL and
 * REDIS_URL answer; under CI=true a missing service fails the run, see
 * `@wedsync/test-fixtures/services`). Each backend sends, charges, accepts
 * a signed Stripe webhook and runs its handler, and after a restart on the
 * same store still knows the event (a redelivery is not processed again).
 * Plus: a store that cannot open is a `StartError`, tried again next call.
 */
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { databaseUrl, freshSchema, postgresUp, redisUp, redisUrl } from "@wedsync/test-fixtures/services"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createIntegrations, type Options, StartError } from "../src/index.ts"
import { configFor, startWorld } from "./fixtures/world.ts"

let world: Awaited<ReturnType<typeof startWorld>>
beforeAll(async () => {
  world = await startWorld()
})
afterAll(() => world.stop())

const signed = (id: string) => {
  const intent = {
    id: `pi_${id}`,
    object: "payment_intent",
    amount: 50_000,
    currency: "gbp",
    metadata: {},
    status: "succeeded"
  } as unknown as StripeSim.PaymentIntent
  const event = StripeSim.events.paymentIntentSucceeded(intent, { id, created: Math.floor(Date.now() / 1000) })
  const sent = Webhooks.build(
    StripeSim.signer,
    world.simulators.stripe.credentials,
    event,
    "https://hooks.wedsync.test/api/webhooks/stripe"
  )
  return new Request(sent.url, { method: "POST", headers: sent.headers, body: sent.body })
}

const until = async (condition: () => boolean) => {
  const started = Date.now()
  while (!condition() && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 20))
}

const storeSuite = (backend: string, store: () => Pick<Options.Options, "store" | "redis">) =>
  describe(`on ${backend}`, () => {
    it("sends, charges, accepts a webhook and knows it again after a restart", async () => {
      const tag = randomBytes(4).toString("hex")
      const handled: Array<string> = []
      const backing = store()
      const options = (): Options.Options => {
        const base = configFor(world.simulators, `store-${backend}-${tag}`, "unused")
        return {
          ...base,
          ...backing,
          webhooks: {
            stripe: {
              secrets: [world.simulators.stripe.credentials.webhookSecret],
              on: { "*": (event) => void handled.push(event.id) }
            }
          }
        }
      }
      const first = createIntegrations(options())
      try {
        expect(
          await first.notify({ to: { email: "ana@example.com" }, message: { subject: "Hi", text: "Hello" } })
        ).toMatchObject({ ok: true, status: "sent", provider: "resend" })
        expect(
          await first.pay({
            bookingId: `bk_${tag}`,
            instalment: 1,
            amount: 1_000,
            currency: "gbp",
            paymentMethod: "pm_card_visa"
          })
        ).toMatchObject({ ok: true, status: "charged" })
        expect((await first.webhookHandler("stripe")(signed(`evt_${tag}`))).status).toBe(200)
        await until(() => handled.length > 0)
        expect(handled).toEqual([`evt_${tag}`])
      } finally {
        await first.close()
      }
      const restarted = createIntegrations(options())
      try {
        expect((await restarted.webhookHandler("stripe")(signed(`evt_${tag}`))).status).toBe(200)
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(handled).toEqual([`evt_${tag}`])
      } finally {
        await restarted.close()
      }
    })
  })

storeSuite("SQLite", () => ({ store: { sqlite: world.file(), pollIntervalMillis: 20 } }))

if (postgresUp && redisUp) {
  const schema = `t_${randomBytes(6).toString("hex")}`
  // creates the schema now and drops it when disposed
  const fixture = ManagedRuntime.make(freshSchema(schema))
  beforeAll(() => fixture.context().then(() => undefined))
  afterAll(() => fixture.dispose())
  storeSuite("PostgreSQL, circuits in Redis", () => ({
    store: { postgres: databaseUrl, schema, pollIntervalMillis: 20 },
    redis: redisUrl
  }))
}

describe("a store that cannot open", () => {
  it("is a StartError at start and at each call, tried again each time", async () => {
    const options = configFor(world.simulators, "no-such-directory", join(world.directory, "missing", "store.db"))
    const integrations = createIntegrations(options)
    try {
      const failed = await integrations.start().catch((error: unknown) => error)
      expect(failed).toBeInstanceOf(StartError)
      expect(failed).toMatchObject({ _tag: "IntegrationsStartError" })
      expect(String((failed as StartError).message)).toContain("does not exist")
      await expect(
        integrations.notify({ to: { email: "ana@example.com" }, message: { subject: "a", text: "b" } })
      ).rejects.toBeInstanceOf(StartError)
      const answer = await integrations.webhookHandler("stripe")(signed("evt_no_store"))
      expect(answer.status).toBe(503)
    } finally {
      await integrations.close()
    }
  })
})
