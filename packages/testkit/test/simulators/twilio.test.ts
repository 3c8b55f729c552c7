/**
 * The Twilio simulator driven by the real `twilio` SDK (6.3.1): messages,
 * credentials, the error catalogue and magic numbers as `RestException`s,
 * every fault kind, and status callbacks verified with `twilio.validateRequest`
 * / `validateRequestWithBody` (HMAC-SHA1 and SharedKey HMAC-SHA256).
 */
import twilio from "twilio"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as Webhooks from "../../src/Webhooks.ts"
import * as Twilio from "../../src/simulators/twilio.ts"
import { type Received, startReceiver } from "../fixtures/receiver.ts"

type Running = Simulator.Running<Twilio.State, Twilio.Credentials>

let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(Twilio.definition, { seed: 11 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const clientFor = (
  target: Running,
  options: { readonly timeout?: number; readonly authToken?: string; readonly baseUrl?: string } = {}
) => {
  const httpClient = new twilio.RequestClient({ timeout: options.timeout ?? 2_000 })
  const client = twilio(target.credentials.accountSid, options.authToken ?? target.credentials.authToken, {
    httpClient,
    autoRetry: false
  })
  client.api.baseUrl = options.baseUrl ?? target.url
  return { client, httpClient }
}

const SEND = { to: "+15558675310", from: "+15005550006", body: "Rehearsal moved to 6 pm." }

const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (cause) {
    return cause
  }
  throw new Error("expected the call to fail")
}

const restException = async (promise: Promise<unknown>) => {
  const cause = await failure(promise)
  expect(cause).toBeInstanceOf(twilio.RestException)
  return cause as InstanceType<typeof twilio.RestException>
}

const axiosCode = (cause: unknown) => (cause as { readonly isAxiosError?: boolean; readonly code?: string }).code

describe("messages", () => {
  it("creates a message as Twilio answers it", async () => {
    const { client, httpClient } = clientFor(sim)
    const message = await client.messages.create({ ...SEND, statusCallback: "https://hooks.test/sms" })
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/)
    expect(message.accountSid).toBe(sim.credentials.accountSid)
    expect(message).toMatchObject({ to: SEND.to, from: SEND.from, body: SEND.body, status: "queued" })
    expect(message.numSegments).toBe("1")
    expect(message.errorCode).toBeNull()
    expect(message.dateCreated).toBeInstanceOf(Date)
    expect(message.uri).toBe(`/2010-04-01/Accounts/${sim.credentials.accountSid}/Messages/${message.sid}.json`)
    expect(httpClient.lastResponse?.statusCode).toBe(201)
    expect(httpClient.lastResponse?.headers["twilio-request-id"]).toMatch(/^RQ[0-9a-f]{32}$/)
    const [request] = sim.ledger.requests()
    expect(sim.ledger.requests()).toHaveLength(1)
    expect(request?.operation).toBe("messages.create")
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      To: SEND.to,
      From: SEND.from,
      Body: SEND.body,
      StatusCallback: "https://hooks.test/sms"
    })
    expect(sim.ledger.sideEffects("message").map((effect) => effect.id)).toEqual([message.sid])
  })

  it("accepts through a Messaging Service and counts segments", async () => {
    const { client } = clientFor(sim)
    const message = await client.messages.create({
      to: SEND.to,
      messagingServiceSid: "MG0123456789abcdef0123456789abcdef",
      body: "x".repeat(161)
    })
    expect(message).toMatchObject({ status: "accepted", from: null, numSegments: "2" })
    const unicode = await client.messages.create({ ...SEND, body: "💍".repeat(40) })
    expect(unicode.numSegments).toBe("2")
  })

  it("fetches a message, and answers 20404 for an unknown one", async () => {
    const { client } = clientFor(sim)
    const created = await client.messages.create(SEND)
    const fetched = await client.messages(created.sid).fetch()
    expect(fetched).toMatchObject({ sid: created.sid, status: "delivered" })
    const missing = await restException(client.messages("SM00000000000000000000000000000000").fetch())
    expect([missing.status, missing.code]).toEqual([404, 20404])
    expect(sim.ledger.requests({ operation: "messages.fetch" })).toHaveLength(2)
  })

  it("refuses a wrong Auth Token with Twilio's 401 20003", async () => {
    const { client, httpClient } = clientFor(sim, { authToken: "ffffffffffffffffffffffffffffffff" })
    const error = await restException(client.messages.create(SEND))
    expect(error).toMatchObject({
      status: 401,
      code: 20003,
      message: "Authenticate",
      moreInfo: "https://www.twilio.com/docs/errors/20003"
    })
    expect(httpClient.lastResponse?.body).toEqual({
      code: 20003,
      message: "Authenticate",
      more_info: "https://www.twilio.com/docs/errors/20003",
      status: 401
    })
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })

  it("answers missing parameters with 21604, 21603 and 21602", async () => {
    const { client } = clientFor(sim)
    const noBody = await restException(client.messages.create({ to: SEND.to, from: SEND.from }))
    expect([noBody.status, noBody.code]).toEqual([400, 21602])
    const noFrom = await restException(client.messages.create({ to: SEND.to, body: "hi" }))
    expect(noFrom.code).toBe(21603)
  })
})

