/**
 * Webhook ingestion throughput: genuine signed Stripe deliveries per second
 * verified, de-duplicated and durably written to the inbox before their 2xx,
 * against a bare `node:http` server that only reads the body and answers
 * 200, all in this one run under the same load (autocannon, 50 connections,
 * keep-alive, no pipelining; every delivery to the pipeline a distinct event).
 *
 * Rows (default; `INBOUND_BENCH_ROWS`, comma-separated names of `catalogue`,
 * picks others, e.g. `route-memory` for the HTTP and verification alone):
 * - `bare`: the bare server sent one delivery again and again (nothing built
 *   per request: the most this machine's load generator sends); the ratios
 *   and verdicts are against it, the conservative baseline;
 * - `bare-stream`: the bare server sent the stream of distinct deliveries
 *   the pipeline rows get (the generator's own cost per request included);
 * - `effect-bare`: the bare server's work on Effect's `HttpRouter` over
 *   `NodeHttpServer`, the platform's own cost per request;
 * - `route-sqlite` / `route-postgres`: `Inbound.route` on Effect's
 *   `HttpRouter` over `@effect/platform-node`'s `NodeHttpServer`, the inbox on
 *   SQLite (a file in a temp dir, the durable defaults: WAL,
 *   `synchronous=NORMAL`, group commit, checkpoints on a background thread)
 *   or PostgreSQL (a fresh schema); `route-sqlite-inline` is `route-sqlite`
 *   with SQLite's own checkpoints, inside a COMMIT on the event loop. The
 *   source is `StripeWebhooks` as it is: a two-step source (before the 2xx
 *   the signature and the envelope's id, type and time; the request stored
 *   once; the whole decode left to the worker);
 * - `route-sqlite-onestep`: `route-sqlite` given only the source's `verify`
 *   (the whole decode before the 2xx, the decoded event stored beside the
 *   request), for comparison;
 * - `web-sqlite`: `Inbound.webHandler` behind `node:http`, each request
 *   turned into a Web `Request` as a Next.js server does.
 *
 * Each server runs in its own child process (`server.ts`) and autocannon in
 * this one: on 2 cores the load generator and the server each get a core,
 * instead of one event loop both generating and serving. Every server is
 * started first and warmed up (`INBOUND_BENCH_WARMUP` s each, default 8,
 * not counted); then `INBOUND_BENCH_SECONDS` (default 15) per row are
 * measured in `INBOUND_BENCH_ROUNDS` (default 3) round-robin slices, so
 * noise from other work on the machine falls on every row alike. p99 is the
 * worst slice's. Each server reports its CPU time (every thread; not
 * PostgreSQL's): CPU µs per 2xx, and the bare server's over it, is the
 * cost ratio with the machine's noise taken out. After the load each server exits and its inbox table is read
 * back: every event answered 200 must be in it exactly once, and nothing
 * that was not sent. `INBOUND_BENCH_PROFILE=<dir>` writes each server's CPU
 * profile there (`--cpu-prof`); `INBOUND_BENCH_NODE_FLAGS` (space-separated)
 * are given to every server's Node, e.g. `--trace-gc`.
 *
 * Verdicts (issue 18), for `Inbound.route` with the durable defaults: SQLite
 * >= 0.15x bare (aim 0.25x) with p99 < 25 ms; PostgreSQL >= 0.08x bare. The
 * `web-*` rows (the Next.js shape, whose host builds a Web `Request` per call)
 * print their ratio and durability check without a verdict.
 */
import { type ChildProcess, fork } from "node:child_process"
import { postgresUp } from "@wedsync/test-fixtures/services"
import * as Deliveries from "./deliveries.ts"
import * as Inbox from "./inbox.ts"
import * as Load from "./load.ts"
import type { Spec } from "./server.ts"

const SECONDS = Number(process.env.INBOUND_BENCH_SECONDS ?? 15)
// Long enough for a server's heap to reach its steady size: after 3 s the first measured slice still paid
// the heap's growth (its first mark-compacts), 22-46 ms of p99 against 15-26 ms for the slices after it.
const WARMUP = Number(process.env.INBOUND_BENCH_WARMUP ?? 8)
const ROUNDS = Math.max(1, Number(process.env.INBOUND_BENCH_ROUNDS ?? 3))
/** Deliveries signed before the load; past them each is signed as it is sent. */
const POOL = Number(process.env.INBOUND_BENCH_POOL ?? 150_000)
const PATH = "/webhooks/stripe"

