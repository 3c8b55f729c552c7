import { createHash, timingSafeEqual } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import { Errors, ServerClient } from "postmark"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as Postmark from "../../src/simulators/postmark.ts"
import { email, failure } from "../fixtures/postmarkSdk.ts"
import { type Receiver, startReceiver } from "../fixtures/receiver.ts"

type Running = Simulator.Running<Postmark.State, Postmark.Credentials>

let sim: Running
let receiver: Receiver

/** Constant-time comparison of a header with its expected value (hashes first, so lengths never leak). */
const sameValue = (given: string | undefined, expected: string): boolean =>
  given !== undefined &&
  timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest())

/** What a receiver of Postmark webhooks checks: Basic credentials and the custom header, nothing else. */
const verify = (
  headers: IncomingHttpHeaders,
  username: string,
  password: string,
  custom?: readonly [string, string]
): boolean =>
  sameValue(headers.authorization, Postmark.basicAuthorization(`${username}:${password}`)) &&
  (custom === undefined || sameValue(headers[custom[0].toLowerCase()] as string | undefined, custom[1]))

beforeAll(async () => {
  receiver = await startReceiver((received) =>
    verify(received.headers, sim.credentials.webhookUsername, sim.credentials.webhookPassword)
  )
  sim = await Simulator.start(Postmark.definition, { seed: 11, webhookUrl: receiver.url })
})

afterAll(async () => {
  await sim.stop()
  await receiver.close()
})

beforeEach(async () => {
  await sim.settle()
  sim.reset()
  receiver.received.length = 0
})

const client = (options: { readonly timeout?: number; readonly token?: string; readonly port?: number } = {}) =>
  new ServerClient(options.token ?? sim.credentials.serverToken, {
    useHttps: false,
    requestHost: `127.0.0.1:${options.port ?? sim.port}`,
    timeout: options.timeout ?? 2
  })

