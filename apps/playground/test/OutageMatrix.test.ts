/**
 * The outage matrix: each SMS and email provider × how its send fails —
 * refused, timed out before anything was written, timed out after the
 * provider committed the message, reset after it committed, a 500 — through
 * `Notifications.send` over the real SDKs and the simulators. The ledgers
 * show what reached each provider: a not-sent failure fails over at once,
 * untouched by any lookup; a maybe-sent one is resolved first (Twilio's
 * message list, Postmark's outbound search, Resend's replay under the same
 * key, Vonage's delivery receipt), so a committed message is found and never
 * sent again, and one nobody can find is held (or, on the wedding day,
 * followed by at most one copy through the backup).
 */
import { createServer, type Server } from "node:http"
import { Effect, Layer, Option, Redacted } from "effect"
import { type IntegrationError, Policy, Resilience, WeddingContext } from "@wedsync/core"
import { Postmark, Resend } from "@wedsync/adapter-email"
import { Twilio, Vonage, VonageReceipts, VonageWebhooks } from "@wedsync/adapter-sms"
import { Notifications } from "@wedsync/notifications"
import { Faults, Network, Simulator, Webhooks } from "@wedsync/testkit"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type * as Providers from "../src/providers.ts"
import { useSimulators } from "./fixtures/simulators.ts"

const sims = useSimulators(23)

type Name = "twilio" | "vonage" | "resend" | "postmark"

/** Each provider's channel, its backup, its send operation and the lookup that resolves it. */
const providers: Record<
  Name,
  {
    readonly channel: "sms" | "email"
    readonly backup: Name
    readonly send: string
    readonly lookup: string | undefined
    readonly error500: string
  }
> = {
  twilio: {
    channel: "sms",
    backup: "vonage",
    send: "messages.create",
    lookup: "messages.list",
    error500: "internal_error"
  },
  vonage: { channel: "sms", backup: "twilio", send: "sms.send", lookup: undefined, error500: "server_error" },
  resend: {
    channel: "email",
    backup: "postmark",
    send: "emails.send",
    lookup: "emails.send",
    error500: "internal_server_error"
  },
  postmark: {
    channel: "email",
    backup: "resend",
    send: "email.send",
    lookup: "messages.outboundSearch",
    error500: "internal_server_error"
  }
}

