/**
 * A two-step source (`Inbound.TwoStepSource`) through the Web handler and the
 * worker, on SQLite: before the 2xx only the signature and the envelope's id
 * and type are read, the request is stored once (no decoded event beside
 * it), and the worker decodes it with the source it is given. A forged
 * delivery is still a 401 and quarantined, an envelope without an id a 400
 * naming the field; a body whose data does not decode is accepted at the
 * edge and dead-lettered by the worker as `PayloadInvalid` naming the field,
 * never run; a worker that lacks the source dead-letters it `Misconfigured`.
 */
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { createHmac } from "node:crypto"
import { IntegrationError, WebhookSource } from "@wedsync/core"
import { DeadLetters, Sqlite } from "@wedsync/durable"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound, Quarantine } from "../src/index.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"

const SECRET = "two-step-secret"
const URL = "https://hooks.wedsync.test/api/webhooks/acme"
const operator = { actor: "ops@wedsync.test", reason: "two-step test" }

const Envelope = Schema.Struct({ id: Schema.String.check(Schema.isMinLength(1)), type: Schema.String })
const Event = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  data: Schema.Struct({ amount: Schema.Int, weddingId: Schema.optional(Schema.String) })
})

const forged = () =>
  IntegrationError.make("acme", "webhook", new IntegrationError.SignatureInvalid({ description: "bad signature" }))
const parse = (body: string) =>
  Effect.try({
    try: (): unknown => JSON.parse(body),
    catch: () => WebhookSource.payloadInvalid("acme", "webhook", "not JSON")
  })

// A provider that signs the body with HMAC-SHA256 in `x-acme-signature`.
const source: Inbound.TwoStepSource = {
  provider: "acme",
  verify: () => Effect.die("a two-step source is identified, not verified, by the pipeline"),
  identify: (request) => {
    const expected = createHmac("sha256", SECRET).update(request.body).digest("hex")
    if (request.headers["x-acme-signature"] !== expected) return Effect.fail(forged())
    return parse(request.body).pipe(
      Effect.flatMap(Schema.decodeUnknownEffect(Envelope)),
      Effect.mapError((error) =>
        Schema.isSchemaError(error)
          ? WebhookSource.payloadInvalid("acme", "webhook", "not an event", error.issue)
          : error
      ),
      Effect.map((envelope) => ({ id: envelope.id, type: envelope.type }))
    )
  },
  decode: (request) =>
    parse(request.body).pipe(
      Effect.flatMap(Schema.decodeUnknownEffect(Event)),
      Effect.mapError((error) =>
        Schema.isSchemaError(error)
          ? WebhookSource.payloadInvalid("acme", "webhook", "not an event", error.issue)
          : error
      ),
      Effect.map((event) => ({ provider: "acme", id: event.id, type: event.type, payload: event }))
    )
}

const post = (body: string, signature = createHmac("sha256", SECRET).update(body).digest("hex")) =>
  new Request(URL, { method: "POST", headers: { "x-acme-signature": signature }, body })

let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let handler: ReturnType<typeof Inbound.webHandler>
let stopWorker: () => Promise<void> = async () => {}
const amounts: Array<string> = []

beforeAll(async () => {
  runtime = ManagedRuntime.make(inboxOn(Sqlite.layerMemory))
  handler = Inbound.webHandler(source, Layer.succeedContext(await runtime.context()), { twoStep: true })
})

afterAll(async () => {
  await stopWorker()
  await handler.dispose()
  await runtime.dispose()
})

const until = async (condition: () => boolean | Promise<boolean>, millis = 10_000) => {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const letterOf = (id: string) =>
  runtime.runPromise(
    Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
      letters.get(Inbound.jobId("acme", id), operator)
    ).pipe(Effect.option)
  )

const storedOf = (id: string) =>
  runtime.runPromise(
    Effect.flatMap(
      Effect.service(SqlClient.SqlClient),
      (sql) => sql<{ element: string }>`SELECT element FROM wedsync_queue WHERE id = ${Inbound.jobId("acme", id)}`
    )
  )

const body = (id: string, amount: unknown = 1200) =>
  JSON.stringify({ id, type: "payment.settled", data: { amount, weddingId: "w_1" } })

describe("a two-step source", () => {
  it("answers 200 having read only the envelope, and stores the request once, undecoded", async () => {
    expect((await handler.handler(post(body("ev_1")))).status).toBe(200)
    const [row] = await storedOf("ev_1")
    const stored = JSON.parse(row!.element).job.payload
    expect(stored.undecoded).toBe(true)
    expect(stored.event).toEqual({ provider: "acme", id: "ev_1", type: "payment.settled" })
    expect(stored.request.body).toBe(body("ev_1"))
    // a duplicate is the same 200, and stays one job
    expect((await handler.handler(post(body("ev_1")))).status).toBe(200)
    expect(await storedOf("ev_1")).toHaveLength(1)
  })

  it("refuses a forged delivery with 401 and an envelope without an id with 400 naming it, both quarantined", async () => {
    expect((await handler.handler(post(body("ev_forged"), "00"))).status).toBe(401)
    const unnamed = JSON.stringify({ type: "payment.settled", data: { amount: 1 } })
    const answer = await handler.handler(post(unnamed))
    expect(answer.status).toBe(400)
    expect(((await answer.json()) as { message: string }).message).toMatch(/\bid\b/)
    const kept = await runtime.runPromise(
      Effect.flatMap(Effect.service(Quarantine.Quarantine), (quarantine) =>
        quarantine.list({ provider: "acme" }, operator)
      )
    )
    expect(kept.map((entry) => entry.reason).sort()).toEqual(["PayloadInvalid", "SignatureInvalid"])
  })

  it("decodes in the worker: handlers get the event, a body that does not decode is dead-lettered naming the field", async () => {
    expect((await handler.handler(post(body("ev_bad", "twelve")))).status).toBe(200)
    stopWorker = await forkWorker(
      runtime,
      Inbound.worker(
        {
          acme: {
            "payment.settled": (event) =>
              Effect.sync(() => amounts.push(`${event.id}:${(event.payload as typeof Event.Type).data.amount}`))
          }
        },
        { sources: [source] }
      )
    )
    await until(() => amounts.includes("ev_1:1200"))
    await until(async () => (await letterOf("ev_bad"))._tag === "Some")
    const letter = await letterOf("ev_bad")
    if (letter._tag !== "Some") throw new Error("no dead letter")
    expect(letter.value.reason).toBe("PayloadInvalid")
    expect(letter.value.errors.at(-1)?.message).toMatch(/amount/)
    expect(amounts.some((entry) => entry.startsWith("ev_bad"))).toBe(false)
    expect(amounts.filter((entry) => entry.startsWith("ev_1:"))).toHaveLength(1)
    await stopWorker()
    stopWorker = async () => {}
  })

  it("without the source, the worker keeps the event as a Misconfigured dead letter", async () => {
    expect((await handler.handler(post(body("ev_orphan")))).status).toBe(200)
    const stop = await forkWorker(runtime, Inbound.worker({ acme: { "*": () => Effect.void } }))
    try {
      await until(async () => (await letterOf("ev_orphan"))._tag === "Some")
    } finally {
      await stop()
    }
    const letter = await letterOf("ev_orphan")
    expect(letter._tag === "Some" && letter.value.reason).toBe("Misconfigured")
  })
})
