/**
 * Per-call overhead of the resilience engine against cockatiel and opossum,
 * all in this one process on the same no-op async call (the method of the
 * project's performance anchors: warm, in-process, same call). Prints ns/op and the
 * ratios; the targets are ratios measured in the same run, never absolute times.
 * Our calls run with `Effect.runPromiseWith` on the runtime's services, as
 * calls inside an Effect program do; entering by `ManagedRuntime.runPromise`
 * (which also registers each fiber for the runtime's disposal) is shown for
 * the fail-fast case as an extra row without a target.
 *
 * Then, on the real clock and in a fresh process, "time to serve with a
 * hanging primary" (bench/hanging.ts): how long a caller waits once the
 * primary hangs (a promise that never settles until its AbortSignal fires)
 * and a healthy backup answers.
 */
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  fallback,
  handleAll,
  retry,
  timeout,
  TimeoutStrategy,
  wrap
} from "cockatiel"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import { bench, do_not_optimize, run, summary } from "mitata"
import CircuitBreakerOpossum from "opossum"
import { caller, fn } from "./callers.ts"
import { Audit, Failover, Overrides, Policy, Resilience } from "../src/index.ts"

const failing = async (): Promise<number> => {
  throw failure
}
const failure = new Error("down")

// The failing primary is attempted once per call: no in-call retry, as cockatiel's fallback.
const overrides = Policy.PolicyOverrides.make({
  providers: { flaky: { inCall: { maxAttempts: 1 } }, down: { inCall: { maxAttempts: 1 } } }
})
const runtime = ManagedRuntime.make(
  Overrides.layerMemory.pipe(
    Layer.provideMerge(Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides)))),
    Layer.provide(Audit.layerMemory)
  )
)

const happy = Failover.fromServices("email", [caller("primary", fn)])
const happyRun = Failover.run(happy, "call", (service) => service.call)

// An open circuit: trip "down" with real failures, then check it rejects without calling.
const down = caller("down", failing)
const protectedDown = Resilience.protect(down.call, { service: "email", provider: "down", operation: "call" })
for (let i = 0; i < 20; i++) await runtime.runPromiseExit(protectedDown)
if ((await runtime.runPromise(Resilience.circuitState("email", "down"))) !== "open")
  throw new Error("circuit did not open")
const rejected = await runtime.runPromiseExit(protectedDown)
const rejection = Exit.isFailure(rejected) ? Cause.findErrorOption(rejected.cause) : undefined
if (rejection?._tag !== "Some" || rejection.value.reason._tag !== "CircuitOpen")
  throw new Error("open circuit did not reject")

const pastOpen = Failover.run(
  Failover.fromServices("email", [down, caller("backup", fn)]),
  "call",
  (service) => service.call
)
const check = await runtime.runPromise(pastOpen)
if (check.provider !== "backup" || check.attempts[0]?.outcome !== "skipped")
  throw new Error("failover past open primary misbehaved")

// The primary fails at once on every call: the operator forced its circuit closed, so it is always attempted.
await runtime.runPromise(
  Effect.flatMap(Effect.service(Overrides.Overrides), (service) =>
    service.set(
      { _tag: "ForceCircuit", service: "email", provider: "flaky", state: "closed" },
      { actor: "bench", reason: "measure the fail-fast failover" }
    )
  )
)
const failFast = Failover.run(
  Failover.fromServices("email", [caller("flaky", failing), caller("backup", fn)]),
  "call",
  (service) => service.call
)
const checkFast = await runtime.runPromise(failFast)
if (checkFast.provider !== "backup" || checkFast.attempts[0]?.outcome !== "failed")
  throw new Error("fail-fast failover misbehaved")

// cockatiel: breaker + timeout + retry, as measured in PERF-ANCHORS.
const cockatielPolicy = wrap(
  circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
  timeout(1_000, TimeoutStrategy.Aggressive),
  retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() })
)
const cockatielOpen = circuitBreaker(handleAll, { halfOpenAfter: 600_000, breaker: new ConsecutiveBreaker(1) })
await cockatielOpen.execute(failing).catch(() => undefined)
const cockatielFallbackOpen = wrap(fallback(handleAll, fn), cockatielOpen)
const cockatielFallback = fallback(handleAll, fn)

