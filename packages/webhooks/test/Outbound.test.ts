/**
 * Outbound delivery against local endpoints that answer, fail, hang, answer
 * 410 or redirect, through the SSRF guard (loopback allowlisted) and the
 * outbox on SQLite, with the `webhook_delivery` schedule shortened to tens of
 * milliseconds (its own numbers are checked in core's Retry tests):
 * signatures the `standardwebhooks` library's own verifier accepts (under
 * either of two rotating secrets) and a W3C traceparent; a failing endpoint
 * retried on the schedule; a 410 disables the endpoint, what arrives while
 * it is disabled is held and delivered once it is enabled; an endpoint
 * failing too long is disabled with one alert; a redirect is a failure and a
 * private address is refused without a retry; hanging endpoints never delay
 * a healthy one.
 */
import { Effect, Exit, Layer, ManagedRuntime, Redacted } from "effect"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Policy, Resilience } from "@wedsync/core"
import { DeadLetters, Outbox, Sqlite } from "@wedsync/durable"
import { Webhook } from "standardwebhooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Outbound, SsrfGuard } from "../src/index.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"

const SECRET_OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const SECRET_NEW = "whsec_dGhlLW5leHQtc2VjcmV0LWFmdGVyLXJvdGF0aW9u"

interface Received {
  readonly path: string
  readonly at: number
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}
const received: Array<Received> = []
const answers = new Map<string, () => { status: number; headers?: Record<string, string> } | "hang">()
let server: Server
let base: string

const overrides = Policy.PolicyOverrides.make({
  services: {
    webhook_delivery: {
      // long enough that a healthy endpoint waiting behind a hanging one would show
      timeoutMillis: 2_000,
      deferred: {
        rules: [
          {
            reasons: ["RateLimited", "Unavailable", "TimedOut", "CircuitOpen", "BulkheadFull"],
            delay: { kind: "table", millis: [40, 80, 120], jitter: 0 },
            // enough retries that an endpoint always failing outlives the 250 ms auto-disable below
            maxRetries: 8
          }
        ]
      }
    }
  }
})

const alerts: Array<Outbound.Disabled> = []
let runtime: ManagedRuntime.ManagedRuntime<Inbox | Outbound.Endpoints | Resilience.Resilience, unknown>
let stopWorker: () => Promise<void>
const guard = SsrfGuard.make({ allow: ["127.0.0.1/32"] })

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8")
    })
    request.on("end", () => {
      const path = request.url ?? "/"
      received.push({ path, at: Date.now(), headers: request.headers, body })
      const answer = (
        answers.get(path) ?? ((): { status: number; headers?: Record<string, string> } => ({ status: 200 }))
      )()
      if (answer === "hang") return
      response.writeHead(answer.status, answer.headers)
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const policies = Policy.layer(overrides)
  runtime = ManagedRuntime.make(
    Layer.mergeAll(
      inboxOn(Sqlite.layerMemory, undefined, { holdInterval: "50 millis" }),
      Outbound.layerMemory,
      Resilience.layerMemory().pipe(Layer.provide(policies))
    ).pipe(Layer.provideMerge(policies))
  )
  stopWorker = await forkWorker(
    runtime,
    Outbox.worker(
      Outbound.handlers({
        guard,
        autoDisableAfter: "250 millis",
        alert: (disabled) => Effect.sync(() => alerts.push(disabled))
      }),
      { concurrency: { standard: 8, critical: 2 } }
    )
  )
})

