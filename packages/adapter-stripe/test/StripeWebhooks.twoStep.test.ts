/**
 * The Stripe source's two steps (`identify` before the 2xx, `decode` in the
 * worker) against its one-step `verify`: `identify` accepts exactly what
 * `verify` accepts and refuses the same forgeries and non-events with the
 * same reasons and descriptions; `decode` of an identified delivery is
 * `verify`'s event; a sound envelope around an object that does not decode
 * is identified, and fails `decode` as `PayloadInvalid` naming the field. The
 * envelope predicate of the fast path agrees with the Schema (property test).
 */
import { Effect, Exit, Redacted, Schema } from "effect"
import type { WebhookSource } from "@wedsync/core"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { StripeWebhooks } from "../src/index.ts"
import { Envelope, isEnvelope } from "../src/internal/stripeEvents.ts"
import { sign } from "../src/internal/stripeSignature.ts"
import { failureOf, successOf } from "./fixtures/exits.ts"

const SECRET = StripeSim.definition.credentials.webhookSecret
const OLD_SECRET = "whsec_OldEndpointSecretBeforeTheRoll000000"
const T = 1_795_000_000

const stripe = Effect.runSync(StripeWebhooks.make({ secret: [Redacted.make(OLD_SECRET), Redacted.make(SECRET)] }))

const intent = {
  id: "pi_3WedSyncDeposit0001",
  object: "payment_intent",
  amount: 50_000,
  currency: "gbp",
  status: "succeeded",
  metadata: { weddingId: "w_123" },
  last_payment_error: null
}

const event = (type: string, object: unknown, envelope: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: `evt_${type.replace(/\W/g, "")}0001`,
    object: "event",
    api_version: "2026-10-28.endive",
    created: T,
    data: { object },
    livemode: false,
    type,
    ...envelope
  })

const header = (body: string, t: string | number = T, secret = SECRET) => `t=${t},v1=${sign(secret, String(t), body)}`

const request = (body: string, signature: string | undefined, receivedAtSeconds = T): WebhookSource.WebhookRequest =>
  Webhooks.toRequest(
    {
      url: "https://hooks.wedsync.test/stripe",
      headers: signature === undefined ? {} : { "stripe-signature": signature },
      body
    },
    { receivedAt: receivedAtSeconds * 1000 }
  )

const good = event("payment_intent.succeeded", intent)
const unknownType = event("customer.subscription.paused", { id: "sub_1", object: "subscription" })

/** Deliveries `verify` accepts or refuses for a reason `identify` must give too. */
const cases: ReadonlyArray<readonly [string, WebhookSource.WebhookRequest]> = [
  ["authentic", request(good, header(good))],
  ["signed with the old secret", request(good, header(good, T, OLD_SECRET))],
  [
    "several v1, one matching",
    request(good, `t=${T},v1=${sign("whsec_nobody", String(T), good)},v1=${sign(SECRET, String(T), good)},v0=00`)
  ],
  ["unknown type", request(unknownType, header(unknownType))],
  ["at the tolerance's edge", request(good, header(good), T + 300)],
  ["past the tolerance", request(good, header(good), T + 301)],
  ["before the tolerance", request(good, header(good), T - 301)],
  ["no header", request(good, undefined)],
  ["empty header", request(good, "")],
  ["t=abc signed as NaN", request(good, `t=abc,v1=${sign(SECRET, "NaN", good)}`)],
  ["t with a suffix", request(good, `t=${T}abc,v1=${sign(SECRET, String(T), good)}`)],
  ["negative t", request(good, header(good, `-${T}`))],
  ["fractional t", request(good, header(good, `${T}.5`))],
  ["two t", request(good, `t=${T},t=${T},v1=${sign(SECRET, String(T), good)}`)],
  ["no v1", request(good, `t=${T}`)],
  ["another secret", request(good, header(good, T, "whsec_ThirdSecretNobodySignedWith00000"))],
  ["the body changed after signing", request(`${good} `, header(good))],
  ...[
    "[1, 2",
    JSON.stringify({ id: "nope", type: "payment_intent.succeeded" }),
    event("payment_intent.succeeded", intent, { id: undefined }),
    event("payment_intent.succeeded", intent, { id: 42 }),
    event("payment_intent.succeeded", intent, { type: "" }),
    event("payment_intent.succeeded", intent, { created: -1 }),
    event("payment_intent.succeeded", intent, { created: "1795000000" }),
    event("payment_intent.succeeded", intent, { livemode: "no" }),
    event("payment_intent.succeeded", []),
    "null",
    "[]"
  ].map((body, index) => [`not a Stripe event #${index}`, request(body, header(body))] as const)
]

