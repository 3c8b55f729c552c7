/**
 * A Standard Webhooks source behind `Inbound.webHandler`, as a Next.js route
 * sees it: a plain `Request` in, a `Response` out, with deliveries signed by
 * the `standardwebhooks` library (unbranded headers) and by `svix` (branded).
 */
import { Layer, ManagedRuntime, Redacted } from "effect"
import { Sqlite } from "@wedsync/durable"
import { Webhook as StandardWebhook } from "standardwebhooks"
import { Webhook as SvixWebhook } from "svix"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Inbox, inboxOn } from "./fixtures/inbox.ts"
import { Inbound, StandardWebhooks } from "../src/index.ts"

const SECRET = `whsec_${Buffer.from("clerk-endpoint-secret-000000000").toString("base64").replace(/=+$/, "")}`
const URL = "https://hooks.wedsync.test/api/webhooks/clerk"

let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let handler: ReturnType<typeof Inbound.webHandler>
let misconfigured: ReturnType<typeof Inbound.webHandler>

beforeAll(async () => {
  runtime = ManagedRuntime.make(inboxOn(Sqlite.layerMemory))
  const inbox = Layer.succeedContext(await runtime.context())
  handler = Inbound.webHandler(StandardWebhooks.make({ provider: "clerk", secret: Redacted.make(SECRET) }), inbox)
  misconfigured = Inbound.webHandler(
    StandardWebhooks.make({ provider: "clerk", secret: undefined } as unknown as StandardWebhooks.Options),
    inbox
  )
})

afterAll(async () => {
  await handler.dispose()
  await misconfigured.dispose()
  await runtime.dispose()
})

const body = (id: string) => JSON.stringify({ type: "user.created", timestamp: new Date().toISOString(), data: { id } })

const post = (headers: Record<string, string>, payload: string) =>
  new Request(URL, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload })

const unbranded = (id: string, payload: string, at = new Date()) => ({
  "webhook-id": id,
  "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
  "webhook-signature": new StandardWebhook(SECRET).sign(id, at, payload)
})

describe("StandardWebhooks through Inbound.webHandler", () => {
  it("answers an authentic delivery 200 with the webhook-id, and a duplicate 200 again", async () => {
    const payload = body("user_1")
    const first = await handler.handler(post(unbranded("msg_handler_1", payload), payload))
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ received: true, id: "msg_handler_1" })
    const again = await handler.handler(post(unbranded("msg_handler_1", payload), payload))
    expect(again.status).toBe(200)
  })

  it("answers a svix-signed delivery with branded headers 200", async () => {
    const payload = body("user_2")
    const at = new Date()
    const headers = {
      "svix-id": "msg_handler_2",
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new SvixWebhook(SECRET).sign("msg_handler_2", at, payload)
    }
    expect((await handler.handler(post(headers, payload))).status).toBe(200)
  })

  it("answers 401 to a changed body, a stale timestamp, a wrong secret and a missing signature", async () => {
    const payload = body("user_3")
    const stale = new Date(Date.now() - 10 * 60 * 1000)
    const other = `whsec_${Buffer.from("another-secret-entirely-0000000").toString("base64")}`
    const { "webhook-signature": _, ...unsigned } = unbranded("msg_handler_3", payload)
    const cases: ReadonlyArray<readonly [Record<string, string>, string]> = [
      [unbranded("msg_handler_3", payload), payload.replace("user_3", "user_4")],
      [unbranded("msg_handler_3", payload, stale), payload],
      [
        {
          ...unbranded("msg_handler_3", payload),
          "webhook-signature": new StandardWebhook(other).sign("msg_handler_3", new Date(), payload)
        },
        payload
      ],
      [unsigned, payload]
    ]
    for (const [headers, sent] of cases) {
      const answer = await handler.handler(post(headers, sent))
      expect(answer.status).toBe(401)
      expect(((await answer.json()) as { error: string }).error).toBe("signature_invalid")
    }
  })

  it("answers 400 naming the field to an authentic body without a type", async () => {
    const payload = JSON.stringify({ data: {} })
    const answer = await handler.handler(post(unbranded("msg_handler_5", payload), payload))
    expect(answer.status).toBe(400)
    expect(((await answer.json()) as { message: string }).message).toMatch(/^not a clerk event: type: \S/)
  })

  it("with an undefined secret, the handler answers 500 (the provider delivers again), never a TypeError", async () => {
    // The source is built when the handler first runs; it fails as Misconfigured, which is answered, not thrown.
    const payload = body("user_6")
    const answer = await misconfigured.handler(post(unbranded("msg_handler_6", payload), payload))
    expect(answer.status).toBe(500)
    expect(((await answer.json()) as { error: string }).error).toBe("receiver_misconfigured")
  })
})
