import { Effect, Layer } from "effect"
import { IntegrationError, SmsProvider } from "@wedsync/core"
import { describe, expect, it } from "vitest"
import * as SmsProviderContract from "../../src/contracts/SmsProviderContract.ts"
import * as TwilioSim from "../../src/simulators/twilio.ts"
import * as VonageSim from "../../src/simulators/vonage.ts"
import * as Twilio from "../fixtures/adapters/twilio.ts"
import * as Vonage from "../fixtures/adapters/vonage.ts"

const twilio: SmsProviderContract.Options<TwilioSim.State, TwilioSim.Credentials> = {
  simulator: TwilioSim.definition,
  layer: Twilio.layer,
  wrongCredentials: { ...TwilioSim.definition.credentials, authToken: "0000wrong0canary0token0000000000" }
}

SmsProviderContract.suite("SmsProviderContract: Twilio reference adapter", twilio)

SmsProviderContract.suite("SmsProviderContract: Vonage reference adapter", {
  simulator: VonageSim.definition,
  layer: Vonage.layer,
  wrongCredentials: { ...VonageSim.definition.credentials, apiSecret: "WrongCanarySecret9" }
})

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
          ).pipe(Layer.provide(Twilio.layer(target)))
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
