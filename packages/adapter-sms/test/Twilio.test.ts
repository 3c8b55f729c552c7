import { describe, expect, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Duration, Effect, Exit, Redacted } from "effect"
import { IntegrationError, SmsProvider } from "@wedsync/core"
import { SmsProviderContract } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import twilio from "twilio"
import { segments } from "../src/internal/segments.ts"
import { classify } from "../src/internal/twilioErrors.ts"
import * as Twilio from "../src/Twilio.ts"

SmsProviderContract.suite("SmsProviderContract: Twilio", {
  simulator: TwilioSim.definition,
  layer: ({ baseUrl, credentials, timeoutMillis }) =>
    Twilio.layer({
      baseUrl,
      accountSid: credentials.accountSid,
      authToken: Redacted.make(credentials.authToken),
      timeoutMillis
    }),
  wrongCredentials: { ...TwilioSim.definition.credentials, authToken: "0000wrong0canary0token0000000000" }
})

const rest = (status: number, body: unknown) =>
  new twilio.RestException({ statusCode: status, body: JSON.stringify(body) })

describe("twilioErrors.classify", () => {
  const table: ReadonlyArray<readonly [number, number, string]> = [
    [400, 21211, "Rejected"],
    [400, 21610, "Rejected"],
    [400, 21614, "Rejected"],
    [400, 21606, "Misconfigured"],
    [400, 21408, "Misconfigured"],
    [401, 20003, "Unauthorized"],
    [429, 20429, "RateLimited"],
    [400, 21617, "InvalidRequest"],
    [503, 99999, "Unavailable"],
    [403, 99998, "Unauthorized"]
  ]
  it.each(table)("HTTP %i code %i → %s", (status, code, tag) => {
    const error = classify("send", { cause: rest(status, { code, message: "m" }), headers: {} }, 1000)
    expect(error.reason._tag).toBe(tag)
    expect(error.providerCode).toBe(String(code))
    expect(error.status).toBe(status)
  })

  it("reads Retry-After and the request id from the last response's headers", () => {
    const error = classify(
      "send",
      {
        cause: rest(429, { code: 20429, message: "Too Many Requests" }),
        headers: { "retry-after": "3", "twilio-request-id": "RQ1" }
      },
      1000
    )
    expect(error.retryAfter).toEqual(Duration.seconds(3))
    expect(error.requestId).toBe("RQ1")
  })

  it("a non-JSON error body falls back to the HTTP status", () => {
    expect(classify("send", { cause: rest(502, "<html>"), headers: {} }, 1000).reason._tag).toBe("Unavailable")
  })

  it("axios timeouts are TimedOut, other network errors Unavailable", () => {
    const timeout = classify("send", { cause: { isAxiosError: true, code: "ECONNABORTED" } }, 1500)
    expect(timeout.reason._tag).toBe("TimedOut")
    const reset = classify("send", { cause: { isAxiosError: true, code: "ECONNRESET" } }, 1500)
    expect(reset.reason._tag).toBe("Unavailable")
  })

  it("a throw before any request went out is Misconfigured in its own words, never 'answered with something unexpected'", () => {
    const cause = new Error("accountSid must start with AC; token s3cr3t-canary-token")
    const error = classify("send", { cause, headers: undefined, sent: false, secrets: ["s3cr3t-canary-token"] }, 1500)
    expect(error.reason._tag).toBe("Misconfigured")
    expect(error.message).toBe(
      "twilio.send: no request was made: Error: accountSid must start with AC; token <redacted>"
    )
    // After a request went out, the same throw is still a garbled answer.
    expect(classify("send", { cause, headers: undefined, sent: true }, 1500).reason._tag).toBe("Unavailable")
  })
})

describe("Twilio.layer", () => {
  const options = { accountSid: "AC00000000000000000000000000000000", authToken: Redacted.make("s3cr3t-canary-token") }

  it.effect("a body over the segment limit fails as InvalidRequest without any request", () =>
    Effect.gen(function* () {
      // An unreachable base URL: any request would fail as Unavailable instead.
      const sms = Twilio.make({ ...options, baseUrl: "http://127.0.0.1:9", maxSegments: 2 })
      const body = "€".repeat(200)
      expect(segments(body).segments).toBeGreaterThan(2)
      const error = yield* Effect.flip(
        sms.send(new SmsProvider.SmsMessage({ from: "+15005550006", to: "+14155550123", body }))
      )
      expect(error.reason._tag).toBe("InvalidRequest")
      expect(JSON.stringify(error)).not.toContain("s3cr3t-canary-token")
      expect(String(error)).not.toContain("s3cr3t-canary-token")
    })
  )

  it.effect("layerConfig reads its options from the ConfigProvider, the token as Redacted", () =>
    Effect.gen(function* () {
      const sms = yield* SmsProvider.SmsProvider
      expect(sms.provider).toBe("twilio")
    }).pipe(
      Effect.provide(
        Twilio.layerConfig({
          accountSid: Config.String("TWILIO_ACCOUNT_SID"),
          authToken: Config.Redacted("TWILIO_AUTH_TOKEN"),
          baseUrl: Config.String("TWILIO_BASE_URL").pipe(Config.withDefault(Twilio.DEFAULT_BASE_URL))
        })
      ),
      Effect.provide(
        ConfigProvider.layer(ConfigProvider.fromUnknown({ TWILIO_ACCOUNT_SID: "AC0", TWILIO_AUTH_TOKEN: "s3cr3t" }))
      )
    )
  )

  it.effect("layerConfig fails as Misconfigured, naming the variable, when the token is missing", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Effect.provide(
          Effect.service(SmsProvider.SmsProvider),
          Twilio.layerConfig({
            accountSid: Config.String("TWILIO_ACCOUNT_SID"),
            authToken: Config.Redacted("TWILIO_AUTH_TOKEN")
          })
        )
      )
      expect(exit._tag).toBe("Failure")
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(IntegrationError.isIntegrationError(error) && error.reason._tag).toBe("Misconfigured")
      expect(String(error)).toContain("TWILIO_AUTH_TOKEN")
    }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ TWILIO_ACCOUNT_SID: "AC0" }))))
  )
})
