/**
 * The Google Calendar webhook source: the webhook contract against the
 * simulator's channel headers (one token, and two while rolling it), the
 * channel check (a set, a lookup, a failing lookup), each resource state,
 * malformed headers, the de-duplication key, and configuration errors.
 */
import { Cause, Config, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { IntegrationError, WebhookSource } from "@wedsync/core"
import { Webhooks, WebhookSourceContract } from "@wedsync/testkit"
import * as GoogleSim from "@wedsync/testkit/simulators/googleCalendar"
import { describe, expect, it } from "vitest"
import { GoogleCalendarWebhooks } from "../src/index.ts"

const TOKEN = GoogleSim.definition.credentials.channelToken
const OLD_TOKEN = "wedsync-channel-token-before-the-roll"
const URL = "https://hooks.wedsync.test/googleCalendar"
const EXPIRATION = Date.UTC(2026, 11, 24, 12, 0, 0)

const channel = (id: string, token?: string): GoogleSim.PushChannel => ({
  id,
  resourceId: `res-${id}`,
  resourceUri: "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
  expiration: EXPIRATION,
  ...(token === undefined ? {} : { token })
})

const CHANNELS = ["wedsync-ch-w123", "wedsync-ch-w456"]

WebhookSourceContract.suite("WebhookSourceContract: GoogleCalendarWebhooks", {
  simulator: GoogleSim.definition,
  layer: (target) =>
    GoogleCalendarWebhooks.layer({ token: Redacted.make(target.credentials.channelToken), channels: CHANNELS }),
  events: [
    GoogleSim.events.sync(channel("wedsync-ch-w123")),
    GoogleSim.events.exists(channel("wedsync-ch-w123"), 2),
    GoogleSim.events.notExists(channel("wedsync-ch-w456"), 7)
  ]
})

WebhookSourceContract.suite("WebhookSourceContract: GoogleCalendarWebhooks while rolling the token", {
  simulator: GoogleSim.definition,
  layer: (target) =>
    GoogleCalendarWebhooks.layer({
      token: [Redacted.make(OLD_TOKEN), Redacted.make(target.credentials.channelToken)],
      channels: (channelId) => Effect.succeed(CHANNELS.includes(channelId))
    }),
  events: [GoogleSim.events.sync(channel("wedsync-ch-w456")), GoogleSim.events.exists(channel("wedsync-ch-w456"), 3)]
})

const source = (options: Partial<GoogleCalendarWebhooks.Options> = {}) =>
  GoogleCalendarWebhooks.layer({ token: Redacted.make(TOKEN), channels: new Set(CHANNELS), ...options })

const verifyWith = (
  layer: Layer.Layer<WebhookSource.WebhookSource, unknown>,
  request: WebhookSource.WebhookRequest
): Promise<Exit.Exit<WebhookSource.WebhookEvent, unknown>> =>
  Effect.runPromiseExit(
    Effect.flatMap(Effect.service(WebhookSource.WebhookSource), (port) => port.verify(request)).pipe(
      Effect.provide(layer)
    )
  )

const failureOf = (exit: Exit.Exit<unknown, unknown>): IntegrationError.IntegrationError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  if (!IntegrationError.isIntegrationError(error))
    throw new Error(`not an IntegrationError: ${Cause.pretty(exit.cause)}`)
  return error
}

const successOf = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected a success, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}

/** A notification as the simulator builds it, with some headers replaced or removed. */
const request = (
  event: Webhooks.WebhookEvent,
  headers: Readonly<Record<string, string | undefined>> = {}
): WebhookSource.WebhookRequest => {
  const delivery = Webhooks.build(GoogleSim.signer, GoogleSim.definition.credentials, event, URL)
  const merged: Record<string, string> = { ...delivery.headers }
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) delete merged[name]
    else merged[name] = value
  }
  return Webhooks.toRequest({ ...delivery, headers: merged })
}

