/**
 * The bad-input suite of the email adapters: each case goes through the
 * public API (`layer`, `layerConfig`, `make`) with a deliberately wrong
 * option or a garbled answer, and asserts the typed error, its words, that
 * no secret appears in any rendering, and that it is never a defect. Layers
 * fail to build with `Misconfigured` naming the option; `make`'s calls fail
 * with it without any request reaching the simulator.
 */
import { Cause, Config, ConfigProvider, Duration, Effect, Exit, Layer, Redacted } from "effect"
import { type DeliveryEvent, EmailProvider, type IntegrationError } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Postmark, PostmarkStatus, Resend, ResendStatus, ResendWebhooks } from "../src/index.ts"
import { failureOf, renderings } from "./fixtures/webhookRequests.ts"

const KEY = "re_badinput_canary_4f2a9c"
const TOKEN = "pm-badinput-canary-77d1e0"
const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

let resend: Simulator.Running<ResendSim.State, ResendSim.Credentials>
let postmark: Simulator.Running<PostmarkSim.State, PostmarkSim.Credentials>
beforeAll(async () => {
  resend = await Simulator.start(ResendSim.definition)
  postmark = await Simulator.start(PostmarkSim.definition)
})
afterAll(() => Promise.all([resend.stop(), postmark.stop()]))
beforeEach(() => {
  resend.reset()
  postmark.reset()
})

const message = new EmailProvider.EmailMessage({
  from: "WedSync <hello@wedsync.test>",
  to: "ana@example.com",
  subject: "Your tasting is tomorrow",
  text: "See you at 3 pm."
})

/** The error a layer fails to build with: an `IntegrationError`, never a defect. */
const buildFailure = async <A, E>(layer: Layer.Layer<A, E>) => {
  const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
  expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(false)
  return { error: failureOf(exit), rendered: renderings(exit) }
}

/** Asserts a `Misconfigured` error of `provider` whose message contains `words` and no secret. */
const misconfigured = (
  { error, rendered }: { readonly error: IntegrationError.IntegrationError; readonly rendered: string },
  provider: string,
  words: string,
  secrets: ReadonlyArray<string> = [KEY, TOKEN]
) => {
  expect(error.reason._tag).toBe("Misconfigured")
  expect(error.provider).toBe(provider)
  expect(error.canFailover && !error.isRetryable).toBe(true)
  expect(error.message).toContain(words)
  for (const secret of secrets) expect(rendered).not.toContain(secret)
}

/** Wrong timeouts and what each must say; shared by every adapter with a `timeout`. */
const badTimeouts: ReadonlyArray<readonly [string, Duration.Input, string]> = [
  ["negative", "-5 seconds", "timeout is negative (-5s): give a duration more than zero"],
  ["negative millis", -1, "timeout is negative"],
  ["zero", 0, "timeout is zero"],
  ["NaN", Number.NaN, "timeout is not a number (NaN)"],
  ["infinite", Duration.infinity, "timeout is infinite"],
  ["beyond a timer (2^31-1 ms)", "25 days", "timeout is 25d, longer than a timer can wait"],
  ["unreadable", "soon" as Duration.Input, "timeout is not a duration"]
]

/** Wrong base URLs and what each must say. */
const badBaseUrls: ReadonlyArray<readonly [string, string, string]> = [
  ["not a url", "not a url", "baseUrl is not an absolute URL"],
  ["a bare host", "api.example.com", "baseUrl is not an absolute URL"],
  ["another scheme", "file:///etc/passwd", "baseUrl must be an http or https URL, not file:"],
  ["a key pasted in its place", KEY, "baseUrl is not an absolute URL"],
  ["credentials in it", `https://wedsync:${TOKEN}@api.example.com`, "baseUrl carries credentials"]
]

/** Wrong secrets and what each must say (never the value). */
const badSecrets = (field: string): ReadonlyArray<readonly [string, string, string]> => [
  ["empty", "", `${field} is empty`],
  ["blank", "   ", `${field} is only whitespace`],
  ["with a copied line break", `${KEY}\n`, `${field} starts or ends with whitespace`],
  ["with a control character", `re_\u0007${KEY}`, `${field} contains a control character`]
]

