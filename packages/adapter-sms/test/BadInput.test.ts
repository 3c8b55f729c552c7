/**
 * The bad-input suite of the SMS adapters: each case goes through the public
 * API (`layer`, `layerConfig`, `make`) with a deliberately wrong option or a
 * garbled answer, and asserts the typed error, its words, that no secret
 * appears in any rendering, and that it is never a defect. Empty or malformed
 * credentials and a base URL of "not a url" used to come back as a retried
 * `Unavailable`; now layers fail to build as `Misconfigured` naming the
 * option, and `make`'s sends fail with it before any request.
 */
import { Cause, Config, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { IntegrationError, SmsProvider } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Twilio, TwilioStatus, TwilioWebhooks, Vonage, VonageWebhooks } from "../src/index.ts"
import { refused, requestOf, verifyWith } from "./webhookHelpers.ts"

const TOKEN = "9d2f0c4be61a8e3f7d5c2b1a0e9f8d7c"
const SECRET = "Qz8badInputCanary"

let twilio: Simulator.Running<TwilioSim.State, TwilioSim.Credentials>
let vonage: Simulator.Running<VonageSim.State, VonageSim.Credentials>
beforeAll(async () => {
  twilio = await Simulator.start(TwilioSim.definition, { seed: 31 })
  vonage = await Simulator.start(VonageSim.definition, { seed: 31 })
})
afterAll(() => Promise.all([twilio.stop(), vonage.stop()]))
beforeEach(() => {
  twilio.reset()
  vonage.reset()
})

const message = new SmsProvider.SmsMessage({ to: "+447700900123", from: "+15005550006", body: "Cake at 4 pm." })

/** Every way an exit's error can be shown. */
const renderings = (exit: Exit.Exit<unknown, unknown>): string => {
  const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
  return [Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", String(error), JSON.stringify(error)].join("\n")
}

/** The `IntegrationError` of a failed exit, checked to be no defect and to show no secret. */
const failureOf = (exit: Exit.Exit<unknown, unknown>, secrets: ReadonlyArray<string> = [TOKEN, SECRET]) => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
  expect(Cause.hasDies(exit.cause)).toBe(false)
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  if (!IntegrationError.isIntegrationError(error))
    throw new Error(`not an IntegrationError: ${Cause.pretty(exit.cause)}`)
  const rendered = renderings(exit)
  for (const secret of secrets) expect(rendered).not.toContain(secret)
  return error
}

const buildFailure = async <A, E>(layer: Layer.Layer<A, E>) =>
  failureOf(await Effect.runPromiseExit(Effect.scoped(Layer.build(layer))))

const expectMisconfigured = (error: IntegrationError.IntegrationError, provider: string, words: string) => {
  expect(error.reason._tag).toBe("Misconfigured")
  expect(error.provider).toBe(provider)
  expect(error.canFailover && !error.isRetryable).toBe(true)
  expect(error.message).toContain(words)
}

const badTimeouts: ReadonlyArray<readonly [string, number, string]> = [
  ["negative", -5_000, "timeoutMillis is negative (-5s)"],
  ["zero", 0, "timeoutMillis is zero"],
  ["NaN", Number.NaN, "timeoutMillis is not a number (NaN)"],
  ["infinite", Number.POSITIVE_INFINITY, "timeoutMillis is infinite"],
  ["beyond a timer (2^31-1 ms)", 2 ** 31, "longer than a timer can wait"]
]

const badBaseUrls: ReadonlyArray<readonly [string, string, string]> = [
  ["not a url", "not a url", "baseUrl is not an absolute URL"],
  ["another scheme", "ws://api.example.com", "baseUrl must be an http or https URL, not ws:"],
  ["a token pasted in its place", TOKEN, "baseUrl is not an absolute URL"],
  ["credentials in it", `https://AC1:${TOKEN}@api.example.com`, "baseUrl carries credentials"]
]

const badMaxSegments: ReadonlyArray<readonly [string, number]> = [
  ["zero", 0],
  ["negative", -1],
  ["fractional", 1.5],
  ["NaN", Number.NaN]
]