// Receipts of Vonage's DLRs: the simulator posts them to the message's callback, which lands here.
let receiver: Server
let receiverUrl = ""
let receipts = VonageReceipts.make()
const vonageSource = () =>
  VonageWebhooks.make({ signatureSecret: Redacted.make(sims.vonage.credentials.signatureSecret), receipts })

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const delivery = {
        method: request.method ?? "POST",
        url: `${receiverUrl}${request.url?.replace(/^\//, "") ?? ""}`,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString("utf8")
      }
      // Twilio's status callbacks land here too; only Vonage's verify.
      void Effect.runPromise(Effect.ignore(vonageSource().verify(Webhooks.toRequest(delivery)))).finally(() =>
        response.end()
      )
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
  const address = receiver.address()
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`
})
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())))
beforeEach(() => {
  receipts = VonageReceipts.make()
})

/** The production adapters, one of them pointed at `baseUrl` instead of its simulator. */
const adapters = (moved: { readonly name: Name; readonly baseUrl: string } | undefined) => {
  const url = (name: Name) => (moved?.name === name ? moved.baseUrl : sims[name].url)
  return {
    resend: Resend.layer({ baseUrl: url("resend"), apiKey: Redacted.make(sims.resend.credentials.apiKey) }),
    postmark: Postmark.layer({
      baseUrl: url("postmark"),
      serverToken: Redacted.make(sims.postmark.credentials.serverToken)
    }),
    twilio: Twilio.layer({
      baseUrl: url("twilio"),
      accountSid: sims.twilio.credentials.accountSid,
      authToken: Redacted.make(sims.twilio.credentials.authToken)
    }),
    vonage: Vonage.layer({
      baseUrl: url("vonage"),
      apiKey: sims.vonage.credentials.apiKey,
      apiSecret: Redacted.make(sims.vonage.credentials.apiSecret),
      receipts,
      receiptWaitMillis: 2_000
    })
  } satisfies Omit<Providers.Adapters, "stripe" | "googleCalendar" | "vendor">
}

// Short timeouts keep a hang to a second; no in-call retry, so each request on a ledger is one decision.
const policies = Policy.layer({
  services: {
    sms: { timeoutMillis: 1_000, inCall: { maxAttempts: 1 } },
    email: { timeoutMillis: 1_000, inCall: { maxAttempts: 1 } }
  }
})

/** Sends one reminder on `primary`'s channel, `primary` first and its backup second. */
const send = (
  primary: Name,
  options: { readonly moved?: { readonly name: Name; readonly baseUrl: string }; readonly weddingDay?: boolean } = {}
) => {
  const { channel, backup } = providers[primary]
  const layers = adapters(options.moved)
  const notifications = Notifications.layer(
    channel === "sms"
      ? {
          sms: {
            from: "+15005550006",
            statusCallbackUrl: receiverUrl,
            providers: [layers[primary as "twilio"], layers[backup as "vonage"]]
          }
        }
      : {
          email: {
            from: "WedSync <reminders@wedsync.test>",
            providers: [layers[primary as "resend"], layers[backup as "postmark"]]
          }
        }
  ).pipe(Layer.orDie, Layer.provideMerge(Resilience.layerMemory()), Layer.provideMerge(policies))
  const today = new Date().toISOString().slice(0, 10)
  const sending = Notifications.send(
    { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" },
    { subject: "Your tasting is tomorrow", text: `See you at 3 pm at Villa Rosa (${primary}).` },
    { channels: [channel], idempotencyKey: `reminder:${primary}:${Date.now()}` }
  ).pipe(
    options.weddingDay === true
      ? WeddingContext.provide({ weddingId: "w_1", weddingDate: today, vendorType: "venue" })
      : (effect) => effect
  )
  return Effect.runPromise(Effect.scoped(Effect.provide(Effect.result(sending), notifications)))
}

const requests = (name: Name, operation: string) =>
  sims[name].ledger.requests().filter((request) => request.operation === operation)
const messages = (name: Name) => sims[name].ledger.sideEffects().length
const firstAttempt = (attempts: ReadonlyArray<Notifications.Attempt>) => {
  const { provider, outcome, reason, delivery, resolution } = attempts[0]!
  return { provider, outcome, reason, delivery, resolution }
}

describe.each(Object.keys(providers) as ReadonlyArray<Name>)("%s as the primary", (primary) => {
  const { backup, send: sendOperation, lookup, error500 } = providers[primary]

  it("refused: not sent, so the backup serves at once and nothing is looked up", async () => {
    const port = await Simulator.closedPort()
    const result = await send(primary, { moved: { name: primary, baseUrl: `http://127.0.0.1:${port}` } })
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.provider).toBe(backup)
    expect(firstAttempt(result.success.attempts)).toMatchObject({
      provider: primary,
      outcome: "failed",
      delivery: "notSent",
      resolution: undefined
    })
    expect(sims[primary].ledger.requests()).toHaveLength(0)
    expect(messages(backup)).toBe(1)
  })

  it("timed out before anything was written: not sent, so the backup serves at once", async () => {
    const unreachable = await Network.unreachable()
    const result = await send(primary, { moved: { name: primary, baseUrl: unreachable.url } })
    expect((await unreachable.close()).bytesReceived).toBe(0)
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.provider).toBe(backup)
    expect(firstAttempt(result.success.attempts)).toEqual({
      provider: primary,
      outcome: "failed",
      reason: "TimedOut",
      delivery: "notSent",
      resolution: undefined
    })
    expect(messages(backup)).toBe(1)
  })

  it.each([
    ["timed out after the provider committed it", Faults.commitThenHang, "TimedOut"],
    ["reset after the provider committed it", Faults.ambiguousCommit, "Unavailable"]
  ] as const)("%s: maybe sent, resolved as found; sent once, the backup never asked", async (_, fault, reason) => {
    sims[primary].faults.add(Faults.rule(fault, { operation: sendOperation, times: 1 }))
    const result = await send(primary)
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.provider).toBe(primary)
    expect(firstAttempt(result.success.attempts)).toEqual({
      provider: primary,
      outcome: "failed",
      reason,
      delivery: "maybeSent",
      resolution: "found"
    })
    expect(result.success.messageId).toBe(sims[primary].ledger.sideEffects()[0]?.id)
    expect(messages(primary)).toBe(1)
    if (lookup !== undefined) expect(requests(primary, lookup).length).toBeGreaterThanOrEqual(1)
    expect(sims[backup].ledger.requests()).toHaveLength(0)
  })

  it("a 500: maybe sent; looked up before anything else, and held when not found", async () => {
    sims[primary].faults.add(Faults.rule(Faults.error(error500), { operation: sendOperation, times: 1 }))
    const result = await send(primary)
    expect(sims[backup].ledger.requests()).toHaveLength(0)
    if (primary === "resend") {
      // The replay under the same key is the lookup: the first request did nothing, so the replay sends it, once.
      expect(result._tag).toBe("Success")
      if (result._tag !== "Success") return
      expect(firstAttempt(result.success.attempts)).toMatchObject({ delivery: "maybeSent", resolution: "found" })
      expect(messages(primary)).toBe(1)
      return
    }
    expect(result._tag).toBe("Failure")
    if (result._tag !== "Failure") return
    expect(result.failure.attempts.map((attempt) => attempt.provider)).toEqual([primary])
    expect(firstAttempt(result.failure.attempts)).toMatchObject({
      reason: "Unavailable",
      delivery: "maybeSent",
      resolution: lookup === undefined ? "unknown" : "notFound"
    })
    expect((result.failure.lastError as IntegrationError.IntegrationError).maybeSent).toBe(true)
    expect(messages(primary)).toBe(0)
    if (lookup !== undefined) expect(requests(primary, lookup)).toHaveLength(1)
  })

  it("a 500 on the wedding day: resolved first, then one copy through the backup", async () => {
    sims[primary].faults.add(Faults.rule(Faults.error(error500), { operation: sendOperation }))
    const result = await send(primary, { weddingDay: true })
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.provider).toBe(backup)
    expect(result.success.attempts[0]?.resolution).toBe(
      primary === "resend" ? "unknown" : lookup === undefined ? "unknown" : "notFound"
    )
    const sentByBackup = sims[backup].ledger.requests()[0]!.at
    if (lookup !== undefined) {
      const looked = requests(primary, lookup).at(-1)!
      expect(looked.at).toBeLessThanOrEqual(sentByBackup)
    }
    expect(messages(backup)).toBe(1)
  })
})

