/**
 * A misconfigured primary never takes a send down with it: `Notifications`
 * over the published adapters on their real SDKs, each pointed at its
 * simulator, with Resend (or Twilio) configured wrong in each way a new user
 * might. Its layer fails to build as `Misconfigured`, `Failover` keeps it as
 * a step that fails at once, and every send is served by the backup, the
 * attempts naming `Misconfigured` for the broken provider, with no request to
 * it and no secret in the result. The operator is told once, when the plan is
 * built: a warning naming the provider and the option (captured here, so the
 * test output stays quiet).
 */
import { Config, ConfigProvider, Effect, Layer, Logger, Redacted } from "effect"
import { type EmailProvider, Policy, Resilience, type SmsProvider } from "@wedsync/core"
import { Resend } from "@wedsync/adapter-email"
import { Twilio } from "@wedsync/adapter-sms"
import { Notifications } from "@wedsync/notifications"
import { describe, expect, it } from "vitest"
import * as Providers from "../src/providers.ts"
import { useSimulators } from "./fixtures/simulators.ts"

const sims = useSimulators(7)

const SENDS = 12
const ana = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }
const route = (attempts: ReadonlyArray<Notifications.Attempt>) =>
  attempts.map((attempt) => `${attempt.channel}/${attempt.provider}:${attempt.reason ?? attempt.outcome}`)

/** Resend's real key and URL with `options` laid over them: one wrong option at a time. */
const resend = (options: Partial<Resend.Options>) =>
  Resend.layer({ apiKey: Redacted.make(sims.resend.credentials.apiKey), baseUrl: sims.resend.url, ...options })

/** Resend read from an environment, as a deployment configures it. */
const resendFromEnv = (env: Record<string, string>) =>
  Resend.layerConfig({
    apiKey: Config.Redacted("RESEND_API_KEY"),
    baseUrl: Config.String("RESEND_BASE_URL"),
    timeout: Config.Duration("RESEND_TIMEOUT")
  }).pipe(
    Layer.provide(
      ConfigProvider.layer(
        ConfigProvider.fromUnknown({
          RESEND_API_KEY: sims.resend.credentials.apiKey,
          RESEND_BASE_URL: sims.resend.url,
          RESEND_TIMEOUT: "10 seconds",
          ...env
        })
      )
    )
  )

/** The production set-up with `email` (and `sms`) as the primaries, the spec's default policies. */
const notifications = (
  email: Layer.Layer<EmailProvider.EmailProvider, unknown>,
  sms: Layer.Layer<SmsProvider.SmsProvider, unknown> = Providers.adaptersFor(sims).twilio
) => {
  const { postmark, vonage } = Providers.adaptersFor(sims)
  return Notifications.layer({
    email: { from: "WedSync <reminders@wedsync.test>", providers: [email, postmark] },
    sms: { from: "+15005550006", providers: [sms, vonage] }
  }).pipe(Layer.provideMerge(Resilience.layerMemory()), Layer.provideMerge(Policy.layer()))
}

