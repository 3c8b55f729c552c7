/**
 * The Postmark webhook source: the webhook contract against the simulator's
 * Basic-auth deliveries, wrong and missing credentials, the custom-header
 * variant, the IP allowlist (exact, CIDR, IPv4-mapped, X-Forwarded-For),
 * configuration errors, and no secret in any refusal.
 */
import { Effect, Exit, Layer, Redacted } from "effect"
import { WebhookSourceContract, type Webhooks } from "@wedsync/testkit"
import { Assertions } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import { describe, expect, it } from "vitest"
import { PostmarkWebhooks } from "../src/index.ts"
import { constantTimeEqual } from "../src/internal/webhookAuth.ts"
import { failureOf, renderings, toRequest, successOf, verifyWith } from "./fixtures/webhookRequests.ts"

const credentials = PostmarkSim.definition.credentials
const URL = "https://hooks.wedsync.test/postmark"
const MESSAGE_ID = "883953f4-6105-42a2-a16a-77a8eac79483"
const TOKEN = "9f2c7d1e-webhook-header-token"

const basicAuth = { username: credentials.webhookUsername, password: Redacted.make(credentials.webhookPassword) }
const header = { name: "X-Webhook-Token", value: Redacted.make(TOKEN) }

const delivery = PostmarkSim.events.delivery({ MessageID: MESSAGE_ID, Recipient: "ana@example.com" })

WebhookSourceContract.suite("WebhookSourceContract: PostmarkWebhooks", {
  simulator: PostmarkSim.definition,
  layer: (target) =>
    PostmarkWebhooks.layer({
      basicAuth: {
        username: target.credentials.webhookUsername,
        password: Redacted.make(target.credentials.webhookPassword)
      }
    }),
  events: [
    delivery,
    PostmarkSim.events.bounce({ ID: 4323372036, MessageID: MESSAGE_ID, Email: "ben@example.com" }),
    PostmarkSim.events.open({ MessageID: MESSAGE_ID, Recipient: "ana@example.com" })
  ]
})

/** A delivery with the given Authorization and extra headers, from `remoteAddress`. */
const request = (
  options: {
    readonly authorization?: string | undefined
    readonly headers?: Record<string, string>
    readonly remoteAddress?: string
    readonly event?: Webhooks.WebhookEvent
  } = {}
) => {
  const event = options.event ?? delivery
  const authorization =
    "authorization" in options
      ? options.authorization
      : PostmarkSim.basicAuthorization(`${credentials.webhookUsername}:${credentials.webhookPassword}`)
  return toRequest(
    {
      url: URL,
      headers: {
        "content-type": "application/json",
        ...(authorization === undefined ? {} : { authorization }),
        ...options.headers
      },
      body: event.body
    },
    options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress }
  )
}

const verify = (options: PostmarkWebhooks.Options, input: Parameters<typeof request>[0] = {}) =>
  verifyWith(PostmarkWebhooks.layer(options), request(input))

const refusedWith = async (options: PostmarkWebhooks.Options, input: Parameters<typeof request>[0]) => {
  const exit = await verify(options, input)
  const error = failureOf(exit)
  expect(error.reason._tag).toBe("SignatureInvalid")
  Assertions.expectNoSecrets(error, { ...credentials, token: TOKEN })
  expect(renderings(exit)).not.toContain(TOKEN)
  return error
}

describe("PostmarkWebhooks Basic auth", () => {
  it("accepts the configured credentials", async () => {
    expect(successOf(await verify({ basicAuth })).type).toBe("Delivery")
  })

  it("refuses a wrong password, a wrong user, and malformed or missing Authorization", async () => {
    for (const authorization of [
      PostmarkSim.basicAuthorization(`${credentials.webhookUsername}:not-the-password`),
      PostmarkSim.basicAuthorization(`someone:${credentials.webhookPassword}`),
      PostmarkSim.basicAuthorization(`${credentials.webhookUsername}:${credentials.webhookPassword}x`),
      `Bearer ${credentials.webhookPassword}`,
      "Basic !!!",
      "",
      undefined
    ]) {
      await refusedWith({ basicAuth }, { authorization })
    }
  })

  it("compares without throwing on different lengths", () => {
    expect(constantTimeEqual("a", "a much longer secret")).toBe(false)
    expect(constantTimeEqual("", "")).toBe(true)
    expect(constantTimeEqual("postmark:pw", "postmark:pw")).toBe(true)
  })
})

