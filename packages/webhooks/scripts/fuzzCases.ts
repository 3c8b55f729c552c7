/**
 * What the webhook fuzzing runs on: every source with a fast-check
 * arbitrary of GENUINE deliveries (built by the provider's simulator signer,
 * or the `standardwebhooks` library, with arbitrary unicode and parameters
 * named `__proto__`, `constructor`, `toString`), the ways a delivery is
 * mutated after signing, and arbitrary garbage. `test/Fuzz.test.ts` and
 * `test/Fuzz.handler.test.ts` run the properties; `scripts/fuzz.ts` runs
 * them at full count.
 */
import { Effect, Redacted } from "effect"
import type { DeliveryEvent, WebhookSource } from "@wedsync/core"
import { PostmarkWebhooks, ResendWebhooks } from "@wedsync/adapter-email"
import { TwilioWebhooks, VonageWebhooks } from "@wedsync/adapter-sms"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Webhooks } from "@wedsync/testkit"
import * as GoogleSim from "@wedsync/testkit/simulators/googleCalendar"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import fc from "fast-check"
import { Webhook as StandardWebhook } from "standardwebhooks"
// Not a dependency of this package yet: reached by path until it is (see README.fuzz.md).
import { GoogleCalendarWebhooks } from "@wedsync/adapter-calendar"
import { StandardWebhooks } from "../src/index.ts"

/** Runs per property: `FUZZ_RUNS` (the full run uses 100,000), else 2,000. */
export const runs = (fallback = 2_000): number => {
  const given = Number(process.env.FUZZ_RUNS)
  return Number.isSafeInteger(given) && given > 0 ? given : fallback
}

/** A delivery as it goes over the wire. */
export interface Sent {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** One source under fuzzing. */
export interface FuzzCase {
  readonly provider: string
  readonly source: WebhookSource.WebhookSource["Service"]
  /** Genuine deliveries: each must be accepted. */
  readonly genuine: fc.Arbitrary<Sent>
  /** The headers that carry the credential or signature (mutations aim at them). */
  readonly signatureHeaders: ReadonlyArray<string>
  /** Whether the URL is signed (Twilio): mutations then change it too. */
  readonly signsUrl: boolean
  /** Whether the body is covered (Postmark's Basic auth does not cover it). */
  readonly signsBody: boolean
  /** Secrets that must never appear in a refusal. */
  readonly secrets: ReadonlyArray<string>
  /** The adapter's delivery-event decoder, when it has one. */
  readonly decoder?: DeliveryEvent.Decoder | undefined
  /** Whether a changed delivery that was accepted is the same event (default: the same content throughout). */
  readonly same?: ((changed: WebhookSource.WebhookEvent, genuine: WebhookSource.WebhookEvent) => boolean) | undefined
}

const now = () => Math.floor(Date.now() / 1000)

/** Names that collide with `Object.prototype` members, then any text. */
export const keyArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "prototype"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 12 })
)

/** Any unicode text (no lone surrogates: a body must survive UTF-8). */
export const textArbitrary: fc.Arbitrary<string> = fc.string({ unit: "binary", maxLength: 40 })

const extrasArbitrary = fc.array(fc.tuple(keyArbitrary, textArbitrary), { maxLength: 5 })

/** An id a header can carry. */
const idArbitrary = fc.stringMatching(/^[A-Za-z0-9_]{6,24}$/)

const deliveryOf = <C>(signer: Webhooks.Signer<C>, credentials: C, event: Webhooks.WebhookEvent, url: string): Sent => {
  const built = Webhooks.build(signer, credentials, event, url)
  return { url: built.url, headers: built.headers, body: built.body }
}

