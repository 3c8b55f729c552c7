/**
 * Outbound delivery throughput and isolation: signed Standard Webhooks
 * deliveries per second to 100 local endpoints, 10 % of them hanging (never
 * answering), through the real path — `Outbound.publish` → the outbox on
 * SQLite → `Outbox.worker` with `Outbound.handlers` → `SsrfGuard`'s fetch —
 * against a bare `fetch` loop with no durability to the healthy endpoints,
 * in this one run; then whether the healthy endpoints' p99 latency moves
 * when the hanging ones are added.
 *
 * Rows (a warm-up of each path runs first, not shown):
 * - `bare`: `OUTBOUND_BENCH_EVENTS` events × the healthy endpoints, sent by
 *   `OUTBOUND_BENCH_CONCURRENCY` async workers with undici's `fetch`, signed
 *   with `Webhook.sign`; the hanging endpoints are skipped (see
 *   `outboundSenders.ts`). The ratios' baseline.
 * - `durable`: the same events published at once (4 publishers) to all the
 *   endpoints, hanging ones included; the worker at the same concurrency.
 *   Deliveries/s is healthy deliveries over first publish → last receipt.
 * - `durable_q`: the same with the per-endpoint bulkhead given a queue
 *   (`maxQueue: OUTBOUND_BENCH_BULKHEAD_QUEUE`, default 64; `none` drops the
 *   row): a diagnostic of what the default `maxQueue: 0` costs in a burst,
 *   not a setting to adopt (queued jobs of a hanging endpoint hold workers
 *   until its breaker opens; see README.outbound-bench.md).
 * - `paced_0` / `paced_10`: the durable path again, twice, fresh each time,
 *   events published evenly at `OUTBOUND_BENCH_RATE` events/s (default 3,
 *   i.e. 300 deliveries/s) for `OUTBOUND_BENCH_PACED_SECONDS` (default 10);
 *   first every endpoint answers, then 10 % hang. The latencies compared are
 *   those of the same endpoints (the ones healthy in both), publish →
 *   receipt at the endpoint (the payload carries `sentAt`).
 *
 * The `webhook_delivery` policy's timeout is shortened to
 * `OUTBOUND_BENCH_TIMEOUT_MILLIS` (default 2 000; production: 15 s) so a
 * hanging request ends within the run; everything else is the default
 * (breaker, bulkhead of 2 per endpoint, retry schedule 5 s, 5 min, …).
 * A row ends when every healthy delivery arrived or none arrived for
 * `OUTBOUND_BENCH_STALL_MILLIS` (default 8 000, past the schedule's first
 * 5 s ± 20 %). Then every delivery to a healthy endpoint is checked to have
 * arrived exactly once (counted at the endpoints by `webhook-id`) with a
 * valid signature, or else to be still pending in the outbox's table
 * (deferred, not lost). CPU µs/delivery is this process's CPU time (every
 * thread; not the endpoints') per healthy delivery. `OUTBOUND_BENCH_PROFILE=<dir>`
 * writes the endpoints' CPU profiles there (run this file with `--cpu-prof`
 * for its own).
 *
 * Verdicts: isolation — the healthy endpoints' p99 with hanging ones is
 * within 1.5× of their p99 without, or within 10 ms of it, whichever is
 * larger (p99s of tens of ms move by more than 1.5× on scheduling noise of
 * a shared 2-core box); arrival — every healthy delivery arrived within the
 * run; delivery — none lost or twice (the exit code follows this one).
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Endpoints from "./outboundEndpoints.ts"
import * as Senders from "./outboundSenders.ts"

const env = process.env
const ENDPOINTS = Number(env.OUTBOUND_BENCH_ENDPOINTS ?? 100)
const HANGING = Number(env.OUTBOUND_BENCH_HANGING ?? 0.1)
const EVENTS = Number(env.OUTBOUND_BENCH_EVENTS ?? 150)
const WARMUP_EVENTS = Number(env.OUTBOUND_BENCH_WARMUP_EVENTS ?? 20)
const CONCURRENCY = Number(env.OUTBOUND_BENCH_CONCURRENCY ?? 64)
const TIMEOUT_MILLIS = Number(env.OUTBOUND_BENCH_TIMEOUT_MILLIS ?? 2_000)
const PACED_SECONDS = Number(env.OUTBOUND_BENCH_PACED_SECONDS ?? 10)
const RATE = Number(env.OUTBOUND_BENCH_RATE ?? 3)
/** The diagnostic row `durable_q`'s bulkhead queue per endpoint; `none` leaves the row out. */
const QUEUE = env.OUTBOUND_BENCH_BULKHEAD_QUEUE === "none" ? undefined : Number(env.OUTBOUND_BENCH_BULKHEAD_QUEUE ?? 64)
const PROFILE = env.OUTBOUND_BENCH_PROFILE
/** No new receipt for this long: the rest were deferred past the run (the schedule's first step is 5 s ± 20 %). */
const STALL_MILLIS = Number(env.OUTBOUND_BENCH_STALL_MILLIS ?? 8_000)

