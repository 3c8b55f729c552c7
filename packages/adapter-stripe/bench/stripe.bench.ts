/**
 * The Stripe adapter's overhead per call over the raw SDK call, both against
 * the Stripe simulator (in a process of its own, `simulator.ts`), in the same
 * run, warm, on the same calls. The raw SDK is built with the adapter's own
 * settings (retries off, the same timeout, telemetry off), so the difference
 * is what the adapter adds (the Effect run, `Wire.track`, the abort scope and
 * timer, mapping to core's models) and what it takes away (the SDK's per-call
 * stack capture, which the adapter turns off: see README "Overhead").
 * Target: under 5 % of the raw call.
 *
 * Printed: a control pair (the raw call against a second raw SDK: the noise
 * floor of this machine), each pair's median ratio over paired rounds, and
 * the adapter's own call path measured with mitata without any network, as
 * a share of a raw call.
 *
 * Two calls: a retrieve (GET) and a create replayed under one idempotency key
 * (a POST Stripe answers from its key store, as on every retry), so the
 * simulator's work is the same for both sides of each pair.
 */
import { Effect, Redacted, Result } from "effect"
import { PaymentProvider } from "@wedsync/core"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { bench, do_not_optimize, run, summary } from "mitata"
import StripeSdk from "stripe"
import { Stripe } from "../src/index.ts"
import { createParams, toPayment } from "../src/internal/payments.ts"
import { connect } from "../src/internal/stripeClient.ts"

const TARGET = 0.05

// The simulator runs in its own process: the client's event loop is the client's alone, as against Stripe.
const child = spawn(process.execPath, [fileURLToPath(new URL("./simulator.ts", import.meta.url))], {
  stdio: ["pipe", "pipe", "inherit"]
})
const sim: { readonly url: string; readonly port: number; readonly secretKey: string } = JSON.parse(
  await new Promise<string>((resolve) => {
    let text = ""
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8")
      if (text.includes("\n")) resolve(text.slice(0, text.indexOf("\n")))
    })
  })
)
const secretKey = sim.secretKey
const adapter = Stripe.make({ baseUrl: sim.url, secretKey: Redacted.make(secretKey), timeout: "15 seconds" })
const raw = new StripeSdk(secretKey, {
  host: "127.0.0.1",
  port: sim.port,
  protocol: "http",
  maxNetworkRetries: 0,
  timeout: 15_000,
  telemetry: false
})

const request = new PaymentProvider.CreatePaymentRequest({
  amount: 50_000,
  currency: "gbp",
  paymentMethod: "pm_card_visa",
  confirm: true,
  captureMethod: "automatic",
  metadata: { weddingId: "w_bench", bookingId: "b_bench" },
  idempotencyKey: Stripe.idempotencyKey({ operation: "createPayment", bookingId: "b_bench", instalment: "deposit" })
})
const params = createParams(request)

// Both sides behave before anything is measured: the same payment, by both paths.
const made = await Effect.runPromise(adapter.createPayment(request))
const rawMade = await raw.paymentIntents.create(params, { idempotencyKey: request.idempotencyKey })
const retrieved = await Effect.runPromise(adapter.retrievePayment(made.id))
if (rawMade.id !== made.id || retrieved.id !== made.id || made.status !== "succeeded") {
  throw new Error(`the adapter and the raw SDK disagree: ${made.id} ${rawMade.id} ${retrieved.id}`)
}

// The adapter's own work per call without any network, measured first, on a quiet loop: its call path
// (Wire.track, the abort scope and timer, classification setup) around a request already answered.
const ownCall = Result.getOrThrow(
  connect({ baseUrl: sim.url, secretKey: Redacted.make(secretKey), timeout: "15 seconds" })
)
const OWN = "adapter call path alone (no network), createPayment's mapping included"
const BARE_EFFECT = "Effect.runPromise(Effect.tryPromise) of an answered promise"
summary(() => {
  bench(BARE_EFFECT, async () =>
    do_not_optimize(await Effect.runPromise(Effect.tryPromise({ try: () => Promise.resolve(rawMade), catch: () => 0 })))
  )
  bench(OWN, async () =>
    do_not_optimize(
      await Effect.runPromise(
        Effect.map(
          ownCall("createPayment", () => Promise.resolve(rawMade)),
          toPayment
        )
      )
    )
  )
})
const results = await run({ format: "quiet" })
const avg = new Map<string, number>()
for (const trial of results.benchmarks) {
  for (const r of trial.runs) if (r.stats) avg.set(r.name, r.stats.avg)
}
const ownMicros = ((avg.get(OWN) ?? Number.NaN) - (avg.get(BARE_EFFECT) ?? Number.NaN)) / 1000