const stripe = (): FuzzCase => {
  const credentials = StripeSim.definition.credentials
  const genuine = fc
    .record({ id: idArbitrary, extras: extrasArbitrary, amount: fc.nat(10_000_000) })
    .map(({ id, extras, amount }) => {
      const intent = {
        id: `pi_${id}`,
        object: "payment_intent",
        amount,
        currency: "gbp",
        metadata: Object.fromEntries(extras),
        status: "succeeded"
      } as unknown as StripeSim.PaymentIntent
      const event = StripeSim.events.paymentIntentSucceeded(intent, { id: `evt_${id}`, created: now() })
      return deliveryOf(
        StripeSim.signer as Webhooks.Signer<typeof credentials>,
        credentials,
        event,
        "https://hooks.wedsync.test/stripe"
      )
    })
  return {
    provider: "stripe",
    source: Effect.runSync(StripeWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) })),
    genuine,
    signatureHeaders: ["stripe-signature"],
    signsUrl: false,
    signsBody: true,
    secrets: [credentials.webhookSecret]
  }
}

const resend = (): FuzzCase => {
  const credentials = ResendSim.definition.credentials
  const genuine = fc
    .record({
      status: fc.constantFrom("sent", "delivered", "bounced", "complained"),
      subject: textArbitrary,
      to: fc.array(textArbitrary, { minLength: 1, maxLength: 3 }),
      id: fc.uuid()
    })
    .map(({ status, subject, to, id }) =>
      deliveryOf(
        ResendSim.definition.signer as Webhooks.Signer<typeof credentials>,
        credentials,
        ResendSim.events.email(status, {
          id,
          from: "planner@wedsync.test",
          to,
          subject,
          createdAt: "2026-11-29T10:00:00.000Z",
          lastEvent: status
        }),
        "https://hooks.wedsync.test/resend"
      )
    )
  return {
    provider: "resend",
    source: Effect.runSync(ResendWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) })),
    genuine,
    signatureHeaders: ["svix-signature", "svix-id", "svix-timestamp"],
    signsUrl: false,
    signsBody: true,
    secrets: [credentials.webhookSecret],
    decoder: ResendWebhooks.deliveryEvents
  }
}

const postmark = (): FuzzCase => {
  const credentials = PostmarkSim.definition.credentials
  const genuine = fc
    .record({ id: fc.uuid(), details: textArbitrary, extras: extrasArbitrary, recipient: textArbitrary })
    .map(({ id, details, extras, recipient }) =>
      deliveryOf(
        PostmarkSim.definition.signer as Webhooks.Signer<typeof credentials>,
        credentials,
        PostmarkSim.events.delivery({
          MessageID: id,
          Recipient: `${recipient}@example.com`,
          Details: details,
          Metadata: Object.fromEntries(extras)
        }),
        "https://hooks.wedsync.test/postmark"
      )
    )
  return {
    provider: "postmark",
    source: Effect.runSync(
      PostmarkWebhooks.make({
        basicAuth: { username: credentials.webhookUsername, password: Redacted.make(credentials.webhookPassword) }
      })
    ),
    genuine,
    signatureHeaders: ["authorization"],
    signsUrl: false,
    signsBody: false,
    secrets: [credentials.webhookPassword],
    decoder: PostmarkWebhooks.deliveryEvents
  }
}

