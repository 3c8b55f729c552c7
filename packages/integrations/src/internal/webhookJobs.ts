/**
 * The outbox handlers of received webhook events: one per configured source
 * (operation `webhook.<provider>`, as `Inbound` writes them), calling the
 * application's async handler for the event's type (`"*"` for the rest).
 * The handlers are read at each run, so a hot reload that brings new
 * handler functions takes effect without a new runtime. A handler that
 * throws or rejects is an `Unavailable`, one that runs past the `webhook`
 * policy's timeout a `TimedOut`: the outbox retries them by that policy and
 * keeps what is exhausted as a dead letter.
 *
 * @internal
 */
import { IntegrationError, Policy } from "@wedsync/core"
import type * as Outbox from "@wedsync/durable/Outbox"
import * as Inbound from "@wedsync/webhooks/Inbound"
import { Duration, Effect } from "effect"
import type { WebhookHandler, WebhookProvider } from "../Options.ts"

/** Handlers by provider, then by event type. @internal */
export type Handlers = Partial<Record<WebhookProvider, Readonly<Record<string, WebhookHandler>>>>

const failed = (provider: string, cause: unknown) =>
  IntegrationError.make(
    provider,
    "webhook.process",
    new IntegrationError.Unavailable({
      description: `the handler failed: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : typeof cause}`
    }),
    { providerCode: "wedsync.webhook.handler_failed" }
  )

const dispatcher =
  (provider: WebhookProvider, current: () => Handlers): Outbox.Handler =>
  (job) =>
    Effect.gen(function* () {
      const received = job.payload as Inbound.Received
      const byType = current()[provider] ?? {}
      const handler = byType[received.event.type] ?? byType["*"]
      if (handler === undefined) return
      const timeout = Duration.millis((yield* Policy.Policies).get("webhook", provider).timeoutMillis)
      yield* Effect.tryPromise({
        try: async () => {
          await handler(received.event, { receivedAt: received.request.receivedAt, url: received.request.url })
        },
        catch: (cause) => failed(provider, cause)
      }).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(IntegrationError.make(provider, "webhook.process", new IntegrationError.TimedOut({ timeout })))
        })
      )
    })

/**
 * The outbox handlers of every configured source, by operation.
 *
 * @internal
 */
export const outboxHandlers = (
  providers: ReadonlyArray<WebhookProvider>,
  current: () => Handlers
): Readonly<Record<string, Outbox.Handler>> =>
  Object.fromEntries(providers.map((provider) => [Inbound.operation(provider), dispatcher(provider, current)]))
