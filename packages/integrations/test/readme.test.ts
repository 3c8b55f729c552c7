/**
 * The README's Next.js example is this test's code: each ```ts block of
 * README.md that opens with `// <path>` must be byte-identical to
 * examples/nextjs/<path>, every example file must be in the README, and the
 * example's route handlers are then run against the simulators — a
 * reminder sent, a deposit charged, a signed Stripe webhook accepted and
 * handled — so the README cannot drift from what works.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startWorld } from "./fixtures/world.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const examples = join(root, "examples", "nextjs")

const filesUnder = (directory: string): Array<string> =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(directory, entry.name)) : [join(directory, entry.name)]
  )

/** `// lib/integrations.ts` or `// app/api/reminders/route.ts: …` opening a block names its file. */
const blocks = (): Map<string, string> => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const found = new Map<string, string>()
  for (const match of readme.matchAll(/```ts\n(\/\/ ((?:lib|app)\/[\w/.[\]-]+\.ts)[^\n]*\n[\s\S]*?)```/g)) {
    found.set(match[2] as string, match[1] as string)
  }
  return found
}

describe("README.md", () => {
  it("shows every example file, byte for byte", () => {
    const inReadme = blocks()
    const files = filesUnder(examples)
      .map((file) => relative(examples, file).split("\\").join("/"))
      .filter((file) => file !== "lib/bookings.ts")
      .sort()
    expect([...inReadme.keys()].sort()).toEqual(files)
    for (const file of files) expect(inReadme.get(file), file).toBe(readFileSync(join(examples, file), "utf8"))
  })
})

describe("the README's Next.js example", () => {
  let world: Awaited<ReturnType<typeof startWorld>>
  let close: () => Promise<void>

  beforeAll(async () => {
    world = await startWorld()
    const { resend, postmark, twilio, stripe } = world.simulators
    Object.assign(process.env, {
      WEDSYNC_SQLITE: world.file(),
      RESEND_API_KEY: resend.credentials.apiKey,
      RESEND_BASE_URL: resend.url,
      POSTMARK_SERVER_TOKEN: postmark.credentials.serverToken,
      POSTMARK_BASE_URL: postmark.url,
      TWILIO_ACCOUNT_SID: twilio.credentials.accountSid,
      TWILIO_AUTH_TOKEN: twilio.credentials.authToken,
      TWILIO_BASE_URL: twilio.url,
      STRIPE_SECRET_KEY: stripe.credentials.secretKey,
      STRIPE_BASE_URL: stripe.url,
      STRIPE_WEBHOOK_SECRET: stripe.credentials.webhookSecret
    })
    close = (await import("@/lib/integrations")).integrations.close
  })
  afterAll(async () => {
    await close()
    await world.stop()
  })

  const post = (body: unknown) =>
    new Request("https://app.wedsync.test/api", { method: "POST", body: JSON.stringify(body) })

  it("sends a reminder from app/api/reminders/route.ts", async () => {
    const { POST } = await import("@/app/api/reminders/route")
    const response = await POST(post({ weddingId: "w_123", email: "ana@example.com", phone: "+447700900123" }))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ ok: true, status: "sent", channel: "sms", provider: "twilio" })
  })

  it("charges a deposit from app/api/deposits/route.ts, and answers a declined card 402", async () => {
    const { POST } = await import("@/app/api/deposits/route")
    const paid = await POST(post({ bookingId: "bk_readme", amount: 50_000, paymentMethod: "pm_card_visa" }))
    expect(paid.status).toBe(200)
    expect(await paid.json()).toMatchObject({ ok: true, status: "charged" })
    const declined = await POST(
      post({ bookingId: "bk_readme_2", amount: 50_000, paymentMethod: "pm_card_chargeDeclined" })
    )
    expect(declined.status).toBe(402)
    expect(await declined.json()).toMatchObject({ ok: false, reason: "Rejected", declineCode: "generic_decline" })
  })

  it("accepts a signed Stripe webhook at app/api/webhooks/stripe/route.ts and runs its handler", async () => {
    const { POST } = await import("@/app/api/webhooks/stripe/route")
    const { confirmed } = await import("@/lib/bookings")
    const intent = {
      id: "pi_3WedSyncReadme",
      object: "payment_intent",
      amount: 50_000,
      currency: "gbp",
      metadata: {},
      status: "succeeded"
    } as unknown as StripeSim.PaymentIntent
    const event = StripeSim.events.paymentIntentSucceeded(intent, {
      id: "evt_readme_1",
      created: Math.floor(Date.now() / 1000)
    })
    const url = "https://app.wedsync.test/api/webhooks/stripe"
    const signed = Webhooks.build(StripeSim.signer, world.simulators.stripe.credentials, event, url)
    const forged = Webhooks.build(StripeSim.signer, world.simulators.stripe.credentials, event, url, {
      tamper: "wrongSecret"
    })
    const request = (delivery: Webhooks.WebhookDelivery) =>
      new Request(delivery.url, { method: "POST", headers: delivery.headers, body: delivery.body })
    expect((await POST(request(forged))).status).toBe(401)
    expect((await POST(request(signed))).status).toBe(200)
    const started = Date.now()
    while (confirmed.length === 0 && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(confirmed).toEqual(["pi_3WedSyncReadme"])
  })
})
