import { Cause, Config, ConfigProvider, Duration, Effect, Exit, Layer, Redacted } from "effect"
import { EmailProvider, IntegrationError } from "@wedsync/core"
import { EmailProviderContract, Faults, Simulator } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Resend } from "../src/index.ts"
import { parseRetryAfter } from "../src/internal/answer.ts"
import { classify, tagFor } from "../src/internal/resendErrors.ts"

const WRONG_KEY = "re_wrong_canary_9d41e"

EmailProviderContract.suite("Resend adapter", {
  simulator: ResendSim.definition,
  layer: ({ baseUrl, credentials }) => Resend.layer({ baseUrl, apiKey: Redacted.make(credentials.apiKey) }),
  wrongCredentials: { ...ResendSim.definition.credentials, apiKey: WRONG_KEY },
  idempotencyKeys: true
})

const message = EmailProviderContract.defaultMessage

describe("resendErrors.classify", () => {
  const table: ReadonlyArray<readonly [string | undefined, number | null, IntegrationError.ReasonTag]> = [
    ["rate_limit_exceeded", 429, "RateLimited"],
    ["concurrent_idempotent_requests", 409, "RateLimited"],
    ["daily_quota_exceeded", 429, "Misconfigured"],
    ["monthly_quota_exceeded", 429, "Misconfigured"],
    ["validation_error", 403, "Misconfigured"],
    ["validation_error", 422, "InvalidRequest"],
    ["invalid_api_key", 403, "Unauthorized"],
    ["missing_api_key", 401, "Unauthorized"],
    ["restricted_api_key", 401, "Unauthorized"],
    ["not_found", 404, "Misconfigured"],
    ["invalid_idempotent_request", 409, "InvalidRequest"],
    ["missing_required_field", 422, "InvalidRequest"],
    ["internal_server_error", 500, "Unavailable"],
    ["application_error", null, "Unavailable"],
    ["something_new", 503, "Unavailable"],
    ["something_new", 418, "InvalidRequest"],
    [undefined, 429, "RateLimited"]
  ]
  it.each(table)("%s (%s) → %s", (name, statusCode, tag) => {
    const error = classify("send", { name, statusCode, message: "m" }, null)
    expect(error.reason._tag).toBe(tag)
    expect(error.provider).toBe("resend")
    expect(error.status).toBe(statusCode ?? undefined)
    expect(error.providerCode).toBe(name)
  })

  it("keeps rate_limit_exceeded's Retry-After and the request id", () => {
    const error = classify(
      "send",
      { name: "rate_limit_exceeded", statusCode: 429, message: "Too many requests" },
      { "retry-after": "2", "x-request-id": "req_1" }
    )
    expect(error.reason._tag).toBe("RateLimited")
    expect(error.retryAfter).toEqual(Duration.seconds(2))
    expect(error.requestId).toBe("req_1")
    expect(error.isRetryable).toBe(true)
  })

  it("a fired adapter timeout is TimedOut, whatever the SDK said", () => {
    const error = classify("send", { name: "application_error", statusCode: null }, null, {
      timedOut: true,
      timeout: Duration.seconds(3)
    })
    expect(error.reason).toEqual(new IntegrationError.TimedOut({ timeout: Duration.seconds(3) }))
  })

  it("removes a secret the provider echoes", () => {
    const error = classify(
      "send",
      { name: "invalid_api_key", statusCode: 403, message: `key ${WRONG_KEY} is bad` },
      null,
      {
        secrets: [WRONG_KEY]
      }
    )
    expect(JSON.stringify(error)).not.toContain(WRONG_KEY)
    expect(String(error)).not.toContain(WRONG_KEY)
  })

  it("unknown names follow the status", () => {
    for (let status = 400; status < 600; status++) {
      const tag = tagFor("unheard_of", status)
      if (status >= 500) expect(tag).toBe("Unavailable")
      else expect(["RateLimited", "Unauthorized", "InvalidRequest"]).toContain(tag)
    }
  })

  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("7")).toEqual(Duration.seconds(7))
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toEqual(Duration.millis(6_000))
    expect(parseRetryAfter("soon")).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
})

describe("Resend adapter against the simulator", () => {
  let sim: Simulator.Running<ResendSim.State, ResendSim.Credentials>
  beforeAll(async () => {
    sim = await Simulator.start(ResendSim.definition)
  })
  afterAll(() => sim.stop())
  beforeEach(() => sim.reset())

  const send = Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (email) => email.send(message))

  it("layerConfig reads the key and base URL from the ConfigProvider", async () => {
    const layer = Resend.layerConfig({
      apiKey: Config.Redacted("RESEND_API_KEY"),
      baseUrl: Config.String("RESEND_BASE_URL")
    }).pipe(
      Layer.provide(
        ConfigProvider.layer(
          ConfigProvider.fromUnknown({ RESEND_API_KEY: sim.credentials.apiKey, RESEND_BASE_URL: sim.url })
        )
      )
    )
    const receipt = await Effect.runPromise(send.pipe(Effect.provide(layer)))
    expect(receipt.messageId).toBe(sim.ledger.sideEffects()[0]?.id)
  })

  it("layerConfig fails as Misconfigured, naming the variable, when the key is missing", async () => {
    const layer = Resend.layerConfig({ apiKey: Config.Redacted("RESEND_API_KEY") }).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
    )
    const exit = await Effect.runPromiseExit(send.pipe(Effect.provide(layer)))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("Misconfigured")
    expect(String(error)).toContain("RESEND_API_KEY")
  })

  it("its own timeout aborts a hung request as TimedOut", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    const layer = Resend.layer({
      baseUrl: sim.url,
      apiKey: Redacted.make(sim.credentials.apiKey),
      timeout: "200 millis"
    })
    const exit = await Effect.runPromiseExit(send.pipe(Effect.provide(layer)))
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("TimedOut")
  })

  it("never puts the API key in a logged or serialized error", async () => {
    const layer = Resend.layer({ baseUrl: sim.url, apiKey: Redacted.make(WRONG_KEY) })
    const exit = await Effect.runPromiseExit(send.pipe(Effect.provide(layer)))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const error = Cause.squash(exit.cause)
      expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("Unauthorized")
      for (const text of [Cause.pretty(exit.cause), JSON.stringify(error), String(error), JSON.stringify(exit)]) {
        expect(text).not.toContain(WRONG_KEY)
      }
    }
  })
})
