/**
 * The Promise facade over WedSync's integrations, for services written with
 * async/await (Next.js, Supabase functions) rather than Effect: built once
 * from configuration, then `notify`, `pay` and a webhook route handler, with
 * failures answered as discriminated results (`ok`, `reason`, `family`,
 * `attempts`). Under it is one Effect `ManagedRuntime` per process per
 * `name`, kept on `globalThis` so Next.js hot reload reuses it.
 *
 * @example
 * ```ts
 * import { createIntegrations } from "@wedsync/integrations"
 *
 * export const integrations = createIntegrations({
 *   store: { sqlite: "./.data/wedsync.db" },
 *   email: { from: "WedSync <reminders@wedsync.example>", resend: { apiKey: process.env.RESEND_API_KEY ?? "" } }
 * })
 * const r = await integrations.notify({ to: { email: "ana@example.com" }, message: { subject: "Hi", text: "Hello" } })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, type ManagedRuntime, Schema } from "effect"
import type { Notifications } from "@wedsync/notifications"
import { ConfigError, type Options, type WebhookProvider } from "./Options.ts"
import type * as Results from "./Results.ts"
import * as Config from "./internal/config.ts"
import type { Services } from "./internal/layers.ts"
import * as Outcomes from "./internal/outcomes.ts"
import { Entry, registry } from "./internal/registry.ts"

/**
 * A call was made after `close()`. Create the integrations again
 * (`createIntegrations`) to use them.
 *
 * @example
 * ```ts
 * await integrations.close()
 * await integrations.notify(input).catch((error) => error._tag) // "IntegrationsClosedError"
 * ```
 * @since 0.1.0
 */
export class ClosedError extends Schema.TaggedError<ClosedError>("@wedsync/integrations/Integrations/ClosedError")(
  "IntegrationsClosedError",
  { integrations: Schema.String }
) {
  override get message(): string {
    return `the integrations "${this.integrations}" are closed; call createIntegrations again to use them`
  }
}

/**
 * The runtime could not start: the store does not open (a SQLite directory
 * that does not exist, PostgreSQL unreachable) or an adapter refused its
 * options. Each call rejects with it until a start succeeds: the next call
 * tries again. `description` says why, without secrets.
 *
 * @example
 * ```ts
 * await integrations.start().catch((error) => console.error(error._tag, error.description))
 * ```
 * @since 0.1.0
 */
export class StartError extends Schema.TaggedError<StartError>("@wedsync/integrations/Integrations/StartError")(
  "IntegrationsStartError",
  { integrations: Schema.String, description: Schema.String }
) {
  override get message(): string {
    return `the integrations "${this.integrations}" could not start: ${this.description}`
  }
}

/**
 * The integrations of one configuration.
 *
 * @example
 * ```ts
 * const r = await integrations.notify({ to: { phone: "+447700900123" }, message: { subject: "Tasting", text: "Tomorrow 3 pm" }, channels: ["sms"] })
 * const p = await integrations.pay({ bookingId: "bk_1", instalment: 1, amount: 50_000, currency: "gbp", paymentMethod: "pm_card_visa" })
 * export const POST = integrations.webhookHandler("stripe")
 * ```
 * @since 0.1.0
 */
export interface Integrations {
  /** The registry key. */
  readonly name: string
  /** Sends one notification: provider failover, channel fallback, queued when nothing can take it now. */
  readonly notify: (input: Results.NotifyInput) => Promise<Results.NotifyResult>
  /** Charges one instalment, never twice; queued (or manual on the wedding day) when Stripe cannot now. */
  readonly pay: (input: Results.PayInput) => Promise<Results.PayResult>
  /**
   * A Next.js App Router route handler receiving one source's webhooks:
   * 413 too large, 400 not UTF-8 or not decodable, 401 bad signature, 503
   * (with `Retry-After`) when the store cannot write, 200 once stored. Throws
   * a `ConfigError` now when the source is not configured.
   */
  readonly webhookHandler: (provider: WebhookProvider) => (request: Request) => Promise<Response>
  /** Starts the runtime now (the store, the workers) instead of at the first call; rejects with `StartError`. */
  readonly start: () => Promise<void>
  /** Stops the workers, closes the store and removes this name from the registry. Idempotent. */
  readonly close: () => Promise<void>
  /** The Effect runtime, for Effect code sharing these services. */
  readonly runtime: ManagedRuntime.ManagedRuntime<Services, unknown>
}