afterAll(async () => {
  await stopWorker()
  await runtime.dispose()
  await guard.close()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const run = <A, E>(effect: Effect.Effect<A, E, Inbox | Outbound.Endpoints | Resilience.Resilience>) =>
  runtime.runPromise(effect)
const endpoints = <A, E>(f: (service: Outbound.Endpoints["Service"]) => Effect.Effect<A, E>) =>
  run(Effect.flatMap(Effect.service(Outbound.Endpoints), f))
const put = (id: string, path: string, extra: Partial<Outbound.EndpointInput> = {}) =>
  endpoints((service) =>
    service.put({ id, url: `${base}${path}`, secrets: [Redacted.make(SECRET_NEW)], eventTypes: [id], ...extra })
  )
const publish = (type: string, id: string) => run(Outbound.publish({ id, type, payload: { bookingId: "b7", id } }))
const at = (path: string) => received.filter((entry) => entry.path === path)
const until = async (condition: () => boolean | Promise<boolean>, millis = 5_000) => {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("Outbound delivery", () => {
  it("signs with every current secret, as the standardwebhooks verifier accepts, and sends a traceparent", async () => {
    await put("signed", "/signed", { secrets: [Redacted.make(SECRET_OLD), Redacted.make(SECRET_NEW)] })
    expect(await publish("signed", "evt_signed_1")).toEqual(["signed"])
    await until(() => at("/signed").length === 1)
    const [delivery] = at("/signed")
    const headers = Object.fromEntries(Object.entries(delivery!.headers).map(([k, v]) => [k, String(v)]))
    for (const secret of [SECRET_OLD, SECRET_NEW]) {
      expect(new Webhook(secret).verify(delivery!.body, headers)).toMatchObject({
        type: "signed",
        data: { bookingId: "b7", id: "evt_signed_1" }
      })
    }
    expect(headers["webhook-id"]).toBe("evt_signed_1")
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  })

  it("retries a failing endpoint on the schedule until it answers", async () => {
    let calls = 0
    answers.set("/flaky", () => (++calls <= 2 ? { status: 500 } : { status: 204 }))
    await put("flaky", "/flaky")
    await publish("flaky", "evt_flaky_1")
    await until(() => at("/flaky").length === 3)
    const times = at("/flaky").map((entry) => entry.at)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(35)
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(75)
    // the success clears its failure record, once the answer is back
    await until(async () => (await endpoints((service) => service.get("flaky")))?.failingSince === undefined)
  })

  it("disables an endpoint that answers 410, keeps what arrives meanwhile, and delivers it all once enabled", async () => {
    let gone = true
    answers.set("/gone", () => (gone ? { status: 410 } : { status: 200 }))
    await put("gone", "/gone")
    await publish("gone", "evt_gone_1")
    await until(() => alerts.some((alert) => alert.endpoint.id === "gone"))
    expect((await endpoints((service) => service.get("gone")))?.enabled).toBe(false)
    await publish("gone", "evt_gone_2")
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(at("/gone")).toHaveLength(1)
    gone = false
    await endpoints((service) => service.setEnabled("gone", true))
    await until(() => at("/gone").length === 3)
    expect(
      at("/gone")
        .map((entry) => entry.headers["webhook-id"])
        .slice(1)
        .sort()
    ).toEqual(["evt_gone_1", "evt_gone_2"])
    expect(alerts.filter((alert) => alert.endpoint.id === "gone")).toHaveLength(1)
  })

  it("disables an endpoint failing for longer than allowed, with one alert", async () => {
    answers.set("/down", () => ({ status: 502 }))
    await put("down", "/down")
    await publish("down", "evt_down_1")
    await until(() => alerts.some((alert) => alert.endpoint.id === "down"))
    const alert = alerts.find((entry) => entry.endpoint.id === "down")
    expect(alert?.reason).toBe("FailingTooLong")
    expect((await endpoints((service) => service.get("down")))?.enabled).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(alerts.filter((entry) => entry.endpoint.id === "down")).toHaveLength(1)
  })

  it("treats a redirect as a failure, never following it, and refuses a private address without a retry", async () => {
    answers.set("/redirect", () => ({ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }))
    await put("redirect", "/redirect")
    await publish("redirect", "evt_redirect_1")
    await until(() => at("/redirect").length >= 2)
    expect(received.some((entry) => entry.path.startsWith("/latest"))).toBe(false)
    await endpoints((service) =>
      service.put({
        id: "private",
        url: "http://10.0.0.1/hook",
        secrets: [Redacted.make(SECRET_NEW)],
        eventTypes: ["private"]
      })
    )
    await publish("private", "evt_private_1")
    const letter = await (async () => {
      let found: DeadLetters.DeadLetter | undefined
      await until(async () => {
        const exit = await runtime.runPromiseExit(
          Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
            letters.get("outbound:private:evt_private_1", { actor: "test", reason: "check" })
          )
        )
        found = Exit.isSuccess(exit) ? exit.value : undefined
        return found !== undefined
      })
      return found!
    })()
    expect(letter.reason).toBe("Misconfigured")
    expect(letter.attempts).toBe(1)
  })

  it("keeps to an endpoint's rate, delivering the rest once its second has passed", async () => {
    await put("rated", "/rated", { ratePerSecond: 2 })
    const started = Date.now()
    for (let i = 0; i < 4; i++) await publish("rated", `evt_rated_${i}`)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(at("/rated").length).toBeLessThanOrEqual(2)
    await until(() => at("/rated").length === 4)
    const times = at("/rated").map((entry) => entry.at)
    // the third and fourth waited for the next second
    expect(Math.max(...times) - started).toBeGreaterThanOrEqual(900)
    expect(new Set(at("/rated").map((entry) => entry.headers["webhook-id"])).size).toBe(4)
  })

  it("never lets hanging endpoints delay a healthy one", async () => {
    for (const id of ["hang_a", "hang_b", "hang_c"]) {
      answers.set(`/${id}`, () => "hang")
      await put(id, `/${id}`, { eventTypes: ["busy"] })
    }
    await put("healthy", "/healthy", { eventTypes: ["busy"] })
    const started = Date.now()
    for (let i = 0; i < 4; i++) await publish("busy", `evt_busy_${i}`)
    await until(() => at("/healthy").length === 4)
    // all four reached the healthy endpoint long before a single hanging request timed out (2 s)
    expect(Date.now() - started).toBeLessThan(1_500)
  })
})
