/**
 * The playground's providers: the published adapters (Resend, Postmark,
 * Twilio, Vonage) on their real SDKs, each pointed at its simulator from
 * `@wedsync/testkit`, started in this process on a free local port. Outages
 * are injected into the simulators, so every failure the scenarios show went
 * over HTTP and was classified by the adapter, exactly as in production.
 */
import { Effect, Layer, Redacted, type Scope } from "effect"
import { Notifications } from "@wedsync/notifications"
import { Postmark, Resend } from "@wedsync/adapter-email"
import { Twilio, Vonage } from "@wedsync/adapter-sms"
import { Faults, Simulator } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"

/** The four running simulators and an adapter layer for each. */
export interface Providers {
  readonly simulators: {
    readonly resend: Simulator.Running<ResendSim.State, ResendSim.Credentials>
    readonly postmark: Simulator.Running<PostmarkSim.State, PostmarkSim.Credentials>
    readonly twilio: Simulator.Running<TwilioSim.State, TwilioSim.Credentials>
    readonly vonage: Simulator.Running<VonageSim.State, VonageSim.Credentials>
  }
  readonly resend: ReturnType<typeof Resend.layer>
  readonly postmark: ReturnType<typeof Postmark.layer>
  readonly twilio: ReturnType<typeof Twilio.layer>
  readonly vonage: ReturnType<typeof Vonage.layer>
}

/** A simulator the scenarios can take down and bring back. */
export interface Switchable {
  readonly faults: { add(rule: Faults.Rule): unknown; clear(): void }
}

/** Every request fails as the provider fails when it is down (HTTP 503, or Vonage's 200 with status 5). */
export const down = (sim: Switchable): void => {
  sim.faults.clear()
  sim.faults.add(Faults.rule(Faults.error("unavailable")))
}

/** Every request is answered with the provider's 429 and a Retry-After. */
export const rateLimited = (sim: Switchable): void => {
  sim.faults.clear()
  sim.faults.add(Faults.rule(Faults.error("rateLimited", { retryAfterSeconds: 30 })))
}

/** The provider answers normally again. */
export const up = (sim: Switchable): void => sim.faults.clear()

/** The four simulators, running. */
export type Simulators = Providers["simulators"]

/** An adapter layer for each running simulator: the production adapters, pointed at the simulator. */
export const adaptersFor = (simulators: Simulators): Omit<Providers, "simulators"> => {
  const { resend, postmark, twilio, vonage } = simulators
  return {
    resend: Resend.layer({ baseUrl: resend.url, apiKey: Redacted.make(resend.credentials.apiKey) }),
    postmark: Postmark.layer({ baseUrl: postmark.url, serverToken: Redacted.make(postmark.credentials.serverToken) }),
    twilio: Twilio.layer({
      baseUrl: twilio.url,
      accountSid: twilio.credentials.accountSid,
      authToken: Redacted.make(twilio.credentials.authToken)
    }),
    vonage: Vonage.layer({
      baseUrl: vonage.url,
      apiKey: vonage.credentials.apiKey,
      apiSecret: Redacted.make(vonage.credentials.apiSecret)
    })
  }
}

/** Starts the four simulators on free local ports (seeded, so runs repeat). */
export const startSimulators = (seed = 1): Promise<Simulators> =>
  Promise.all([
    Simulator.start(ResendSim.definition, { seed }),
    Simulator.start(PostmarkSim.definition, { seed: seed + 1 }),
    Simulator.start(TwilioSim.definition, { seed: seed + 2 }),
    Simulator.start(VonageSim.definition, { seed: seed + 3 })
  ]).then(([resend, postmark, twilio, vonage]) => ({ resend, postmark, twilio, vonage }))

/** Starts the simulators (stopped when the scope closes) and builds the adapter layers. */
export const start: Effect.Effect<Providers, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(
    Effect.promise(() => startSimulators()),
    (simulators) => Effect.promise(() => Promise.all(Object.values(simulators).map((sim) => sim.stop())))
  ),
  (simulators) => ({ simulators, ...adaptersFor(simulators) })
)

/**
 * WedSync's reminder set-up: email through Resend then Postmark, SMS through
 * Twilio then Vonage (a bad sender would be the playground's own bug, so it dies).
 */
export const notifications = (adapters: Omit<Providers, "simulators">) =>
  Notifications.layer({
    email: { from: "WedSync <reminders@wedsync.test>", providers: [adapters.resend, adapters.postmark] },
    sms: { from: "+15005550006", providers: [adapters.twilio, adapters.vonage] }
  }).pipe(Layer.orDie)
