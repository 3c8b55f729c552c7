/**
 * Scenario 8, operators told once: Twilio goes down on a day with two
 * weddings today. The real Twilio adapter fails against its simulator, the
 * circuit opens, and `@wedsync/ops`'s Monitor raises one alert — a page, with
 * the affected weddings ranked, today's first. More failures while it is open
 * raise nothing more. When Twilio is back, a probe closes the circuit, and once
 * it has stayed closed the same sinks get one resolution notice. The incident
 * log keeps what happened.
 */
import { Effect, Layer, Ref } from "effect"
import { type IntegrationError, Policy, Resilience, SmsProvider } from "@wedsync/core"
import { Alerts, AlertSinks, Impact, IncidentLog, Monitor, WeddingDirectory } from "@wedsync/ops"
import * as Providers from "./providers.ts"

/** What the operators were told, and what the incident log kept. */
export interface OperationsReport {
  readonly notices: ReadonlyArray<AlertSinks.Notice>
  readonly sends: ReadonlyArray<{ readonly story: string; readonly outcome: string }>
  readonly incidents: ReadonlyArray<IncidentLog.Incident>
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

// Short for the playground: the circuit opens after 3 failures in a row of 3 calls and probes after 300 ms.
const policies = Policy.layer({
  providers: {
    twilio: {
      breaker: { windowSize: 3, minimumCalls: 3, failureRateThreshold: 0.5, openMillis: 300 },
      inCall: { maxAttempts: 1 }
    }
  }
})

/** Scenario 8: one page with the ranked impact, no repeats, one resolution. */
export const operatorsTold = (providers: Providers.Providers) =>
  Effect.gen(function* () {
    const twilio = providers.simulators.twilio
    const notices = yield* Ref.make<ReadonlyArray<AlertSinks.Notice>>([])
    const sends: Array<{ story: string; outcome: string }> = []
    const capture = AlertSinks.make("operators", (notice) => Ref.update(notices, (seen) => [...seen, notice]))
    const weddings = WeddingDirectory.layerMemory([
      { weddingId: "w_ava_sam", weddingDate: day(0), couple: "Ava & Sam", services: ["sms", "email"] },
      { weddingId: "w_noor_eli", weddingDate: day(0), couple: "Noor & Eli", services: ["sms"] },
      { weddingId: "w_kit_rob", weddingDate: day(1), couple: "Kit & Rob", services: ["sms"] },
      { weddingId: "w_jo_lee", weddingDate: day(9), couple: "Jo & Lee", services: ["sms", "payment"] },
      { weddingId: "w_ana_luis", weddingDate: day(20), couple: "Ana & Luis", services: ["sms"] }
    ])
    const ops = Monitor.layer({ settle: "200 millis" }).pipe(
      // Told through a sink of its own, printed by main.ts; the log sink would repeat it out of order.
      Layer.provideMerge(Alerts.layerMemory({ sinks: [capture] })),
      Layer.provideMerge(IncidentLog.feed),
      Layer.provideMerge(IncidentLog.layerMemory()),
      Layer.provideMerge(weddings),
      Layer.provideMerge(Impact.countsNone),
      Layer.provideMerge(Resilience.layerMemory()),
      Layer.provide(policies)
    )
    const reminder = (story: string) =>
      Effect.flatMap(Effect.service(SmsProvider.SmsProvider), (sms) =>
        sms.send(
          new SmsProvider.SmsMessage({
            to: "+447700900123",
            from: "+15005550006",
            body: `Your ceremony is today at 2 pm (${story})`
          })
        )
      ).pipe(
        Resilience.protect({ service: "sms", provider: "twilio", operation: "send" }),
        Effect.match({
          onFailure: (error: IntegrationError.IntegrationError) => `failed: ${error.reason._tag}`,
          onSuccess: () => "sent"
        }),
        Effect.tap((outcome) => Effect.sync(() => sends.push({ story, outcome })))
      )
    // Waits until the operators have been told `count` things (the Monitor works on its own fiber), at most 5 s.
    const told = (count: number) =>
      Effect.gen(function* () {
        for (let waited = 0; waited < 5_000 && (yield* Ref.get(notices)).length < count; waited += 20) {
          yield* Effect.sleep("20 millis")
        }
      })

    return yield* Effect.gen(function* () {
      Providers.down(twilio)
      for (const story of ["reminder 1", "reminder 2", "reminder 3"]) yield* reminder(story)
      yield* told(1)
      // Open: refused at once, and the alert is not raised again.
      for (const story of ["reminder 4", "reminder 5"]) yield* reminder(story)
      Providers.up(twilio)
      yield* Effect.sleep("350 millis")
      // The probe: Twilio answers, the circuit closes and stays closed.
      yield* reminder("reminder 6")
      yield* told(2)
      const incidents = yield* Effect.flatMap(Effect.service(IncidentLog.IncidentLog), (log) => log.list({}))
      return { notices: yield* Ref.get(notices), sends, incidents: [...incidents].reverse() }
    }).pipe(Effect.provide(ops))
  }).pipe(Effect.provide(providers.twilio), Effect.orDie)