describe("Resend.layer with bad options fails to build as Misconfigured", () => {
  const layer = (options: Partial<Resend.Options>) =>
    Resend.layer({ apiKey: Redacted.make(KEY), baseUrl: resend.url, ...options })

  it.each(badSecrets("apiKey"))("an apiKey that is %s", async (_, key, words) => {
    misconfigured(await buildFailure(layer({ apiKey: Redacted.make(key) })), "resend", `resend.configure: ${words}`)
  })

  it.each(badTimeouts)("a timeout that is %s", async (_, timeout, words) => {
    misconfigured(await buildFailure(layer({ timeout })), "resend", `resend.configure: ${words}`)
  })

  it.each(badBaseUrls)("a baseUrl that is %s, without echoing it", async (_, baseUrl, words) => {
    misconfigured(await buildFailure(layer({ baseUrl })), "resend", `resend.configure: ${words}`)
  })

  it("ResendStatus.layer refuses the same options", async () => {
    const status = ResendStatus.layer({ apiKey: Redacted.make(""), baseUrl: resend.url })
    misconfigured(await buildFailure(status), "resend", "resend.configure: apiKey is empty")
  })
})

describe("Resend.layerConfig", () => {
  const fromEnv = (env: Record<string, string>) =>
    Resend.layerConfig({
      apiKey: Config.Redacted("RESEND_API_KEY"),
      baseUrl: Config.String("RESEND_BASE_URL"),
      timeout: Config.Duration("RESEND_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10)))
    }).pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))

  it('a Config.Duration of "-5 seconds" fails to build as Misconfigured naming the timeout', async () => {
    const failed = await buildFailure(
      fromEnv({ RESEND_API_KEY: KEY, RESEND_BASE_URL: resend.url, RESEND_TIMEOUT: "-5 seconds" })
    )
    misconfigured(failed, "resend", "resend.configure: timeout is negative (-5s)")
  })

  it("an empty or missing RESEND_API_KEY fails to build as Misconfigured naming the variable", async () => {
    for (const env of [{ RESEND_API_KEY: "" }, {}]) {
      const failed = await buildFailure(fromEnv({ ...env, RESEND_BASE_URL: resend.url }))
      misconfigured(
        failed,
        "resend",
        'resend.configure: could not read its configuration: Expected string at ["RESEND_API_KEY"]'
      )
    }
  })

  it("a key given as a value that fails its check fails as it does in Resend.layer", async () => {
    const layer = Resend.layerConfig({
      apiKey: Config.succeed(Redacted.make(" ")),
      baseUrl: Config.succeed(resend.url)
    })
    misconfigured(await buildFailure(layer), "resend", "resend.configure: apiKey is only whitespace")
  })

  it('a RESEND_BASE_URL of "not a url" fails to build as Misconfigured naming baseUrl', async () => {
    const failed = await buildFailure(fromEnv({ RESEND_API_KEY: KEY, RESEND_BASE_URL: "not a url" }))
    misconfigured(failed, "resend", "resend.configure: baseUrl is not an absolute URL")
  })
})

describe("make with bad options: every call fails as Misconfigured, no request is made", () => {
  it("Resend.make with an empty key: send and sendBatch", async () => {
    const email = Resend.make({ apiKey: Redacted.make(""), baseUrl: resend.url })
    const calls: ReadonlyArray<Effect.Effect<unknown, IntegrationError.IntegrationError>> = [
      email.send(message),
      email.sendBatch([message])
    ]
    for (const call of calls) {
      const exit = await Effect.runPromiseExit(call)
      misconfigured({ error: failureOf(exit), rendered: renderings(exit) }, "resend", "apiKey is empty")
    }
    expect(resend.ledger.requests()).toHaveLength(0)
  })

  it("Resend.make with a negative timeout (the RangeError that used to kill the send)", async () => {
    const email = Resend.make({ apiKey: Redacted.make(KEY), baseUrl: resend.url, timeout: Duration.seconds(-5) })
    const exit = await Effect.runPromiseExit(email.send(message))
    misconfigured({ error: failureOf(exit), rendered: renderings(exit) }, "resend", "timeout is negative")
    expect(resend.ledger.requests()).toHaveLength(0)
  })

  it("ResendStatus.make and PostmarkStatus.make with empty keys: lookups", async () => {
    const lookups: ReadonlyArray<readonly [DeliveryEvent.DeliveryStatus["Service"], string, string]> = [
      [ResendStatus.make({ apiKey: Redacted.make(""), baseUrl: resend.url }), "resend", "apiKey is empty"],
      [
        PostmarkStatus.make({ serverToken: Redacted.make(""), baseUrl: postmark.url }),
        "postmark",
        "serverToken is empty"
      ]
    ]
    for (const [status, provider, words] of lookups) {
      const exit = await Effect.runPromiseExit(status.lookup("4ef9a417-02e9-4d39-ad75-9611e0fcc33c"))
      misconfigured({ error: failureOf(exit), rendered: renderings(exit) }, provider, words)
    }
    expect([...resend.ledger.requests(), ...postmark.ledger.requests()]).toHaveLength(0)
  })

  it('Postmark.make with a baseUrl of "not a url" (it used to be a retried Unavailable)', async () => {
    const email = Postmark.make({ serverToken: Redacted.make(TOKEN), baseUrl: "not a url" })
    const exit = await Effect.runPromiseExit(email.send(message))
    misconfigured({ error: failureOf(exit), rendered: renderings(exit) }, "postmark", "baseUrl is not an absolute URL")
  })
})

