import { Resend as ResendSdk } from "resend"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as Resend from "../../src/simulators/resend.ts"
import { type Receiver, startReceiver } from "../fixtures/receiver.ts"

type Running = Simulator.Running<Resend.State, Resend.Credentials>

const message = {
  from: "Planner <planner@wedsync.test>",
  to: ["delivered@resend.dev"],
  subject: "Headcount due Friday",
  html: "<p>Please confirm the headcount.</p>"
}

let sim: Running
let sdk: ResendSdk
let receiver: Receiver

beforeAll(async () => {
  sim = await Simulator.start(Resend.definition, { seed: 7 })
  sdk = new ResendSdk(sim.credentials.apiKey, { baseUrl: sim.url })
  receiver = await startReceiver((received) => {
    try {
      sdk.webhooks.verify({
        payload: received.body,
        headers: {
          id: String(received.headers["svix-id"]),
          timestamp: String(received.headers["svix-timestamp"]),
          signature: String(received.headers["svix-signature"])
        },
        webhookSecret: sim.credentials.webhookSecret
      })
      return true
    } catch {
      return false
    }
  })
})

afterAll(async () => {
  await sim.stop()
  await receiver.close()
})

beforeEach(() => {
  sim.reset()
  receiver.received.length = 0
})

const send = (options: { readonly signal?: AbortSignal; readonly idempotencyKey?: string } = {}) =>
  sdk.emails.send(message, options)

