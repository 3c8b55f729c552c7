/**
 * The email contract itself, shown to fail against deliberately wrong
 * adapters: mutations of the real Resend adapter that misclassify, leak the
 * key, outlive the timeout, retry on their own, drop the idempotency key or
 * drop or garble attachments.
 * Each must fail exactly the checks that catch it.
 */
import { Effect, Fiber, Layer, Redacted } from "effect"
import { EmailProvider, IntegrationError } from "@wedsync/core"
import { EmailProviderContract } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { describe, expect, it } from "vitest"
import { Resend } from "../src/index.ts"

type Port = (typeof EmailProvider.EmailProvider)["Service"]

const options: EmailProviderContract.Options<ResendSim.State, ResendSim.Credentials> = {
  simulator: ResendSim.definition,
  layer: ({ baseUrl, credentials }) => Resend.layer({ baseUrl, apiKey: Redacted.make(credentials.apiKey) }),
  wrongCredentials: { ...ResendSim.definition.credentials, apiKey: "re_wrong_canary_7f3a" },
  idempotencyKeys: true
}

/** The reference adapter with its `send` replaced. */
const mutate = (change: (original: Port) => Partial<Port>) => ({
  ...options,
  layer: (target: Parameters<typeof options.layer>[0]) =>
    Layer.effect(
      EmailProvider.EmailProvider,
      Effect.map(Effect.service(EmailProvider.EmailProvider), (original) => ({ ...original, ...change(original) }))
    ).pipe(Layer.provide(options.layer(target)))
})

const failedChecks = async (wrong: EmailProviderContract.Options<ResendSim.State, ResendSim.Credentials>) =>
  (await EmailProviderContract.verify(wrong)).filter((result) => !result.passed).map((result) => result.name)

describe("EmailProviderContract fails against deliberately wrong adapters", () => {
  it("an adapter that calls every failure Unavailable", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        send: (message) =>
          original.send(message).pipe(
            Effect.mapError((error) =>
              IntegrationError.make(error.provider, error.operation, new IntegrationError.Unavailable({}), {
                status: error.status
              })
            )
          )
      }))
    )
    expect(failed).toContain("classifies rate_limit_exceeded (rateLimited) as RateLimited, in one request")
    expect(failed).toContain("classifies domain_not_verified (providerPermanent) as Misconfigured, in one request")
    expect(failed).toContain("wrong credentials fail as Unauthorized, without any secret in the error")
    expect(failed).not.toContain("a reset connection fails as Unavailable")
  })

  it("an adapter that puts the API key in its errors", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        send: (message) =>
          original
            .send(message)
            .pipe(
              Effect.mapError((error) =>
                IntegrationError.make(
                  error.provider,
                  error.operation,
                  new IntegrationError.Unauthorized({ description: `key ${options.wrongCredentials.apiKey} refused` }),
                  { status: error.status }
                )
              )
            )
      }))
    )
    expect(failed).toContain("wrong credentials fail as Unauthorized, without any secret in the error")
  })

  it("an adapter whose requests outlive the timeout", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        send: (message) => Effect.flatMap(Effect.forkDetach(original.send(message)), Fiber.join)
      }))
    )
    expect(failed).toEqual(["the timeout aborts the HTTP request"])
  })

  it("an adapter that retries on its own", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        send: (message) => original.send(message).pipe(Effect.retry({ times: 1 }))
      }))
    )
    expect(failed).toContain("sends exactly one HTTP request per attempt (the SDK's own retries are off)")
  })

  it("an adapter that drops the idempotency key", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        send: (message) => original.send(new EmailProvider.EmailMessage({ ...message, idempotencyKey: undefined }))
      }))
    )
    expect(failed).toEqual(["passes the idempotency key, so a repeated send is accepted once"])
  })

  it("an adapter that drops attachments, and one that passes them through a text encoding", async () => {
    const dropped = await failedChecks(
      mutate((original) => ({
        send: (message) => original.send(new EmailProvider.EmailMessage({ ...message, attachments: undefined }))
      }))
    )
    expect(dropped).toEqual(["sends attachments with their names, types and exact bytes"])
    const asText = (attachment: EmailProvider.Attachment): EmailProvider.Attachment => ({
      ...attachment,
      content: new TextEncoder().encode(
        Buffer.from(EmailProvider.attachmentBase64(attachment), "base64").toString("utf8")
      )
    })
    const garbled = await failedChecks(
      mutate((original) => ({
        send: (message) =>
          original.send(new EmailProvider.EmailMessage({ ...message, attachments: message.attachments?.map(asText) }))
      }))
    )
    expect(garbled).toEqual(["sends attachments with their names, types and exact bytes"])
  })
})
