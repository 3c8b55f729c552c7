/**
 * The inbound pipeline as a Next.js route handler sees it — a plain `Request`
 * in, a `Response` out — over the real Stripe source and the outbox on a real
 * SQLite file: a genuine delivery is written before its 2xx and processed
 * once, a duplicate is answered 2xx and not processed again, each bad
 * delivery gets its status (413 before verification, 401, 400 naming the
 * field), and a store that cannot write answers 503 with Retry-After and
 * loses nothing once the provider delivers again.
 */
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Outbox, Sqlite } from "@wedsync/durable"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound } from "../src/index.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"

const credentials = StripeSim.definition.credentials
const URL = "https://hooks.wedsync.test/api/webhooks/stripe"

const intent = {
  id: "pi_3WedSyncDeposit0001",
  object: "payment_intent",
  amount: 50_000,
  currency: "gbp",
  metadata: { weddingId: "w_123", bookingId: "b_77" },
  status: "succeeded"
} as unknown as StripeSim.PaymentIntent

const eventOf = (id: string) =>
  StripeSim.events.paymentIntentSucceeded(intent, { id, created: Math.floor(Date.now() / 1000) })
/** An event of 40 KB: its row needs pages of its own (overflow pages), whatever free space the file has. */
const largeEventOf = (id: string) =>
  StripeSim.events.paymentIntentSucceeded({ ...intent, description: "d".repeat(40_000) } as StripeSim.PaymentIntent, {
    id,
    created: Math.floor(Date.now() / 1000)
  })

const delivery = (event: Webhooks.WebhookEvent, options: Webhooks.BuildOptions = {}) =>
  Webhooks.build(StripeSim.signer, credentials, event, URL, options)

const requestOf = (
  sent: Pick<Webhooks.WebhookDelivery, "url" | "headers" | "body">,
  init: { readonly body?: BodyInit; readonly headers?: Record<string, string> } = {}
) =>
  new Request(sent.url, {
    method: "POST",
    headers: { ...sent.headers, ...init.headers },
    body: init.body ?? sent.body,
    // a stream body needs it
    ...(init.body instanceof ReadableStream ? { duplex: "half" } : {})
  } as RequestInit)

let directory: string
let file: string
let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let stripe: ReturnType<typeof Inbound.webHandler>
const processed: Array<string> = []
let stopWorker: () => Promise<void>

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "wedsync-inbound-"))
  file = join(directory, "inbox.db")
  const inbox = inboxOn(Sqlite.layer({ filename: file, busyTimeout: "50 millis" }))
  runtime = ManagedRuntime.make(inbox)
  const services = await runtime.context()
  stripe = Inbound.webHandler(
    StripeWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) }),
    Layer.succeedContext(services)
  )
  stopWorker = await forkWorker(
    runtime,
    Outbox.worker({
      [Inbound.operation("stripe")]: (job) =>
        Effect.sync(() => processed.push((job.payload as Inbound.Received).event.id))
    })
  )
})

afterAll(async () => {
  await stopWorker()
  await stripe.dispose()
  await runtime.dispose()
  rmSync(directory, { recursive: true, force: true })
})

