/**
 * `health` (liveness, readiness and every provider, this instance and across
 * instances; exit 5 when not ready) and `breakers` (the circuit of each
 * provider, from `/providers`).
 *
 * @internal
 */
import { Effect } from "effect"
import { Command } from "effect/cli"
import type { Providers } from "../backend.ts"
import { CliFailure, ExitCode } from "../failure.ts"
import { table, time } from "../render.ts"
import { show } from "./shared.ts"

const providersTable = (providers: Providers): string =>
  [
    "this instance:",
    table(providers.thisInstance, [
      ["SERVICE", (row) => row.service],
      ["PROVIDER", (row) => row.provider],
      ["STATUS", (row) => row.status],
      ["BREAKER", (row) => row.breaker],
      ["CALLS", (row) => row.calls],
      ["SUCCESS", (row) => `${Math.round(row.successRate * 100)}%`],
      ["P95 MS", (row) => Math.round(row.latency.p95)],
      ["LAST FAILURE", (row) => row.lastFailureReason]
    ]),
    "",
    "across instances:",
    breakersTable(providers)
  ].join("\n")

const breakersTable = (providers: Providers): string =>
  table(providers.acrossInstances, [
    ["SERVICE", (row) => row.service],
    ["PROVIDER", (row) => row.provider],
    ["INSTANCE", (row) => row.instance],
    ["CIRCUIT", (row) => row.circuit],
    ["SINCE", (row) => time(row.since)],
    ["FAILURES/H", (row) => row.failuresLastHour],
    ["LAST REASON", (row) => row.lastReason]
  ])

/** `health`. @internal */
export const health = Command.make("health", {}, () =>
  Effect.gen(function* () {
    const report = yield* show(
      (backend) =>
        Effect.gen(function* () {
          const live = yield* backend.live
          const ready = yield* backend.ready
          // providers need a token; a not-ready service may not answer them
          const providers = ready.status === "ready" ? yield* backend.providers : undefined
          return { live: live.status, ready, ...(providers === undefined ? {} : { providers }) }
        }),
      (report) =>
        [
          `live:  ${report.live}`,
          `ready: ${report.ready.status}`,
          ...report.ready.checks.map(
            (check) =>
              `  ${check.ok ? "ok  " : "FAIL"} ${check.name}${check.message === undefined ? "" : `: ${check.message}`}`
          ),
          ...(report.providers === undefined ? [] : ["", providersTable(report.providers)])
        ].join("\n")
    )
    if (report.ready.status !== "ready") {
      const failing = report.ready.checks.filter((check) => !check.ok).map((check) => check.name)
      return yield* new CliFailure({
        exitCode: ExitCode.Unavailable,
        message: `not ready: ${failing.join(", ") || "unknown"}`
      })
    }
  })
).pipe(Command.withDescription("Liveness, readiness and provider health across instances (exit 5 when not ready)"))

/** One circuit as `breakers` shows it. @internal */
interface Breaker {
  readonly service: string
  readonly provider: string
  readonly instance: string
  readonly circuit: string
  readonly since?: number | undefined
  readonly failuresLastHour?: number | undefined
}

/** `breakers`. @internal */
export const breakers = Command.make("breakers", {}, () =>
  Effect.asVoid(
    show(
      (backend) =>
        Effect.map(
          backend.providers,
          (providers): ReadonlyArray<Breaker> => [
            ...providers.thisInstance.map((row) => ({
              service: row.service,
              provider: row.provider,
              instance: "this",
              circuit: row.breaker
            })),
            ...providers.acrossInstances.map((row) => ({
              service: row.service,
              provider: row.provider,
              instance: row.instance,
              circuit: row.circuit,
              since: row.since,
              failuresLastHour: row.failuresLastHour
            }))
          ]
        ),
      (rows) =>
        table(rows, [
          ["SERVICE", (row) => row.service],
          ["PROVIDER", (row) => row.provider],
          ["INSTANCE", (row) => row.instance],
          ["CIRCUIT", (row) => row.circuit],
          ["SINCE", (row) => time(row.since)],
          ["FAILURES/H", (row) => row.failuresLastHour]
        ])
    )
  )
).pipe(Command.withDescription("Circuit state per provider and instance"))