interface Row {
  readonly name: string
  readonly server: Spec["kind"]
  readonly load: Load.Source["_tag"]
  readonly inbox?: Inbox.Kind
  /** Node flags of the server's process. */
  readonly node?: ReadonlyArray<string>
  /** The source as a one-step source (`verify` only). */
  readonly oneStep?: boolean
}

const sqlite: Inbox.Kind = { _tag: "sqlite" }
const postgres: Inbox.Kind = { _tag: "postgres" }
const memory: Inbox.Kind = { _tag: "memory" }
const catalogue: ReadonlyArray<Row> = [
  { name: "bare", server: "bare", load: "repeat" },
  { name: "bare-stream", server: "bare", load: "stream" },
  { name: "effect-bare", server: "effect", load: "stream" },
  { name: "route-sqlite", server: "route", load: "stream", inbox: sqlite },
  { name: "route-sqlite-onestep", server: "route", load: "stream", inbox: sqlite, oneStep: true },
  { name: "route-postgres-onestep", server: "route", load: "stream", inbox: postgres, oneStep: true },
  { name: "web-sqlite", server: "web", load: "stream", inbox: sqlite },
  { name: "route-postgres", server: "route", load: "stream", inbox: postgres },
  { name: "web-postgres", server: "web", load: "stream", inbox: postgres },
  { name: "route-memory", server: "route", load: "stream", inbox: memory },
  { name: "web-memory", server: "web", load: "stream", inbox: memory },
  {
    name: "route-sqlite-full",
    server: "route",
    load: "stream",
    inbox: { _tag: "sqlite", sqlite: { synchronous: "FULL" } }
  },
  {
    name: "route-sqlite-nogroup",
    server: "route",
    load: "stream",
    inbox: { _tag: "sqlite", sqlite: { groupCommit: false } }
  },
  {
    name: "route-sqlite-inline",
    server: "route",
    load: "stream",
    inbox: { _tag: "sqlite", sqlite: { checkpoint: "inline" } }
  },
  { name: "route-sqlite-semi32", server: "route", load: "stream", inbox: sqlite, node: ["--max-semi-space-size=32"] }
]
const rows = (
  process.env.INBOUND_BENCH_ROWS ??
  "bare,bare-stream,effect-bare,route-sqlite,route-sqlite-onestep,web-sqlite,route-postgres"
)
  .split(",")
  .map((name) => {
    const row = catalogue.find((candidate) => candidate.name === name.trim())
    if (row === undefined) throw new Error(`no row ${name}; rows: ${catalogue.map((each) => each.name).join(", ")}`)
    return row
  })

/** Forks a row's server; resolves once it listens. */
const start = (spec: Spec, name: string, node: ReadonlyArray<string>) =>
  new Promise<{ readonly child: ChildProcess; readonly port: number }>((resolve, reject) => {
    const profile = process.env.INBOUND_BENCH_PROFILE
    const child = fork(new URL("./server.ts", import.meta.url), [JSON.stringify(spec)], {
      execArgv: [
        ...node,
        ...(process.env.INBOUND_BENCH_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== ""),
        ...(profile ? ["--cpu-prof", "--cpu-prof-dir", profile, "--cpu-prof-name", `${name}.cpuprofile`] : [])
      ]
    })
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`the ${name} server exited (${code}) before listening`)))
    child.once("message", (message) => resolve({ child, port: (message as { port: number }).port }))
  })

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.removeAllListeners("exit")
    child.once("exit", () => resolve())
    child.send("stop")
  })

/** A row under load: its server, inbox, how many deliveries it was sent, and what each slice saw. */
interface Subject {
  readonly row: Row
  readonly child: ChildProcess
  readonly port: number
  readonly inbox: Inbox.Inbox | undefined
  readonly source: Load.Source
  readonly sent: () => number
  readonly accepted: Array<string>
  readonly slices: Array<Load.Run & { readonly cpuMicros: number; readonly loopP99: number; readonly loopMax: number }>
}