const eventually = async (check: () => boolean, millis = 2_000) => {
  const until = Date.now() + millis
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const records = (from: Receiver = receiver) =>
  from.received.map((entry) => JSON.parse(entry.body) as Record<string, unknown>)

describe("Postmark simulator, driven by the postmark SDK", () => {
  it("sends one email: Postmark's success body, one request, one side effect", async () => {
    const sent = await client().sendEmail(email())
    expect(sent).toMatchObject({ To: "ana@example.com", ErrorCode: 0, Message: "OK" })
    expect(sent.MessageID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(Number.isNaN(Date.parse(sent.SubmittedAt))).toBe(false)
    const [request] = sim.ledger.requests({ operation: "email.send" })
    expect(sim.ledger.requests()).toHaveLength(1)
    expect(request?.headers).toMatchObject({
      "x-postmark-server-token": "<redacted>",
      "user-agent": "Postmark.JS - 5.1.0"
    })
    expect(JSON.parse(request?.body ?? "")).toMatchObject({ From: "WedSync <hello@wedsync.example>", Tag: "reminder" })
    expect(sim.ledger.sideEffects("email").map((effect) => effect.id)).toEqual([sent.MessageID])
  })

  it("answers message details with recipients and events, and 701 for an unknown id", async () => {
    const sent = await client().sendEmail(
      email({ To: '"Lopez, Ana" <ana@example.com>, ben@example.com', Cc: "cy@example.com" })
    )
    const details = await client().getOutboundMessageDetails(sent.MessageID)
    expect(details).toMatchObject({
      MessageID: sent.MessageID,
      Status: "Sent",
      MessageStream: "outbound",
      Tag: "reminder"
    })
    expect(details.To).toEqual([
      { Email: "ana@example.com", Name: "Lopez, Ana" },
      { Email: "ben@example.com", Name: "" }
    ])
    expect(details.Recipients).toEqual(["ana@example.com", "ben@example.com", "cy@example.com"])
    expect(details.MessageEvents.map((event) => event.Type)).toEqual(["Delivered", "Delivered", "Delivered"])
    const missing = await failure(client().getOutboundMessageDetails("00000000-0000-4000-8000-000000000000"))
    expect(missing).toMatchObject({ statusCode: 422, code: 701, message: "This message was not found." })
  })

  it("answers a batch with HTTP 200 and one ErrorCode per message", async () => {
    const results = await client().sendEmailBatch([
      email(),
      email({ To: "hardbounce@example.com" }),
      email({ To: "not-an-address" }),
      email({ From: "hello@unverified.example" }),
      email({ MessageStream: "newsletters" })
    ])
    expect(results.map((result) => result.ErrorCode)).toEqual([0, 406, 300, 400, 1235])
    expect(results[1]?.Message).toContain("Found inactive addresses: hardbounce@example.com. Inactive")
    expect(sim.ledger.requests()).toEqual([expect.objectContaining({ operation: "email.sendBatch", status: 200 })])
    expect(sim.ledger.sideEffects("email")).toHaveLength(1)
    const tooMany = await failure(client().sendEmailBatch(Array.from({ length: 501 }, () => email())))
    expect(tooMany).toMatchObject({ statusCode: 422, code: 410 })
  })

  it("registers a webhook whose HttpAuth, HttpHeaders and Triggers govern later deliveries", async () => {
    const hooks = await startReceiver((received) =>
      verify(received.headers, "hooks", "s3cret", ["X-Wedsync-Hook", "h1"])
    )
    try {
      const webhook = await client().createWebhook({
        Url: hooks.url,
        HttpAuth: { Username: "hooks", Password: "s3cret" },
        HttpHeaders: [{ Name: "X-Wedsync-Hook", Value: "h1" }],
        Triggers: { Delivery: { Enabled: true }, Bounce: { Enabled: false, IncludeContent: false } }
      })
      expect(webhook).toMatchObject({ ID: 1, Url: hooks.url, MessageStream: "outbound" })
      expect(webhook.Triggers).toMatchObject({
        Delivery: { Enabled: true },
        Bounce: { Enabled: false },
        Open: { Enabled: false }
      })
      await client().sendEmail(email({ To: "ana@example.com, bounce@example.com" }))
      await sim.settle()
      expect(records(hooks)).toEqual([
        expect.objectContaining({ RecordType: "Delivery", Recipient: "ana@example.com" })
      ])
      expect(sim.deliveries.map((delivery) => delivery.status)).toEqual([200])
      expect(receiver.received).toHaveLength(0)
      expect(sim.ledger.sideEffects("webhook")).toHaveLength(1)
    } finally {
      await hooks.close()
    }
  })
})

describe("credentials", () => {
  it("answers a wrong server token with HTTP 401 / ErrorCode 10", async () => {
    const error = await failure(client({ token: "not-the-token" }).sendEmail(email()))
    expect(error).toBeInstanceOf(Errors.InvalidAPIKeyError)
    expect(error).toMatchObject({ statusCode: 401, code: 10 })
    expect(error.message).toBe(
      "The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token."
    )
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })

  it("answers a missing token with Postmark's 401 text (the SDK refuses to send without one)", async () => {
    expect(() => new ServerClient("")).toThrow("A valid API token must be provided.")
    const response = await fetch(`${sim.url}/email`, { method: "POST", body: JSON.stringify(email()) })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      ErrorCode: 10,
      Message:
        "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token."
    })
  })
})