describe("Twilio.layer with bad options fails to build as Misconfigured", () => {
  const layer = (options: Partial<Twilio.Options>) =>
    Twilio.layer({
      accountSid: twilio.credentials.accountSid,
      authToken: Redacted.make(TOKEN),
      baseUrl: twilio.url,
      ...options
    })

  it.each([
    ["empty", "", "twilio.configure: accountSid is empty"],
    ["an API key SID", "SK0123456789abcdef0123456789abcdef", "twilio.configure: accountSid must start with AC"],
    ["blank", " ", "twilio.configure: accountSid is only whitespace"]
  ])("an accountSid that is %s", async (_, accountSid, words) => {
    expectMisconfigured(await buildFailure(layer({ accountSid })), "twilio", words)
  })

  it.each([
    ["empty", "", "authToken is empty"],
    ["with a copied line break", `${TOKEN}\r\n`, "authToken starts or ends with whitespace"]
  ])("an authToken that is %s", async (_, token, words) => {
    expectMisconfigured(await buildFailure(layer({ authToken: Redacted.make(token) })), "twilio", words)
  })

  it.each(badTimeouts)("a timeoutMillis that is %s", async (_, timeoutMillis, words) => {
    expectMisconfigured(await buildFailure(layer({ timeoutMillis })), "twilio", words)
  })

  it.each(badBaseUrls)("a baseUrl that is %s, without echoing it", async (_, baseUrl, words) => {
    expectMisconfigured(await buildFailure(layer({ baseUrl })), "twilio", words)
  })

  it.each(badMaxSegments)("a maxSegments that is %s", async (_, maxSegments) => {
    expectMisconfigured(await buildFailure(layer({ maxSegments })), "twilio", "maxSegments is")
  })

  it("TwilioStatus.layer and Twilio.layerConfig refuse the same options", async () => {
    const status = TwilioStatus.layer({ accountSid: "", authToken: Redacted.make(TOKEN) })
    expectMisconfigured(await buildFailure(status), "twilio", "accountSid is empty")
    const fromEnv = Twilio.layerConfig({
      accountSid: Config.String("TWILIO_ACCOUNT_SID"),
      authToken: Config.Redacted("TWILIO_AUTH_TOKEN"),
      timeoutMillis: Config.Int("TWILIO_TIMEOUT_MILLIS")
    }).pipe(
      Layer.provide(
        ConfigProvider.layer(
          ConfigProvider.fromUnknown({
            TWILIO_ACCOUNT_SID: "AC1",
            TWILIO_AUTH_TOKEN: TOKEN,
            TWILIO_TIMEOUT_MILLIS: "-5"
          })
        )
      )
    )
    expectMisconfigured(await buildFailure(fromEnv), "twilio", "timeoutMillis is negative")
  })
})

describe("Twilio.make with bad options: sends fail as Misconfigured, never as Unavailable, with no request", () => {
  it("an accountSid the SDK refuses (it used to say 'answered with something unexpected')", async () => {
    const sms = Twilio.make({ accountSid: "XX123", authToken: Redacted.make(TOKEN), baseUrl: twilio.url })
    const error = failureOf(await Effect.runPromiseExit(sms.send(message)))
    expectMisconfigured(error, "twilio", "accountSid must start with AC")
    expect(error.message).not.toContain("answered with something unexpected")
    expect(twilio.ledger.requests()).toHaveLength(0)
  })

  it("an empty token, and the lookup of TwilioStatus.make", async () => {
    const options = { accountSid: twilio.credentials.accountSid, authToken: Redacted.make(""), baseUrl: twilio.url }
    expectMisconfigured(
      failureOf(await Effect.runPromiseExit(Twilio.make(options).send(message))),
      "twilio",
      "authToken is empty"
    )
    const lookup = TwilioStatus.make(options).lookup("SM0123456789abcdef0123456789abcdef")
    expectMisconfigured(failureOf(await Effect.runPromiseExit(lookup)), "twilio", "authToken is empty")
    expect(twilio.ledger.requests()).toHaveLength(0)
  })
})