const until = async (condition: () => boolean, millis = 5_000) => {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("Inbound.webHandler (a Next.js route handler)", () => {
  it("writes a genuine delivery before its 2xx and processes it once; a duplicate is 2xx and not processed again", async () => {
    const sent = delivery(eventOf("evt_genuine_0001"))
    const first = await stripe.handler(requestOf(sent))
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ received: true, id: "evt_genuine_0001" })
    await until(() => processed.includes("evt_genuine_0001"))
    const again = await stripe.handler(requestOf(delivery(eventOf("evt_genuine_0001"))))
    expect(again.status).toBe(200)
    // another event after the duplicate: once it is processed, the duplicate would have been too
    expect((await stripe.handler(requestOf(delivery(eventOf("evt_genuine_0002"))))).status).toBe(200)
    await until(() => processed.includes("evt_genuine_0002"))
    expect(processed.filter((id) => id === "evt_genuine_0001")).toHaveLength(1)
  })

  it("keeps the request with its signature and without secret headers in the inbox job", async () => {
    const sent = delivery(eventOf("evt_kept_0001"))
    const answer = await stripe.handler(
      requestOf(sent, { headers: { authorization: "Bearer sk_live_never_kept", "x-goog-channel-token": "tok" } })
    )
    expect(answer.status).toBe(200)
    const rows = new DatabaseSync(file, { readOnly: true })
    try {
      const row = rows.prepare("select element from wedsync_queue where id = ?").get("webhook:stripe:evt_kept_0001") as
        | { element: string | null }
        | undefined
      // processed rows keep only their id; an unprocessed one keeps the request
      if (row?.element != null) {
        expect(row.element).not.toContain("sk_live_never_kept")
        expect(row.element).toContain("stripe-signature")
      }
      expect(row).toBeDefined()
    } finally {
      rows.close()
    }
  })

  it("refuses a body past the limit with 413 before verifying it, declared or streamed", async () => {
    const sent = delivery(eventOf("evt_large_0001"))
    const huge = "x".repeat(Inbound.DEFAULT_MAX_BYTES + 1)
    const declared = await stripe.handler(requestOf(sent, { body: huge }))
    expect(declared.status).toBe(413)
    const chunk = new TextEncoder().encode("y".repeat(64 * 1024))
    let sentChunks = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 4 MiB, never all read
        if (sentChunks++ >= 64) controller.close()
        else controller.enqueue(chunk)
      }
    })
    const streamed = await stripe.handler(requestOf(sent, { body: stream }))
    expect(streamed.status).toBe(413)
    expect(sentChunks).toBeLessThan(64)
  })

  it("answers 401 to a missing or bad signature and 400 to a body that is not UTF-8", async () => {
    for (const tamper of ["missingHeader", "wrongSecret", "body", "staleTimestamp"] as const) {
      const answer = await stripe.handler(requestOf(delivery(eventOf(`evt_${tamper}`), { tamper })))
      expect({ tamper, status: answer.status }).toEqual({ tamper, status: 401 })
      expect(((await answer.json()) as { error: string }).error).toBe("signature_invalid")
    }
    const sent = delivery(eventOf("evt_binary_0001"))
    const binary = await stripe.handler(requestOf(sent, { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }))
    expect(binary.status).toBe(400)
    expect(processed.some((id) => id.startsWith("evt_missingHeader") || id.startsWith("evt_wrongSecret"))).toBe(false)
  })

  it("answers 400 naming the field when an authentic body does not decode", async () => {
    const broken = { ...eventOf("evt_broken_0001"), body: JSON.stringify({ id: 42, type: "payment_intent.succeeded" }) }
    const answer = await stripe.handler(requestOf(delivery(broken)))
    expect(answer.status).toBe(400)
    const body = (await answer.json()) as { error: string; message: string }
    expect(body.error).toBe("payload_invalid")
    // the field, not its value
    expect(body.message).toMatch(/^not a Stripe event: .*\bid\b/)
    expect(body.message).not.toContain("42")
  })

  it("answers 503 while the store's disk is full, and loses nothing once there is room", async () => {
    const pragma = (statement: string) =>
      runtime.runPromise(Effect.flatMap(Effect.service(SqlClient.SqlClient), (sql) => sql.unsafe(statement)))
    const [{ page_count: pages }] = (await pragma("PRAGMA page_count")) as unknown as [{ page_count: number }]
    // no page may be added: every write that needs one fails with SQLITE_FULL, as on a full disk
    await pragma(`PRAGMA max_page_count = ${pages}`)
    try {
      const bodies = Array.from({ length: 5 }, (_, i) => delivery(largeEventOf(`evt_disk_full_${i}`)))
      const answers = await Promise.all(bodies.map((sent) => stripe.handler(requestOf(sent))))
      expect(answers.map((answer) => answer.status)).toEqual([503, 503, 503, 503, 503])
    } finally {
      await pragma("PRAGMA max_page_count = 1073741823")
    }
    for (let i = 0; i < 5; i++) {
      expect((await stripe.handler(requestOf(delivery(largeEventOf(`evt_disk_full_${i}`))))).status).toBe(200)
    }
    await until(() => Array.from({ length: 5 }, (_, i) => `evt_disk_full_${i}`).every((id) => processed.includes(id)))
  })

  it("answers 503 with Retry-After while the store cannot write, and loses nothing once it can", async () => {
    const locker = new DatabaseSync(file)
    locker.exec("BEGIN EXCLUSIVE")
    let unlocked = false
    try {
      const answer = await stripe.handler(requestOf(delivery(eventOf("evt_while_locked"))))
      expect(answer.status).toBe(503)
      expect(answer.headers.get("retry-after")).toBe("30")
    } finally {
      locker.exec("ROLLBACK")
      locker.close()
      unlocked = true
    }
    expect(unlocked).toBe(true)
    // the provider delivers it again until it is taken (a busy machine may still see the lock's last moments)
    let retried = await stripe.handler(requestOf(delivery(eventOf("evt_while_locked"))))
    for (let attempt = 0; retried.status !== 200 && attempt < 20; attempt++) {
      expect(retried.status).toBe(503)
      await new Promise((resolve) => setTimeout(resolve, 50))
      retried = await stripe.handler(requestOf(delivery(eventOf("evt_while_locked"))))
    }
    expect(retried.status).toBe(200)
    await until(() => processed.includes("evt_while_locked"))
  })
})