describe("data-driven answers", () => {
  it("refuses inactive recipients with 406, listing them where the SDK parses them", async () => {
    const magic = await failure(client().sendEmail(email({ To: "hardbounce@example.com" })))
    expect(magic).toBeInstanceOf(Errors.InactiveRecipientsError)
    expect((magic as Errors.InactiveRecipientsError).recipients).toEqual(["hardbounce@example.com"])
    sim.state.inactive.add("ben@example.com")
    const seeded = await failure(
      client().sendEmail(email({ To: "ana@example.com, ben@example.com", Bcc: "hardbounce@x.com" }))
    )
    expect((seeded as Errors.InactiveRecipientsError).recipients).toEqual(["ben@example.com", "hardbounce@x.com"])
    expect(sim.ledger.sideEffects("email")).toHaveLength(0)
  })

  it("refuses senders, streams and accounts that cannot send, with their ErrorCodes", async () => {
    const sender = await failure(client().sendEmail(email({ From: "Planner <planner@unverified.example>" })))
    expect(sender).toMatchObject({ statusCode: 422, code: 400, name: "ApiInputError" })
    expect(sender.message).toContain(
      "The 'From' address you supplied (Planner <planner@unverified.example>) is not a Sender"
    )
    expect(await failure(client().sendEmail(email({ MessageStream: "nope" })))).toMatchObject({ code: 1235 })
    sim.state.accountPending = true
    const pending = await failure(client().sendEmail(email()))
    expect(pending).toMatchObject({ code: 412 })
    expect(pending.message).toContain("you are attempting to send email to the following domain(s): 'example.com'.")
    expect(await client().sendEmail(email({ To: "planner@wedsync.example" }))).toMatchObject({ ErrorCode: 0 })
    sim.state.outOfCredits = true
    expect(await failure(client().sendEmail(email()))).toMatchObject({ statusCode: 422, code: 405 })
    expect(await failure(client().sendEmailBatch([email()]))).toMatchObject({ statusCode: 422, code: 405 })
  })

  it("refuses invalid messages with ErrorCode 300 and a body that is not JSON with 402", async () => {
    const address = await failure(client().sendEmail(email({ To: "ana.example.com" })))
    expect(address).toBeInstanceOf(Errors.InvalidEmailRequestError)
    expect(address.message).toBe(
      "Error parsing 'To': Illegal email address 'ana.example.com'. It must contain the '@' symbol."
    )
    expect(await failure(client().sendEmail(email({ To: "" })))).toMatchObject({
      code: 300,
      message: "Zero recipients specified"
    })
    const noBody = await failure(client().sendEmail(email({ TextBody: undefined })))
    expect(noBody.message).toBe("Provide either email TextBody or HtmlBody or both.")
    const response = await fetch(`${sim.url}/email`, {
      method: "POST",
      headers: { "x-postmark-server-token": sim.credentials.serverToken },
      body: "{not json"
    })
    expect(response.status).toBe(422)
    expect(await response.json()).toEqual({ ErrorCode: 402, Message: "Received invalid JSON input." })
  })
})

const expectedErrors: Record<string, readonly [status: number, code: number, type: typeof Errors.PostmarkError]> = {
  internal_server_error: [500, 101, Errors.InternalServerError],
  service_unavailable: [503, 100, Errors.ServiceUnavailablerError],
  rate_limited: [429, 429, Errors.RateLimitExceededError],
  invalid_server_token: [401, 10, Errors.InvalidAPIKeyError],
  sender_signature_not_found: [422, 400, Errors.ApiInputError],
  not_allowed_to_send: [422, 405, Errors.ApiInputError],
  account_pending_approval: [422, 412, Errors.ApiInputError],
  account_not_approved: [422, 413, Errors.ApiInputError],
  message_stream_not_found: [422, 1235, Errors.ApiInputError],
  messages_query_invalid: [422, 700, Errors.ApiInputError],
  inactive_recipient: [422, 406, Errors.InactiveRecipientsError],
  invalid_email_request: [422, 300, Errors.InvalidEmailRequestError],
  invalid_json: [422, 402, Errors.ApiInputError]
}

describe("error catalogue", () => {
  it("covers every entry", () => {
    expect(Object.keys(Postmark.errors).sort()).toEqual(Object.keys(expectedErrors).sort())
  })

  it.each(Object.entries(expectedErrors))(
    "%s reaches the SDK as Postmark sends it",
    async (name, [status, code, type]) => {
      sim.faults.add(Faults.failTimes(1, Faults.error(name, { retryAfterSeconds: 3 })))
      const error = await failure(client().sendEmail(email()))
      expect(error).toBeInstanceOf(type)
      expect(error).toMatchObject({ statusCode: status, code })
      expect(sim.ledger.requests()).toHaveLength(1)
    }
  )

  it("picks a default entry per kind", async () => {
    for (const [kind, status] of [
      ["unavailable", 503],
      ["rateLimited", 429],
      ["providerPermanent", 422],
      ["requestPermanent", 422]
    ] as const) {
      sim.faults.add(Faults.failTimes(1, Faults.error(kind)))
      expect(await failure(client().sendEmail(email()))).toMatchObject({ statusCode: status })
    }
  })

  it("shows Retry-After only to a fetch wrapper: the SDK's error carries no headers", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.error("rateLimited", { retryAfterSeconds: 7 })))
    const seen: Array<string | null> = []
    const wrapped = new ServerClient(sim.credentials.serverToken, {
      useHttps: false,
      requestHost: `127.0.0.1:${sim.port}`,
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        seen.push(response.headers.get("retry-after"))
        return response
      }
    })
    const error = await failure(wrapped.sendEmail(email()))
    expect(error).toBeInstanceOf(Errors.RateLimitExceededError)
    expect(Object.keys(error)).not.toContain("headers")
    expect(seen).toEqual(["7"])
  })
})