describe("Postmark.layer with bad options fails to build as Misconfigured", () => {
  const layer = (options: Partial<Postmark.Options>) =>
    Postmark.layer({ serverToken: Redacted.make(TOKEN), baseUrl: postmark.url, ...options })

  it.each(badSecrets("serverToken"))("a serverToken that is %s", async (_, token, words) => {
    misconfigured(await buildFailure(layer({ serverToken: Redacted.make(token) })), "postmark", words)
  })

  it.each(badTimeouts)("a timeout that is %s", async (_, timeout, words) => {
    misconfigured(await buildFailure(layer({ timeout })), "postmark", `postmark.configure: ${words}`)
  })

  it.each(badBaseUrls)("a baseUrl that is %s, without echoing it", async (_, baseUrl, words) => {
    misconfigured(await buildFailure(layer({ baseUrl })), "postmark", `postmark.configure: ${words}`)
  })

  it("an empty messageStream", async () => {
    misconfigured(await buildFailure(layer({ messageStream: "" })), "postmark", "messageStream is empty")
  })

  it("PostmarkStatus.layer and Postmark.layerConfig refuse the same options", async () => {
    const status = PostmarkStatus.layer({ serverToken: Redacted.make(" "), baseUrl: postmark.url })
    misconfigured(await buildFailure(status), "postmark", "serverToken is only whitespace")
    const fromEnv = Postmark.layerConfig({
      serverToken: Config.Redacted("POSTMARK_SERVER_TOKEN"),
      timeout: Config.Duration("POSTMARK_TIMEOUT")
    }).pipe(
      Layer.provide(
        ConfigProvider.layer(ConfigProvider.fromUnknown({ POSTMARK_SERVER_TOKEN: TOKEN, POSTMARK_TIMEOUT: "Infinity" }))
      )
    )
    misconfigured(await buildFailure(fromEnv), "postmark", "timeout is infinite")
  })
})

describe("ResendWebhooks with a bad tolerance fails to build as Misconfigured", () => {
  it.each<readonly [string, Duration.Input, string]>([
    ["negative", "-1 minutes", "tolerance is negative"],
    ["zero", 0, "tolerance is zero"],
    ["unreadable", "a while" as Duration.Input, "tolerance is not a duration"]
  ])("a tolerance that is %s", async (_, tolerance, words) => {
    const layer = ResendWebhooks.layer({ secret: Redacted.make(WEBHOOK_SECRET), tolerance })
    misconfigured(await buildFailure(layer), "resend", words, [WEBHOOK_SECRET])
  })
})

describe("garbled answers at call time are typed errors, never defects", () => {
  const sendWith = (layer: Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError>) =>
    Effect.runPromiseExit(
      Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (email) =>
        Effect.all([Effect.flip(email.send(message)), Effect.flip(email.sendBatch([message, message]))])
      ).pipe(Effect.provide(layer))
    )

  it.each([
    ["Resend", () => Resend.layer({ apiKey: Redacted.make(resend.credentials.apiKey), baseUrl: resend.url })],
    [
      "Postmark",
      () => Postmark.layer({ serverToken: Redacted.make(postmark.credentials.serverToken), baseUrl: postmark.url })
    ]
  ] as const)("%s: a malformed body on send and sendBatch is Unavailable", async (_, layer) => {
    resend.faults.add(Faults.rule(Faults.malformed))
    postmark.faults.add(Faults.rule(Faults.malformed))
    const exit = await sendWith(layer())
    if (Exit.isFailure(exit)) throw new Error(`expected two typed errors, got ${Cause.pretty(exit.cause)}`)
    expect(exit.value.map((error) => error.reason._tag)).toEqual(["Unavailable", "Unavailable"])
  })
})
