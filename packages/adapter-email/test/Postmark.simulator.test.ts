/**
 * The Postmark adapter against the simulator: every catalogue error as
 * Postmark sends it, classified with status, ErrorCode and Retry-After; a
 * garbled answer; field mapping; batches with per-message refusals;
 * interruption aborting the request; its own timeout; no token in errors.
 */
import { Duration, Effect, Exit, type Layer, Redacted } from "effect"
import { EmailProvider, type IntegrationError } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Postmark } from "../src/index.ts"

let sim: Simulator.Running<PostmarkSim.State, PostmarkSim.Credentials>

beforeAll(async () => {
  sim = await Simulator.start(PostmarkSim.definition, { seed: 5 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const eventually = async (check: () => boolean, millis = 2_000) => {
  const until = Date.now() + millis
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const adapter = (options: { readonly timeout?: Duration.Duration; readonly baseUrl?: string } = {}) =>
  Postmark.layer({
    baseUrl: options.baseUrl ?? sim.url,
    serverToken: Redacted.make(sim.credentials.serverToken),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout })
  })

const coreMessage = (overrides: Partial<ConstructorParameters<typeof EmailProvider.EmailMessage>[0]> = {}) =>
  new EmailProvider.EmailMessage({
    from: "WedSync <hello@wedsync.example>",
    to: "ana@example.com",
    subject: "Your tasting is tomorrow",
    text: "See you at 3 pm.",
    ...overrides
  })

const withProvider = <A, E>(
  use: (provider: EmailProvider.EmailProvider["Service"]) => Effect.Effect<A, E>,
  layer: Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError> = adapter()
) =>
  Effect.gen(function* () {
    return yield* use(yield* EmailProvider.EmailProvider)
  }).pipe(Effect.provide(layer))

const adapterError = (
  layer?: Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError>
): Promise<IntegrationError.IntegrationError> =>
  Effect.runPromise(Effect.flip(withProvider((provider) => provider.send(coreMessage()), layer)))

describe("the Postmark adapter classifies the catalogue", () => {
  it.each(Object.entries(PostmarkSim.errors))("%s as Postmark sends it", async (name, entry) => {
    const reply = entry.reply({} as Simulator.SimRequest, { retryAfterSeconds: 3 })
    const code = (reply.body as { readonly ErrorCode: number }).ErrorCode
    sim.faults.add(Faults.failTimes(1, Faults.error(name, { retryAfterSeconds: 3 })))
    const classified = await adapterError()
    expect(classified.reason._tag).toBe(entry.reason)
    expect(classified).toMatchObject({
      provider: "postmark",
      operation: "send",
      status: reply.status,
      providerCode: String(code)
    })
    if (name === "rate_limited" || name === "service_unavailable") {
      expect(classified.retryAfter && Duration.toMillis(classified.retryAfter)).toBe(3_000)
    }
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("calls a garbled answer Unavailable", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.malformed))
    expect((await adapterError()).reason._tag).toBe("Unavailable")
  })
})

describe("the Postmark adapter against the simulator", () => {
  it("sends with the real SDK: one request, Postmark fields mapped from the core message", async () => {
    const receipt = await Effect.runPromise(
      withProvider((provider) =>
        provider.send(
          coreMessage({
            to: ["ana@example.com", "ben@example.com"],
            cc: "cy@example.com",
            html: "<p>See you</p>",
            headers: { "X-Wedding": "w_1" },
            tags: [
              { name: "kind", value: "reminder" },
              { name: "vendor", value: "caterer" }
            ],
            metadata: { weddingId: "w_1" }
          })
        )
      )
    )
    expect(receipt).toMatchObject({ provider: "postmark", messageId: sim.ledger.sideEffects("email")[0]?.id })
    expect(JSON.parse(sim.ledger.requests()[0]?.body ?? "")).toMatchObject({
      To: "ana@example.com, ben@example.com",
      Cc: "cy@example.com",
      Tag: "reminder",
      Metadata: { weddingId: "w_1", vendor: "caterer" },
      Headers: [{ Name: "X-Wedding", Value: "w_1" }],
      MessageStream: "outbound"
    })
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("gives a batch one result per message, refusals classified by ErrorCode", async () => {
    const batch = await Effect.runPromise(
      withProvider((provider) =>
        provider.sendBatch([
          coreMessage(),
          coreMessage({ to: "hardbounce@example.com" }),
          coreMessage({ from: "a@unverified.example" })
        ])
      )
    )
    expect(batch.results.map((result) => result._tag)).toEqual(["Accepted", "Failed", "Failed"])
    const reasons = batch.results.map((result) =>
      result._tag === "Failed" ? [result.error.reason._tag, result.error.providerCode] : []
    )
    expect(reasons).toEqual([[], ["Rejected", "406"], ["Misconfigured", "400"]])
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("aborts the HTTP request when the Effect is interrupted", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { times: 1 }))
    const started = Date.now()
    const exit = await Effect.runPromiseExit(
      withProvider((provider) => provider.send(coreMessage())).pipe(Effect.timeout(Duration.millis(150)))
    )
    expect(Exit.isFailure(exit)).toBe(true)
    await eventually(() => sim.ledger.requests()[0]?.outcome === "clientAborted", 1_000)
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it("classifies its own timeout, resets and refusals, and never exposes the token", async () => {
    sim.faults.script("email.send", [Faults.hang, Faults.reset])
    const timedOut = await adapterError(adapter({ timeout: Duration.millis(300) }))
    expect(timedOut.reason).toMatchObject({ _tag: "TimedOut" })
    const reset = await adapterError()
    const refused = await adapterError(adapter({ baseUrl: `http://127.0.0.1:${await Simulator.closedPort()}` }))
    expect([reset.reason._tag, refused.reason._tag]).toEqual(["Unavailable", "Unavailable"])
    sim.faults.add(Faults.failTimes(1, Faults.error("invalid_server_token")))
    const unauthorized = await adapterError()
    for (const error of [timedOut, reset, refused, unauthorized]) {
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(sim.credentials.serverToken)
    }
    expect(unauthorized.reason._tag).toBe("Unauthorized")
  })
})