const run = <A>(effect: Effect.Effect<A, unknown>) => Effect.runPromiseExit(effect)

describe("StripeWebhooks in two steps", () => {
  it.each(cases)("identify agrees with verify: %s", async (_, delivery) => {
    const verified = await run(stripe.verify(delivery))
    const identified = await run(stripe.identify(delivery))
    if (Exit.isSuccess(verified)) {
      const { id, type, occurredAt } = verified.value
      expect(successOf(identified)).toMatchObject({ id, type, occurredAt })
    } else {
      const [one, two] = [failureOf(verified), failureOf(identified)]
      expect([two.reason._tag, two.message]).toEqual([one.reason._tag, one.message])
      expect(two.message.includes(SECRET)).toBe(false)
    }
  })

  it("names the missing or wrong envelope field in identify's refusal", async () => {
    const unnamed = event("payment_intent.succeeded", intent, { id: undefined })
    const refused = failureOf(await run(stripe.identify(request(unnamed, header(unnamed)))))
    expect(refused.reason._tag).toBe("PayloadInvalid")
    expect(refused.message).toMatch(/\bid\b/)
  })

  it("decodes an identified delivery to verify's event, with no signature to check", async () => {
    for (const body of [good, unknownType]) {
      const delivery = request(body, header(body))
      const found = successOf(await run(stripe.identify(delivery)))
      const decoded = successOf(await run(stripe.decode({ body })))
      expect(decoded).toEqual(successOf(await run(stripe.verify(delivery))))
      expect(found).toMatchObject({ id: decoded.id, type: decoded.type, occurredAt: decoded.occurredAt })
      expect(found.payload).toMatchObject({ data: { object: JSON.parse(body).data.object } })
    }
  })

  it("identifies a sound envelope whose object does not decode, and decode refuses it naming the field", async () => {
    const body = event("payment_intent.succeeded", { ...intent, amount: "fifty" })
    const delivery = request(body, header(body))
    expect(successOf(await run(stripe.identify(delivery))).id).toBe("evt_payment_intentsucceeded0001")
    for (const refused of [
      failureOf(await run(stripe.decode({ body }))),
      failureOf(await run(stripe.verify(delivery)))
    ]) {
      expect(refused.reason._tag).toBe("PayloadInvalid")
      expect(refused.message).toContain("payment_intent.succeeded without the object it must carry")
      expect(refused.message).toContain("data.object.amount")
      expect(refused.message.includes("fifty")).toBe(false)
    }
  })

  it("turns a defect while identifying into PayloadInvalid, the secrets scrubbed", async () => {
    const delivery = request(good, header(good))
    const throwing = new Proxy(delivery, {
      get: (target, key) => {
        if (key === "body") throw new Error(`broken with ${SECRET}`)
        return Reflect.get(target, key)
      }
    })
    const refused = failureOf(await run(stripe.identify(throwing)))
    expect(refused.reason._tag).toBe("PayloadInvalid")
    expect(refused.message.includes(SECRET)).toBe(false)
  })
})

describe("the envelope predicate", () => {
  const is = Schema.is(Envelope)
  const near = fc.record(
    {
      id: fc.oneof(fc.constant("evt_1"), fc.string(), fc.integer(), fc.constant(null)),
      type: fc.oneof(fc.constant("payment_intent.succeeded"), fc.constant(""), fc.string(), fc.boolean()),
      created: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(2 ** 53), fc.string()),
      livemode: fc.oneof(fc.boolean(), fc.constant(undefined), fc.string()),
      data: fc.oneof(
        fc.record({ object: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()) }),
        fc.jsonValue()
      )
    },
    { requiredKeys: [] }
  )

  it("agrees with Schema.is(Envelope) on any JSON value and on near-envelopes", () => {
    fc.assert(
      fc.property(fc.oneof(near, fc.jsonValue()), (value) => {
        const parsed: unknown = JSON.parse(JSON.stringify(value) ?? "null")
        expect(isEnvelope(parsed)).toBe(is(parsed))
      }),
      { numRuns: 2000 }
    )
  })
})
