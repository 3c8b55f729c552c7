import { Cause, Config, ConfigProvider, Duration, Effect, Exit, Layer, Redacted } from "effect"
import { EmailProvider, IntegrationError } from "@wedsync/core"
import { EmailProviderContract, Faults, Simulator } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import { Errors } from "postmark"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Postmark } from "../src/index.ts"
import { classify, classifyBatchItem, tagFor } from "../src/internal/postmarkErrors.ts"

const WRONG_TOKEN = "pm-wrong-canary-4b7e21"

// Postmark has no idempotency key: the suite's idempotency check does not apply.
EmailProviderContract.suite("Postmark adapter", {
  simulator: PostmarkSim.definition,
  layer: ({ baseUrl, credentials }) => Postmark.layer({ baseUrl, serverToken: Redacted.make(credentials.serverToken) }),
  wrongCredentials: { ...PostmarkSim.definition.credentials, serverToken: WRONG_TOKEN }
})

const message = EmailProviderContract.defaultMessage
const observed = { timedOut: false, timeout: Duration.seconds(10) }

describe("postmarkErrors.classify", () => {
  const table: ReadonlyArray<readonly [number, number, IntegrationError.ReasonTag]> = [
    [422, 406, "Rejected"], // inactive recipient
    [422, 400, "Misconfigured"], // unverified sender signature
    [422, 401, "Misconfigured"],
    [422, 405, "Misconfigured"], // out of credits
    [422, 412, "Misconfigured"],
    [422, 413, "Misconfigured"],
    [422, 1235, "Misconfigured"],
    [422, 300, "InvalidRequest"],
    [422, 402, "InvalidRequest"],
    [401, 10, "Unauthorized"],
    [429, 0, "RateLimited"],
    [500, 0, "Unavailable"],
    [503, 100, "Unavailable"],
    [404, 0, "Misconfigured"],
    [400, 0, "InvalidRequest"]
  ]
  it.each(table)("HTTP %i / ErrorCode %i → %s", (status, code, tag) => {
    const error = classify("send", new Errors.PostmarkError("m", code, status), observed)
    expect(error.reason._tag).toBe(tag)
    expect(error.status).toBe(status)
    expect(error.providerCode).toBe(code === 0 ? undefined : String(code))
  })

  it("keeps the Retry-After the fetch wrapper saw", () => {
    const error = classify("send", new Errors.RateLimitExceededError("slow down", 0, 429), {
      ...observed,
      status: 429,
      retryAfter: Duration.seconds(3)
    })
    expect(error.reason._tag).toBe("RateLimited")
    expect(error.retryAfter).toEqual(Duration.seconds(3))
  })

  it("a network failure (statusCode 0) is Unavailable, a fired SDK timeout TimedOut", () => {
    expect(classify("send", new Errors.PostmarkError("fetch failed", 0, 0), observed).reason._tag).toBe("Unavailable")
    expect(classify("send", new TypeError("boom"), observed).reason._tag).toBe("Unavailable")
    const timedOut = classify("send", new Errors.PostmarkError("aborted", 0, 0), { ...observed, timedOut: true })
    expect(timedOut.reason).toEqual(new IntegrationError.TimedOut({ timeout: Duration.seconds(10) }))
  })

  it("a throw before the SDK fetched anything is Misconfigured in its own words, the token taken out", () => {
    const cause = new TypeError("Cannot build the request for pm-canary-token")
    const error = classify("send", cause, { ...observed, requested: false, secrets: ["pm-canary-token"] })
    expect(error.reason._tag).toBe("Misconfigured")
    expect(error.message).toBe("postmark.send: no request was made: TypeError: Cannot build the request for <redacted>")
    expect(classify("send", cause, { ...observed, requested: true }).reason._tag).toBe("Unavailable")
  })

  it("classifies a batch item's ErrorCode like a 422", () => {
    expect(classifyBatchItem(406, "inactive").reason._tag).toBe("Rejected")
    expect(classifyBatchItem(405, "no credits").reason._tag).toBe("Misconfigured")
    expect(classifyBatchItem(300, "invalid").reason._tag).toBe("InvalidRequest")
  })

  it("removes a secret the provider echoes", () => {
    const error = classify("send", new Errors.InvalidAPIKeyError(`token ${WRONG_TOKEN} refused`, 10, 401), {
      ...observed,
      secrets: [WRONG_TOKEN]
    })
    expect(JSON.stringify(error)).not.toContain(WRONG_TOKEN)
    expect(String(error)).not.toContain(WRONG_TOKEN)
  })

  it("every 5xx is Unavailable whatever the code", () => {
    for (let status = 500; status < 600; status++) {
      for (const code of [0, 10, 300, 406, 405]) expect(tagFor(status, code)).toBe("Unavailable")
    }
  })
})

describe("Postmark adapter against the simulator", () => {
  let sim: Simulator.Running<PostmarkSim.State, PostmarkSim.Credentials>
  beforeAll(async () => {
    sim = await Simulator.start(PostmarkSim.definition)
  })
  afterAll(() => sim.stop())
  beforeEach(() => sim.reset())

  const send = Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (email) => email.send(message))
  const failureOf = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined)

  it("layerConfig reads the token, base URL and stream from the ConfigProvider", async () => {
    const layer = Postmark.layerConfig({
      serverToken: Config.Redacted("POSTMARK_SERVER_TOKEN"),
      baseUrl: Config.String("POSTMARK_BASE_URL"),
      messageStream: Config.String("POSTMARK_MESSAGE_STREAM").pipe(Config.withDefault("outbound"))
    }).pipe(
      Layer.provide(
        ConfigProvider.layer(
          ConfigProvider.fromUnknown({ POSTMARK_SERVER_TOKEN: sim.credentials.serverToken, POSTMARK_BASE_URL: sim.url })
        )
      )
    )
    const receipt = await Effect.runPromise(send.pipe(Effect.provide(layer)))
    expect(receipt.messageId).toBe(sim.ledger.sideEffects()[0]?.id)
  })

  it("the SDK's own timeout aborts a hung request as TimedOut", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    const layer = Postmark.layer({
      baseUrl: sim.url,
      serverToken: Redacted.make(sim.credentials.serverToken),
      timeout: "300 millis"
    })
    const error = failureOf(await Effect.runPromiseExit(send.pipe(Effect.provide(layer))))
    expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("TimedOut")
  })

  it("never puts the server token in a logged or serialized error", async () => {
    const layer = Postmark.layer({ baseUrl: sim.url, serverToken: Redacted.make(WRONG_TOKEN) })
    const exit = await Effect.runPromiseExit(send.pipe(Effect.provide(layer)))
    const error = failureOf(exit)
    expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("Unauthorized")
    if (Exit.isFailure(exit)) {
      for (const text of [Cause.pretty(exit.cause), JSON.stringify(error), String(error), JSON.stringify(exit)]) {
        expect(text).not.toContain(WRONG_TOKEN)
      }
    }
  })

  it("has no idempotency: a repeated keyed send is sent twice", async () => {
    const layer = Postmark.layer({ baseUrl: sim.url, serverToken: Redacted.make(sim.credentials.serverToken) })
    const keyed = new EmailProvider.EmailMessage({ ...message, idempotencyKey: "reminder-w_1" })
    const twice = Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (email) =>
      Effect.zip(email.send(keyed), email.send(keyed))
    )
    const [first, second] = await Effect.runPromise(twice.pipe(Effect.provide(layer)))
    expect(first.messageId).not.toBe(second.messageId)
    expect(sim.ledger.sideEffects()).toHaveLength(2)
  })
})
