/**
 * Resend's `DeliveryEvent.DeliveryStatus`, for reconciliation: where an email
 * stands, from the `resend` SDK's `emails.get(id)` (`GET /emails/{id}`) and its
 * `last_event`.
 *
 * `queued`, `scheduled` and `sent` are `None` (nothing newer than accepted);
 * `delivered`, `delivery_delayed`, `bounced`, `complained`, `opened` and
 * `clicked` map to their statuses; `failed`, `canceled` and `suppressed` are
 * `failed`. A value Resend adds later is `None` until this adapter knows it.
 * The answer says neither when the last event happened nor what kind of
 * bounce it was: `occurredAt` is the time of the lookup (the event happened
 * no later) and `bounce` is left out. The id is `resend:<email id>:<status>`,
 * the id `ResendWebhooks` gives the same once-only event.
 *
 * Failures are classified like sends (`internal/resendErrors.ts`), except
 * that `not_found` is `Rejected` here: the email id is unknown. The options
 * are checked as `Resend.layer` checks them: `layer` fails to build with
 * `Misconfigured` naming a bad option, `make`'s lookups fail with it.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { ResendStatus } from "@wedsync/adapter-email"
 *
 * const status = ResendStatus.layerConfig({ apiKey: Config.Redacted("RESEND_API_KEY") })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, type Config, Effect, Layer, Option, Result, Schema } from "effect"
import { AdapterConfig, DeliveryEvent, IntegrationError } from "@wedsync/core"
import type * as Resend from "./Resend.ts"
import { type Call, connect, failing } from "./internal/resendClient.ts"
import { deliveryEventId } from "./internal/resendEvents.ts"

const PROVIDER = "resend"
const OPERATION = "status"

/** The status of each `last_event` that says more than "accepted". @since 0.1.0 */
export const statusByLastEvent: Readonly<Record<string, DeliveryEvent.Status>> = {
  delivered: "delivered",
  delivery_delayed: "delayed",
  bounced: "bounced",
  complained: "complained",
  opened: "opened",
  clicked: "clicked",
  failed: "failed",
  canceled: "failed",
  suppressed: "failed"
}

const Email = Schema.Struct({
  id: Schema.String.check(Schema.isMinLength(1)),
  last_event: Schema.String,
  to: Schema.optional(Schema.Array(Schema.String))
})

const unreadable = () =>
  IntegrationError.make(
    PROVIDER,
    OPERATION,
    new IntegrationError.Unavailable({ description: "Resend answered with an unreadable email" })
  )

/**
 * The delivery event a Resend email's `last_event` stands for, at `now`.
 *
 * @example
 * ```ts
 * ResendStatus.fromEmail({ id: "4ef9a417-…", last_event: "bounced", to: ["ana@example.com"] }, Date.now())
 * // Some(DeliveryEvent { id: "resend:4ef9a417-…:bounced", status: "bounced", source: "reconciliation" })
 * ```
 * @since 0.1.0
 */
export const fromEmail = (
  email: { readonly id: string; readonly last_event: string; readonly to?: ReadonlyArray<string> | undefined },
  now: number
): Option.Option<DeliveryEvent.DeliveryEvent> => {
  const status = statusByLastEvent[email.last_event]
  if (status === undefined) return Option.none()
  const recipient = email.to?.length === 1 ? { recipient: email.to[0] as string } : {}
  const failure = status === "failed" ? { providerCode: email.last_event } : {}
  return Option.some(
    new DeliveryEvent.DeliveryEvent({
      id: deliveryEventId(email.id, status),
      channel: "email",
      provider: PROVIDER,
      messageId: email.id,
      status,
      ...recipient,
      ...failure,
      occurredAt: now,
      source: "reconciliation"
    })
  )
}

const service = (call: Call): DeliveryEvent.DeliveryStatus["Service"] => {
  const lookup = (messageId: string) =>
    messageId === ""
      ? Effect.fail(
          IntegrationError.make(PROVIDER, OPERATION, new IntegrationError.InvalidRequest({ field: "messageId" }))
        )
      : call(OPERATION, (sdk, signal) => sdk.emails.get(encodeURIComponent(messageId), { signal }), {
          not_found: "Rejected"
        }).pipe(
          Effect.flatMap((data) => Effect.mapError(Schema.decodeUnknownEffect(Email)(data), unreadable)),
          Effect.flatMap((email) => Effect.map(Clock.currentTimeMillis, (now) => fromEmail(email, now)))
        )
  return DeliveryEvent.DeliveryStatus.of({ provider: PROVIDER, channel: "email", lookup })
}

/**
 * Builds Resend's status lookup, with the options `Resend.layer` takes. With
 * options that fail their check every lookup fails with the `Misconfigured`
 * error naming the option.
 *
 * @example
 * ```ts
 * const status = ResendStatus.make({ apiKey: Redacted.make("re_123"), timeout: "5 seconds" })
 * const latest = yield* status.lookup("4ef9a417-02e9-4d39-ad75-9611e0fcc33c")
 * ```
 * @since 0.1.0
 */
export const make = (options: Resend.Options): DeliveryEvent.DeliveryStatus["Service"] =>
  service(Result.getOrElse(connect(options), failing))

const build = (options: Resend.Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(connect(options))),
    service
  )

/**
 * Resend's `DeliveryStatus` layer; fails to build with `Misconfigured` for
 * the options `Resend.layer` refuses.
 *
 * @example
 * ```ts
 * const status = ResendStatus.layer({ apiKey: Redacted.make(process.env.RESEND_API_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Resend.Options
): Layer.Layer<DeliveryEvent.DeliveryStatus, IntegrationError.IntegrationError> =>
  Layer.effect(DeliveryEvent.DeliveryStatus, build(options))

/**
 * Resend's `DeliveryStatus` with its options read from `Config`.
 *
 * @example
 * ```ts
 * const status = ResendStatus.layerConfig({ apiKey: Config.Redacted("RESEND_API_KEY") })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Resend.Options>
): Layer.Layer<DeliveryEvent.DeliveryStatus, IntegrationError.IntegrationError> =>
  Layer.effect(DeliveryEvent.DeliveryStatus, Effect.flatMap(AdapterConfig.unwrap(PROVIDER, config), build))
