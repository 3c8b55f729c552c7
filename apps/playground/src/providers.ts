/**
 * The playground's providers: the published adapters (Resend, Postmark,
 * Twilio, Vonage, Stripe, Google Calendar, and a venue's booking system through
 * the vendor client) on their real SDKs, each pointed at its simulator from
 * `@wedsync/testkit`, started in this process on a free local port. Outages
 * are injected into the simulators, so every failure the scenarios show went
 * over HTTP and was classified by the adapter, exactly as in production.
 */
import { Effect, Layer, Redacted, type Scope } from "effect"
import { Notifications } from "@wedsync/notifications"
import { Postmark, Resend } from "@wedsync/adapter-email"
import { Twilio, Vonage } from "@wedsync/adapter-sms"
import { Stripe } from "@wedsync/adapter-stripe"
import { GoogleCalendar } from "@wedsync/adapter-calendar"
import { VendorApi } from "@wedsync/adapter-vendor"
import { Faults, SimulatorRegistry } from "@wedsync/testkit"

/**
 * How the playground builds each production adapter from its running
 * simulator: the only per-provider code here. Its keys are the providers the
 * playground runs; their simulators come from testkit's `SimulatorRegistry`.
 */
const adapterFor = {
  resend: (sim) => Resend.layer({ baseUrl: sim.url, apiKey: Redacted.make(sim.credentials.apiKey) }),
  postmark: (sim) => Postmark.layer({ baseUrl: sim.url, serverToken: Redacted.make(sim.credentials.serverToken) }),
  twilio: (sim) =>
    Twilio.layer({
      baseUrl: sim.url,
      accountSid: sim.credentials.accountSid,
      authToken: Redacted.make(sim.credentials.authToken)
    }),
  vonage: (sim) =>
    Vonage.layer({
      baseUrl: sim.url,
      apiKey: sim.credentials.apiKey,
      apiSecret: Redacted.make(sim.credentials.apiSecret)
    }),
  stripe: (sim) =>
    Stripe.layer({ baseUrl: sim.url, secretKey: Redacted.make(sim.credentials.secretKey), timeout: "2 seconds" }),
  googleCalendar: (sim) =>
    GoogleCalendar.layer({ baseUrl: sim.url, accessToken: Redacted.make(sim.credentials.accessToken) }),
  // The venue's booking system, through the generic vendor client.
  vendor: (sim) =>
    VendorApi.layer({ vendor: "venuebook", baseUrl: sim.url, token: Redacted.make(sim.credentials.apiToken) })
} satisfies { readonly [K in SimulatorRegistry.Name]?: (sim: SimulatorRegistry.RunningOf<K>) => unknown }

type Wired = keyof typeof adapterFor

// In the order of `adapterFor`, which is also the seed order.
const wired = Object.keys(adapterFor) as ReadonlyArray<Wired>

/** The running simulators the playground uses. */
export type Simulators = SimulatorRegistry.Running<Wired>

/** A production adapter layer for each running simulator. */
export type Adapters = { readonly [K in Wired]: ReturnType<(typeof adapterFor)[K]> }

/** The running simulators and an adapter layer for each. */
export interface Providers extends Adapters {
  readonly simulators: Simulators
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

/** An adapter layer for each running simulator: the production adapters, pointed at the simulator. */
export const adaptersFor = (simulators: Simulators): Adapters =>
  // Each builder takes its own simulator's type, which the name links but TypeScript cannot follow.
  Object.fromEntries(wired.map((name) => [name, adapterFor[name](simulators[name] as never)])) as unknown as Adapters

/** Starts the playground's simulators on free local ports (seeded, so runs repeat). */
export const startSimulators = (seed = 1): Promise<Simulators> => SimulatorRegistry.start(wired, { seed })

/** Starts the simulators (stopped when the scope closes) and builds the adapter layers. */
export const start: Effect.Effect<Providers, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(
    Effect.promise(() => startSimulators()),
    (simulators) => Effect.promise(() => SimulatorRegistry.stop(simulators))
  ),
  (simulators) => ({ simulators, ...adaptersFor(simulators) })
)

/**
 * WedSync's reminder set-up: email through Resend then Postmark, SMS through
 * Twilio then Vonage (a bad sender would be the playground's own bug, so it dies).
 */
export const notifications = (adapters: Pick<Providers, "resend" | "postmark" | "twilio" | "vonage">) =>
  Notifications.layer({
    email: { from: "WedSync <reminders@wedsync.test>", providers: [adapters.resend, adapters.postmark] },
    sms: { from: "+15005550006", providers: [adapters.twilio, adapters.vonage] }
  }).pipe(Layer.orDie)
