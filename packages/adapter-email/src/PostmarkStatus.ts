/**
 * Postmark's `DeliveryEvent.DeliveryStatus`, for reconciliation: where a
 * message stands, from the `postmark` SDK's outbound message details
 * (`GET /messages/outbound/{id}/details`).
 *
 * The answer is the latest of the message's `MessageEvents` (Delivered,
 * Transient, Bounced, SpamComplaint, Opened, LinkClicked) as a `DeliveryEvent`
 * with `source: "reconciliation"`, or `None` while Postmark has nothing newer
 * than "sent". Bounce and complaint ids are Postmark's bounce id, and a
 * delivery's id is message + recipient, the same ids `PostmarkWebhooks`
 * gives, so an event seen by both is recorded once. The details carry no
 * bounce type, so `bounce` is set only when the summary says hard or soft.
 *
 * Failures are classified like sends (`internal/postmarkErrors.ts`); an
 * unknown MessageID (ErrorCode 701) is `Rejected`. The options are checked
 * as `Postmark.layer` checks them: `layer` fails to build with
 * `Misconfigured` naming a bad option, `make`'s lookups fail with it.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { PostmarkStatus } from "@wedsync/adapter-email"
 *
 * const status = PostmarkStatus.layerConfig({ serverToken: Config.Redacted("POSTMARK_SERVER_TOKEN") })
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Effect, Layer, Option, Result } from "effect"
import { AdapterConfig, DeliveryEvent, IntegrationError } from "@wedsync/core"
import type * as Postmark from "./Postmark.ts"
import { type Connection, connect, failing } from "./internal/postmarkClient.ts"
import { malformed } from "./internal/postmarkErrors.ts"
import { decodeDetails, latestEvent } from "./internal/postmarkStatus.ts"

const OPERATION = "status"

const service = ({ call }: Connection): DeliveryEvent.DeliveryStatus["Service"] => {
  const lookup = (messageId: string) =>
    messageId === ""
      ? Effect.fail(
          IntegrationError.make("postmark", OPERATION, new IntegrationError.InvalidRequest({ field: "messageId" }))
        )
      : call(OPERATION, (sdk) => sdk.getOutboundMessageDetails(encodeURIComponent(messageId))).pipe(
          Effect.flatMap(({ value, status }) => {
            const details = decodeDetails(value)
            const latest = Option.isSome(details) ? latestEvent(details.value) : undefined
            return latest === undefined ? Effect.fail(malformed(OPERATION, status)) : Effect.succeed(latest)
          })
        )
  return DeliveryEvent.DeliveryStatus.of({ provider: "postmark", channel: "email", lookup })
}

/**
 * Builds Postmark's status lookup, with the options `Postmark.layer` takes
 * (`messageStream` is not used: a MessageID is unique on the server). With
 * options that fail their check every lookup fails with the `Misconfigured`
 * error naming the option.
 *
 * @example
 * ```ts
 * const status = PostmarkStatus.make({ serverToken: Redacted.make("pm-token"), timeout: "5 seconds" })
 * const latest = yield* status.lookup("883953f4-6105-42a2-a16a-77a8eac79483")
 * ```
 * @since 0.1.0
 */
export const make = (options: Postmark.Options): DeliveryEvent.DeliveryStatus["Service"] =>
  service(Result.getOrElse(connect(options), failing))

const build = (options: Postmark.Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(connect(options))),
    service
  )

/**
 * Postmark's `DeliveryStatus` layer; fails to build with `Misconfigured` for
 * the options `Postmark.layer` refuses.
 *
 * @example
 * ```ts
 * const status = PostmarkStatus.layer({ serverToken: Redacted.make(process.env.POSTMARK_SERVER_TOKEN ?? "") })
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Postmark.Options
): Layer.Layer<DeliveryEvent.DeliveryStatus, IntegrationError.IntegrationError> =>
  Layer.effect(DeliveryEvent.DeliveryStatus, build(options))

/**
 * Postmark's `DeliveryStatus` with its options read from `Config`.
 *
 * @example
 * ```ts
 * const status = PostmarkStatus.layerConfig({ serverToken: Config.Redacted("POSTMARK_SERVER_TOKEN") })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Postmark.Options>
): Layer.Layer<DeliveryEvent.DeliveryStatus, IntegrationError.IntegrationError> =>
  Layer.effect(DeliveryEvent.DeliveryStatus, Effect.flatMap(AdapterConfig.unwrap("postmark", config), build))
