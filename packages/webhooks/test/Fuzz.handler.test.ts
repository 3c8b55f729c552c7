/**
 * Fuzzing the whole pipeline, `Inbound.webHandler` in front of every source,
 * as a Next.js route sees it (a plain `Request` in, a `Response` out):
 * genuine deliveries are answered 200 with their event id; changed ones are
 * refused (4xx) or answered with the very same id; garbage, including bodies
 * that are not UTF-8, is never answered 200 and never crashes the handler
 * (no 5xx, no rejected promise). Then the size limit: a forged 2 MB Twilio
 * form is refused 413 without the source being called, so the six URL
 * variants twilio's validator hashes are never paid for.
 *
 * `FUZZ_RUNS` sets the runs (here a tenth of it per property, at least 50).
 */
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import type { WebhookSource } from "@wedsync/core"
import { TwilioWebhooks } from "@wedsync/adapter-sms"
import { Sqlite } from "@wedsync/durable"
import { Webhooks } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cases, type FuzzCase, garbage, mutations, runs, type Sent } from "../scripts/fuzzCases.ts"
import { type Inbox, inboxOn } from "./fixtures/inbox.ts"
import { Inbound } from "../src/index.ts"

const RUNS = Math.max(50, Math.floor(runs() / 10))
const TIMEOUT = 60_000 + RUNS * 50

let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let inbox: Layer.Layer<Inbox>
const handlers: Array<ReturnType<typeof Inbound.webHandler>> = []

beforeAll(async () => {
  runtime = ManagedRuntime.make(inboxOn(Sqlite.layerMemory))
  inbox = Layer.succeedContext(await runtime.context())
})

afterAll(async () => {
  for (const handler of handlers) await handler.dispose()
  await runtime.dispose()
})

const handlerFor = (source: Inbound.Source) => {
  const handler = Inbound.webHandler(source, inbox)
  handlers.push(handler)
  return handler.handler
}

/** A `Request`, or `undefined` when the header set is one `fetch` itself refuses (a forbidden name or value). */
const requestOf = (sent: Sent, body: string | Uint8Array<ArrayBuffer> = sent.body): Request | undefined => {
  try {
    return new Request(sent.url, { method: "POST", headers: sent.headers, body })
  } catch {
    return undefined
  }
}

/** The answer's status and id; a rejected promise (a crash) fails the property. */
const answer = async (handle: (request: Request) => Promise<Response>, request: Request) => {
  const response = await handle(request)
  const body = (await response.json()) as { readonly id?: string }
  return { status: response.status, id: body.id }
}

describe.each(cases())("fuzzing Inbound.webHandler in front of the $provider source", (each: FuzzCase) => {
  let handle: (request: Request) => Promise<Response>
  beforeAll(() => {
    handle = handlerFor(each.source)
  })
  const eventOf = (sent: Sent): WebhookSource.WebhookEvent =>
    Effect.runSync(each.source.verify(Webhooks.toRequest(sent)))

  it(
    `answers 200 with the event id to genuine deliveries, and refuses or answers the same id to changed ones (${RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(each.genuine, mutations(each), async (sent, changes) => {
          const genuine = requestOf(sent)
          if (genuine === undefined) throw new Error("a genuine delivery is not a valid Request")
          const accepted = await answer(handle, genuine)
          expect(accepted).toEqual({ status: 200, id: eventOf(sent).id })
          const changed = requestOf(changes.reduce((delivery, change) => change(delivery), sent))
          fc.pre(changed !== undefined)
          const outcome = await answer(handle, changed!)
          if (outcome.status === 200) expect(outcome.id).toBe(accepted.id)
          else expect([400, 401]).toContain(outcome.status)
        }),
        { numRuns: RUNS }
      )
    },
    TIMEOUT
  )

  it(
    `never answers 200 or 5xx to garbage, UTF-8 or not (${RUNS} runs)`,
    async () => {
      const body = fc.oneof(fc.constant(undefined), fc.uint8Array({ maxLength: 512 }))
      await fc.assert(
        fc.asyncProperty(garbage(each), body, async (sent, bytes) => {
          const request = requestOf(sent, bytes === undefined ? sent.body : new Uint8Array(bytes))
          fc.pre(request !== undefined)
          const outcome = await answer(handle, request!)
          expect([400, 401, 413]).toContain(outcome.status)
        }),
        { numRuns: RUNS }
      )
    },
    TIMEOUT
  )
})

describe("the size limit runs before the source", () => {
  const credentials = TwilioSim.definition.credentials
  const twilio = TwilioWebhooks.make({ authToken: Redacted.make(credentials.authToken) })
  let calls = 0
  const counted: WebhookSource.WebhookSource["Service"] = {
    provider: "twilio",
    verify: (request) =>
      Effect.suspend(() => {
        calls++
        return twilio.verify(request)
      })
  }
  const URL = "https://hooks.wedsync.test/twilio?wedding=w_1"
  const forgedForm = () => {
    const params = new URLSearchParams({ MessageSid: "SM0123456789abcdef0123456789abcdef", MessageStatus: "delivered" })
    params.set("Body", "x".repeat(2 * 1024 * 1024))
    return params.toString()
  }

  it("refuses a forged 2 MB Twilio form 413, quickly, without calling the source", async () => {
    const handle = handlerFor(counted)
    const body = forgedForm()
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024)
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": "bm90LWEtc2lnbmF0dXJlLWF0LWFsbA=="
    }
    const started = performance.now()
    const declared = await handle(new Request(URL, { method: "POST", headers, body }))
    const streamed = await handle(
      new Request(URL, {
        method: "POST",
        headers,
        body: new Blob([body]).stream(),
        duplex: "half"
      } as RequestInit & { readonly duplex: "half" })
    )
    const elapsed = performance.now() - started
    expect([declared.status, streamed.status]).toEqual([413, 413])
    expect(calls).toBe(0)
    // Two refusals of 2 MB each: reading stops at the limit, nothing is hashed.
    expect(elapsed).toBeLessThan(1_000)
  })

  it("the same source does verify (and refuse) a forged form under the limit, so the count is real", async () => {
    const handle = handlerFor(counted)
    const before = calls
    const response = await handle(
      new Request(URL, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "bm90LWEtc2lnbmF0dXJl" },
        body: "MessageSid=SM0123456789abcdef0123456789abcdef&MessageStatus=delivered"
      })
    )
    expect(response.status).toBe(401)
    expect(calls).toBe(before + 1)
  })
})