const twilio = (): FuzzCase => {
  const credentials = TwilioSim.definition.credentials
  // Twilio's message SIDs: SM and 32 hex digits (the source refuses other shapes).
  const sidArbitrary = fc.stringMatching(/^[0-9a-f]{32}$/)
  const subject = (sid: string): TwilioSim.StatusSubject => ({
    sid: `SM${sid}`,
    accountSid: credentials.accountSid,
    from: "+15005550006",
    to: "+447700900123"
  })
  const status = fc.constantFrom(
    "queued",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "read"
  ) as fc.Arbitrary<TwilioSim.MessageStatus>
  const form = fc.record({ sid: sidArbitrary, status, extras: extrasArbitrary }).map(({ sid, status, extras }) => {
    const event = TwilioSim.events.messageStatus(subject(sid), status)
    const params = new URLSearchParams(event.body)
    for (const [key, value] of extras) if (twilioWouldSend(key, value)) params.append(key, value)
    return { ...event, body: params.toString() }
  })
  const json = fc
    .record({ sid: idArbitrary, status })
    .map(({ sid, status }) => TwilioSim.events.messageStatusJson(subject(sid), status))
  const genuine = fc
    .oneof(form, json)
    .map((event) =>
      deliveryOf(
        TwilioSim.signer as Webhooks.Signer<typeof credentials>,
        credentials,
        event,
        "https://hooks.wedsync.test/twilio?wedding=w_1"
      )
    )
  return {
    provider: "twilio",
    source: TwilioWebhooks.make({ authToken: Redacted.make(credentials.authToken) }),
    genuine,
    signatureHeaders: ["x-twilio-signature"],
    signsUrl: true,
    signsBody: true,
    secrets: [credentials.authToken],
    decoder: TwilioWebhooks.deliveryEvents,
    same: (changed, genuine) => {
      // Twilio signs `key1 + value1 + …` without separators: a form can be re-split under the same signature.
      // The source refuses re-splits of the parameters it reads; the others are Twilio's to protect.
      if (Array.isArray(genuine.payload)) return canonical(changed) === canonical(genuine)
      const read = (event: WebhookSource.WebhookEvent) =>
        canonical([
          event.id,
          event.type,
          event.occurredAt,
          ...TWILIO_READ.map((name) => readParam(event.payload, name))
        ])
      return read(changed) === read(genuine)
    }
  }
}

/** The callback parameters the Twilio source reads, each checked for Twilio's shape. */
const TWILIO_READ = ["MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "ErrorCode", "AccountSid", "ApiVersion"]

/**
 * Whether Twilio could send this extra parameter: not one the source reads, no
 * name running into one of theirs, no value containing one (the source takes
 * those for a re-split delivery).
 */
const twilioWouldSend = (key: string, value: string): boolean =>
  TWILIO_READ.every((read) => !read.startsWith(key) && !key.startsWith(read) && !value.includes(read))

const readParam = (payload: unknown, name: string): unknown =>
  typeof payload === "object" && payload !== null && Object.hasOwn(payload, name)
    ? (payload as Record<string, unknown>)[name]
    : undefined

const vonage = (): FuzzCase => {
  const credentials = VonageSim.definition.credentials
  const account: VonageSim.Account = credentials
  const url = "https://hooks.wedsync.test/vonage"
  const messages = fc
    .record({
      uuid: fc.uuid(),
      status: fc.constantFrom("submitted", "delivered", "rejected", "undeliverable", "read"),
      extras: extrasArbitrary
    })
    .map(({ uuid, status, extras }) => {
      const event = VonageSim.events.messageStatus(
        { messageUuid: uuid, to: "447700900123", from: "447700900001" },
        status,
        account
      )
      const body = {
        ...(JSON.parse(event.body) as object),
        ...Object.fromEntries(extras.filter(([key]) => !reserved.has(key)))
      }
      return deliveryOf(VonageSim.signer, credentials, { ...event, body: JSON.stringify(body) }, url)
    })
  const receipts = fc
    .record({
      id: idArbitrary,
      status: fc.constantFrom("delivered", "accepted", "failed", "expired"),
      extras: extrasArbitrary,
      form: fc.boolean()
    })
    .map(({ id, status, extras, form }) => {
      const signed = JSON.parse(
        VonageSim.events.smsDeliveryReceipt({ messageId: id, to: "447700900123", from: "WedSync" }, status, account)
          .body
      ) as Record<string, string>
      const entries = [
        ...Object.entries(signed).filter(([key]) => key !== "sig"),
        ...extras.filter(([key]) => !Object.hasOwn(signed, key) && key !== "sig")
      ]
      // Object.fromEntries defines own properties, `__proto__` included.
      const all = [
        ...entries,
        ["sig", VonageSim.md5Signature(Object.fromEntries(entries), credentials.signatureSecret)] as const
      ]
      const body = form
        ? new URLSearchParams(all.map(([key, value]) => [key, value])).toString()
        : `{${all.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`
      return { url, headers: { "content-type": form ? "application/x-www-form-urlencoded" : "application/json" }, body }
    })
  return {
    provider: "vonage",
    source: VonageWebhooks.make({ signatureSecret: Redacted.make(credentials.signatureSecret) }),
    genuine: fc.oneof(messages, receipts),
    signatureHeaders: ["authorization"],
    signsUrl: false,
    signsBody: true,
    secrets: [credentials.signatureSecret],
    decoder: VonageWebhooks.deliveryEvents
  }
}

/** Keys a Messages API status must keep as the simulator set them. */
const reserved = new Set(["message_uuid", "status", "to", "from", "timestamp", "error", "messageId"])

/** The Standard Webhooks source's secret, unpadded base64 (both forms must work). */
export const STANDARD_SECRET = `whsec_${Buffer.from("fuzzing-standard-webhooks-secret!").toString("base64").replace(/=+$/, "")}`

const standard = (): FuzzCase => {
  const signer = new StandardWebhook(STANDARD_SECRET)
  const genuine = fc
    .record({ id: idArbitrary, type: textArbitrary, extras: extrasArbitrary, branded: fc.boolean() })
    .map(({ id, type, extras, branded }) => {
      const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data: Object.fromEntries(extras) })
      const at = new Date()
      const prefix = branded ? "svix" : "webhook"
      return {
        url: "https://hooks.wedsync.test/standard",
        headers: {
          "content-type": "application/json",
          [`${prefix}-id`]: `msg_${id}`,
          [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
          [`${prefix}-signature`]: signer.sign(`msg_${id}`, at, body)
        },
        body
      }
    })
  return {
    provider: "standard",
    source: Effect.runSync(StandardWebhooks.make({ provider: "standard", secret: Redacted.make(STANDARD_SECRET) })),
    genuine,
    signatureHeaders: [
      "webhook-signature",
      "webhook-id",
      "webhook-timestamp",
      "svix-signature",
      "svix-id",
      "svix-timestamp"
    ],
    signsUrl: false,
    signsBody: true,
    secrets: [STANDARD_SECRET]
  }
}

