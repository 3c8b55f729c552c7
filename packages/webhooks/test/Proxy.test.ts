/**
 * Behind a proxy: Twilio signs the public URL it posted to, while the
 * handler sees the internal one. With the public URL from configuration, or
 * from forwarding headers the handler is told to trust, the genuine callback
 * verifies; with neither it cannot, and forwarding headers are ignored unless
 * trusted (a sender cannot choose the URL its signature is checked against).
 */
import { Layer, ManagedRuntime, Redacted } from "effect"
import { TwilioWebhooks } from "@wedsync/adapter-sms"
import { Sqlite } from "@wedsync/durable"
import { Webhooks } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound } from "../src/index.ts"
import { type Inbox, inboxOn } from "./fixtures/inbox.ts"

const credentials = TwilioSim.definition.credentials
const PUBLIC = "https://hooks.wedsync.example/webhooks/twilio"
const INTERNAL = "http://10.0.4.17:3000/webhooks/twilio"
const source = TwilioWebhooks.make({ authToken: Redacted.make(credentials.authToken) })

let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let inbox: Layer.Layer<Inbox>
beforeAll(async () => {
  runtime = ManagedRuntime.make(inboxOn(Sqlite.layerMemory))
  inbox = Layer.succeedContext(await runtime.context())
})
afterAll(() => runtime.dispose())

let sid = 0
const callback = () => {
  sid++
  const subject = {
    sid: `SM${String(sid).padStart(32, "0")}`,
    accountSid: credentials.accountSid,
    from: "+15005550006",
    to: "+447700900123"
  }
  // signed for the public URL, as Twilio signs what it was told to call
  return Webhooks.build(
    TwilioSim.definition.signer as Webhooks.Signer<TwilioSim.Credentials>,
    credentials,
    TwilioSim.events.messageStatus(subject, "delivered"),
    PUBLIC
  )
}
const atInternal = (sent: Webhooks.WebhookDelivery, headers: Record<string, string> = {}) =>
  new Request(INTERNAL, { method: "POST", headers: { ...sent.headers, ...headers }, body: sent.body })
const forwarded = { "x-forwarded-proto": "https", "x-forwarded-host": "hooks.wedsync.example" }

const statusWith = async (options: Inbound.Options, request: Request) => {
  const handler = Inbound.webHandler(source, inbox, options)
  try {
    return (await handler.handler(request)).status
  } finally {
    await handler.dispose()
  }
}

describe("Inbound behind a proxy", () => {
  it("verifies Twilio's signature against the public URL from configuration", async () => {
    expect(await statusWith({ publicUrl: PUBLIC }, atInternal(callback()))).toBe(200)
  })

  it("verifies it against trusted forwarding headers", async () => {
    expect(await statusWith({ trustForwardedHeaders: true }, atInternal(callback(), forwarded))).toBe(200)
  })

  it("cannot verify it at the internal URL, and ignores forwarding headers it was not told to trust", async () => {
    expect(await statusWith({}, atInternal(callback()))).toBe(401)
    expect(await statusWith({}, atInternal(callback(), forwarded))).toBe(401)
  })
})