describe("GoogleCalendarWebhooks notifications", () => {
  it.each(GoogleCalendarWebhooks.states)("decodes a %s notification into a typed event", async (state) => {
    const event = GoogleSim.events.notification(channel("wedsync-ch-w123"), state, 42)
    const verified = successOf(await verifyWith(source(), request(event)))
    expect(verified).toMatchObject({ provider: "google", id: "wedsync-ch-w123/42", type: state })
    const payload = verified.payload as GoogleCalendarWebhooks.Notification
    expect(payload).toEqual({
      channelId: "wedsync-ch-w123",
      resourceId: "res-wedsync-ch-w123",
      resourceUri: "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
      resourceState: state,
      messageNumber: 42,
      channelExpiration: EXPIRATION
    })
  })

  it("keys events by channel and message number: a redelivery is a duplicate, another channel is not", async () => {
    const ids = []
    for (const event of [
      GoogleSim.events.exists(channel("wedsync-ch-w123"), 5),
      GoogleSim.events.exists(channel("wedsync-ch-w123"), 5),
      GoogleSim.events.exists(channel("wedsync-ch-w456"), 5)
    ]) {
      ids.push(successOf(await verifyWith(source(), request(event))).id)
    }
    expect(ids).toEqual(["wedsync-ch-w123/5", "wedsync-ch-w123/5", "wedsync-ch-w456/5"])
  })

  it("refuses a channel we did not open as SignatureInvalid, from a set and from a lookup", async () => {
    const stranger = GoogleSim.events.sync(channel("someone-elses-channel"))
    const lookups: Array<string> = []
    const lookup: GoogleCalendarWebhooks.ChannelLookup = (channelId) =>
      Effect.sync(() => {
        lookups.push(channelId)
        return CHANNELS.includes(channelId)
      })
    for (const layer of [source(), source({ channels: lookup }), source({ channels: [] })]) {
      const error = failureOf(await verifyWith(layer, request(stranger)))
      expect(error.reason._tag).toBe("SignatureInvalid")
      expect(error.message).toContain("X-Goog-Channel-ID")
    }
    expect(lookups).toEqual(["someone-elses-channel"])
    const noId = failureOf(await verifyWith(source(), request(stranger, { "x-goog-channel-id": undefined })))
    expect(noId.reason._tag).toBe("SignatureInvalid")
  })

  it("checks the token before the channel, so an unknown channel with a forged token reveals nothing", async () => {
    let looked = false
    const lookup: GoogleCalendarWebhooks.ChannelLookup = () =>
      Effect.sync(() => {
        looked = true
        return true
      })
    const event = GoogleSim.events.sync(channel("wedsync-ch-w123"))
    for (const token of ["forged", TOKEN.slice(0, -1), `${TOKEN}x`, " "]) {
      const error = failureOf(
        await verifyWith(source({ channels: lookup }), request(event, { "x-goog-channel-token": token }))
      )
      expect([token, error.reason._tag]).toEqual([token, "SignatureInvalid"])
      expect(error.message.includes(TOKEN)).toBe(false)
    }
    expect(looked).toBe(false)
  })

  it("passes a lookup's own failure through, not as an unknown channel", async () => {
    const down = IntegrationError.make("channelStore", "lookup", new IntegrationError.Unavailable({}))
    const error = failureOf(
      await verifyWith(
        source({ channels: () => Effect.fail(down) }),
        request(GoogleSim.events.sync(channel("wedsync-ch-w123")))
      )
    )
    expect(error.reason._tag).toBe("Unavailable")
  })

  it("refuses a bad state, message number, expiration or a missing resource id as PayloadInvalid", async () => {
    const event = GoogleSim.events.exists(channel("wedsync-ch-w123"), 3)
    const broken: ReadonlyArray<Readonly<Record<string, string | undefined>>> = [
      { "x-goog-resource-state": "changed" },
      { "x-goog-resource-state": "EXISTS" },
      { "x-goog-resource-state": undefined },
      { "x-goog-message-number": "0" },
      { "x-goog-message-number": "3.5" },
      { "x-goog-message-number": "-3" },
      { "x-goog-message-number": "99999999999999999999" },
      { "x-goog-message-number": undefined },
      { "x-goog-resource-id": undefined },
      { "x-goog-channel-expiration": "next tuesday-ish" }
    ]
    for (const headers of broken) {
      const error = failureOf(await verifyWith(source(), request(event, headers)))
      expect([headers, error.reason._tag]).toEqual([headers, "PayloadInvalid"])
    }
    const noExpiry = successOf(await verifyWith(source(), request(event, { "x-goog-channel-expiration": undefined })))
    expect((noExpiry.payload as GoogleCalendarWebhooks.Notification).channelExpiration).toBeUndefined()
  })

  it("turns a lookup that throws into PayloadInvalid without the token in it", async () => {
    const error = failureOf(
      await verifyWith(
        source({
          channels: () => {
            throw new Error(`store exploded holding ${TOKEN}`)
          }
        }),
        request(GoogleSim.events.sync(channel("wedsync-ch-w123")))
      )
    )
    expect(error.reason._tag).toBe("PayloadInvalid")
    expect(error.message.includes(TOKEN)).toBe(false)
  })
})

describe("GoogleCalendarWebhooks configuration", () => {
  it("refuses no token, a blank one, and channels that are neither ids nor a lookup, as Misconfigured", async () => {
    for (const layer of [
      source({ token: [] }),
      source({ token: Redacted.make("  ") }),
      source({ channels: "wedsync-ch-w123" as unknown as ReadonlyArray<string> })
    ]) {
      const exit = await Effect.runPromiseExit(Layer.build(layer).pipe(Effect.scoped))
      expect(failureOf(exit).reason._tag).toBe("Misconfigured")
    }
  })

  it("reads its token and channel ids from Config", async () => {
    const config = {
      token: Config.Redacted("GOOGLE_CHANNEL_TOKEN"),
      channels: Config.succeed(CHANNELS)
    }
    const layer = GoogleCalendarWebhooks.layerConfig(config).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ GOOGLE_CHANNEL_TOKEN: TOKEN })))
    )
    const event = GoogleSim.events.sync(channel("wedsync-ch-w456"))
    expect(successOf(await verifyWith(layer, request(event))).id).toBe("wedsync-ch-w456/1")
    const missing = GoogleCalendarWebhooks.layerConfig(config).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
    )
    expect(failureOf(await verifyWith(missing, request(event))).reason._tag).toBe("Misconfigured")
  })
})