describe("PostmarkWebhooks custom header", () => {
  it("accepts the header whatever its case, refuses it missing or wrong", async () => {
    expect(
      successOf(await verify({ header }, { authorization: undefined, headers: { "x-webhook-token": TOKEN } }))
    ).toBeTruthy()
    expect(
      successOf(await verify({ header }, { authorization: undefined, headers: { "X-WEBHOOK-TOKEN": TOKEN } }))
    ).toBeTruthy()
    await refusedWith({ header }, { authorization: undefined })
    await refusedWith({ header }, { authorization: undefined, headers: { "x-webhook-token": `${TOKEN}0` } })
    await refusedWith({ header }, { authorization: undefined, headers: { "x-other": TOKEN } })
  })

  it("with both configured, both are required", async () => {
    const both = { basicAuth, header }
    expect(Exit.isSuccess(await verify(both, { headers: { "x-webhook-token": TOKEN } }))).toBe(true)
    await refusedWith(both, {})
    await refusedWith(both, { authorization: undefined, headers: { "x-webhook-token": TOKEN } })
  })
})

describe("PostmarkWebhooks IP allowlist", () => {
  const allowedIps = ["50.31.156.6", "3.134.147.0/24", "2001:db8::10"]

  it("accepts exact addresses, CIDR members and IPv4-mapped peers", async () => {
    for (const remoteAddress of ["50.31.156.6", "3.134.147.250", "3.134.147.0", "::ffff:3.134.147.9", "2001:db8::10"]) {
      expect([remoteAddress, Exit.isSuccess(await verify({ basicAuth, allowedIps }, { remoteAddress }))]).toEqual([
        remoteAddress,
        true
      ])
    }
  })

  it("refuses other addresses, and a delivery with no address, even with the right credentials", async () => {
    for (const remoteAddress of ["50.31.156.7", "3.134.148.1", "2001:db8::11", "127.0.0.1", "not-an-ip", undefined]) {
      await refusedWith({ basicAuth, allowedIps }, remoteAddress === undefined ? {} : { remoteAddress })
    }
  })

  it("reads the first X-Forwarded-For hop only when told to trust it", async () => {
    const viaProxy = { remoteAddress: "10.0.0.2", headers: { "x-forwarded-for": "3.134.147.250, 10.0.0.1" } }
    expect(Exit.isSuccess(await verify({ basicAuth, allowedIps, trustForwardedFor: true }, viaProxy))).toBe(true)
    await refusedWith({ basicAuth, allowedIps }, viaProxy)
    await refusedWith(
      { basicAuth, allowedIps, trustForwardedFor: true },
      { remoteAddress: "3.134.147.250", headers: { "x-forwarded-for": "198.51.100.7" } }
    )
    // No header behind a trusted proxy: the peer itself is checked.
    expect(
      Exit.isSuccess(await verify({ basicAuth, allowedIps, trustForwardedFor: true }, { remoteAddress: "50.31.156.6" }))
    ).toBe(true)
  })

  it("the error names the refused address, not the credentials", async () => {
    const error = await refusedWith({ basicAuth, allowedIps }, { remoteAddress: "198.51.100.7" })
    expect(error.message).toContain("198.51.100.7")
  })
})

describe("PostmarkWebhooks configuration", () => {
  const misconfigured = async (options: unknown) => {
    const layer = PostmarkWebhooks.layer(options as PostmarkWebhooks.Options)
    const exit = await Effect.runPromiseExit(Layer.build(layer).pipe(Effect.scoped))
    const error = failureOf(exit)
    expect(error.reason._tag).toBe("Misconfigured")
    expect(renderings(exit)).not.toContain(credentials.webhookPassword)
    expect(renderings(exit)).not.toContain(TOKEN)
    return error
  }

  it("neither basicAuth nor header fails the layer (the type requires one too)", async () => {
    expect((await misconfigured({})).message).toContain("basicAuth")
    expect((await misconfigured({ allowedIps: ["50.31.156.6"] })).message).toContain("signs nothing")
  })

  it("unusable credentials or header fail the layer", async () => {
    await misconfigured({ basicAuth: { username: "a:b", password: Redacted.make(credentials.webhookPassword) } })
    await misconfigured({ basicAuth: { username: "postmark", password: Redacted.make("") } })
    await misconfigured({ header: { name: "X Webhook Token", value: Redacted.make(TOKEN) } })
    await misconfigured({ header: { name: "X-Webhook-Token", value: Redacted.make("") } })
  })

  it("an allowlist entry that is not an IP or CIDR range, or an empty allowlist, fails the layer", async () => {
    const error = await misconfigured({
      basicAuth,
      allowedIps: ["50.31.156.6", "10.0.0.0/33", "postmark.com", "1.2.3.4/"]
    })
    expect(error.message).toContain("10.0.0.0/33, postmark.com, 1.2.3.4/")
    await misconfigured({ basicAuth, allowedIps: [] })
    await misconfigured({ basicAuth, allowedIps: ["2001:db8::/129"] })
  })
})