describe("magic numbers of Twilio's test credentials", () => {
  const cases: ReadonlyArray<readonly [string, { readonly to?: string; readonly from?: string }, number]> = [
    ["To +15005550001 is invalid", { to: "+15005550001" }, 21211],
    ["To +15005550002 cannot be routed", { to: "+15005550002" }, 21612],
    ["To +15005550003 is in a region not enabled", { to: "+15005550003" }, 21408],
    ["To +15005550004 unsubscribed", { to: "+15005550004" }, 21610],
    ["To +15005550009 is not a mobile", { to: "+15005550009" }, 21614],
    ["From +15005550001 is invalid", { from: "+15005550001" }, 21212],
    ["From +15005550007 is not SMS-capable", { from: "+15005550007" }, 21606],
    ["From +15005550008 has a full queue", { from: "+15005550008" }, 21611]
  ]
  for (const [name, change, code] of cases) {
    it(name, async () => {
      const { client } = clientFor(sim)
      const error = await restException(client.messages.create({ ...SEND, ...change }))
      expect([error.status, error.code, error.moreInfo]).toEqual([
        400,
        code,
        `https://www.twilio.com/docs/errors/${code}`
      ])
      expect(sim.ledger.sideEffects()).toHaveLength(0)
    })
  }

  it("sends from +15005550006 to any other number", async () => {
    const { client } = clientFor(sim)
    await expect(client.messages.create(SEND)).resolves.toMatchObject({ status: "queued" })
  })
})

describe("error catalogue", () => {
  const expected: Readonly<Record<string, readonly [number, number]>> = {
    internal_error: [500, 20500],
    service_unavailable: [503, 20503],
    too_many_requests: [429, 20429],
    queue_full: [400, 21611],
    authenticate: [401, 20003],
    from_not_sms_capable: [400, 21606],
    invalid_from_number: [400, 21212],
    region_not_enabled: [400, 21408],
    cannot_route: [400, 21612],
    invalid_to_number: [400, 21211],
    unsubscribed_recipient: [400, 21610],
    not_mobile_number: [400, 21614],
    body_required: [400, 21602],
    to_required: [400, 21604],
    from_required: [400, 21603],
    body_too_long: [400, 21617]
  }

  it("covers every kind and lists each entry here", () => {
    expect(Object.keys(Twilio.errors).sort()).toEqual(Object.keys(expected).sort())
    const kinds = new Set(Object.values(Twilio.errors).map((entry) => entry.kind))
    expect([...kinds].sort()).toEqual(["providerPermanent", "rateLimited", "requestPermanent", "unavailable"])
  })

  for (const [name, entry] of Object.entries(Twilio.errors)) {
    it(`${name} reaches the SDK as Twilio sends it (${entry.reason})`, async () => {
      sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 7 }), { operation: "messages.create" }))
      const { client, httpClient } = clientFor(sim)
      const error = await restException(client.messages.create(SEND))
      expect([error.status, error.code]).toEqual(expected[name])
      expect(error.moreInfo).toBe(`https://www.twilio.com/docs/errors/${error.code}`)
      const headers = httpClient.lastResponse?.headers
      expect(headers["twilio-request-id"]).toMatch(/^RQ[0-9a-f]{32}$/)
      if (name === "too_many_requests") expect(headers["retry-after"]).toBe("7")
      expect(sim.ledger.requests()).toHaveLength(1)
      expect(sim.ledger.sideEffects()).toHaveLength(0)
    })
  }

  it("a kind picks its default entry", async () => {
    sim.faults.add(Faults.rule(Faults.error("rateLimited")))
    const error = await restException(clientFor(sim).client.messages.create(SEND))
    expect(error.code).toBe(20429)
  })
})

