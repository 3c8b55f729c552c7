import { describe, expect, it } from "@effect/vitest"
import { MessageSendAllFailure, MessageSendPartialFailure } from "@vonage/sms"
import { Config, ConfigProvider, Duration, Effect, Redacted } from "effect"
import { SmsProvider } from "@wedsync/core"
import { SmsProviderContract } from "@wedsync/testkit"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { classify } from "../src/internal/vonageErrors.ts"
import * as Vonage from "../src/Vonage.ts"

SmsProviderContract.suite("SmsProviderContract: Vonage", {
  simulator: VonageSim.definition,
  layer: ({ baseUrl, credentials, timeoutMillis }) =>
    Vonage.layer({
      baseUrl,
      apiKey: credentials.apiKey,
      apiSecret: Redacted.make(credentials.apiSecret),
      timeoutMillis
    }),
  wrongCredentials: { ...VonageSim.definition.credentials, apiSecret: "WrongCanarySecret9" }
})

const refused = (status: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's message type has many required fields a refusal lacks
  new MessageSendPartialFailure({ messageCount: 1, messages: [{ status, errorText: `error ${status}` }] } as any)

describe("vonageErrors.classify", () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ["1", "RateLimited"],
    ["4", "Unauthorized"],
    ["9", "Misconfigured"],
    ["15", "Misconfigured"],
    ["6", "Rejected"],
    ["3", "InvalidRequest"],
    ["5", "Unavailable"],
    ["999", "Unavailable"]
  ]
  it.each(table)("an HTTP 200 answer with status %s → %s", (status, tag) => {
    const error = classify("send", { cause: refused(status) }, 1000)
    expect(error.reason._tag).toBe(tag)
    expect(error.providerCode).toBe(status)
    expect(error.status).toBe(200)
  })

  it("MessageSendAllFailure is read the same way", () => {
    const cause = new MessageSendAllFailure({
      messageCount: 2,
      messages: [
        { status: "9", errorText: "Quota Exceeded" },
        { status: "9", errorText: "Quota Exceeded" }
      ]
      // biome-ignore lint/suspicious/noExplicitAny: see above
    } as any)
    expect(classify("send", { cause }, 1000).reason._tag).toBe("Misconfigured")
  })

  it("a throw before any request went out is Misconfigured in its own words, the secret taken out", () => {
    const cause = new TypeError("Invalid URL: rest.nexmo.com?api_secret=Vx7Qm2Rt9Lp4Ns6K")
    const error = classify("send", { cause, sent: false, secrets: ["Vx7Qm2Rt9Lp4Ns6K"] }, 1000)
    expect(error.reason._tag).toBe("Misconfigured")
    expect(error.message).toBe(
      "vonage.send: no request was made: TypeError: Invalid URL: rest.nexmo.com?api_secret=<redacted>"
    )
    expect(classify("send", { cause, sent: true }, 1000).reason._tag).toBe("Unavailable")
  })

  it("HTTP errors: problem type first, then status; Retry-After and instance read", () => {
    const error = classify(
      "send",
      {
        cause: new Error("Request failed with status code 429"),
        status: 429,
        headers: new Headers({ "retry-after": "7" }),
        body: JSON.stringify({
          type: "https://developer.vonage.com/api-errors#throttled",
          title: "Throttled",
          instance: "req-1"
        })
      },
      1000
    )
    expect(error.reason._tag).toBe("RateLimited")
    expect(error.retryAfter).toEqual(Duration.seconds(7))
    expect(error.requestId).toBe("req-1")
    const lowBalance = classify(
      "send",
      {
        cause: new Error("x"),
        status: 400,
        body: JSON.stringify({ type: "https://x#low-balance", title: "Low balance" })
      },
      1000
    )
    expect(lowBalance.reason._tag).toBe("Misconfigured")
  })

  it("timeouts are TimedOut, fetch failures Unavailable", () => {
    expect(classify("send", { cause: new DOMException("t", "TimeoutError") }, 1000).reason._tag).toBe("TimedOut")
    expect(classify("send", { cause: new TypeError("fetch failed") }, 1000).reason._tag).toBe("Unavailable")
  })
})

describe("Vonage.layer", () => {
  it.effect("a body over the segment limit fails as InvalidRequest without any request, and leaks no secret", () =>
    Effect.gen(function* () {
      const sms = Vonage.make({
        apiKey: "abcd1234",
        apiSecret: Redacted.make("s3cr3t-canary-secret"),
        baseUrl: "http://127.0.0.1:9",
        maxSegments: 1
      })
      const error = yield* Effect.flip(
        sms.send(new SmsProvider.SmsMessage({ from: "+15005550006", to: "+14155550123", body: "💍".repeat(40) }))
      )
      expect(error.reason._tag).toBe("InvalidRequest")
      expect(JSON.stringify(error)).not.toContain("s3cr3t-canary-secret")
    })
  )

  it.effect("layerConfig reads its options from the ConfigProvider", () =>
    Effect.gen(function* () {
      const sms = yield* SmsProvider.SmsProvider
      expect(sms.provider).toBe("vonage")
    }).pipe(
      Effect.provide(
        Vonage.layerConfig({
          apiKey: Config.String("VONAGE_API_KEY"),
          apiSecret: Config.Redacted("VONAGE_API_SECRET"),
          timeoutMillis: Config.Int("VONAGE_TIMEOUT_MILLIS").pipe(Config.withDefault(5000))
        })
      ),
      Effect.provide(
        ConfigProvider.layer(ConfigProvider.fromUnknown({ VONAGE_API_KEY: "abcd1234", VONAGE_API_SECRET: "s3cr3t" }))
      )
    )
  )
})
