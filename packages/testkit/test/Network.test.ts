/**
 * `Network.unreachable`: an address where a TCP connect never completes, so a
 * client's timeout fires before any byte of its request is written. Also pins
 * what `fetch` (undici) and axios (the `twilio` SDK) report in that connect
 * phase versus after the request was written (a simulator `Hang`), which is
 * what an adapter has to tell "not sent" from "maybe sent".
 */
import twilio from "twilio"
import { Effect } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../src/Faults.ts"
import * as Network from "../src/Network.ts"
import * as Simulator from "../src/Simulator.ts"
import * as Twilio from "../src/simulators/twilio.ts"

let sim: Simulator.Running<Twilio.State, Twilio.Credentials>
let blackhole: Network.Unreachable

beforeAll(async () => {
  sim = await Simulator.start(Twilio.definition, { seed: 3 })
  blackhole = await Network.unreachable()
})
afterAll(async () => {
  await sim.stop()
  await blackhole.close()
})
beforeEach(() => {
  sim.reset()
  sim.faults.add(Faults.rule(Faults.hang))
})

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected a failure")
    },
    (error: unknown) => error
  )

interface Dispatcher {
  close(): Promise<void>
}

/** An undici Agent of the undici that Node's own `fetch` bundles (no `undici` dependency needed). */
const bundledAgent = async (options: {
  readonly connect: { readonly timeout: number }
  readonly headersTimeout: number
}): Promise<Dispatcher> => {
  const key = Symbol.for("undici.globalDispatcher.1")
  const global = globalThis as unknown as Record<symbol, { constructor: new (o: unknown) => Dispatcher } | undefined>
  if (global[key] === undefined) await fetch(`http://127.0.0.1:${await Simulator.closedPort()}`).catch(() => undefined)
  const Agent = global[key]?.constructor
  if (Agent === undefined) throw new Error("no global undici dispatcher")
  return new Agent(options)
}

const twilioClient = (baseUrl: string) => {
  const client = twilio(sim.credentials.accountSid, sim.credentials.authToken, {
    httpClient: new twilio.RequestClient({ timeout: 300 }),
    autoRetry: false
  })
  client.api.baseUrl = baseUrl
  return client
}

const SEND = { to: "+15558675310", from: "+15005550006", body: "Hold the date" }

describe("Network.unreachable", () => {
  it("a connect there never completes: fetch's AbortSignal.timeout fires and nothing was written", async () => {
    const unreachable = await Network.unreachable()
    expect(unreachable.url).toBe(`http://127.0.0.1:${unreachable.port}`)
    const started = Date.now()
    const cause = await rejection(
      fetch(`${unreachable.url}/2010-04-01/Accounts/x/Messages.json`, {
        method: "POST",
        body: "To=%2B15558675310&Body=hi",
        signal: AbortSignal.timeout(300)
      })
    )
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(cause).toBeInstanceOf(DOMException)
    expect(cause).toMatchObject({ name: "TimeoutError", code: 23, message: "The operation was aborted due to timeout" })
    expect(await unreachable.close()).toEqual({ bytesReceived: 0 })
    expect(await unreachable.close()).toEqual({ bytesReceived: 0 })
  })

  it("fetch + AbortSignal.timeout: the same TimeoutError after the request was written (a Hang)", async () => {
    const cause = await rejection(
      fetch(`${sim.url}/2010-04-01/Accounts/x/Messages.json`, {
        method: "POST",
        body: "a=b",
        signal: AbortSignal.timeout(300)
      })
    )
    expect(cause).toMatchObject({ name: "TimeoutError", code: 23, message: "The operation was aborted due to timeout" })
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("undici's connect timeout is UND_ERR_CONNECT_TIMEOUT; after the write its headersTimeout is UND_ERR_HEADERS_TIMEOUT", async () => {
    const agent = await bundledAgent({ connect: { timeout: 200 }, headersTimeout: 300 })
    try {
      const connectPhase = await rejection(fetch(blackhole.url, { dispatcher: agent } as RequestInit))
      expect(connectPhase).toBeInstanceOf(TypeError)
      expect(connectPhase).toMatchObject({
        message: "fetch failed",
        cause: { name: "ConnectTimeoutError", code: "UND_ERR_CONNECT_TIMEOUT" }
      })
      const written = await rejection(
        fetch(`${sim.url}/2010-04-01/Accounts/x/Messages.json`, {
          method: "POST",
          body: "a=b",
          dispatcher: agent
        } as RequestInit)
      )
      expect(written).toMatchObject({
        message: "fetch failed",
        cause: { name: "HeadersTimeoutError", code: "UND_ERR_HEADERS_TIMEOUT" }
      })
      expect(sim.ledger.requests()).toHaveLength(1)
    } finally {
      await agent.close()
    }
  })

  it("axios (the twilio SDK) says ECONNABORTED in both phases; only request.writableFinished differs", async () => {
    const connectPhase = await rejection(twilioClient(blackhole.url).messages.create(SEND))
    expect(connectPhase).toMatchObject({
      isAxiosError: true,
      code: "ECONNABORTED",
      message: "timeout of 300ms exceeded",
      request: { writableFinished: false }
    })
    const written = await rejection(twilioClient(sim.url).messages.create(SEND))
    expect(written).toMatchObject({
      isAxiosError: true,
      code: "ECONNABORTED",
      message: "timeout of 300ms exceeded",
      request: { writableFinished: true }
    })
    expect(sim.ledger.requests()).toHaveLength(1)
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })

  it("unreachableScoped closes with its scope", async () => {
    const url = await Effect.runPromise(
      Effect.gen(function* () {
        const scoped = yield* Network.unreachableScoped
        return scoped.url
      }).pipe(Effect.scoped)
    )
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})
