/**
 * Twilio status lookups for reconciliation: a `DeliveryEvent.DeliveryStatus`
 * that asks `GET /2010-04-01/Accounts/{AccountSid}/Messages/{sid}.json`
 * (`client.messages(sid).fetch()`) where a message stands.
 *
 * Twilio retries a status callback only on connection failures, so an
 * overdue `delivered` / `undelivered` is looked up instead. The answer is the
 * message's latest status in `DeliveryEvent` words (the table in
 * `TwilioWebhooks.deliveryEvents`), with the id a callback would have given
 * (`twilio:<sid>:<status>`), so news learned both ways is recorded once, and
 * `None` while Twilio still holds the message (accepted, scheduled, queued,
 * sending) or reports a status it does not document. Failures are classified
 * as for sends; an unknown sid (Twilio 20404) is `Rejected`. The options are
 * checked as `Twilio.layer` checks them: `layer` fails to build with
 * `Misconfigured` naming a bad option, `make`'s lookups fail with it.
 *
 * @since 0.1.0
 */
import { Clock, type Config, Effect, Layer, Option, type Redacted, Result } from "effect"
import { AdapterConfig, DeliveryEvent, IntegrationError } from "@wedsync/core"
import { type Call, connect, failing } from "./internal/twilioCall.ts"
import { eventOf } from "./internal/twilioDelivery.ts"
import { codeReasons } from "./internal/twilioErrors.ts"

/**
 * Options of the lookup: the same account, base URL and timeout as `Twilio.layer`
 * (a `Twilio.Options` value fits; `maxSegments` is ignored).
 *
 * @since 0.1.0
 */
export interface Options {
  readonly accountSid: string
  readonly authToken: Redacted.Redacted<string>
  /** Defaults to `Twilio.DEFAULT_BASE_URL`; point it at a simulator in tests. */
  readonly baseUrl?: string | undefined
  /** The SDK's own request timeout (default 10 s); interruption aborts the request as well. */
  readonly timeoutMillis?: number | undefined
}

// On a fetch, "no such resource" means no such message: the request's fault, not the account's.
const lookupCodes: Readonly<Record<number, IntegrationError.AnswerReasonTag>> = { ...codeReasons, 20404: "Rejected" }

const SID = /^[A-Za-z]{2}[0-9a-fA-F]{32}$/

const service = (call: Call): DeliveryEvent.DeliveryStatus["Service"] => {
  const lookup = (messageId: string) => {
    if (!SID.test(messageId)) {
      const reason = new IntegrationError.InvalidRequest({
        description: "not a Twilio message sid",
        field: "messageId"
      })
      return Effect.fail(IntegrationError.make("twilio", "lookup", reason))
    }
    return Effect.all([
      call("lookup", (client) => client.messages(messageId).fetch(), lookupCodes),
      Clock.currentTimeMillis
    ]).pipe(
      Effect.map(([message, now]) => {
        const updated = message.dateUpdated instanceof Date ? message.dateUpdated.getTime() : Number.NaN
        const event = eventOf({
          messageSid: message.sid,
          status: String(message.status),
          to: message.to,
          errorCode: message.errorCode,
          errorMessage: message.errorMessage,
          occurredAt: Number.isFinite(updated) && updated >= 0 ? updated : now,
          source: "reconciliation"
        })
        return event ?? Option.none()
      })
    )
  }
  return DeliveryEvent.DeliveryStatus.of({ provider: "twilio", channel: "sms", lookup })
}

/**
 * Builds the Twilio `DeliveryStatus` service. With options that fail their
 * check every lookup fails with the `Misconfigured` error naming the option.
 *
 * @example
 * ```ts
 * const status = TwilioStatus.make({ accountSid: "AC…", authToken: Redacted.make(token) })
 * const latest = yield* status.lookup("SM3f1c…") // Option<DeliveryEvent>, source "reconciliation"
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): DeliveryEvent.DeliveryStatus["Service"] =>
  service(Result.getOrElse(connect(options), failing))

const build = (options: Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(connect(options))),
    service
  )

/**
 * The Twilio `DeliveryStatus` layer; fails to build with `Misconfigured` for
 * the options `Twilio.layer` refuses.
 *
 * @example
 * ```ts
 * const TwilioLookups = TwilioStatus.layer({ accountSid: "AC…", authToken: Redacted.make(process.env.TWILIO_AUTH_TOKEN!) })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<DeliveryEvent.DeliveryStatus, IntegrationError.IntegrationError> =>
  Layer.effect(DeliveryEvent.DeliveryStatus, build(options))

/**
 * The Twilio `DeliveryStatus` layer with its options read from `Config` (secrets as `Config.Redacted`).
 *
 * @example
 * ```ts
 * const TwilioLookups = TwilioStatus.layerConfig({
 *   accountSid: Config.String("TWILIO_ACCOUNT_SID"),
 *   authToken: Config.Redacted("TWILIO_AUTH_TOKEN")
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<DeliveryEvent.DeliveryStatus, IntegrationError.IntegrationError> =>
  Layer.effect(DeliveryEvent.DeliveryStatus, Effect.flatMap(AdapterConfig.unwrap("twilio", config), build))