describe("Resend simulator, driven by the resend SDK", () => {
  it("accepts a send, a batch and a lookup, one request each", async () => {
    const sent = await send()
    expect(sent.error).toBeNull()
    expect(sent.data?.id).toMatch(/^[0-9a-f-]{36}$/)
    const batch = await sdk.batch.send([message, { ...message, to: ["bounced@resend.dev"] }])
    expect(batch.data?.data).toHaveLength(2)
    const fetched = await sdk.emails.get(sent.data?.id ?? "")
    expect(fetched.data).toMatchObject({ id: sent.data?.id, last_event: "delivered", subject: message.subject })
    expect(sim.ledger.requests().map((entry) => entry.operation)).toEqual(["emails.send", "emails.batch", "emails.get"])
    expect(sim.ledger.sideEffects("email")).toHaveLength(3)
  })

  it("answers a wrong key with Resend's 403 and a missing one with its 401", async () => {
    const wrong = await new ResendSdk("re_wrong", { baseUrl: sim.url }).emails.send(message)
    expect(wrong.error).toEqual({ statusCode: 403, name: "invalid_api_key", message: "API key is invalid" })
    const response = await fetch(`${sim.url}/emails`, { method: "POST", body: JSON.stringify(message) })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ name: "missing_api_key" })
  })

  it("refuses an unverified sender domain and an invalid recipient as Resend does", async () => {
    const unverified = await sdk.emails.send({ ...message, from: "someone@gmail.com" })
    expect(unverified.error).toMatchObject({ statusCode: 403, name: "validation_error" })
    expect(unverified.error?.message).toContain("gmail.com domain is not verified")
    const invalid = await sdk.emails.send({ ...message, to: ["not-an-address"] })
    expect(invalid.error).toMatchObject({ statusCode: 422, name: "validation_error" })
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })

  it.each(Object.entries(Resend.errors))("delivers catalogue entry %s in Resend's body", async (name, entry) => {
    sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 3 })))
    const result = await send()
    const expected = entry.reply({} as Simulator.SimRequest, { retryAfterSeconds: 3 })
    // An edge's HTML page is no Resend body: the SDK folds it into application_error with the status.
    if (typeof expected.body === "string")
      expect(result.error).toMatchObject({ name: "application_error", statusCode: expected.status })
    else expect(result.error).toEqual(expected.body)
    if (entry.kind === "rateLimited") expect(result.headers?.["retry-after"]).toBe("3")
    expect(sim.ledger.requests()).toHaveLength(1)
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })

  it("replays an idempotent send, refuses another payload and a concurrent request", async () => {
    const first = await send({ idempotencyKey: "reminder-1" })
    const again = await send({ idempotencyKey: "reminder-1" })
    expect(again.data?.id).toBe(first.data?.id)
    const other = await sdk.emails.send({ ...message, subject: "Changed" }, { idempotencyKey: "reminder-1" })
    expect(other.error).toMatchObject({ statusCode: 409, name: "invalid_idempotent_request" })
    sim.state.processingMillis = 100
    const [a, b] = await Promise.all([send({ idempotencyKey: "reminder-2" }), send({ idempotencyKey: "reminder-2" })])
    expect([a.error?.name, b.error?.name].filter(Boolean)).toEqual(["concurrent_idempotent_requests"])
    expect(sim.ledger.sideEffects("email")).toHaveLength(2)
  })

  it("hangs until the SDK's signal aborts, and records the abort", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    const started = Date.now()
    const result = await send({ signal: AbortSignal.timeout(300) })
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(result.error).toMatchObject({ name: "application_error", statusCode: null })
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
  })

  it("resets, refuses and garbles as a network would", async () => {
    sim.faults.script("emails.send", [Faults.reset, Faults.malformed])
    expect((await send()).error).toMatchObject({ name: "application_error", statusCode: null })
    expect((await send()).error).toMatchObject({ name: "application_error", statusCode: null })
    const refused = await new ResendSdk("re_x", {
      baseUrl: `http://127.0.0.1:${await Simulator.closedPort()}`
    }).emails.send(message)
    expect(refused.error).toMatchObject({ name: "application_error", statusCode: null })
    expect(sim.ledger.requests().map((entry) => entry.outcome)).toEqual(["reset", "answered"])
  })

  it("commits an ambiguous send: the message exists though the SDK saw a failure", async () => {
    sim.faults.script("emails.send", [Faults.ambiguousCommit])
    const lost = await send({ idempotencyKey: "ambiguous-1" })
    expect(lost.error).toMatchObject({ statusCode: null })
    const retried = await send({ idempotencyKey: "ambiguous-1" })
    expect(retried.data?.id).toBe(sim.ledger.sideEffects("email")[0]?.id)
    expect(sim.ledger.sideEffects("email")).toHaveLength(1)
  })

  it("fails N times then succeeds, delays, and keeps an outage window", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.error("unavailable"), { operation: "emails.send" }))
    expect((await send()).error?.statusCode).toBe(503)
    expect((await send()).error?.statusCode).toBe(503)
    expect((await send()).error).toBeNull()
    sim.faults.clear()
    sim.faults.add(Faults.latency({ millis: 150 }))
    const started = Date.now()
    await send()
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    sim.faults.clear()
    sim.faults.add(Faults.outage({ forMillis: 200 }))
    expect((await send()).error?.statusCode).toBe(503)
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect((await send()).error).toBeNull()
  })

  it("draws the same faults and ids from the same seed", async () => {
    const run = async () => {
      const seeded = await Simulator.start(Resend.definition, { seed: 99 })
      seeded.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.5 }))
      const client = new ResendSdk(seeded.credentials.apiKey, { baseUrl: seeded.url })
      const outcomes: Array<string> = []
      for (let i = 0; i < 12; i++) {
        const result = await client.emails.send(message)
        outcomes.push(result.data?.id ?? String(result.error?.statusCode))
      }
      await seeded.stop()
      return outcomes
    }
    const first = await run()
    expect(first).toEqual(await run())
    expect(new Set(first).size).toBeGreaterThan(2)
  })

  it("delivers signed webhooks that the SDK verifies, and tampered ones it refuses", async () => {
    sim.webhookUrl = receiver.url
    await sdk.emails.send({ ...message, to: ["bounced@resend.dev"] })
    await sim.settle()
    expect(sim.deliveries.map((delivery) => [delivery.type, delivery.status])).toEqual([
      ["email.sent", 200],
      ["email.bounced", 200]
    ])
    const email = [...sim.state.emails.values()][0] as Resend.StoredEmail
    for (const tamper of ["body", "staleTimestamp", "wrongSecret", "missingHeader"] as const) {
      const [record] = await sim.deliver(sim.buildWebhook(Resend.events.email("delivered", email), { tamper }))
      expect([tamper, record?.status]).toEqual([tamper, 401])
    }
    const duplicate = sim.buildWebhook(Resend.events.email("delivered", email))
    const records = await sim.deliver(duplicate, { times: 2 })
    expect(records.map((record) => record.status)).toEqual([200, 200])
    expect(new Set(receiver.received.slice(-2).map((received) => received.headers["svix-id"])).size).toBe(1)
    sim.webhookUrl = undefined
  })

  it("delivers out of order: reversed, or shuffled reproducibly from the seed", async () => {
    sim.webhookUrl = receiver.url
    const email = { ...message, id: "5d0c2f4e", to: ["couple@example.com"], createdAt: "2026-11-29T10:00:00Z" }
    const stored: Resend.StoredEmail = { ...email, lastEvent: "delivered" }
    const deliveries = (["sent", "delivered", "complained"] as const).map((type) =>
      sim.buildWebhook(Resend.events.email(type, stored))
    )
    const reversed = await sim.deliver(deliveries, { order: "reversed" })
    expect(reversed.map((record) => record.type)).toEqual(["email.complained", "email.delivered", "email.sent"])
    const shuffle = async (seed: number) => {
      const seeded = await Simulator.start(Resend.definition, { seed })
      const order = (await seeded.deliver(deliveries, { order: "shuffled" })).map((record) => record.type)
      await seeded.stop()
      return order
    }
    const first = await shuffle(11)
    expect(await shuffle(11)).toEqual(first)
    expect([...first].sort()).toEqual(["email.complained", "email.delivered", "email.sent"])
    expect(receiver.received.every((received) => received.headers["svix-signature"] !== undefined)).toBe(true)
    sim.webhookUrl = undefined
  })
})