const unavailable = (error: string, message: string) =>
  Response.json({ error, message }, { status: 503, headers: { "retry-after": "30" } })

const facadeOf = (entry: Entry<Integrations>): Integrations => {
  const { name, scrub, options } = entry.checked
  const channels: ReadonlyArray<Notifications.Channel> = [
    ...(options.email === undefined ? [] : ["email" as const]),
    ...(options.sms === undefined ? [] : ["sms" as const])
  ]
  const started = async () => {
    if (entry.closed) throw new ClosedError({ integrations: name })
    try {
      await entry.context()
    } catch (cause) {
      throw new StartError({
        integrations: name,
        description: scrub(cause instanceof Error ? cause.message : String(cause))
      })
    }
  }
  const run = async <A>(effect: Effect.Effect<A, never, Services>): Promise<A> => {
    await started()
    return entry.runtime.runPromise(effect)
  }
  const webhookHandler = (provider: WebhookProvider) => {
    if (entry.checked.sources[provider] === undefined) {
      const field = `webhooks.${provider}`
      throw new ConfigError({ field, issues: [{ field, message: "is not configured" }] })
    }
    return async (request: Request): Promise<Response> => {
      // The provider delivers again later: nothing is lost by a 503.
      if (entry.closed) return unavailable("closed", "the receiver is shut down")
      const receiver = await entry.receiver(provider).catch(() => undefined)
      if (receiver === undefined) return unavailable("store_unavailable", "the receiver cannot store deliveries now")
      return receiver.handler(request)
    }
  }
  const describe = () => ({ _id: "Integrations", name, closed: entry.closed })
  const facade = {
    name,
    notify: (input: Results.NotifyInput) => run(Outcomes.notify(input, channels)),
    pay: (input: Results.PayInput) => run(Outcomes.pay(input)),
    webhookHandler,
    start: () => run(Effect.void),
    close: () => {
      if (registry().get(name) === entry) registry().delete(name)
      return entry.close()
    },
    toJSON: describe,
    [Symbol.for("nodejs.util.inspect.custom")]: () => `Integrations ${JSON.stringify(describe())}`
  }
  // Not enumerable: printing the facade never walks into the runtime.
  Object.defineProperty(facade, "runtime", { get: () => entry.runtime, enumerable: false })
  return facade as typeof facade & Pick<Integrations, "runtime">
}

/**
 * Builds the integrations of a configuration, or returns the ones already
 * built in this process under the same `name` (default `"default"`) with
 * the same configuration: a module re-evaluated by Next.js hot reload gets
 * the same runtime, with its webhook handlers replaced by the new functions.
 * A different configuration under the same name closes the old integrations
 * first (their calls then reject with `ClosedError`). Nothing is opened
 * until the first call (or `start()`).
 *
 * Throws a `ConfigError` naming the field when the configuration is invalid;
 * it is the only call that throws.
 *
 * @example
 * ```ts
 * export const integrations = createIntegrations({
 *   store: { sqlite: "./.data/wedsync.db" },
 *   email: {
 *     from: "WedSync <reminders@wedsync.example>",
 *     resend: { apiKey: process.env.RESEND_API_KEY ?? "" },
 *     postmark: { serverToken: process.env.POSTMARK_SERVER_TOKEN ?? "" }
 *   },
 *   stripe: { secretKey: process.env.STRIPE_SECRET_KEY ?? "" }
 * })
 * ```
 * @since 0.1.0
 */
export const createIntegrations = (options: Options): Integrations => {
  const checked = Config.check(options)
  const existing = registry().get(checked.name)
  if (existing !== undefined && !existing.closed && existing.checked.fingerprint === checked.fingerprint) {
    existing.handlers = checked.handlers
    return existing.facade as Integrations
  }
  const previous = existing === undefined ? Promise.resolve() : existing.close().catch(() => undefined)
  const entry = new Entry<Integrations>(checked, previous, facadeOf)
  registry().set(checked.name, entry as Entry)
  return entry.facade
}