describe("transport faults", () => {
  it("Hang: the SDK's timeout (seconds) fires and the simulator sees the client leave", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { times: 1 }))
    const started = Date.now()
    const error = await failure(client({ timeout: 0.3 }).sendEmail(email()))
    expect(error).toMatchObject({ statusCode: 0, message: "The operation was aborted due to timeout" })
    expect(Date.now() - started).toBeLessThan(1_500)
    await eventually(() => sim.ledger.requests()[0]?.outcome === "clientAborted")
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("Reset, connection refused: statusCode 0 'fetch failed'", async () => {
    sim.faults.add(Faults.rule(Faults.reset, { times: 1 }))
    expect(await failure(client().sendEmail(email()))).toMatchObject({ statusCode: 0, message: "fetch failed" })
    expect(sim.ledger.requests()[0]?.outcome).toBe("reset")
    const refused = await failure(client({ port: await Simulator.closedPort() }).sendEmail(email()))
    expect(refused).toMatchObject({ statusCode: 0, message: "fetch failed" })
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })

  it("Malformed: the SDK resolves with the raw text instead of failing", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.malformed))
    expect(await client().sendEmail(email())).toBe('{"id": "trunc')
  })

  it("AmbiguousCommit: the SDK fails, yet the email was accepted and its webhook sent", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.ambiguousCommit))
    expect(await failure(client().sendEmail(email()))).toMatchObject({ statusCode: 0, message: "fetch failed" })
    const [effect] = sim.ledger.sideEffects("email")
    expect(sim.state.messages.has(effect?.id ?? "")).toBe(true)
    await sim.settle()
    expect(records()).toEqual([expect.objectContaining({ RecordType: "Delivery", MessageID: effect?.id })])
  })

  it("latency, failTimes, scripts and outage windows", async () => {
    sim.faults.add(Faults.latency({ millis: 200 }, { operation: "email.send", times: 1 }))
    const started = Date.now()
    await client().sendEmail(email())
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    sim.faults.add(Faults.failTimes(2, Faults.error("unavailable"), { operation: "email.send" }))
    expect(await failure(client().sendEmail(email()))).toBeInstanceOf(Errors.ServiceUnavailablerError)
    expect(await failure(client().sendEmail(email()))).toBeInstanceOf(Errors.ServiceUnavailablerError)
    expect(await client().sendEmail(email())).toMatchObject({ ErrorCode: 0 })
    sim.faults.script("email.send", [Faults.reset, Faults.error("rate_limited"), Faults.pass])
    expect(await failure(client().sendEmail(email()))).toMatchObject({ statusCode: 0 })
    expect(await failure(client().sendEmail(email()))).toBeInstanceOf(Errors.RateLimitExceededError)
    expect(await client().sendEmail(email())).toMatchObject({ ErrorCode: 0 })
    sim.faults.add(Faults.outage({ forMillis: 60_000, operation: "email.sendBatch" }))
    expect(await failure(client().sendEmailBatch([email()]))).toBeInstanceOf(Errors.ServiceUnavailablerError)
    expect(await client().sendEmail(email())).toMatchObject({ ErrorCode: 0 })
    sim.faults.clear()
    sim.faults.add(Faults.outage({ forMillis: 1_000, now: Date.now() - 5_000 }))
    expect(await client().sendEmailBatch([email()])).toEqual([expect.objectContaining({ ErrorCode: 0 })])
    expect(sim.ledger.requests()).toHaveLength(10)
    expect(sim.ledger.sideEffects("email")).toHaveLength(5)
  })

  it("is reproducible from its seed: same faults drawn, same MessageIDs", async () => {
    const run = async (seed: number) => {
      const other = await Simulator.start(Postmark.definition, { seed })
      other.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.5 }))
      const pm = client({ port: other.port })
      const outcomes: Array<string> = []
      for (let i = 0; i < 8; i++) {
        outcomes.push(
          await pm.sendEmail(email()).then(
            (sent) => sent.MessageID,
            (error: Errors.PostmarkError) => String(error.statusCode)
          )
        )
      }
      await other.stop()
      return outcomes
    }
    const first = await run(99)
    expect(await run(99)).toEqual(first)
    expect(first).toContain("503")
    expect(await run(100)).not.toEqual(first)
  })
})

