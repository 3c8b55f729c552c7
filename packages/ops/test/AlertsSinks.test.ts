/**
 * The sinks over the wire: the Slack sink against a local HTTP server that
 * keeps what it was posted, the email sink through the real Resend adapter
 * against the Resend simulator (loop protection and the cap included).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { Resend } from "@wedsync/adapter-email"
import { Simulator } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { afterAll, beforeAll, beforeEach } from "vitest"
import * as Alerts from "../src/Alerts.ts"
import * as AlertSinks from "../src/AlertSinks.ts"
import type * as Impact from "../src/Impact.ts"

const impact: Impact.Assessment = {
  service: "sms",
  provider: "twilio",
  at: Date.parse("2027-06-12T10:00:00Z"),
  weddingsToday: 1,
  affected: [
    {
      weddingId: "w_today",
      weddingDate: "2027-06-12",
      couple: "Ana & Ben",
      daysAway: 0,
      criticality: "wedding_day_critical",
      queued: 2,
      deadLettered: 0,
      workflows: ["reminders"],
      score: 100,
      why: "wedding today; 2 jobs queued"
    }
  ]
}

const alertOn = (service: string, key = `circuit:${service}:p`, withImpact = false): Alerts.AlertInput => ({
  key,
  title: `${service} is failing`,
  summary: "Circuit open",
  service,
  provider: "p",
  ...(withImpact ? { impact } : {})
})

const notice = (severity: AlertSinks.Notice["severity"]): AlertSinks.Notice => ({
  ...alertOn("sms"),
  _tag: "Alert",
  severity,
  openedAt: 0
})

describe("AlertSinks.slack", () => {
  let server: Server
  let url: string
  const posted: Array<{ path: string; body: unknown }> = []
  let answer: (response: ServerResponse) => void = (response) => response.end("ok")

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = ""
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8")
      })
      request.on("end", () => {
        posted.push({ path: request.url ?? "", body: JSON.parse(body) as unknown })
        answer(response)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/s3cr3tToken`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
  beforeEach(() => {
    posted.length = 0
    answer = (response) => response.end("ok")
  })

  const sink = (timeout?: Duration.Input) =>
    AlertSinks.slack({ url: Redacted.make(url), timeout }).pipe(Effect.provide(FetchHttpClient.layer))

  it.live("posts Slack-compatible JSON with the impact, then the resolution", () =>
    Effect.gen(function* () {
      const layer = Alerts.layerMemory({ sinks: [AlertSinks.slack({ url: Redacted.make(url) })] }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      const [opened, resolved] = yield* Effect.gen(function* () {
        const opened = yield* Alerts.open(alertOn("sms", "circuit:sms:twilio", true))
        const resolved = yield* Alerts.resolve("circuit:sms:twilio")
        return [opened, resolved] as const
      }).pipe(Effect.provide(layer))
      assert.strictEqual(opened._tag, "Opened")
      assert.deepStrictEqual(opened._tag === "Opened" ? opened.sinks : [], ["slack"])
      assert.strictEqual(resolved._tag, "Resolved")
      assert.strictEqual(posted.length, 2)
      assert.strictEqual(posted[0]?.path, "/services/T000/B000/s3cr3tToken")
      const first = posted[0]?.body as { text: string; blocks: Array<{ type: string; text?: { text: string } }> }
      assert.include(first.text, "[PAGE] sms is failing")
      assert.strictEqual(first.blocks[0]?.type, "header")
      const body = first.blocks.map((block) => block.text?.text ?? "").join("\n")
      assert.include(body, "Ana & Ben")
      assert.include(body, "wedding today; 2 jobs queued")
      assert.include((posted[1]?.body as { text: string } | undefined)?.text, "[RESOLVED] sms is failing")
    })
  )

  it.live("a 5xx answer is AlertFailed with the status, never the URL", () =>
    Effect.gen(function* () {
      answer = (response) => {
        response.statusCode = 503
        response.end("no")
      }
      const slack = yield* sink()
      const error = yield* Effect.flip(slack.send(notice("page")))
      assert.strictEqual(error._tag, "AlertFailed")
      assert.strictEqual(error.status, 503)
      assert.notInclude(error.message, "s3cr3tToken")
      assert.notInclude(JSON.stringify(error), "s3cr3tToken")
    })
  )

  it.live("no answer within the timeout is AlertFailed without a status", () =>
    Effect.gen(function* () {
      answer = () => undefined
      const slack = yield* sink("200 millis")
      const error = yield* Effect.flip(slack.send(notice("info")))
      assert.strictEqual(error.status, undefined)
      assert.include(error.message, "no answer within")
      assert.notInclude(error.message, "s3cr3tToken")
    })
  )

  it.live("a refused connection is AlertFailed without the URL", () =>
    Effect.gen(function* () {
      const slack = yield* AlertSinks.slack({ url: Redacted.make("http://127.0.0.1:1/hooks/s3cr3tToken") }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      const error = yield* Effect.flip(slack.send(notice("info")))
      assert.notInclude(error.message, "s3cr3tToken")
      assert.include(error.message, "request failed")
    })
  )
})

describe("AlertSinks.email through the Resend adapter and simulator", () => {
  let sim: Simulator.Running<ResendSim.State, ResendSim.Credentials>
  beforeAll(async () => {
    sim = await Simulator.start(ResendSim.definition)
  })
  afterAll(() => sim.stop())
  beforeEach(() => sim.reset())

  const setup = () => {
    const logged: Array<AlertSinks.Notice> = []
    const capture = AlertSinks.make("capture", (notice) => Effect.sync(() => void logged.push(notice)))
    const email = AlertSinks.email({ to: "delivered@resend.dev", from: "alerts@wedsync.test" })
    const layer = Alerts.layerMemory({ sinks: [capture, email] }).pipe(
      Layer.provide(Resend.layer({ baseUrl: sim.url, apiKey: Redacted.make(sim.credentials.apiKey) }))
    )
    return { logged, layer }
  }
  const sent = () => sim.ledger.requests({ operation: "emails.send" })

  it.effect("sends the alert and its resolution as emails", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      const opened = yield* Alerts.open(alertOn("sms", "circuit:sms:twilio", true))
      assert.deepStrictEqual(opened._tag === "Opened" ? opened.sinks : [], ["capture", "email"])
      yield* Alerts.resolve("circuit:sms:twilio")
      const bodies = sent().map((request) => JSON.parse(request.body) as { subject: string; text: string })
      assert.strictEqual(bodies.length, 2)
      assert.include(bodies[0]?.subject, "[PAGE] sms is failing")
      assert.include(bodies[0]?.text, "Ana & Ben (wedding_day_critical, today): wedding today; 2 jobs queued")
      assert.include(bodies[1]?.subject, "[RESOLVED] sms is failing")
    }).pipe(Effect.provide(layer))
  })

  it.effect("loop protection: an alert about email goes to the other sinks only, and so does its resolution", () => {
    const { logged, layer } = setup()
    return Effect.gen(function* () {
      const opened = yield* Alerts.open(alertOn("email", "circuit:email:resend", true))
      assert.deepStrictEqual(opened._tag === "Opened" ? opened.sinks : [], ["capture"])
      const resolved = yield* Alerts.resolve("circuit:email:resend")
      assert.deepStrictEqual(resolved._tag === "Resolved" ? resolved.sinks : [], ["capture"])
      assert.strictEqual(sent().length, 0)
      assert.deepStrictEqual(
        logged.map((notice) => notice._tag),
        ["Alert", "Resolution"]
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect("caps alert emails per window; the next one says how many were held", () => {
    const { logged, layer } = setup()
    return Effect.gen(function* () {
      for (let i = 0; i < 7; i++) yield* Alerts.open(alertOn("sms", `circuit:sms:p${i}`))
      assert.strictEqual(sent().length, 5)
      assert.strictEqual(logged.length, 7)
      yield* TestClock.adjust("15 minutes")
      yield* Alerts.open(alertOn("sms", "circuit:sms:p7"))
      const last = JSON.parse(sent().at(-1)?.body ?? "{}") as { text: string }
      assert.strictEqual(sent().length, 6)
      assert.include(last.text, "2 earlier notice(s) were throttled: [INFO] sms is failing; [INFO] sms is failing")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a refused send is AlertFailed with the provider's status, and the alert still reaches the others", () => {
    const { logged } = setup()
    const layer = Alerts.layerMemory({
      sinks: [
        AlertSinks.make("capture", (notice) => Effect.sync(() => void logged.push(notice))),
        AlertSinks.email({ to: "delivered@resend.dev", from: "alerts@wedsync.test" })
      ]
    }).pipe(Layer.provide(Resend.layer({ baseUrl: sim.url, apiKey: Redacted.make("re_wrong_key_123") })))
    return Effect.gen(function* () {
      const opened = yield* Alerts.open(alertOn("sms"))
      assert.deepStrictEqual(opened._tag === "Opened" ? opened.sinks : [], ["capture"])
      const sink = yield* AlertSinks.email({ to: "delivered@resend.dev", from: "alerts@wedsync.test" })
      const error = yield* Effect.flip(sink.send(notice("info")))
      // Resend answers a key it does not know with 403 (the simulator as the real API).
      assert.strictEqual(error.status, 403)
      assert.include(error.message, "resend refused it (Unauthorized)")
      assert.notInclude(error.message, "re_wrong_key_123")
    }).pipe(
      Effect.provide(Layer.merge(layer, Resend.layer({ baseUrl: sim.url, apiKey: Redacted.make("re_wrong_key_123") })))
    )
  })
})