/** Every line logged while `effect` runs (instead of printing it), and what `effect` gave. */
const capturingLogs = async <A, E>(effect: Effect.Effect<A, E>) => {
  const logged: Array<string> = []
  const capture = Logger.make(({ logLevel, message }) => {
    logged.push(`${logLevel}: ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  const value = await Effect.runPromise(Effect.provide(effect, Logger.layer([capture])))
  return { value, logged }
}

/** Sends `SENDS` reminders on `channel`; every one must be served. */
const sendAll = (layer: ReturnType<typeof notifications>, channel: "email" | "sms") =>
  capturingLogs(
    Effect.scoped(
      Effect.provide(
        Effect.forEach(
          Array.from({ length: SENDS }, (_, i) => i),
          (i) => Notifications.send(ana, { ...reminder, text: `${reminder.text} (${i})` }, { channels: [channel] })
        ),
        layer
      )
    )
  )

describe("with Resend misconfigured and Postmark healthy, every send is served by Postmark", () => {
  it.each([
    ["an empty key", () => resend({ apiKey: Redacted.make("") }), "apiKey is empty"],
    ["a blank key", () => resend({ apiKey: Redacted.make("  ") }), "apiKey is only whitespace"],
    ["a negative timeout", () => resend({ timeout: "-5 seconds" }), "timeout is negative (-5s)"],
    [
      'Config.Duration "-5 seconds" through layerConfig',
      () => resendFromEnv({ RESEND_TIMEOUT: "-5 seconds" }),
      "timeout is negative (-5s)"
    ],
    ['a baseUrl of "not a url"', () => resend({ baseUrl: "not a url" }), "baseUrl is not an absolute URL"],
    [
      "a missing RESEND_API_KEY through layerConfig",
      () => resendFromEnv({ RESEND_API_KEY: "" }),
      'could not read its configuration: Expected string at ["RESEND_API_KEY"]'
    ]
  ])("%s", async (_, misconfigured, words) => {
    const { value: sent, logged } = await sendAll(notifications(misconfigured()), "email")
    const warnings = logged.filter((line) => line.startsWith("Warn"))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`Warn: email plan: resend is skipped on every call: resend.configure: ${words}`)
    expect(new Set(sent.map((one) => `${one.channel}/${one.provider}`))).toEqual(new Set(["email/postmark"]))
    for (const one of sent)
      expect(route(one.attempts)).toEqual(["email/resend:Misconfigured", "email/postmark:success"])
    expect(sims.postmark.ledger.sideEffects().map((effect) => effect.id)).toEqual(sent.map((one) => one.messageId))
    expect(sims.resend.ledger.requests()).toHaveLength(0)
    expect(JSON.stringify(sent)).not.toContain(sims.resend.credentials.apiKey)
  })
})

describe("with Twilio misconfigured and Vonage healthy, every SMS is served by Vonage", () => {
  it.each([
    ["an Account SID that does not start with AC", { accountSid: "XX5e0b1d7a4c2f9e8d6b3a1c0f7e5d4b2a" }],
    ["an empty auth token", { authToken: Redacted.make("") }],
    ['a baseUrl of "not a url"', { baseUrl: "not a url" }]
  ] as const)("%s", async (_, wrong) => {
    const twilio = Twilio.layer({
      accountSid: sims.twilio.credentials.accountSid,
      authToken: Redacted.make(sims.twilio.credentials.authToken),
      baseUrl: sims.twilio.url,
      ...wrong
    })
    const { value: sent } = await sendAll(notifications(resend({}), twilio), "sms")
    for (const one of sent) expect(route(one.attempts)).toEqual(["sms/twilio:Misconfigured", "sms/vonage:success"])
    expect(sims.vonage.ledger.sideEffects()).toHaveLength(SENDS)
    expect(sims.twilio.ledger.requests()).toHaveLength(0)
    expect(JSON.stringify(sent)).not.toContain(sims.twilio.credentials.authToken)
  })
})

describe("when no provider of a channel can be built", () => {
  it("the layer fails with the first provider's Misconfigured error, naming the option", async () => {
    const postmarkToo = Notifications.layer({
      email: {
        from: "WedSync <reminders@wedsync.test>",
        providers: [resend({ apiKey: Redacted.make("") }), resend({ timeout: "-1 seconds" })]
      }
    }).pipe(Layer.provideMerge(Resilience.layerMemory()), Layer.provideMerge(Policy.layer()))
    const { value: error } = await capturingLogs(Effect.flip(Effect.scoped(Layer.build(postmarkToo))))
    expect(error).toMatchObject({ _tag: "IntegrationError", provider: "resend", reason: { _tag: "Misconfigured" } })
    expect(String(error)).toContain("resend.configure: apiKey is empty")
  })
})
