/**
 * The quarantine, through the route handler on a real SQLite inbox: every
 * refused delivery is kept with its reason, headers (secret ones redacted),
 * raw body (base64 when not UTF-8; none past the size limit, only its declared
 * length) and sender; a flood stays under the per-provider cap, oldest
 * dropped first; an operator reads entries (audited) and re-injects one —
 * repaired and verified again, or explicitly trusted — and it is processed
 * once. Retention is shown on the memory store.
 */
import { Effect, Exit, Layer, ManagedRuntime, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Audit as CoreAudit } from "@wedsync/core"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Audit, Sqlite } from "@wedsync/durable"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound, Quarantine } from "../src/index.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"

const credentials = StripeSim.definition.credentials
const source = StripeWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) })
const operator = { actor: "security@wedsync.test", reason: "INC-12: review refused Stripe deliveries" }
const CAP = 5

const intent = {
  id: "pi_q",
  object: "payment_intent",
  amount: 1_000,
  currency: "gbp",
  metadata: {},
  status: "succeeded"
}
const eventOf = (id: string) =>
  StripeSim.events.paymentIntentSucceeded(intent as unknown as StripeSim.PaymentIntent, {
    id,
    created: Math.floor(Date.now() / 1000)
  })
const signed = (id: string, options: Webhooks.BuildOptions = {}) =>
  Webhooks.build(StripeSim.signer, credentials, eventOf(id), "https://hooks.wedsync.test/stripe", options)
const requestOf = (sent: Webhooks.WebhookDelivery, init: { body?: BodyInit; headers?: Record<string, string> } = {}) =>
  new Request(sent.url, {
    method: "POST",
    headers: { ...sent.headers, "x-forwarded-for": "203.0.113.9", ...init.headers },
    body: init.body ?? sent.body
  })

let directory: string
let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let stripe: ReturnType<typeof Inbound.webHandler>
let stopWorker: () => Promise<void>
const processed: Array<string> = []

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "wedsync-quarantine-"))
  runtime = ManagedRuntime.make(
    inboxOn(Sqlite.layer({ filename: join(directory, "inbox.db") }), { maxPerProvider: CAP })
  )
  stripe = Inbound.webHandler(source, Layer.succeedContext(await runtime.context()), { trustForwardedHeaders: true })
  stopWorker = await forkWorker(
    runtime,
    Inbound.worker({ stripe: { "*": (event) => Effect.sync(() => processed.push(event.id)) } })
  )
})

afterAll(async () => {
  await stopWorker()
  await stripe.dispose()
  await runtime.dispose()
  rmSync(directory, { recursive: true, force: true })
})

const run = <A, E>(effect: Effect.Effect<A, E, Inbox>) => runtime.runPromise(effect)
const list = (filter: Quarantine.Filter = {}) =>
  run(Effect.flatMap(Effect.service(Quarantine.Quarantine), (q) => q.list({ provider: "stripe", ...filter }, operator)))
