import { Effect, Redacted } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { AsyncLocalStorage } from "node:async_hooks"
import StripeSdk from "stripe"
import { Wire } from "@wedsync/core"
import { Stripe } from "./src/index.ts"
const child = spawn(process.execPath, [fileURLToPath(new URL("./bench/simulator.ts", import.meta.url))], {
  stdio: ["pipe", "pipe", "inherit"]
})
const sim = JSON.parse(
  await new Promise<string>((resolve) => {
    let t = ""
    child.stdout.on("data", (c: Buffer) => {
      t += c
      if (t.includes("\n")) resolve(t.slice(0, t.indexOf("\n")))
    })
  })
)
const mk = () =>
  new StripeSdk(sim.secretKey, {
    host: "127.0.0.1",
    port: sim.port,
    protocol: "http",
    maxNetworkRetries: 0,
    timeout: 15000,
    telemetry: false
  })
const raw = mk()
const adapter = Stripe.make({ baseUrl: sim.url, secretKey: Redacted.make(sim.secretKey), timeout: "15 seconds" })
const made = await raw.paymentIntents.create({
  amount: 5000,
  currency: "gbp",
  payment_method: "pm_card_visa",
  confirm: true,
  automatic_payment_methods: { enabled: true, allow_redirects: "never" }
})
await Effect.runPromise(adapter.retrievePayment(made.id))
const rawGet = () => raw.paymentIntents.retrieve(made.id)
const als = new AsyncLocalStorage<object>()
const variants: Record<string, () => Promise<unknown>> = {
  raw2: () => (mk === mk ? raw.paymentIntents.retrieve(made.id) : rawGet()),
  bare: () => Effect.runPromise(Effect.tryPromise(rawGet)),
  timer: () =>
    Effect.runPromise(
      Effect.tryPromise(() => {
        const t = setTimeout(() => {}, 15000)
        return rawGet().finally(() => clearTimeout(t))
      })
    ),
  als2: () => Effect.runPromise(Effect.tryPromise(() => als.run({}, () => als.run({}, rawGet)))),
  wrapPromise: () => Effect.runPromise(Effect.tryPromise(() => new Promise((res, rej) => rawGet().then(res, rej)))),
  signal: () =>
    Effect.runPromise(
      Effect.tryPromise((signal) => {
        const a = () => {}
        signal.addEventListener("abort", a, { once: true })
        return rawGet().finally(() => signal.removeEventListener("abort", a))
      })
    ),
  wire: () => Effect.runPromise(Wire.track((p) => Effect.tryPromise(() => Wire.within(p, rawGet)))),
  adapter: () => Effect.runPromise(adapter.retrievePayment(made.id))
}
const timed = async (f: () => Promise<unknown>) => {
  const s = performance.now()
  await f()
  return (performance.now() - s) * 1000
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
for (let i = 0; i < 300; i++) for (const f of Object.values(variants)) await f()
const times: Record<string, number[]> = {}
const base: Record<string, number[]> = {}
for (let i = 0; i < 1500; i++)
  for (const [k, f] of Object.entries(variants)) {
    ;(base[k] ??= []).push(await timed(rawGet))
    ;(times[k] ??= []).push(await timed(f))
  }
for (const k of Object.keys(variants))
  console.log(
    k.padEnd(12),
    med(base[k]!).toFixed(0),
    med(times[k]!).toFixed(0),
    ((med(times[k]!) / med(base[k]!) - 1) * 100).toFixed(1) + "%"
  )
child.stdin.end()