const open = async (row: Row, deliveries: Deliveries.Deliveries): Promise<Subject> => {
  const inbox = row.inbox === undefined ? undefined : await Inbox.make(row.inbox, row.name)
  const spec: Spec = {
    kind: row.server,
    store: inbox?.store,
    secret: Deliveries.credentials.webhookSecret,
    path: PATH,
    ...(row.oneStep ? { oneStep: true } : {})
  }
  const { child, port } = await start(spec, row.name, row.node ?? [])
  let sent = 0
  // the bare server does not de-duplicate: it cycles the pool, so no request is signed during its load
  const next = () => deliveries.at(row.inbox === undefined ? sent++ % deliveries.pooled : sent++)
  const source: Load.Source =
    row.load === "repeat" ? { _tag: "repeat", delivery: deliveries.at(0) } : { _tag: "stream", next }
  return { row, child, port, inbox, source, sent: () => sent, accepted: [], slices: [] }
}

interface Usage {
  readonly cpuMicros: number
  readonly loopP99Millis: number
  readonly loopMaxMillis: number
}

/** The server's CPU time so far, in microseconds (all its threads), and its event loop's delay since last asked. */
const cpu = (child: ChildProcess) =>
  new Promise<Usage>((resolve) => {
    const answer = (message: unknown) => {
      const usage = message as Partial<Usage>
      if (usage.cpuMicros === undefined) return
      child.off("message", answer)
      resolve(usage as Usage)
    }
    child.on("message", answer)
    child.send("cpu")
  })

const load = async (subject: Subject, seconds: number) => {
  const before = await cpu(subject.child)
  const run = await Load.run(subject.port, PATH, seconds, subject.source)
  const after = await cpu(subject.child)
  subject.accepted.push(...run.accepted)
  return {
    ...run,
    cpuMicros: after.cpuMicros - before.cpuMicros,
    loopP99: after.loopP99Millis,
    loopMax: after.loopMaxMillis
  }
}

/**
 * Every event answered 200 is in the inbox exactly once, and every row there
 * was sent (rows beyond the 200s: requests in flight when a slice ended).
 */
const check = async (subject: Subject, deliveries: Deliveries.Deliveries) => {
  if (subject.inbox?.ids === undefined) return { ok: true, text: "nothing to read back" }
  const ids = await subject.inbox.ids()
  const prefix = "webhook:stripe:"
  const written = new Set(ids)
  const missing = subject.accepted.filter((id) => !written.has(`${prefix}${id}`)).length
  const unsent = ids.filter((id) => {
    const index = id.startsWith(prefix) ? deliveries.indexOf(id.slice(prefix.length)) : undefined
    return index === undefined || index >= subject.sent()
  }).length
  const twice = ids.length - written.size + (subject.accepted.length - new Set(subject.accepted).size)
  const ok = missing === 0 && unsent === 0 && twice === 0
  return {
    ok,
    text: ok
      ? `${ids.length} rows: each of the ${subject.accepted.length} 200s once, the rest in flight at a slice's end`
      : `FAILED: ${missing} answered 200 but not written, ${twice} twice, ${unsent} never sent`
  }
}

interface Result {
  readonly row: Row
  readonly rate: number
  readonly p50: number
  readonly p99: number
  /** Each slice's p99, in order. */
  readonly p99s: ReadonlyArray<number>
  /** The server's event-loop delay: worst slice's p99, and the max over all, in ms. */
  readonly loopP99: number
  readonly loopMax: number
  /** Server CPU time per 2xx, in microseconds. */
  readonly cpu: number
  readonly non2xx: number
  readonly errors: number
  readonly ok: boolean
  readonly text: string
}

const summarize = (subject: Subject, checked: { ok: boolean; text: string }): Result => {
  const sum = (pick: (run: Load.Run) => number) => subject.slices.reduce((total, run) => total + pick(run), 0)
  const p50s = subject.slices.map((run) => run.p50).sort((a, b) => a - b)
  return {
    row: subject.row,
    rate: sum((run) => run.ok) / sum((run) => run.seconds),
    p50: p50s[Math.floor(p50s.length / 2)] ?? Number.NaN,
    p99: Math.max(...subject.slices.map((run) => run.p99)),
    p99s: subject.slices.map((run) => run.p99),
    loopP99: Math.max(...subject.slices.map((run) => run.loopP99)),
    loopMax: Math.max(...subject.slices.map((run) => run.loopMax)),
    cpu: subject.slices.reduce((total, run) => total + run.cpuMicros, 0) / sum((run) => run.ok),
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    ...checked
  }
}

