/**
 * Vonage delivery receipts by our `client-ref`, so a maybe-sent Vonage SMS
 * can be resolved: the SMS API takes no idempotency key and cannot be
 * searched by reference (its Reports API is paid and lags), but every receipt
 * carries the `client-ref` the message was sent with. `VonageWebhooks` notes
 * each verified receipt here (option `receipts`); `Vonage.layer`'s `resolve`
 * waits, a bounded time, for a receipt of the message's idempotency key.
 *
 * Receipts are kept in this process's memory for `keepFor` (default 10
 * minutes), at most `maxEntries` (default 10 000, oldest dropped first). In a
 * deployment of several instances a receipt lands on the instance the webhook
 * reached, so an instance that did not receive it answers `"unknown"`, and the
 * `MaybeSent` policy decides: the wait never turns into a false "not sent".
 *
 * @example
 * ```ts
 * import { Vonage, VonageReceipts, VonageWebhooks } from "@wedsync/adapter-sms"
 *
 * const receipts = VonageReceipts.make()
 * const sms = Vonage.layer({ ...vonageOptions, receipts })
 * const webhooks = VonageWebhooks.layer({ signatureSecret, receipts })
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Context, Deferred, Duration, Effect, Layer, Option } from "effect"
import { AdapterConfig, type IntegrationError, type WebhookSource } from "@wedsync/core"

/** What a receipt said of the message sent with a `client-ref`. @since 0.1.0 */
export interface Receipt {
  readonly messageId: string
  /** Vonage's status word: `delivered`, `accepted`, `buffered`, `failed`, `rejected`, `expired` or `unknown`. */
  readonly status: string
}

/** The registry. @since 0.1.0 */
export interface Registry {
  /** Notes a verified Vonage webhook event; anything but a receipt with a `client-ref` is ignored. */
  readonly record: (event: WebhookSource.WebhookEvent) => void
  /** The first receipt for `clientRef`, waiting at most `within` for one to arrive. */
  readonly await: (clientRef: string, within: Duration.Input) => Effect.Effect<Option.Option<Receipt>>
}

/** Options of {@link make}. @since 0.1.0 */
export interface Options {
  /** How long a receipt is kept (default 10 minutes). */
  readonly keepFor?: Duration.Input | undefined
  /** At most this many receipts are kept (default 10 000). */
  readonly maxEntries?: number | undefined
}

/**
 * A registry in this process's memory.
 *
 * @example
 * ```ts
 * const receipts = VonageReceipts.make({ keepFor: "30 minutes" })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options = {}): Registry => {
  const keepMillis = Duration.toMillis(Duration.fromInputUnsafe(options.keepFor ?? Duration.minutes(10)))
  const maxEntries = options.maxEntries ?? 10_000
  const seen = new Map<string, { readonly receipt: Receipt; readonly at: number }>()
  const waiting = new Map<string, Set<Deferred.Deferred<Receipt>>>()
  const prune = (now: number) => {
    for (const [ref, entry] of seen) {
      if (seen.size <= maxEntries && now - entry.at <= keepMillis) break
      seen.delete(ref)
    }
  }
  const record = (event: WebhookSource.WebhookEvent) => {
    if (event.provider !== "vonage" || typeof event.payload !== "object" || event.payload === null) return
    const payload = event.payload as Readonly<Record<string, unknown>>
    const clientRef = payload["client-ref"] ?? payload.client_ref
    const messageId = payload.messageId ?? payload.message_uuid
    const status = payload.status
    if (typeof clientRef !== "string" || clientRef === "" || typeof messageId !== "string") return
    const receipt: Receipt = { messageId, status: typeof status === "string" ? status : "unknown" }
    const now = Date.now()
    if (!seen.has(clientRef)) seen.set(clientRef, { receipt, at: now })
    prune(now)
    const waiters = waiting.get(clientRef)
    if (waiters === undefined) return
    waiting.delete(clientRef)
    for (const waiter of waiters) Deferred.doneUnsafe(waiter, Effect.succeed(receipt))
  }
  const await_ = (clientRef: string, within: Duration.Input) =>
    Effect.suspend(() => {
      const known = seen.get(clientRef)
      if (known !== undefined) return Effect.succeed(Option.some(known.receipt))
      const waiter = Deferred.makeUnsafe<Receipt>()
      const set = waiting.get(clientRef) ?? new Set()
      set.add(waiter)
      waiting.set(clientRef, set)
      return Deferred.await(waiter).pipe(
        Effect.timeoutOption(within),
        Effect.ensuring(
          Effect.sync(() => {
            set.delete(waiter)
            if (set.size === 0 && waiting.get(clientRef) === set) waiting.delete(clientRef)
          })
        )
      )
    })
  return { record, await: await_ }
}

/**
 * The registry as a service, for wiring by layer: give the same instance to
 * `Vonage.layer({ receipts })` and `VonageWebhooks.layer({ receipts })`.
 *
 * @example
 * ```ts
 * const receipts = yield* VonageReceipts.VonageReceipts
 * ```
 * @since 0.1.0
 */
export class VonageReceipts extends Context.Service<VonageReceipts, Registry>()(
  "@wedsync/adapter-sms/VonageReceipts"
) {}

/**
 * A registry in memory, as a layer.
 *
 * @example
 * ```ts
 * const ReceiptsLive = VonageReceipts.layer({ keepFor: "30 minutes" })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<VonageReceipts> =>
  Layer.sync(VonageReceipts, () => make(options))

/**
 * A registry in memory, its options read from `Config`.
 *
 * @example
 * ```ts
 * const ReceiptsLive = VonageReceipts.layerConfig({ keepFor: Config.succeed("30 minutes") })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<VonageReceipts, IntegrationError.IntegrationError> =>
  Layer.effect(VonageReceipts, Effect.map(AdapterConfig.unwrap("vonage", config), make))