const opossum = new CircuitBreakerOpossum(fn, { timeout: 1_000 })
const opossumOpen = new CircuitBreakerOpossum(failing, {
  timeout: 1_000,
  errorThresholdPercentage: 1,
  volumeThreshold: 0,
  resetTimeout: 600_000
})
await opossumOpen.fire().catch(() => undefined)
if (!opossumOpen.opened) throw new Error("opossum did not open")
const opossumFallbackOpen = new CircuitBreakerOpossum(failing, {
  timeout: 1_000,
  errorThresholdPercentage: 1,
  volumeThreshold: 0,
  resetTimeout: 600_000
})
opossumFallbackOpen.fallback(fn)
await opossumFallbackOpen.fire()
const opossumFallback = new CircuitBreakerOpossum(failing, {
  timeout: 1_000,
  rollingPercentilesEnabled: false,
  errorThresholdPercentage: 101
})
opossumFallback.fallback(fn)

const plain = Effect.promise(fn)
const ignore = () => undefined

// The measured calls run on the runtime's services, as calls inside an Effect program do. Entering
// through `ManagedRuntime.runPromise` also registers each fiber with the runtime's scope so disposal
// can interrupt it (~0.9 µs a call here): a cost of entering Effect from a Promise, paid once per
// request by a caller such as @wedsync/integrations, not once per provider call. The last row shows it.
const inProgram = Effect.runPromiseWith(await runtime.context())

summary(() => {
  bench("bare await fn()", async () => do_not_optimize(await fn()))
  bench("bare Effect runPromise(Effect.promise)", async () => do_not_optimize(await Effect.runPromise(plain)))
})
summary(() => {
  bench("happy: wedsync protect + Failover (1 provider)", async () => do_not_optimize(await inProgram(happyRun)))
  bench("happy: cockatiel wrap(breaker, timeout, retry)", async () =>
    do_not_optimize(await cockatielPolicy.execute(fn))
  )
  bench("happy: opossum fire()", async () => do_not_optimize(await opossum.fire()))
})
summary(() => {
  bench("open: wedsync protect rejects", async () => do_not_optimize(await inProgram(protectedDown).catch(ignore)))
  bench("open: cockatiel rejects", async () => do_not_optimize(await cockatielOpen.execute(fn).catch(ignore)))
  bench("open: opossum rejects", async () => do_not_optimize(await opossumOpen.fire().catch(ignore)))
})
summary(() => {
  bench("failover past open: wedsync Failover", async () => do_not_optimize(await inProgram(pastOpen)))
  bench("failover past open: cockatiel fallback+breaker", async () =>
    do_not_optimize(await cockatielFallbackOpen.execute(failing))
  )
  bench("failover past open: opossum fallback", async () => do_not_optimize(await opossumFallbackOpen.fire()))
})
summary(() => {
  bench("fail-fast primary: wedsync Failover", async () => do_not_optimize(await inProgram(failFast)))
  bench("fail-fast primary: wedsync Failover via ManagedRuntime.runPromise", async () =>
    do_not_optimize(await runtime.runPromise(failFast))
  )
  bench("fail-fast primary: cockatiel fallback", async () => do_not_optimize(await cockatielFallback.execute(failing)))
  bench("fail-fast primary: opossum fallback", async () => do_not_optimize(await opossumFallback.fire()))
})

