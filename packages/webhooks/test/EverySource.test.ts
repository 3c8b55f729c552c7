/**
 * Every provider's source behind the same route handler, as a Next.js route
 * sees it (a plain `Request` in, a `Response` out), with deliveries signed by
 * the provider's simulator: each authentic event is answered 200 and
 * processed once, a duplicate is answered 200 and not processed again, and
 * each deliberately bad one gets its status — 401 for every tamper the
 * provider's scheme can detect, 400 for an authentic body that does not
 * decode, 413 past the size limit.
 */
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { PostmarkWebhooks, ResendWebhooks } from "@wedsync/adapter-email"
import { TwilioWebhooks, VonageWebhooks } from "@wedsync/adapter-sms"
import { GoogleCalendarWebhooks } from "@wedsync/adapter-calendar"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Outbox, Sqlite } from "@wedsync/durable"
import { Webhooks } from "@wedsync/testkit"
import * as GoogleSim from "@wedsync/testkit/simulators/googleCalendar"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound } from "../src/index.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"

interface Case {
  readonly provider: string
  readonly source: Inbound.Source
  readonly signer: Webhooks.Signer<never>
  readonly credentials: unknown
  readonly url: string
  readonly events: ReadonlyArray<Webhooks.WebhookEvent>
  /** An authentic body (signed as it is) that is not this provider's event. */
  readonly undecodable: string
  /** For a provider whose event is in its headers (Google): an authentic delivery that is not its event. */
  readonly undecodableEvent?: Webhooks.WebhookEvent
  /** How its 400 names the bad field (default: "not a <what>: <field>: <issue>"). */
  readonly namesField?: RegExp
}

const now = () => Math.floor(Date.now() / 1000)

const email: ResendSim.StoredEmail = {
  id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
  from: "planner@wedsync.test",
  to: ["couple@example.com"],
  subject: "Your final headcount is due Friday",
  createdAt: "2026-11-29T10:00:00.000Z",
  lastEvent: "delivered"
}
const twilio = TwilioSim.definition.credentials
const subject = (sid: string): TwilioSim.StatusSubject => ({
  sid,
  accountSid: twilio.accountSid,
  from: "+15005550006",
  to: "+447700900123"
})
const vonage = VonageSim.definition.credentials
const postmark = PostmarkSim.definition.credentials
const intent = (id: string) =>
  ({
    id,
    object: "payment_intent",
    amount: 50_000,
    currency: "gbp",
    metadata: {},
    status: "succeeded"
  }) as unknown as StripeSim.PaymentIntent

const googleChannel = (id: string): GoogleSim.PushChannel => ({
  id,
  resourceId: `res-${id}`,
  resourceUri: "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
  expiration: Date.now() + 86_400_000
})
const googleExists = GoogleSim.events.exists(googleChannel("wedsync-ch-w123"), 2)