const secret = `whsec_${randomBytes(24).toString("base64")}`
const directory = mkdtempSync(join(tmpdir(), "wedsync-outbound-bench-"))
const hangingCount = Math.round(ENDPOINTS * HANGING)
/** Spread over the range: with 100 and 10 %, every tenth. */
const hanging = Array.from({ length: hangingCount }, (_, k) => Math.floor(((k + 1) * ENDPOINTS) / hangingCount) - 1)
const all = Array.from({ length: ENDPOINTS }, (_, index) => index)
/** The endpoints that answer in every row: the ones whose latencies are compared. */
const healthy = all.filter((index) => !hanging.includes(index))
const cpuNow = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}
const urlOf = (port: number) => `http://127.0.0.1:${port}/hooks/wedsync`

interface Result {
  readonly name: string
  readonly hanging: number
  readonly sentTo: number
  readonly deliveries: number
  readonly rate: number
  readonly p50: number
  readonly p99: number
  readonly check: Endpoints.Checked
  /** This process's CPU time per healthy delivery, µs. */
  readonly cpu: number
  /** Failed attempts by reason (durable rows). */
  readonly failures: Readonly<Record<string, number>>
}

const measure = async (
  name: string,
  hangingNow: ReadonlyArray<number>,
  send: (endpoints: Endpoints.Endpoints) => Promise<{
    ids: ReadonlyArray<string>
    sentTo: ReadonlyArray<number>
    started: number
    /** This process's CPU time from the first send to the last receipt. */
    cpuMicros: number
    failures?: Readonly<Record<string, number>>
    pending?: ReadonlyArray<string>
  }>
): Promise<Result> => {
  const endpoints = await Endpoints.start({ count: ENDPOINTS, hanging: hangingNow, secret }, PROFILE, name)
  try {
    const { ids, sentTo, started, cpuMicros, failures = {}, pending = [] } = await send(endpoints)
    const answering = sentTo.filter((index) => !hangingNow.includes(index))
    const deliveries = ids.length * answering.length
    const { last } = await Endpoints.drained(endpoints, deliveries, STALL_MILLIS)
    const seen = await Endpoints.report(endpoints)
    const waiting = new Set(pending)
    const latencies = healthy.flatMap((index) => seen.latencies[index] ?? [])
    return {
      name,
      hanging: hangingNow.length,
      sentTo: sentTo.length,
      deliveries,
      rate: deliveries / ((last - started) / 1000),
      cpu: cpuMicros / deliveries,
      p50: Endpoints.quantile(latencies, 0.5),
      p99: Endpoints.quantile(latencies, 0.99),
      check: Endpoints.check(endpoints, seen, ids, answering, (index, id) =>
        waiting.has(`outbound:${Senders.vendorOf(index)}:${id}`)
      ),
      failures
    }
  } finally {
    await Endpoints.stop(endpoints)
  }
}

const bare = (name: string, events: number) =>
  measure(name, hanging, async (endpoints) => {
    const urls = healthy.map((index) => urlOf(endpoints.ports[index]!))
    const started = Senders.now()
    const cpu = cpuNow()
    const sent = await Senders.bare({ name, secret, urls, concurrency: CONCURRENCY }, events)
    if (sent.failed > 0) throw new Error(`${name}: ${sent.failed} answers were not 2xx`)
    return { ids: sent.ids, sentTo: healthy, started, cpuMicros: cpuNow() - cpu }
  })

const durable = (
  name: string,
  hangingNow: ReadonlyArray<number>,
  events: number,
  pace: Senders.Pace,
  bulkheadQueue?: number
) =>
  measure(name, hangingNow, async (endpoints) => {
    const path = await Senders.durable({
      filename: join(directory, `${name}.sqlite`),
      name,
      secret,
      urls: endpoints.ports.map(urlOf),
      concurrency: CONCURRENCY,
      timeoutMillis: TIMEOUT_MILLIS,
      hanging: hangingNow,
      bulkheadQueue
    })
    const started = Senders.now()
    const cpu = cpuNow()
    const ids = await path.publishAll(events, pace)
    await Endpoints.drained(endpoints, events * (ENDPOINTS - hangingNow.length), STALL_MILLIS)
    const cpuMicros = cpuNow() - cpu
    await path.close()
    return { ids, sentTo: all, started, cpuMicros, failures: { ...path.failures }, pending: path.pending() }
  })