/**
 * Interleaved pairs against the simulator: call A, call B, then B, A, and so
 * on, timing each, so drift and load from elsewhere hit both alike; the ratio
 * is of the medians. Per-call pairs measured steadier here than batches.
 */
const paired = async (base: () => Promise<unknown>, other: () => Promise<unknown>, pairs = 2_000) => {
  for (let i = 0; i < 300; i++) {
    await base()
    await other()
  }
  const baseTimes: Array<number> = []
  const otherTimes: Array<number> = []
  const timed = async (call: () => Promise<unknown>) => {
    const started = performance.now()
    do_not_optimize(await call())
    return (performance.now() - started) * 1000
  }
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      baseTimes.push(await timed(base))
      otherTimes.push(await timed(other))
    } else {
      otherTimes.push(await timed(other))
      baseTimes.push(await timed(base))
    }
  }
  const median = (values: Array<number>) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!
  return { base: median(baseTimes), other: median(otherTimes), ratio: median(otherTimes) / median(baseTimes) }
}

const control = new StripeSdk(secretKey, {
  host: "127.0.0.1",
  port: sim.port,
  protocol: "http",
  maxNetworkRetries: 0,
  timeout: 15_000,
  telemetry: false
})
const rawGet = () => raw.paymentIntents.retrieve(made.id)
const rawPost = () => raw.paymentIntents.create(params, { idempotencyKey: request.idempotencyKey })
const rows: ReadonlyArray<readonly [string, Awaited<ReturnType<typeof paired>>, boolean]> = [
  // The noise floor: the raw call against a second raw SDK.
  ["control: raw vs raw, GET", await paired(rawGet, () => control.paymentIntents.retrieve(made.id)), false],
  // What any Effect-returning port pays around the same SDK call, before the adapter does anything.
  ["bare Effect.tryPromise, GET", await paired(rawGet, () => Effect.runPromise(Effect.tryPromise(rawGet))), false],
  [
    "adapter retrievePayment, GET",
    await paired(rawGet, () => Effect.runPromise(adapter.retrievePayment(made.id))),
    true
  ],
  ["adapter createPayment, POST", await paired(rawPost, () => Effect.runPromise(adapter.createPayment(request))), true]
]

const verdict = (overhead: number) => (overhead < TARGET ? "meets target" : "MISSES target")
console.log(
  `\nStripe adapter overhead per call over the raw SDK call, against the simulator (target: under ${TARGET * 100} %)`
)
console.log("call (vs the raw SDK call)       raw µs  this µs   ratio  overhead")
for (const [label, measured, judged] of rows) {
  const overhead = measured.ratio - 1
  console.log(
    `${label.padEnd(32)} ${measured.base.toFixed(0).padStart(6)}  ${measured.other.toFixed(0).padStart(7)}  ` +
      `${measured.ratio.toFixed(3).padStart(6)}x  ${(overhead * 100).toFixed(1).padStart(5)} %  ` +
      `(+${(measured.other - measured.base).toFixed(0)} µs)${judged ? `  ${verdict(overhead)}` : ""}`
  )
}
const createRow = rows[3]![1]
console.log(
  `the adapter's own call path beyond a bare Effect, no network: ${ownMicros.toFixed(1)} µs a call, ` +
    `${((ownMicros / createRow.base) * 100).toFixed(2)} % of a raw create (${createRow.base.toFixed(0)} µs)`
)
child.stdin.end()