const cases: ReadonlyArray<Case> = [
  {
    provider: "stripe",
    source: StripeWebhooks.make({ secret: Redacted.make(StripeSim.definition.credentials.webhookSecret) }),
    signer: StripeSim.signer as Webhooks.Signer<never>,
    credentials: StripeSim.definition.credentials,
    url: "https://hooks.wedsync.test/api/webhooks/stripe",
    events: [
      StripeSim.events.paymentIntentSucceeded(intent("pi_a"), { id: "evt_every_a", created: now() }),
      StripeSim.events.paymentIntentSucceeded(intent("pi_b"), { id: "evt_every_b", created: now() })
    ],
    undecodable: JSON.stringify({ id: 42 })
  },
  {
    provider: "resend",
    source: ResendWebhooks.make({ secret: Redacted.make(ResendSim.definition.credentials.webhookSecret) }),
    signer: ResendSim.definition.signer as Webhooks.Signer<never>,
    credentials: ResendSim.definition.credentials,
    url: "https://hooks.wedsync.test/api/webhooks/resend",
    events: [ResendSim.events.email("delivered", email), ResendSim.events.email("bounced", email)],
    undecodable: JSON.stringify({ type: "email.delivered" })
  },
  {
    provider: "postmark",
    source: PostmarkWebhooks.make({
      basicAuth: { username: postmark.webhookUsername, password: Redacted.make(postmark.webhookPassword) }
    }),
    signer: PostmarkSim.definition.signer as Webhooks.Signer<never>,
    credentials: postmark,
    url: "https://hooks.wedsync.test/api/webhooks/postmark",
    events: [
      PostmarkSim.events.delivery({ MessageID: "883953f4-6105-42a2-a16a-77a8eac79483", Recipient: "ana@example.com" }),
      PostmarkSim.events.bounce({
        ID: 4323372036,
        MessageID: "883953f4-6105-42a2-a16a-77a8eac79483",
        Email: "ben@example.com"
      })
    ],
    undecodable: JSON.stringify({ RecordType: "Delivery" })
  },
  {
    provider: "twilio",
    source: TwilioWebhooks.make({ authToken: Redacted.make(twilio.authToken) }),
    signer: TwilioSim.definition.signer as Webhooks.Signer<never>,
    credentials: twilio,
    url: "https://hooks.wedsync.test/api/webhooks/twilio",
    events: [
      TwilioSim.events.messageStatus(subject("SM0123456789abcdef0123456789abcdef"), "sent"),
      TwilioSim.events.messageStatus(subject("SM0123456789abcdef0123456789abcdef"), "delivered")
    ],
    undecodable: "Unexpected=1"
  },
  {
    provider: "vonage",
    source: VonageWebhooks.make({ signatureSecret: Redacted.make(vonage.signatureSecret) }),
    signer: VonageSim.definition.signer as Webhooks.Signer<never>,
    credentials: vonage,
    url: "https://hooks.wedsync.test/api/webhooks/vonage",
    events: [
      VonageSim.events.messageStatus(
        { messageUuid: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", to: "447700900123", from: "447700900001" },
        "delivered",
        vonage
      ),
      VonageSim.events.messageStatus(
        { messageUuid: "11111111-2222-4333-8444-555555555555", to: "447700900123", from: "447700900001" },
        "submitted",
        vonage
      )
    ],
    undecodable: JSON.stringify({ status: "delivered" })
  },
  {
    provider: "google",
    source: GoogleCalendarWebhooks.make({
      token: Redacted.make(GoogleSim.definition.credentials.channelToken),
      channels: ["wedsync-ch-w123"]
    }),
    signer: GoogleSim.definition.signer as Webhooks.Signer<never>,
    credentials: GoogleSim.definition.credentials,
    url: "https://hooks.wedsync.test/api/webhooks/google",
    events: [GoogleSim.events.sync(googleChannel("wedsync-ch-w123")), googleExists],
    undecodable: "",
    // the resource state is the event: one Google never sends does not decode
    undecodableEvent: { ...googleExists, headers: { ...googleExists.headers, "x-goog-resource-state": "moved" } },
    namesField: /X-Goog-Resource-State/
  }
]

const requestOf = (sent: Pick<Webhooks.WebhookDelivery, "url" | "headers" | "body">, body?: string) =>
  new Request(sent.url, { method: "POST", headers: sent.headers, body: body ?? sent.body })

let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let stopWorker: () => Promise<void>
const handlers = new Map<string, ReturnType<typeof Inbound.webHandler>>()
const processed: Array<string> = []

beforeAll(async () => {
  runtime = ManagedRuntime.make(inboxOn(Sqlite.layerMemory))
  const inbox = Layer.succeedContext(await runtime.context())
  for (const each of cases) handlers.set(each.provider, Inbound.webHandler(each.source, inbox))
  const record = (job: Outbox.Job) =>
    Effect.sync(() => {
      const received = job.payload as Inbound.Received
      processed.push(`${received.event.provider}:${received.event.id}`)
    })
  stopWorker = await forkWorker(
    runtime,
    Outbox.worker(Object.fromEntries(cases.map((each) => [Inbound.operation(each.provider), record])))
  )
})

afterAll(async () => {
  await stopWorker()
  for (const handler of handlers.values()) await handler.dispose()
  await runtime.dispose()
})

const until = async (condition: () => boolean, millis = 5_000) => {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe.each(cases)("a Next.js route handler for $provider", (each) => {
  const handler = () => handlers.get(each.provider)!.handler
  const deliver = (event: Webhooks.WebhookEvent, tamper?: Webhooks.Tamper) =>
    Webhooks.build(each.signer, each.credentials as never, event, each.url, tamper === undefined ? {} : { tamper })

  it("answers each authentic event 200 and processes it once, duplicates included", async () => {
    const ids: Array<string> = []
    for (const event of each.events) {
      const answer = await handler()(requestOf(deliver(event)))
      expect(answer.status).toBe(200)
      ids.push(((await answer.json()) as { id: string }).id)
      // delivered again: the same answer
      expect((await handler()(requestOf(deliver(event)))).status).toBe(200)
    }
    expect(new Set(ids).size).toBe(each.events.length)
    await until(() => ids.every((id) => processed.includes(`${each.provider}:${id}`)))
    for (const id of ids) expect(processed.filter((seen) => seen === `${each.provider}:${id}`)).toHaveLength(1)
  })

  const detectable = Webhooks.tampers.filter(
    (tamper) =>
      (tamper !== "body" || each.signer.signsBody !== false) && (tamper !== "staleTimestamp" || each.signer.timestamped)
  )
  it.each(detectable)("answers a delivery with tamper %s 401", async (tamper) => {
    const answer = await handler()(requestOf(deliver(each.events[0]!, tamper)))
    expect(answer.status).toBe(401)
  })

  it("answers 400 naming the field to an authentic body that is not its event", async () => {
    const event = each.undecodableEvent ?? { ...each.events[0]!, id: "undecodable", body: each.undecodable }
    const answer = await handler()(requestOf(deliver(event)))
    expect(answer.status).toBe(400)
    const body = (await answer.json()) as { error: string; message: string }
    expect(body.error).toBe("payload_invalid")
    // "not a Stripe event: id: Expected string": what it is not, then the field
    expect(body.message).toMatch(each.namesField ?? /^not a [^:]+: [\w.[\]-]+: \S/)
  })

  it("answers 413 past the size limit", async () => {
    const sent = deliver(each.events[0]!)
    const answer = await handler()(requestOf(sent, `${sent.body}${" ".repeat(Inbound.DEFAULT_MAX_BYTES + 1)}`))
    expect(answer.status).toBe(413)
  })
})
