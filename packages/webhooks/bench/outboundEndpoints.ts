/**
 * The parent's side of the bench's endpoints (`endpoints.ts`, a child
 * process): start them, wait until the healthy ones have received what was
 * sent, read what they saw, and check it — every delivery sent to a healthy
 * endpoint arrived exactly once (by `webhook-id`), nothing else arrived, and
 * every signature held.
 */
import { type ChildProcess, fork } from "node:child_process"
import type { Report, Spec } from "./endpoints.ts"

/** The endpoints of one run. */
export interface Endpoints {
  readonly child: ChildProcess
  readonly ports: ReadonlyArray<number>
  readonly hanging: ReadonlySet<number>
}

const ask = <A>(child: ChildProcess, question: string, has: (answer: object) => boolean) =>
  new Promise<A>((resolve) => {
    const answer = (message: unknown) => {
      if (typeof message !== "object" || message === null || !has(message)) return
      child.off("message", answer)
      resolve(message as A)
    }
    child.on("message", answer)
    child.send(question)
  })

/** Forks the endpoints; resolves once every one listens. */
export const start = (spec: Spec, profile: string | undefined, name: string) =>
  new Promise<Endpoints>((resolve, reject) => {
    const child = fork(new URL("./endpoints.ts", import.meta.url), [JSON.stringify(spec)], {
      execArgv: profile
        ? ["--cpu-prof", "--cpu-prof-dir", profile, "--cpu-prof-name", `endpoints-${name}.cpuprofile`]
        : []
    })
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`the endpoints exited (${code}) before listening`)))
    child.once("message", (message) => {
      child.removeAllListeners("exit")
      resolve({ child, ports: (message as { ports: Array<number> }).ports, hanging: new Set(spec.hanging) })
    })
  })

export const stop = (endpoints: Endpoints) =>
  new Promise<void>((resolve) => {
    if (endpoints.child.exitCode !== null) return resolve()
    endpoints.child.once("exit", () => resolve())
    endpoints.child.send("stop")
  })

/**
 * Waits until the healthy endpoints have `expected` receipts, or none came
 * for `stallMillis` (the rest deferred past the run); the count and the
 * last receipt's time.
 */
export const drained = async (endpoints: Endpoints, expected: number, stallMillis: number) => {
  let seen = -1
  let progressed = Date.now()
  for (;;) {
    const { healthy, last } = await ask<{ healthy: number; last: number }>(
      endpoints.child,
      "count",
      (m) => "healthy" in m
    )
    if (healthy !== seen) {
      seen = healthy
      progressed = Date.now()
    }
    if (healthy >= expected || Date.now() - progressed > stallMillis) return { healthy, last }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export const report = (endpoints: Endpoints) =>
  ask<Report>(endpoints.child, "report", (message) => "receipts" in message)

/** What the check found. */
export interface Checked {
  readonly ok: boolean
  readonly text: string
  /** Deliveries that did not arrive within the run but are still in the outbox, deferred. */
  readonly deferred: number
  /** Receipts at the hanging endpoints (every attempt). */
  readonly hangingAttempts: number
}

/**
 * Every event in `ids` reached every endpoint in `expectedAt` once; nothing
 * else reached a healthy endpoint; every signature held.
 */
export const check = (
  endpoints: Endpoints,
  seen: Report,
  ids: ReadonlyArray<string>,
  expectedAt: ReadonlyArray<number>,
  /** Whether a delivery that did not arrive is still waiting in the outbox. */
  deferred: (index: number, id: string) => boolean
): Checked => {
  let missing = 0
  let waiting = 0
  let twice = 0
  let unexpected = 0
  const expected = new Set(expectedAt)
  seen.receipts.forEach((counts, index) => {
    if (endpoints.hanging.has(index)) return
    if (!expected.has(index)) {
      unexpected += Object.values(counts).reduce((sum, count) => sum + count, 0)
      return
    }
    for (const id of ids) {
      const count = counts[id] ?? 0
      if (count === 0 && deferred(index, id)) waiting++
      else if (count === 0) missing++
      if (count > 1) twice += count - 1
    }
    unexpected += Object.keys(counts).length - ids.filter((id) => id in counts).length
  })
  const hangingAttempts = [...endpoints.hanging].reduce(
    (sum, index) => sum + Object.values(seen.receipts[index] ?? {}).reduce((total, count) => total + count, 0),
    0
  )
  const total = ids.length * expectedAt.length
  const ok = missing === 0 && twice === 0 && unexpected === 0 && seen.badSignatures === 0
  const arrived = total - waiting
  return {
    ok,
    deferred: waiting,
    hangingAttempts,
    text: !ok
      ? `FAILED: ${missing} lost, ${twice} duplicates, ${unexpected} unexpected, ${seen.badSignatures} bad signatures of ${total}`
      : waiting === 0
        ? `each of ${total} healthy deliveries once, signatures valid`
        : `${arrived} of ${total} once, signatures valid; ${waiting} DEFERRED past the run (pending in the outbox, none lost)`
  }
}

/** The `q` quantile (0..1) of `values`, in ms. */
export const quantile = (values: ReadonlyArray<number>, q: number) => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}