describe("faults", () => {
  it("a hang trips the SDK timeout and the request is aborted", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    const started = Date.now()
    const cause = await failure(clientFor(sim, { timeout: 300 }).client.messages.create(SEND))
    expect(axiosCode(cause)).toBe("ECONNABORTED")
    expect(Date.now() - started).toBeLessThan(1_500)
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("a reset is a raw axios ECONNRESET", async () => {
    sim.faults.add(Faults.rule(Faults.reset))
    expect(axiosCode(await failure(clientFor(sim).client.messages.create(SEND)))).toBe("ECONNRESET")
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("a closed port is a raw axios ECONNREFUSED", async () => {
    const baseUrl = `http://127.0.0.1:${await Simulator.closedPort()}`
    expect(axiosCode(await failure(clientFor(sim, { baseUrl }).client.messages.create(SEND)))).toBe("ECONNREFUSED")
  })

  it("a malformed body makes the SDK's JSON.parse throw", async () => {
    sim.faults.add(Faults.rule(Faults.malformed))
    expect(await failure(clientFor(sim).client.messages.create(SEND))).toBeInstanceOf(SyntaxError)
  })

  it("an ambiguous commit queues the message though the SDK sees a reset", async () => {
    sim.faults.add(Faults.rule(Faults.ambiguousCommit))
    expect(axiosCode(await failure(clientFor(sim).client.messages.create(SEND)))).toBe("ECONNRESET")
    expect(sim.ledger.sideEffects("message")).toHaveLength(1)
    expect(sim.ledger.requests()[0]?.outcome).toBe("reset")
  })

  it("latency delays the answer", async () => {
    sim.faults.add(Faults.latency({ millis: 150 }))
    const started = Date.now()
    await clientFor(sim).client.messages.create(SEND)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it("failTimes fails twice, then the third call succeeds", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.error("unavailable"), { operation: "messages.create" }))
    const { client } = clientFor(sim)
    expect((await restException(client.messages.create(SEND))).code).toBe(20503)
    expect((await restException(client.messages.create(SEND))).code).toBe(20503)
    await expect(client.messages.create(SEND)).resolves.toMatchObject({ status: "queued" })
    expect(sim.ledger.requests().map((request) => request.status)).toEqual([503, 503, 201])
  })

  it("a script plays its steps in order", async () => {
    sim.faults.script("messages.create", [Faults.reset, Faults.error("too_many_requests"), Faults.pass])
    const { client } = clientFor(sim)
    expect(axiosCode(await failure(client.messages.create(SEND)))).toBe("ECONNRESET")
    expect((await restException(client.messages.create(SEND))).status).toBe(429)
    await expect(client.messages.create(SEND)).resolves.toBeDefined()
  })

  it("an outage window answers 5xx until it ends", async () => {
    sim.faults.add(Faults.outage({ forMillis: 250, operation: "messages.create" }))
    const { client } = clientFor(sim)
    expect((await restException(client.messages.create(SEND))).status).toBe(503)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await expect(client.messages.create(SEND)).resolves.toBeDefined()
  })

  it("the same seed gives the same faults and sids", async () => {
    const run = async () => {
      const seeded = await Simulator.start(Twilio.definition, { seed: 99 })
      seeded.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.5 }))
      const { client } = clientFor(seeded)
      const outcomes: Array<string> = []
      for (let i = 0; i < 8; i++) {
        outcomes.push(
          await client.messages.create(SEND).then(
            (message) => message.sid,
            () => "failed"
          )
        )
      }
      await seeded.stop()
      return outcomes
    }
    const first = await run()
    expect(first).toContain("failed")
    expect(first.some((outcome) => outcome.startsWith("SM"))).toBe(true)
    expect(await run()).toEqual(first)
  })
})

const paramsOf = (received: Received) => Object.fromEntries(new URLSearchParams(received.body))
const header = (received: Received, name: string) => String(received.headers[name] ?? "")