const google = (): FuzzCase => {
  const credentials = GoogleSim.definition.credentials
  const channels = ["wedsync-ch-w123", "wedsync-ch-w456"]
  const genuine = fc
    .record({
      channel: fc.constantFrom(...channels),
      resource: idArbitrary,
      state: fc.constantFrom("sync", "exists", "not_exists"),
      number: fc.integer({ min: 1, max: 1_000_000 })
    })
    .map(({ channel, resource, state, number }) => {
      const push: GoogleSim.PushChannel = {
        id: channel,
        resourceId: resource,
        resourceUri: "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
        expiration: Date.now() + 3_600_000
      }
      const event =
        state === "sync"
          ? GoogleSim.events.sync(push)
          : state === "exists"
            ? GoogleSim.events.exists(push, number)
            : GoogleSim.events.notExists(push, number)
      return deliveryOf(
        GoogleSim.definition.signer as Webhooks.Signer<typeof credentials>,
        credentials,
        event,
        "https://hooks.wedsync.test/google"
      )
    })
  return {
    provider: "googleCalendar",
    source: Effect.runSync(GoogleCalendarWebhooks.make({ token: Redacted.make(credentials.channelToken), channels })),
    genuine,
    signatureHeaders: ["x-goog-channel-token", "x-goog-channel-id"],
    signsUrl: false,
    signsBody: false,
    secrets: [credentials.channelToken]
  }
}

/** Every source under fuzzing. */
export const cases = (): ReadonlyArray<FuzzCase> => [
  stripe(),
  resend(),
  postmark(),
  twilio(),
  vonage(),
  standard(),
  google()
]

type Mutation = (sent: Sent) => Sent

const at = (text: string, position: number) => (text.length === 0 ? 0 : position % (text.length + 1))

const bodyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .tuple(
      fc.nat(),
      textArbitrary.filter((text) => text.length > 0)
    )
    .map(
      ([position, inserted]): Mutation =>
        (sent) => ({
          ...sent,
          body: sent.body.slice(0, at(sent.body, position)) + inserted + sent.body.slice(at(sent.body, position))
        })
    ),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 })).map(
    ([position, length]): Mutation =>
      (sent) => ({
        ...sent,
        body: sent.body.slice(0, at(sent.body, position)) + sent.body.slice(at(sent.body, position) + length)
      })
  ),
  fc.tuple(fc.nat(), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })).map(
    ([position, replacement]): Mutation =>
      (sent) => {
        const index = sent.body.length === 0 ? 0 : position % sent.body.length
        return { ...sent, body: sent.body.slice(0, index) + replacement + sent.body.slice(index + 1) }
      }
  ),
  keyArbitrary.map(
    (key): Mutation =>
      (sent) => ({ ...sent, body: appendParameter(sent, key) })
  )
)

/** Adds a parameter the way the body is encoded (form, or a JSON member). */
const appendParameter = (sent: Sent, key: string): string =>
  sent.body.trimStart().startsWith("{")
    ? sent.body.replace("{", `{${JSON.stringify(key)}:"x",`)
    : `${sent.body}&${encodeURIComponent(key)}=x`

/** Printable ASCII: what any header value can carry. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 60
})

const headerMutation = (names: ReadonlyArray<string>): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.constantFrom(...names).map(
      (name): Mutation =>
        (sent) => ({ ...sent, headers: without(sent.headers, name) })
    ),
    fc.tuple(fc.constantFrom(...names), fc.nat(), fc.integer({ min: 0x21, max: 0x7e })).map(
      ([name, position, code]): Mutation =>
        (sent) => {
          const value = sent.headers[name]
          if (value === undefined || value.length === 0)
            return { ...sent, headers: { ...sent.headers, [name]: String.fromCharCode(code) } }
          const index = position % value.length
          return {
            ...sent,
            headers: {
              ...sent.headers,
              [name]: value.slice(0, index) + String.fromCharCode(code) + value.slice(index + 1)
            }
          }
        }
    ),
    fc.tuple(fc.constantFrom(...names), headerText).map(
      ([name, value]): Mutation =>
        (sent) => ({ ...sent, headers: { ...sent.headers, [name]: value } })
    )
  )

const without = (headers: Readonly<Record<string, string>>, name: string): Record<string, string> => {
  const rest: Record<string, string> = {}
  for (const [key, value] of Object.entries(headers)) if (key !== name) rest[key] = value
  return rest
}

const urlMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom("&extra=1", "/", "?x=1", "#f").map(
    (suffix): Mutation =>
      (sent) => ({ ...sent, url: `${sent.url}${suffix}` })
  ),
  fc.constant<Mutation>((sent) => ({ ...sent, url: sent.url.replace("https://", "http://") })),
  fc.constant<Mutation>((sent) => ({ ...sent, url: sent.url.replace("hooks.", "hooks2.") }))
)

/** One to three changes made after signing, aimed at what the case's scheme covers. */
export const mutations = (each: FuzzCase): fc.Arbitrary<ReadonlyArray<Mutation>> => {
  const aimed: Array<fc.Arbitrary<Mutation>> = [headerMutation(each.signatureHeaders)]
  if (each.signsBody) aimed.push(bodyMutation)
  if (each.signsUrl) aimed.push(urlMutation)
  return fc.array(fc.oneof(...aimed), { minLength: 1, maxLength: 3 })
}

/** Header names a request can carry, the signature headers among them. */
export const headerName = (each: FuzzCase): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...each.signatureHeaders, "content-type", "x-forwarded-host"),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
  )

/** Garbage: any body (JSON-like or not), any header set. */
export const garbage = (each: FuzzCase): fc.Arbitrary<Sent> =>
  fc.record({
    url: fc.constantFrom(
      "https://hooks.wedsync.test/x",
      "https://hooks.wedsync.test/twilio?wedding=w_1",
      "http://localhost/"
    ),
    headers: fc.dictionary(headerName(each), headerText, { maxKeys: 6 }),
    body: fc.oneof(fc.string({ unit: "binary", maxLength: 2_000 }), fc.json({ maxDepth: 3 }), fc.constant(""))
  })

/** JSON text with object keys sorted, own `__proto__` keys included: two events compare by content. */
export const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "undefined"
}