const measureAll = async (deliveries: Deliveries.Deliveries): Promise<Array<Result>> => {
  const subjects: Array<Subject> = []
  try {
    for (const row of rows) {
      if (row.inbox?._tag === "postgres" && !postgresUp) console.log(`${row.name} skipped: PostgreSQL unreachable`)
      else subjects.push(await open(row, deliveries))
    }
    if (WARMUP > 0) for (const subject of subjects) await load(subject, WARMUP)
    for (let round = 0; round < ROUNDS; round++) {
      for (const subject of subjects) subject.slices.push(await load(subject, SECONDS / ROUNDS))
    }
    const results: Array<Result> = []
    for (const subject of subjects) {
      await stop(subject.child)
      results.push(summarize(subject, await check(subject, deliveries)))
    }
    return results
  } finally {
    for (const subject of subjects) {
      await stop(subject.child)
      await subject.inbox?.drop()
    }
    Inbox.cleanup()
  }
}

const signing = performance.now()
const deliveries = Deliveries.make(POOL, `http://127.0.0.1${PATH}`)
console.log(
  `webhook ingestion: ${Load.CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s measured per row ` +
    `(${ROUNDS} round-robin slices); Stripe payment_intent.succeeded of ${deliveries.bodyBytes} B, ` +
    `${POOL} signed in ${((performance.now() - signing) / 1000).toFixed(1)} s`
)
const results = await measureAll(deliveries)

const baseline = results.find((result) => result.row.name === "bare") ?? results.find((r) => r.row.server === "bare")
const stream = results.find((result) => result.row.name === "bare-stream")
const ratio = (result: Result, to: Result | undefined) => (to === undefined ? Number.NaN : result.rate / to.rate)
const cell = (value: string | number, width: number) => String(value).padStart(width)
console.log(
  `\n${"row".padEnd(22)}    req/s  x bare  x bare-stream  p50 ms  p99 ms  CPU µs/req  x bare CPU  non-2xx  inbox`
)
for (const result of results) {
  console.log(
    `${result.row.name.padEnd(22)} ${cell(Math.round(result.rate), 8)} ${cell(ratio(result, baseline).toFixed(3), 7)}` +
      ` ${cell(ratio(result, stream).toFixed(3), 14)} ${cell(result.p50, 7)} ${cell(result.p99, 7)}` +
      ` ${cell(Math.round(result.cpu), 11)} ${cell(baseline === undefined ? "NaN" : (baseline.cpu / result.cpu).toFixed(3), 11)}` +
      ` ${cell(result.non2xx + result.errors, 8)}  ${result.text}`
  )
}
console.log(`\n${"row".padEnd(22)}  p99 ms of each slice  event-loop delay: worst slice's p99, max (ms)`)
for (const result of results) {
  console.log(
    `${result.row.name.padEnd(22)}  ${result.p99s.join(", ").padEnd(20)}  ${result.loopP99.toFixed(1)}, ${result.loopMax.toFixed(1)}`
  )
}

const verdict = (ok: boolean, target: string) => `${ok ? "meets" : "MISSES"} ${target}`
const durable = (result: Result) =>
  verdict(result.ok && result.non2xx === 0 && result.errors === 0, "every 200 in the inbox once, no non-2xx")
console.log("")
for (const result of results) {
  const x = ratio(result, baseline)
  const { inbox, node, oneStep } = result.row
  // targets are for the defaults; the rows that change an option are diagnostics
  if (node !== undefined || oneStep) continue
  // The Next.js shape: its host builds a Web `Request` per call and reads the body through undici's stream,
  // which the route rows measure without. Printed against the same targets, with no verdict of its own.
  if (result.row.server === "web") {
    console.log(
      `${result.row.name}: ${x.toFixed(3)}x bare, p99 ${result.p99} ms (no target: the ingestion targets are the route's); ${durable(result)}`
    )
    continue
  }
  if (inbox?._tag === "sqlite" && inbox.sqlite === undefined)
    console.log(
      `verdict ${result.row.name}: ${verdict(x >= 0.15, ">= 0.15x bare")}; ${verdict(x >= 0.25, "aim 0.25x")}; ` +
        `${verdict(result.p99 < 25, "p99 < 25 ms")}; ${durable(result)}`
    )
  if (inbox?._tag === "postgres")
    console.log(`verdict ${result.row.name}: ${verdict(x >= 0.08, ">= 0.08x bare")}; ${durable(result)}`)
}
if (results.some((result) => !result.ok)) process.exitCode = 1