describe("status callbacks", () => {
  it("queued → sent → delivered go to the StatusCallback, signed so validateRequest accepts them", async () => {
    const token = sim.credentials.authToken
    const receiver = await startReceiver((received) =>
      twilio.validateRequest(token, header(received, "x-twilio-signature"), received.url, paramsOf(received))
    )
    try {
      const message = await clientFor(sim).client.messages.create({ ...SEND, statusCallback: receiver.url })
      await sim.settle()
      expect(receiver.received.map((received) => paramsOf(received).MessageStatus).sort()).toEqual(
        ["delivered", "queued", "sent"].sort()
      )
      for (const received of receiver.received) {
        expect(paramsOf(received)).toMatchObject({
          MessageSid: message.sid,
          SmsSid: message.sid,
          AccountSid: sim.credentials.accountSid,
          From: SEND.from,
          To: SEND.to,
          ApiVersion: "2010-04-01"
        })
        expect(header(received, "content-type")).toBe("application/x-www-form-urlencoded")
      }
      expect(sim.deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200])
    } finally {
      await receiver.close()
    }
  })

  it("a failed status carries ErrorCode", () => {
    const event = Twilio.events.messageStatus(
      { sid: "SM1", accountSid: "AC1", from: "+15005550006", to: SEND.to },
      "undelivered",
      { errorCode: 30003 }
    )
    expect(new URLSearchParams(event.body).get("ErrorCode")).toBe("30003")
  })

  it("every tampered delivery fails validateRequest; a stale one still passes (the scheme has no timestamp)", async () => {
    const token = sim.credentials.authToken
    const receiver = await startReceiver((received) =>
      twilio.validateRequest(token, header(received, "x-twilio-signature"), received.url, paramsOf(received))
    )
    try {
      const event = Twilio.events.messageStatus(
        {
          sid: "SM0123456789abcdef0123456789abcdef",
          accountSid: sim.credentials.accountSid,
          from: SEND.from,
          to: SEND.to
        },
        "delivered",
        { url: receiver.url }
      )
      const [valid] = await sim.deliver(sim.buildWebhook(event))
      expect(valid?.status).toBe(200)
      expect(Twilio.signer.timestamped).toBe(false)
      for (const tamper of Webhooks.tampers) {
        const [record] = await sim.deliver(sim.buildWebhook(event, { tamper }))
        expect([tamper, record?.status]).toEqual([tamper, tamper === "staleTimestamp" ? 200 : 401])
      }
    } finally {
      await receiver.close()
    }
  })

  it("a JSON event is signed over its URL with ?bodySHA256=, as validateRequestWithBody checks", async () => {
    const token = sim.credentials.authToken
    const receiver = await startReceiver((received) =>
      twilio.validateRequestWithBody(token, header(received, "x-twilio-signature"), received.url, received.body)
    )
    try {
      const event = Twilio.events.messageStatusJson(
        {
          sid: "SM0123456789abcdef0123456789abcdef",
          accountSid: sim.credentials.accountSid,
          from: SEND.from,
          to: SEND.to
        },
        "delivered",
        { url: `${receiver.url}?sink=events` }
      )
      const delivery = sim.buildWebhook(event)
      expect(delivery.url).toMatch(/\?sink=events&bodySHA256=[0-9a-f]{64}$/)
      const [valid] = await sim.deliver(delivery)
      expect(valid?.status).toBe(200)
      expect(JSON.parse(receiver.received[0]?.body ?? "[]")[0]).toMatchObject({
        type: "com.twilio.messaging.message.delivered"
      })
      for (const tamper of ["body", "wrongSecret", "missingHeader"] as const) {
        const [record] = await sim.deliver(sim.buildWebhook(event, { tamper }))
        expect([tamper, record?.status]).toEqual([tamper, 401])
      }
    } finally {
      await receiver.close()
    }
  })

  it("with a SharedKey, callbacks are HMAC-SHA256 and name it in X-Twilio-Webhooks-Signature-Settings", async () => {
    const sharedKey: Twilio.SharedKey = {
      keyId: "webhooks_sharedkey_0123456789",
      secret: "shared-key-secret-0123456789abcdef",
      algorithm: "HMAC_SHA256"
    }
    const keyed = await Simulator.start(Twilio.definition, { seed: 3, credentials: { sharedKey } })
    const verdicts: Array<Record<string, boolean>> = []
    const receiver = await startReceiver((received) => {
      const settings = header(received, "x-twilio-webhooks-signature-settings")
      const algorithm = twilio.getSignatureAlgorithm(settings)
      const signature = header(received, "x-twilio-signature")
      const params = paramsOf(received)
      verdicts.push({
        sha256: twilio.validateRequest(sharedKey.secret, signature, received.url, params, algorithm),
        sha1: twilio.validateRequest(sharedKey.secret, signature, received.url, params),
        authToken: twilio.validateRequest(keyed.credentials.authToken, signature, received.url, params, algorithm)
      })
      return verdicts.at(-1)?.sha256 === true
    })
    try {
      await clientFor(keyed).client.messages.create({ ...SEND, statusCallback: receiver.url })
      await keyed.settle()
      expect(receiver.received).toHaveLength(3)
      for (const received of receiver.received) {
        expect(header(received, "x-twilio-webhooks-signature-settings")).toBe(
          "key=webhooks_sharedkey_0123456789,algorithm=HMAC_SHA256"
        )
      }
      expect(verdicts).toEqual(Array(3).fill({ sha256: true, sha1: false, authToken: false }))
      const event = Twilio.events.messageStatus(
        { sid: "SM1", accountSid: keyed.credentials.accountSid, from: SEND.from, to: SEND.to },
        "sent",
        { url: receiver.url, credentials: keyed.credentials }
      )
      for (const tamper of ["body", "wrongSecret", "missingHeader"] as const) {
        const [record] = await keyed.deliver(keyed.buildWebhook(event, { tamper }))
        expect([tamper, record?.status]).toEqual([tamper, 401])
      }
    } finally {
      await receiver.close()
      await keyed.stop()
    }
  })
})
