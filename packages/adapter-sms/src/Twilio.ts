/**
 * The Twilio `SmsProvider`, on the official `twilio` SDK.
 *
 * Each call builds its own `RequestClient` (see `internal/twilioCall.ts`), so
 * that the call's AbortSignal reaches axios (interruption aborts the HTTP
 * request; the SDK's own timeout aborts it too) and `lastResponse`, where
 * Retry-After and Twilio-Request-Id live (Twilio's errors carry no headers),
 * belongs to this call alone. `autoRetry` stays off: retry and failover live
 * in core. Twilio takes no idempotency key on message creates, so
 * `idempotencyKey` is not sent. The body's segment count is checked before
 * any request.
 *
 * The options are checked first: an empty `accountSid` or one not starting
 * with `AC`, an empty or blank `authToken`, a `baseUrl` that is not an http(s)
 * URL, a `timeoutMillis` that is not more than zero and within what a timer
 * can hold (2147483647) or a `maxSegments` below 1 fails `layer` and
 * `layerConfig` to build with a `Misconfigured` error naming the option, so
 * `Failover` serves from the backup at once; `make`'s sends fail with it
 * instead. Nothing thrown in a call escapes as a defect.
 */
import { type Config, Effect, Layer, type Redacted, Result } from "effect"
import { createHash } from "node:crypto"
import { AdapterConfig, type IntegrationError, MaybeSent, SmsProvider } from "@wedsync/core"
import * as Segments from "./internal/segments.ts"
import {
  DEFAULT_BASE_URL as BASE_URL,
  type Call,
  connect,
  DEFAULT_TIMEOUT_MILLIS as TIMEOUT_MILLIS
} from "./internal/twilioCall.ts"

/** Where Twilio's REST API lives. @since 0.1.0 */
export const DEFAULT_BASE_URL = BASE_URL

/** The SDK timeout unless the options give another. @since 0.1.0 */
export const DEFAULT_TIMEOUT_MILLIS = TIMEOUT_MILLIS

/**
 * Options of the Twilio layer.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly accountSid: string
  readonly authToken: Redacted.Redacted<string>
  /** Defaults to {@link DEFAULT_BASE_URL}; point it at a simulator in tests. */
  readonly baseUrl?: string | undefined
  /** The SDK's own request timeout (more than 0, at most 2147483647); interruption aborts the request as well. */
  readonly timeoutMillis?: number | undefined
  /** Bodies over this many segments fail as InvalidRequest before any request (default 10; a whole number ≥ 1). */
  readonly maxSegments?: number | undefined
}

const STATUSES: ReadonlyArray<SmsProvider.SmsStatus> = SmsProvider.SmsStatus.literals

const toStatus = (status: string): SmsProvider.SmsStatus =>
  STATUSES.find((known) => known === status) ?? (status === "canceled" ? "failed" : "queued")

const receiptOf = (message: {
  readonly sid: string
  readonly status: string
  readonly numSegments: string
}): SmsProvider.SmsReceipt => {
  const segments = Number(message.numSegments)
  return {
    provider: "twilio",
    messageId: message.sid,
    status: toStatus(message.status),
    ...(Number.isInteger(segments) && segments >= 1 ? { segments } : {})
  }
}

/** Messages to one recipient a lookup reads, newest first: more than a burst of reminders to one phone. */
const LOOKUP_LIMIT = 50

/** Twilio stamps `date_created` to the second and its clock is not ours: a match may predate the attempt by this much. */
const CLOCK_SKEW_MILLIS = 5_000

const digest = (body: string) => createHash("sha256").update(body, "utf8").digest("hex")

/**
 * The message a maybe-sent attempt created, among `listed` (newest first):
 * same body (by digest), created no earlier than the attempt began (less the
 * clock skew). An identical body sent to the same number within that window
 * is indistinguishable; the newest is taken.
 */