const results = await run({ format: "quiet" })
const avg = new Map<string, number>()
for (const trial of results.benchmarks) {
  for (const r of trial.runs) if (r.stats) avg.set(r.name, r.stats.avg)
}
const ns = (name: string) => avg.get(name) ?? Number.NaN
// [label, ours, peers, the peers the target says to meet (none: printed only; a string: where it is judged)]
const rows: Array<[string, string, Array<string>, Array<string> | string]> = [
  [
    "happy path",
    "happy: wedsync protect + Failover (1 provider)",
    ["happy: cockatiel wrap(breaker, timeout, retry)", "happy: opossum fire()"],
    ["happy: cockatiel wrap(breaker, timeout, retry)"]
  ],
  [
    "open-circuit rejection",
    "open: wedsync protect rejects",
    ["open: cockatiel rejects", "open: opossum rejects"],
    ["open: cockatiel rejects", "open: opossum rejects"]
  ],
  [
    "failover past an open primary",
    "failover past open: wedsync Failover",
    ["failover past open: cockatiel fallback+breaker", "failover past open: opossum fallback"],
    ["failover past open: cockatiel fallback+breaker"]
  ],
  [
    "failover when the primary fails at once",
    "fail-fast primary: wedsync Failover",
    ["fail-fast primary: cockatiel fallback", "fail-fast primary: opossum fallback"],
    // issue 17's target (no more than opossum's fallback) is judged on the paired rounds below
    "target judged in paired rounds, below"
  ],
  [
    "  the same, entered by runtime.runPromise",
    "fail-fast primary: wedsync Failover via ManagedRuntime.runPromise",
    ["fail-fast primary: cockatiel fallback", "fail-fast primary: opossum fallback"],
    []
  ]
]
const peerName = (peer: string) => peer.split(":")[1]!.trim().split(" ")[0]!
console.log("\ncase                                   ns/op")
for (const [name] of avg) console.log(`${name.padEnd(52)} ${ns(name).toFixed(0).padStart(8)}`)
console.log("\nratios (wedsync / peer; <= 1.00 means at least as fast)")
for (const [label, ours, peers, targets] of rows) {
  const parts = peers.map((peer) => `${peerName(peer)} ${(ns(ours) / ns(peer)).toFixed(2)}x`)
  const verdict =
    typeof targets === "string"
      ? targets
      : targets.length === 0
        ? "no target"
        : targets.every((peer) => ns(ours) <= ns(peer))
          ? `meets target (<= ${targets.map(peerName).join(" and ")})`
          : `MISSES target (<= ${targets.map(peerName).join(" and ")})`
  console.log(`${label.padEnd(42)} ${ns(ours).toFixed(0).padStart(7)} ns  ${parts.join("  ")}  ${verdict}`)
}

/**
 * Failing at once, against opossum's fallback, in paired rounds: the two are
 * within a few per cent of each other, and measured one after the other (as
 * mitata does, above) a burst of load on this shared machine moved their ratio
 * between 0.84 and 1.14 from run to run, with the code unchanged. Here each
 * round times 20,000 calls of each back to back, the order alternating, and
 * the verdict is the median of the rounds' ratios: what the two cost at the
 * same moment.
 */
const pairedRounds = async (rounds: number, calls: number) => {
  const time = async (call: () => Promise<unknown>) => {
    const started = performance.now()
    for (let i = 0; i < calls; i++) do_not_optimize(await call())
    return ((performance.now() - started) * 1e6) / calls
  }
  const ourCall = () => inProgram(failFast)
  const theirCall = () => opossumFallback.fire()
  await time(ourCall)
  await time(theirCall)
  const ratios: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0
    const a = first ? await time(ourCall) : 0
    const b = await time(theirCall)
    ratios.push((first ? a : await time(ourCall)) / b)
  }
  return ratios
}
const paired = await pairedRounds(11, 20_000)
const pairedMedian = [...paired].sort((a, b) => a - b)[Math.floor(paired.length / 2)]!
console.log(
  `\nfailing at once, paired with opossum's fallback (11 rounds of 20,000 calls each, order alternating)\n` +
    `ratio per round ${paired.map((ratio) => ratio.toFixed(2)).join(" ")}\n` +
    `${"median ratio".padEnd(42)} ${pairedMedian.toFixed(2)}x  ${pairedMedian <= 1 ? "meets" : "MISSES"} target (<= opossum)`
)
await runtime.dispose()
opossum.shutdown()
opossumOpen.shutdown()
opossumFallbackOpen.shutdown()
opossumFallback.shutdown()

// In a process of its own: after the cases above the heap holds ~55 MB and collects in 16–40 ms pauses, whose
// concurrent sweeping on a 2-vCPU machine lands in single calls of a case that is judged on its maximum.
execFileSync(process.execPath, ["--expose-gc", fileURLToPath(new URL("./hanging.ts", import.meta.url))], {
  stdio: "inherit"
})
