/**
 * The helpers every webhook source is built with: `guarded` refuses what a
 * verify throws as `PayloadInvalid` with secrets scrubbed, never a defect;
 * `layerOf` and `layerConfigOf` build the source's layers, a `Config` value
 * that cannot be read failing as the provider's `Misconfigured`.
 */
import { Cause, Config, ConfigProvider, Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type * as IntegrationError from "../src/IntegrationError.ts"
import * as WebhookSource from "../src/WebhookSource.ts"

const request = new WebhookSource.WebhookRequest({
  method: "POST",
  url: "https://hooks.wedsync.test/x",
  headers: {},
  body: "{}",
  receivedAt: 0
})
const failureOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined

describe("WebhookSource helpers", () => {
  it("guarded refuses a throw as PayloadInvalid, never a defect, and scrubs the secrets", async () => {
    const source = WebhookSource.guarded("acme", () => {
      throw new Error("parser choked on whsec_topsecret")
    }, ["whsec_topsecret"])
    const found = failureOf(await Effect.runPromiseExit(source.verify(request)))
    expect(found?._tag).toBe("Some")
    const error = found?._tag === "Some" ? (found.value as IntegrationError.IntegrationError) : undefined
    expect(error?.reason._tag).toBe("PayloadInvalid")
    expect(error?.message).not.toContain("whsec_topsecret")
  })

  it("layerOf and layerConfigOf build the source; an unreadable Config value is the provider's Misconfigured", async () => {
    const make = (options: { readonly name: string }) =>
      Effect.succeed(
        WebhookSource.guarded(options.name, () =>
          Effect.succeed({ provider: options.name, id: "evt_1", type: "t", payload: null })
        )
      )
    const provider = (layer: Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError>) =>
      Effect.runPromiseExit(
        Effect.map(Effect.provide(Effect.service(WebhookSource.WebhookSource), layer), (s) => s.provider)
      )
    expect(await provider(WebhookSource.layerOf(make)({ name: "acme" }))).toEqual(Exit.succeed("acme"))
    const fromConfig = WebhookSource.layerConfigOf("acme", make)({ name: Config.String("ACME_NAME") })
    expect(
      await provider(
        fromConfig.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ ACME_NAME: "acme" }))))
      )
    ).toEqual(Exit.succeed("acme"))
    const missing = failureOf(
      await provider(fromConfig.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))))
    )
    const error = missing?._tag === "Some" ? (missing.value as IntegrationError.IntegrationError) : undefined
    expect(error?.reason._tag).toBe("Misconfigured")
    expect(error?.operation).toBe("webhook.configure")
  })
})
