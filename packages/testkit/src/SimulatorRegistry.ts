/**
 * The one list of provider simulators: each provider's name, the core port its
 * adapters implement, its simulator definition (the factory
 * {@link Simulator.start} runs) and the test credentials the simulator accepts.
 *
 * `SimulatorHub` starts every entry and the playground starts the ones it wires
 * adapters to, so neither keeps a list of its own: a seventh provider is one
 * more entry here (see `docs/ADDING-A-PROVIDER.md`). Adapters stay out of it:
 * an adapter is still chosen by the layer an application provides.
 *
 * @example
 * ```ts
 * import { SimulatorRegistry } from "@wedsync/testkit"
 *
 * const simulators = await SimulatorRegistry.start(["resend", "postmark"], { seed: 7 })
 * simulators.resend.url                          // point the real SDK here
 * SimulatorRegistry.providers.resend.port        // "EmailProvider"
 * await SimulatorRegistry.stop(simulators)
 * ```
 *
 * @since 0.1.0
 */
import { commonProblems, portProblems, refuseOptions } from "./internal/options.ts"
import type { Problem } from "./internal/problems.ts"
import * as Simulator from "./Simulator.ts"
import * as GoogleCalendar from "./simulators/googleCalendar.ts"
import * as Postmark from "./simulators/postmark.ts"
import * as Resend from "./simulators/resend.ts"
import * as Stripe from "./simulators/stripe.ts"
import * as Twilio from "./simulators/twilio.ts"
import * as Vendor from "./simulators/vendor.ts"
import * as Vonage from "./simulators/vonage.ts"

/**
 * The core port a provider's adapters implement; its contract suite is
 * `<Port>Contract`. `"VendorApi"` is no port of core: vendors are called through
 * `@wedsync/adapter-vendor`'s generic JSON client, which has no contract suite.
 *
 * @since 0.1.0
 */
export type Port = "EmailProvider" | "SmsProvider" | "PaymentProvider" | "CalendarProvider" | "VendorApi"

/**
 * One provider of the registry.
 *
 * @example
 * ```ts
 * const resend = SimulatorRegistry.providers.resend
 * const sim = await resend.start({ seed: 3 })
 * sim.credentials.apiKey === resend.credentials.apiKey // true
 * ```
 * @since 0.1.0
 */
export interface Entry<State, Credentials> {
  readonly port: Port
  readonly definition: Simulator.Definition<State, Credentials>
  /** The test credentials the simulator accepts and signs webhooks with. */
  readonly credentials: Credentials
  /** Starts this provider's simulator. */
  readonly start: (options?: Simulator.Options<Credentials>) => Promise<Simulator.Running<State, Credentials>>
}

/**
 * An {@link Entry} for a simulator definition.
 *
 * @example
 * ```ts
 * const sendgrid = SimulatorRegistry.entry("EmailProvider", SendGridSim.definition)
 * ```
 * @since 0.1.0
 */
export const entry = <State, Credentials>(
  port: Port,
  definition: Simulator.Definition<State, Credentials>
): Entry<State, Credentials> => ({
  port,
  definition,
  credentials: definition.credentials,
  start: (options) => Simulator.start(definition, options)
})

/**
 * Every provider simulator, by name. The order is the seed order of the hub:
 * each simulator gets `seed + its position` among the names started.
 *
 * @example
 * ```ts
 * Object.keys(SimulatorRegistry.providers) // ["stripe", "resend", "postmark", "twilio", "vonage", "googleCalendar", "vendor"]
 * ```
 * @since 0.1.0
 */
export const providers = {
  stripe: entry("PaymentProvider", Stripe.definition),
  resend: entry("EmailProvider", Resend.definition),
  postmark: entry("EmailProvider", Postmark.definition),
  twilio: entry("SmsProvider", Twilio.definition),
  vonage: entry("SmsProvider", Vonage.definition),
  googleCalendar: entry("CalendarProvider", GoogleCalendar.definition),
  vendor: entry("VendorApi", Vendor.definition)
} as const