describe("webhooks", () => {
  it("emits Delivery, Bounce and SpamComplaint records in Postmark's shapes, and suppresses hard bounces", async () => {
    const sent = await client().sendEmail(
      email({ To: "ana@example.com, bounce@example.com, softbounce@example.com", Cc: "spamcomplaint@example.com" })
    )
    await sim.settle()
    const byType = (type: string) => records().filter((record) => record.RecordType === type)
    expect(byType("Delivery").map((record) => record.Recipient)).toEqual([
      "ana@example.com",
      "spamcomplaint@example.com"
    ])
    expect(byType("Delivery")[0]).toMatchObject({
      MessageID: sent.MessageID,
      MessageStream: "outbound",
      Tag: "reminder",
      Metadata: { weddingId: "w_1" },
      ServerID: 23
    })
    expect(byType("Bounce")).toEqual([
      expect.objectContaining({
        Type: "HardBounce",
        TypeCode: 1,
        Email: "bounce@example.com",
        Inactive: true,
        CanActivate: true
      }),
      expect.objectContaining({ Type: "SoftBounce", TypeCode: 4096, Email: "softbounce@example.com", Inactive: false })
    ])
    expect(byType("SpamComplaint")).toEqual([
      expect.objectContaining({ Email: "spamcomplaint@example.com", MessageID: sent.MessageID })
    ])
    expect(sim.deliveries.every((delivery) => delivery.status === 200)).toBe(true)
    const again = await failure(
      client().sendEmail(email({ To: "bounce@example.com, spamcomplaint@example.com, softbounce@example.com" }))
    )
    expect((again as Errors.InactiveRecipientsError).recipients).toEqual([
      "bounce@example.com",
      "spamcomplaint@example.com"
    ])
  })

  it("authenticates with Basic credentials only: wrong or missing credentials fail, a changed body does not", async () => {
    const event = Postmark.events.delivery({
      MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
      Recipient: "ana@example.com"
    })
    const [good, wrong, missing, body, stale] = await sim.deliver([
      sim.buildWebhook(event),
      sim.buildWebhook(event, { tamper: "wrongSecret" }),
      sim.buildWebhook(event, { tamper: "missingHeader" }),
      sim.buildWebhook(event, { tamper: "body" }),
      sim.buildWebhook(event, { tamper: "staleTimestamp" })
    ])
    expect([good, wrong, missing].map((record) => record?.status)).toEqual([200, 401, 401])
    // Postmark's scheme covers neither body nor time: a changed or replayed delivery still authenticates.
    expect([body, stale].map((record) => record?.status)).toEqual([200, 200])
    expect(receiver.received[3]?.body).not.toBe(event.body)
    expect(receiver.received[2]?.headers.authorization).toBeUndefined()
  })

  it("sends the custom headers of the credentials and builds Open and Click records", async () => {
    const custom = ["X-Wedsync-Hook", "h1"] as const
    const hooks = await startReceiver((received) => verify(received.headers, "postmark", "pw", custom))
    const other = await Simulator.start(Postmark.definition, {
      webhookUrl: hooks.url,
      credentials: { webhookPassword: "pw", webhookHeaders: { [custom[0]]: custom[1] } }
    })
    try {
      const base = { MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", Recipient: "ana@example.com" }
      const deliveries = await other.deliver([
        other.buildWebhook(Postmark.events.open(base, { headers: { [custom[0]]: custom[1] } })),
        other.buildWebhook(Postmark.events.click({ ...base, OriginalLink: "https://wedsync.example/rsvp" }))
      ])
      expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 401])
      expect(records(hooks)).toEqual([
        expect.objectContaining({ RecordType: "Open", FirstOpen: true, Recipient: "ana@example.com" }),
        expect.objectContaining({
          RecordType: "Click",
          ClickLocation: "HTML",
          OriginalLink: "https://wedsync.example/rsvp"
        })
      ])
      await client({ token: other.credentials.serverToken, port: other.port }).sendEmail(email())
      await other.settle()
      expect(other.deliveries.at(-1)).toMatchObject({ type: "Delivery", status: 200 })
    } finally {
      await other.stop()
      await hooks.close()
    }
  })
})