const until = async (condition: () => boolean, millis = 5_000) => {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("the quarantine", () => {
  it("keeps a forged delivery with its reason, sender, body and headers, secret ones redacted", async () => {
    const answer = await stripe.handler(
      requestOf(signed("evt_forged", { tamper: "wrongSecret" }), { headers: { authorization: "Bearer sk_live_leak" } })
    )
    expect(answer.status).toBe(401)
    const [entry] = await list({ reason: "SignatureInvalid" })
    expect(entry).toMatchObject({
      provider: "stripe",
      reason: "SignatureInvalid",
      status: "held",
      remoteAddress: "203.0.113.9"
    })
    expect(entry?.body).toContain("evt_forged")
    expect(entry?.headers["stripe-signature"]).toMatch(/^t=/)
    expect(entry?.headers.authorization).toBe("<redacted>")
    expect(JSON.stringify(entry)).not.toContain("sk_live_leak")
  })

  it("keeps a body past the limit as its declared length only, and one that is not UTF-8 as base64", async () => {
    expect(
      (
        await stripe.handler(
          requestOf(signed("evt_big"), {
            body: "x".repeat(Inbound.DEFAULT_MAX_BYTES + 1),
            // as a server's request carries it
            headers: { "content-length": String(Inbound.DEFAULT_MAX_BYTES + 1) }
          })
        )
      ).status
    ).toBe(413)
    const [big] = await list({ reason: "TooLarge" })
    expect(big).toMatchObject({ body: "", declaredBytes: Inbound.DEFAULT_MAX_BYTES + 1 })
    expect(
      (await stripe.handler(requestOf(signed("evt_bin"), { body: new Uint8Array([0x7b, 0xff, 0x7d]) }))).status
    ).toBe(400)
    const [binary] = await list({ reason: "NotUtf8" })
    expect(binary).toMatchObject({ bodyEncoding: "base64", body: Buffer.from([0x7b, 0xff, 0x7d]).toString("base64") })
  })

  it("re-injects a repaired delivery, verified again as of its arrival, and it is processed once; audited", async () => {
    const sent = signed("evt_mangled")
    // a proxy appended a newline: the signature no longer matches
    expect((await stripe.handler(requestOf(sent, { body: `${sent.body}\n` }))).status).toBe(401)
    const [entry] = await list({ reason: "SignatureInvalid" })
    expect(entry?.body).toBe(`${sent.body}\n`)
    const refused = await runtime.runPromiseExit(
      Inbound.reinject(source, entry!.id, { trust: { _tag: "Verify" } }, operator)
    )
    expect(Exit.isFailure(refused)).toBe(true)
    const done = await run(
      Inbound.reinject(source, entry!.id, { repair: { body: sent.body }, trust: { _tag: "Verify" } }, operator)
    )
    expect(done).toMatchObject({ eventId: "evt_mangled", trusted: false })
    await until(() => processed.includes("evt_mangled"))
    const again = await runtime.runPromiseExit(
      Inbound.reinject(source, entry!.id, { repair: { body: sent.body }, trust: { _tag: "Verify" } }, operator)
    )
    expect(Exit.isFailure(again)).toBe(true)
    const actions = await run(
      Effect.flatMap(Effect.service(CoreAudit.Audit), (audit) => audit.list({ actor: operator.actor }))
    )
    expect(actions.map((action) => action.action)).toEqual(
      expect.arrayContaining(["quarantine.list", "quarantine.get", "quarantine.reinject"])
    )
  })

  it("re-injects on the operator's word when asked, naming the event, audited as trusted", async () => {
    expect((await stripe.handler(requestOf(signed("evt_trusted", { tamper: "missingHeader" })))).status).toBe(401)
    const [entry] = await list({ reason: "SignatureInvalid", status: "held" })
    const done = await run(
      Inbound.reinject(
        source,
        entry!.id,
        { trust: { _tag: "OperatorTrusted", eventId: "evt_trusted", type: "payment_intent.succeeded" } },
        operator
      )
    )
    expect(done.trusted).toBe(true)
    await until(() => processed.includes("evt_trusted"))
    const trusted = await run(
      Effect.flatMap(Effect.service(CoreAudit.Audit), (audit) => audit.list({ action: "quarantine.reinject.trusted" }))
    )
    expect(trusted.map((action) => action.target)).toContain(entry!.id)
  })

  it("stays under the cap per provider during a flood of forged requests, dropping the oldest", async () => {
    for (let i = 0; i < CAP * 3; i++) {
      expect((await stripe.handler(requestOf(signed(`evt_flood_${i}`, { tamper: "wrongSecret" })))).status).toBe(401)
    }
    const kept = await list({ limit: 1000 })
    expect(kept).toHaveLength(CAP)
    // the newest survive
    expect(kept[0]?.body).toContain(`evt_flood_${CAP * 3 - 1}`)
    expect(kept.some((entry) => entry.body.includes("evt_flood_0"))).toBe(false)
  })
})

describe("the quarantine's retention", () => {
  it("drops entries older than the retention", async () => {
    const layer = Quarantine.layerMemory({ retention: "50 millis" }).pipe(
      Layer.provide(Audit.layerSql),
      Layer.provide(Sqlite.layerMemory)
    )
    const entry = (receivedAt: number): Quarantine.NewEntry => ({
      provider: "stripe",
      reason: "SignatureInvalid",
      description: "no v1 signature matches",
      method: "POST",
      url: "https://hooks.wedsync.test/stripe",
      headers: {},
      body: "{}",
      bodyEncoding: "utf8",
      receivedAt
    })
    const kept = await Effect.runPromise(
      Effect.gen(function* () {
        const quarantine = yield* Quarantine.Quarantine
        const now = Date.now()
        yield* quarantine.add(entry(now - 1_000))
        yield* quarantine.add(entry(now))
        return yield* quarantine.list({}, operator)
      }).pipe(Effect.provide(layer))
    )
    expect(kept).toHaveLength(1)
  })
})