const findSent = (
  listed: ReadonlyArray<{
    readonly sid: string
    readonly body: string
    readonly dateCreated: Date
    readonly status: string
    readonly numSegments: string
  }>,
  message: SmsProvider.SmsMessage,
  since: number
) => {
  const wanted = digest(message.body)
  return listed.find(
    (candidate) =>
      typeof candidate.body === "string" &&
      candidate.dateCreated instanceof Date &&
      candidate.dateCreated.getTime() >= since - CLOCK_SKEW_MILLIS &&
      digest(candidate.body) === wanted
  )
}

/** The caller and segment limit of checked options, or the `Misconfigured` error of the first bad one. */
const settings = (options: Options) =>
  Result.all({ call: connect(options), maxSegments: Segments.checkMax("twilio", options.maxSegments) })

const service = ({
  call,
  maxSegments
}: {
  readonly call: Call
  readonly maxSegments: number
}): (typeof SmsProvider.SmsProvider)["Service"] => {
  const request = (message: SmsProvider.SmsMessage) =>
    call("send", async (client) => {
      const created = await client.messages.create({
        to: message.to,
        from: message.from,
        body: message.body,
        ...(message.statusCallbackUrl === undefined ? {} : { statusCallback: message.statusCallbackUrl })
      })
      if (typeof created.sid !== "string" || created.sid === "") throw new TypeError("no sid in the answer")
      return created
    }).pipe(Effect.map(receiptOf))
  const send = (
    message: SmsProvider.SmsMessage
  ): Effect.Effect<SmsProvider.SmsReceipt, IntegrationError.IntegrationError> => {
    const tooLong = Segments.check("twilio", message.body, maxSegments)
    return tooLong === undefined ? request(message) : Effect.fail(tooLong)
  }
  // Twilio takes no idempotency key and no client reference: a maybe-sent message is found by
  // recipient, sender and body among the messages created since the attempt began.
  const resolve = (message: SmsProvider.SmsMessage, since: number) =>
    call("resolve", (client) => client.messages.list({ to: message.to, from: message.from, limit: LOOKUP_LIMIT })).pipe(
      Effect.map((listed) => {
        const match = findSent(listed, message, since)
        return match === undefined ? MaybeSent.notFound : MaybeSent.found(receiptOf(match))
      })
    )
  return SmsProvider.SmsProvider.of({ provider: "twilio", send, resolve })
}

/**
 * Builds the Twilio `SmsProvider` service. With options that fail their check
 * (an `accountSid` not starting with `AC`, an empty `authToken`…) every send
 * fails with the `Misconfigured` error naming the option; `layer` fails to
 * build instead.
 *
 * @example
 * ```ts
 * const sms = Twilio.make({ accountSid: "AC…", authToken: Redacted.make(token) })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): (typeof SmsProvider.SmsProvider)["Service"] =>
  Result.match(settings(options), {
    onSuccess: service,
    onFailure: (error) => SmsProvider.SmsProvider.of({ provider: "twilio", send: () => Effect.fail(error) })
  })

const build = (options: Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(settings(options))),
    service
  )

/**
 * The Twilio `SmsProvider` layer. Fails to build with `Misconfigured`, naming
 * the option, for the options {@link make} refuses.
 *
 * @example
 * ```ts
 * const TwilioLive = Twilio.layer({ accountSid: "AC…", authToken: Redacted.make(process.env.TWILIO_AUTH_TOKEN!) })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SmsProvider.SmsProvider, IntegrationError.IntegrationError> =>
  Layer.effect(SmsProvider.SmsProvider, build(options))

/**
 * The Twilio layer with its options read from `Config` (secrets as
 * `Config.Redacted`). A value that cannot be read or fails its check fails the
 * layer as `Misconfigured`, naming the variable or the option, as in {@link layer}.
 *
 * @example
 * ```ts
 * const TwilioLive = Twilio.layerConfig({
 *   accountSid: Config.String("TWILIO_ACCOUNT_SID"),
 *   authToken: Config.Redacted("TWILIO_AUTH_TOKEN"),
 *   baseUrl: Config.String("TWILIO_BASE_URL").pipe(Config.withDefault(Twilio.DEFAULT_BASE_URL))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<SmsProvider.SmsProvider, IntegrationError.IntegrationError> =>
  Layer.effect(SmsProvider.SmsProvider, Effect.flatMap(AdapterConfig.unwrap("twilio", config), build))