describe("both SMS providers ambiguous", () => {
  const ambiguous = () => {
    sims.twilio.faults.add(Faults.rule(Faults.ambiguousCommit, { operation: "messages.create" }))
    sims.vonage.faults.add(Faults.rule(Faults.ambiguousCommit, { operation: "sms.send" }))
  }
  const reached = () => messages("twilio") + messages("vonage")

  it("Twilio's lookup finds the message it took: one message, Vonage never asked", async () => {
    ambiguous()
    const result = await send("twilio", { weddingDay: true })
    expect(result._tag).toBe("Success")
    expect(reached()).toBe(1)
    expect(sims.vonage.ledger.requests()).toHaveLength(0)
  })

  it("nothing can answer, outside the wedding day: held after Twilio, one message", async () => {
    ambiguous()
    sims.twilio.faults.add(Faults.rule(Faults.error("service_unavailable"), { operation: "messages.list" }))
    const result = await send("twilio")
    expect(result._tag).toBe("Failure")
    expect(reached()).toBe(1)
    expect(sims.vonage.ledger.requests()).toHaveLength(0)
  })

  it("nothing can answer, on the wedding day: the documented one duplicate, never more", async () => {
    ambiguous()
    sims.twilio.faults.add(Faults.rule(Faults.error("service_unavailable"), { operation: "messages.list" }))
    // Vonage's receipt would find its copy; here it never arrives, so Vonage is unresolved too.
    receipts = { record: () => undefined, await: () => Effect.succeed(Option.none()) }
    const result = await send("twilio", { weddingDay: true })
    expect(reached()).toBe(2)
    expect(requests("twilio", "messages.create")).toHaveLength(1)
    expect(requests("vonage", "sms.send")).toHaveLength(1)
    expect(result._tag).toBe("Failure")
    if (result._tag === "Failure") {
      expect(result.failure.attempts.map((attempt) => attempt.resolution)).toEqual(["unknown", "unknown"])
    }
  })
})
