/**
 * The contract every `WebhookSource` must keep, fed with deliveries that the
 * provider's simulator signs exactly as the provider does, or deliberately
 * wrong:
 * - each authentic delivery is accepted, with the provider's own event id as
 *   the dedupe key (a duplicate delivery gives the same id, distinct events
 *   distinct ids);
 * - a changed body, a stale timestamp, a wrong secret and a missing signature
 *   header are each refused as `SignatureInvalid` (body and timestamp only
 *   where the provider's scheme covers them);
 * - an authentic but unreadable payload is `PayloadInvalid`, never accepted;
 * - no secret appears in any refusal.
 *
 * @example
 * ```ts
 * WebhookSourceContract.suite("Stripe webhooks", {
 *   simulator: StripeSim.definition,
 *   layer: ({ credentials }) => Stripe.webhookSource({ secret: Redacted.make(credentials.webhookSecret) }),
 *   events: [StripeSim.events.paymentIntentSucceeded(payment), StripeSim.events.chargeRefunded(payment)]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, type Exit, type Layer } from "effect"
import { WebhookSource } from "@wedsync/core"
import { expect } from "vitest"
import {
  type CheckResult,
  expectNoSecrets,
  failureOf,
  type NamedCheck,
  type Opened,
  registerChecks,
  successOf,
  verifyChecks
} from "../internal/contract.ts"
import type * as Simulator from "../Simulator.ts"
import * as Webhooks from "../Webhooks.ts"

/** Options of the webhook contract. @since 0.1.0 */
export interface Options<State, Credentials> {
  /** The simulator whose signer makes the deliveries. */
  readonly simulator: Simulator.Definition<State, Credentials>
  /** The source under test, built from the simulator's credentials and its public URL. */
  readonly layer: (target: {
    readonly credentials: Credentials
    readonly url: string
  }) => Layer.Layer<WebhookSource.WebhookSource, unknown>
  /** At least two distinct provider events (from the simulator's `events` builders). */
  readonly events: ReadonlyArray<Webhooks.WebhookEvent>
  /** The public URL the deliveries are addressed to (default `https://hooks.wedsync.test/<provider>`). */
  readonly url?: string
}

interface Environment<State, Credentials> {
  readonly options: Options<State, Credentials>
  readonly signer: Webhooks.Signer<Credentials>
  readonly url: string
  readonly verify: (delivery: Webhooks.WebhookDelivery) => Promise<Exit.Exit<WebhookSource.WebhookEvent, unknown>>
  readonly deliver: (event: Webhooks.WebhookEvent, tamper?: Webhooks.Tamper) => Webhooks.WebhookDelivery
}

const open =
  <State, Credentials>(options: Options<State, Credentials>) =>
  async (): Promise<Opened<Environment<State, Credentials>>> => {
    const signer = options.simulator.signer
    if (signer === undefined) throw new Error(`${options.simulator.provider} has no webhook signer`)
    const url = options.url ?? `https://hooks.wedsync.test/${options.simulator.provider}`
    const credentials = options.simulator.credentials
    const source = options.layer({ credentials, url })
    const environment: Environment<State, Credentials> = {
      options,
      signer,
      url,
      verify: (delivery) =>
        Effect.runPromiseExit(
          Effect.provide(
            Effect.flatMap(Effect.service(WebhookSource.WebhookSource), (port) =>
              port.verify(Webhooks.toRequest(delivery))
            ),
            source
          )
        ),
      deliver: (event, tamper) =>
        Webhooks.build(signer, credentials, event, event.url ?? url, tamper === undefined ? {} : { tamper })
    }
    return { environment, reset: () => {}, close: async () => {} }
  }

const UNREADABLE: Readonly<Record<string, string>> = {
  "application/json": '{"type": "payment_intent.succeeded", "data": ',
  "application/x-www-form-urlencoded": "Unexpected=1"
}

/**
 * The checks of the webhook contract.
 *
 * @since 0.1.0
 */
export const checks = <State, Credentials>(
  options: Options<State, Credentials>
): ReadonlyArray<NamedCheck<Environment<State, Credentials>>> => {
  const signer = options.simulator.signer
  const applicable = Webhooks.tampers.filter(
    (tamper) =>
      (tamper !== "body" || signer?.signsBody !== false) &&
      (tamper !== "staleTimestamp" || signer?.timestamped === true)
  )
  const sample = options.events[0]
  const unreadable =
    sample === undefined || signer?.signsBody === false ? undefined : UNREADABLE[sample.contentType.split(";")[0] ?? ""]
  return [
    {
      name: "accepts each authentic delivery, keyed by the provider's event id",
      run: async (environment) => {
        expect(environment.options.events.length).toBeGreaterThanOrEqual(2)
        const ids: Array<string> = []
        for (const event of environment.options.events) {
          const verified = successOf(await environment.verify(environment.deliver(event)))
          expect(verified.provider).toBeTruthy()
          ids.push(verified.id)
        }
        expect(new Set(ids).size).toBe(ids.length)
      }
    },
    {
      name: "a duplicate delivery has the same id",
      run: async (environment) => {
        const delivery = environment.deliver(environment.options.events[0] as Webhooks.WebhookEvent)
        const first = successOf(await environment.verify(delivery))
        const again = successOf(await environment.verify(delivery))
        expect(again.id).toBe(first.id)
      }
    },
    ...applicable.map(
      (tamper): NamedCheck<Environment<State, Credentials>> => ({
        name: `refuses a delivery with ${tamperNames[tamper]} as SignatureInvalid, revealing no secret`,
        run: async (environment) => {
          const delivery = environment.deliver(environment.options.events[0] as Webhooks.WebhookEvent, tamper)
          const error = failureOf(await environment.verify(delivery))
          expect(error.reason._tag).toBe("SignatureInvalid")
          expectNoSecrets(error, environment.options.simulator.credentials)
          expect(error.message.includes(environment.signer.wrongSecret)).toBe(false)
        }
      })
    ),
    ...(unreadable === undefined
      ? []
      : [
          {
            name: "refuses an authentic but unreadable payload as PayloadInvalid",
            run: async (environment: Environment<State, Credentials>) => {
              const event = { ...(environment.options.events[0] as Webhooks.WebhookEvent), body: unreadable }
              const error = failureOf(await environment.verify(environment.deliver(event)))
              expect(error.reason._tag).toBe("PayloadInvalid")
            }
          }
        ])
  ]
}

const tamperNames: Readonly<Record<Webhooks.Tamper, string>> = {
  body: "a changed body",
  staleTimestamp: "a stale timestamp",
  wrongSecret: "a wrong secret",
  missingHeader: "no signature header"
}

/**
 * Registers the webhook contract as vitest tests, one per check.
 *
 * @since 0.1.0
 */
export const suite = <State, Credentials>(name: string, options: Options<State, Credentials>): void =>
  registerChecks(name, open(options), checks(options))

/**
 * Runs the webhook contract and reports each check.
 *
 * @since 0.1.0
 */
export const verify = <State, Credentials>(options: Options<State, Credentials>): Promise<ReadonlyArray<CheckResult>> =>
  verifyChecks(open(options), checks(options))