/** A provider the registry knows. @since 0.1.0 */
export type Name = keyof typeof providers

/**
 * Every provider's name, in registry order.
 *
 * @example
 * ```ts
 * const everything = await SimulatorRegistry.start(SimulatorRegistry.names)
 * ```
 * @since 0.1.0
 */
export const names: ReadonlyArray<Name> = Object.keys(providers) as Array<Name>

/** The running simulator of one provider, with its own state and credential types. @since 0.1.0 */
export type RunningOf<K extends Name> =
  (typeof providers)[K] extends Entry<infer State, infer Credentials> ? Simulator.Running<State, Credentials> : never

/** The running simulators of some providers (all by default), by name. @since 0.1.0 */
export type Running<K extends Name = Name> = { readonly [P in K]: RunningOf<P> }

/** Options of {@link start}. @since 0.1.0 */
export interface StartOptions {
  /** Each simulator gets `seed + its position` in the names given (default 1), so runs repeat. */
  readonly seed?: number
  /** Fixed ports per provider; free ones otherwise. */
  readonly ports?: Partial<Record<Name, number>>
  /** Where every simulator sends its webhooks: an http:// or https:// URL. */
  readonly webhookUrl?: string
  /** The largest request body each simulator reads, in bytes (default 1 MiB); a larger one is answered 413. */
  readonly bodyLimitBytes?: number
}

/** Unknown provider names and bad ports in `ports`, and the options every simulator shares. */
const optionProblems = (options: StartOptions): ReadonlyArray<Problem> => [
  ...Object.entries(options.ports ?? {}).flatMap(([name, port]) =>
    Object.hasOwn(providers, name)
      ? portProblems(port, `ports.${name}`)
      : [{ field: `ports.${name}`, problem: `is not a provider; the providers are ${names.join(", ")}` }]
  ),
  ...commonProblems(options)
]

/**
 * Starts the named simulators; if one cannot start, the others are stopped
 * again and the first failure is thrown. Bad options (a port out of range, a
 * provider name it does not know in `ports`, a webhook URL that is not http(s))
 * are refused first with `Simulator.InvalidOptions`.
 *
 * @example
 * ```ts
 * const { twilio, vonage } = await SimulatorRegistry.start(["twilio", "vonage"], { seed: 5 })
 * ```
 * @since 0.1.0
 */
export const start = async <const K extends Name>(
  names: ReadonlyArray<K>,
  options: StartOptions = {}
): Promise<Running<K>> => {
  refuseOptions(optionProblems(options))
  const seed = options.seed ?? 1
  const settled = await Promise.allSettled(
    names.map((name, index) => {
      const port = options.ports !== undefined && Object.hasOwn(options.ports, name) ? options.ports[name] : undefined
      // Each entry's start takes its own credential type; these options name no credentials.
      const startEntry = providers[name].start as (options: Simulator.Options<never>) => Promise<Simulator.Handle>
      return startEntry({
        seed: seed + index,
        ...(port === undefined ? {} : { port }),
        ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
        ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes })
      })
    })
  )
  const failed = settled.find((outcome) => outcome.status === "rejected")
  if (failed !== undefined) {
    await Promise.all(settled.map((outcome) => (outcome.status === "fulfilled" ? outcome.value.stop() : undefined)))
    throw failed.reason
  }
  return Object.fromEntries(
    names.map((name, index) => [name, (settled[index] as PromiseFulfilledResult<Simulator.Handle>).value])
  ) as unknown as Running<K>
}

/**
 * Stops every simulator of a {@link start} result.
 *
 * @example
 * ```ts
 * await SimulatorRegistry.stop(simulators)
 * ```
 * @since 0.1.0
 */
export const stop = (simulators: Partial<Readonly<Record<Name, Simulator.Handle>>>): Promise<void> =>
  Promise.all(Object.values(simulators).map((simulator) => simulator?.stop())).then(() => undefined)
