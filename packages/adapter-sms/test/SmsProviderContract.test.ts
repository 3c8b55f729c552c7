/**
 * The SMS contract itself, shown to fail against a deliberately wrong
 * adapter: a mutation of the real Twilio adapter that trusts only the HTTP
 * status.
 */
import { Effect, Layer, Redacted } from "effect"
import { IntegrationError, SmsProvider } from "@wedsync/core"
import { SmsProviderContract } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { describe, expect, it } from "vitest"
import { Twilio } from "../src/index.ts"

const twilio: SmsProviderContract.Options<TwilioSim.State, TwilioSim.Credentials> = {
  simulator: TwilioSim.definition,
  layer: ({ baseUrl, credentials }) =>
    Twilio.layer({ baseUrl, accountSid: credentials.accountSid, authToken: Redacted.make(credentials.authToken) }),
  wrongCredentials: { ...TwilioSim.definition.credentials, authToken: "0000wrong0canary0token0000000000" }
}

describe("SmsProviderContract fails against deliberately wrong adapters", () => {
  it("an adapter that trusts only the HTTP status and takes every 4xx for a bad request", async () => {
    const failed = (
      await SmsProviderContract.verify({
        ...twilio,
        layer: (target) =>
          Layer.effect(
            SmsProvider.SmsProvider,
            Effect.map(Effect.service(SmsProvider.SmsProvider), (original) => ({
              ...original,
              send: (message: SmsProvider.SmsMessage) =>
                original.send(message).pipe(
                  Effect.mapError((error) =>
                    error.status !== undefined && error.status >= 400 && error.status < 500
                      ? IntegrationError.make(
                          error.provider,
                          error.operation,
                          new IntegrationError.InvalidRequest({}),
                          {
                            status: error.status
                          }
                        )
                      : error
                  )
                )
            }))
          ).pipe(Layer.provide(twilio.layer(target)))
      })
    )
      .filter((result) => !result.passed)
      .map((result) => result.name)
    expect(failed).toEqual(
      expect.arrayContaining([
        "classifies too_many_requests (rateLimited) as RateLimited, in one request",
        "wrong credentials fail as Unauthorized, without any secret in the error"
      ])
    )
    expect(failed).not.toContain("a reset connection fails as Unavailable")
  })
})