console.log(
  `outbound delivery: ${ENDPOINTS} endpoints (one node:http server per port, in one child process), ` +
    `${hangingCount} hanging; outbox workers and bare loop at concurrency ${CONCURRENCY}; ` +
    `webhook_delivery timeout ${TIMEOUT_MILLIS} ms; ${EVENTS} events per throughput row`
)
const results: Array<Result> = []
try {
  await durable("warmup", [], WARMUP_EVENTS, { _tag: "burst" })
  await bare("warmup_bare", WARMUP_EVENTS)
  results.push(await bare("bare", EVENTS))
  results.push(await durable("durable", hanging, EVENTS, { _tag: "burst" }))
  if (QUEUE !== undefined) results.push(await durable("durable_q", hanging, EVENTS, { _tag: "burst" }, QUEUE))
  const perSecond = RATE
  const paced: Senders.Pace = { _tag: "paced", perSecond }
  const events = Math.max(1, Math.round(perSecond * PACED_SECONDS))
  console.log(`paced rows: ${perSecond} events/s (${perSecond * ENDPOINTS} deliveries/s) for ${PACED_SECONDS} s`)
  results.push(await durable("paced_0", [], events, paced))
  results.push(await durable("paced_10", hanging, events, paced))
} finally {
  rmSync(directory, { recursive: true, force: true })
}

const baseline = results.find((result) => result.name === "bare")
const cell = (value: string | number, width: number) => String(value).padStart(width)
/** A paced row's rate is the offered rate, not a throughput: no ratio. */
const paced = (result: Result) => result.name.startsWith("paced")
console.log(
  `\n${"row".padEnd(10)} ${"sent to".padStart(8)} hanging  healthy deliveries  deliveries/s  x bare  p50 ms  p99 ms  CPU µs/delivery  x bare CPU  hanging attempts  check`
)
for (const result of results) {
  console.log(
    `${result.name.padEnd(10)} ${cell(result.sentTo, 8)} ${cell(result.hanging, 7)} ${cell(result.deliveries, 19)}` +
      ` ${cell(Math.round(result.rate), 13)} ${cell(baseline && !paced(result) ? (result.rate / baseline.rate).toFixed(3) : "-", 7)}` +
      ` ${cell(result.p50.toFixed(1), 7)} ${cell(result.p99.toFixed(1), 7)} ${cell(Math.round(result.cpu), 16)}` +
      ` ${cell(baseline ? (baseline.cpu / result.cpu).toFixed(3) : "NaN", 11)} ${cell(result.check.hangingAttempts, 17)}` +
      `  ${result.check.text}`
  )
}

console.log("\nfailed attempts (each deferred by the outbox), by endpoint and reason:")
for (const result of results) {
  const entries = Object.entries(result.failures).sort(([a], [b]) => (a < b ? -1 : 1))
  if (entries.length > 0)
    console.log(`${result.name.padEnd(10)} ${entries.map(([key, count]) => `${key} ${count}`).join(", ")}`)
}

const without = results.find((result) => result.name === "paced_0")
const withHanging = results.find((result) => result.name === "paced_10")
const durableBurst = results.find((result) => result.name === "durable")
console.log("")
if (durableBurst && baseline)
  console.log(`throughput: durable ${(durableBurst.rate / baseline.rate).toFixed(3)}x the bare loop`)
if (without && withHanging) {
  const bound = Math.max(1.5 * without.p99, without.p99 + 10)
  const ok = withHanging.p99 <= bound
  console.log(
    `verdict isolation: healthy p99 ${withHanging.p99.toFixed(1)} ms with ${hangingCount} hanging vs ` +
      `${without.p99.toFixed(1)} ms without (${(withHanging.p99 / without.p99).toFixed(2)}x): ` +
      `${ok ? "meets" : "MISSES"} p99 with hanging <= max(1.5x, +10 ms) of without (${bound.toFixed(1)} ms)`
  )
  if (!ok) process.exitCode = 1
}
const late = results.filter((result) => result.check.deferred > 0)
console.log(
  `verdict arrival: ${late.length === 0 ? "meets" : `MISSES (${late.map((r) => r.name).join(", ")})`} every healthy delivery arrived within the run`
)
const failed = results.filter((result) => !result.check.ok)
console.log(
  `verdict delivery: ${failed.length === 0 ? "meets" : `MISSES (${failed.map((r) => r.name).join(", ")})`} every healthy delivery exactly once or still in the outbox, none twice, signatures valid`
)
if (failed.length > 0) process.exitCode = 1
// undici's and the outbox's timers are closed; exit without waiting on the hanging sockets' teardown
process.exit()