describe("Vonage.layer with bad options fails to build as Misconfigured", () => {
  const layer = (options: Partial<Vonage.Options>) =>
    Vonage.layer({
      apiKey: vonage.credentials.apiKey,
      apiSecret: Redacted.make(SECRET),
      baseUrl: vonage.url,
      ...options
    })

  it.each([
    ["an empty apiKey", { apiKey: "" }, "vonage.configure: apiKey is empty"],
    ["an empty apiSecret", { apiSecret: Redacted.make("") }, "vonage.configure: apiSecret is empty"],
    ["a blank apiSecret", { apiSecret: Redacted.make("\t") }, "vonage.configure: apiSecret is only whitespace"],
    [
      "a secret with a line break",
      { apiSecret: Redacted.make(`${SECRET}\n`) },
      "apiSecret starts or ends with whitespace"
    ]
  ] as const)("%s", async (_, options, words) => {
    expectMisconfigured(await buildFailure(layer(options)), "vonage", words)
  })

  it.each(badTimeouts)("a timeoutMillis that is %s", async (_, timeoutMillis, words) => {
    expectMisconfigured(await buildFailure(layer({ timeoutMillis })), "vonage", words)
  })

  it.each(badBaseUrls)("a baseUrl that is %s, without echoing it", async (_, baseUrl, words) => {
    expectMisconfigured(await buildFailure(layer({ baseUrl })), "vonage", words)
  })

  it.each(badMaxSegments)("a maxSegments that is %s", async (_, maxSegments) => {
    expectMisconfigured(await buildFailure(layer({ maxSegments })), "vonage", "maxSegments is")
  })

  it("Vonage.make with a bad option fails every send with it, before any request", async () => {
    const sms = Vonage.make({
      apiKey: vonage.credentials.apiKey,
      apiSecret: Redacted.make(SECRET),
      baseUrl: "not a url"
    })
    expectMisconfigured(
      failureOf(await Effect.runPromiseExit(sms.send(message))),
      "vonage",
      "baseUrl is not an absolute URL"
    )
    expect(vonage.ledger.requests()).toHaveLength(0)
  })
})

describe("webhook sources with bad options fail to build as Misconfigured", () => {
  it.each([
    ["an empty authToken", TwilioWebhooks.layer({ authToken: Redacted.make("") }), "twilio", "authToken is empty"],
    [
      "an empty sharedKeySecret",
      TwilioWebhooks.layer({ authToken: Redacted.make(TOKEN), sharedKeySecret: Redacted.make("") }),
      "twilio",
      "sharedKeySecret is empty"
    ],
    [
      'a publicBaseUrl of "not a url"',
      TwilioWebhooks.layer({ authToken: Redacted.make(TOKEN), publicBaseUrl: "not a url" }),
      "twilio",
      "publicBaseUrl is not an absolute URL"
    ],
    [
      "an empty signatureSecret",
      VonageWebhooks.layer({ signatureSecret: Redacted.make("") }),
      "vonage",
      "signatureSecret is empty"
    ],
    [
      "a negative maxAge",
      VonageWebhooks.layer({ signatureSecret: Redacted.make(SECRET), maxAge: "-5 minutes" }),
      "vonage",
      "maxAge is negative"
    ],
    [
      "an unknown smsSignatureMethod",
      VonageWebhooks.layer({ signatureSecret: Redacted.make(SECRET), smsSignatureMethod: "sha3" as "md5hash" }),
      "vonage",
      "smsSignatureMethod is not one of Vonage's: md5hash, md5hmac, sha1hmac, sha256hmac, sha512hmac"
    ]
  ] as const)("%s", async (_, layer, provider, words) => {
    const error = await buildFailure(layer)
    expectMisconfigured(error, provider, words)
    expect(error.operation).toBe("webhook.configure")
  })

  it("VonageWebhooks.make with an unreadable maxAge does not throw; it refuses every delivery naming maxAge", () => {
    const source = VonageWebhooks.make({ signatureSecret: Redacted.make(SECRET), maxAge: "a while" as "5 minutes" })
    const error = refused(
      verifyWith(source, requestOf({ url: "https://hooks.wedsync.test/vonage", body: "{}", headers: {} })),
      [SECRET]
    )
    expect(error.reason._tag).toBe("SignatureInvalid")
    expect(error.message).toContain("maxAge is not a duration")
  })
})

describe("garbled answers at call time are typed errors, never defects", () => {
  it.each([
    [
      "Twilio",
      () =>
        Twilio.layer({
          accountSid: twilio.credentials.accountSid,
          authToken: Redacted.make(twilio.credentials.authToken),
          baseUrl: twilio.url
        })
    ],
    [
      "Vonage",
      () =>
        Vonage.layer({
          apiKey: vonage.credentials.apiKey,
          apiSecret: Redacted.make(vonage.credentials.apiSecret),
          baseUrl: vonage.url
        })
    ]
  ] as const)("%s: a malformed body on send is Unavailable", async (_, layer) => {
    twilio.faults.add(Faults.rule(Faults.malformed))
    vonage.faults.add(Faults.rule(Faults.malformed))
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(Effect.service(SmsProvider.SmsProvider), (sms) => sms.send(message)).pipe(Effect.provide(layer()))
    )
    expect(failureOf(exit).reason._tag).toBe("Unavailable")
  })
})
