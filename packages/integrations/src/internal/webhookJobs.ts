/**
 * The outbox handlers of received webhook events: one per configured source
 * (operation `webhook.<provider>`, as `Inbound` writes them), calling the
 * application's async handler for the event's type (`"*"` for the rest).
 * The handlers are read at each run, so a hot reload that brings new
 * handler functions takes effect without a new runtime. A handler that
 * throws or rejects is an `Unavailable` (`wedsync.webhook.handler_defect`),
 * one that runs past the `webhook` policy's timeout a `TimedOut`: the
 * outbox retries them by that policy and keeps what is exhausted as a dead
 * letter.
 *
 * @internal
 */
import * as Inbound from "@wedsync/webhooks/Inbound"
import { Effect } from "effect"
import type { WebhookHandler, WebhookProvider } from "../Options.ts"

/** Handlers by provider, then by event type. @internal */
export type Handlers = Partial<Record<WebhookProvider, Readonly<Record<string, WebhookHandler>>>>

/**
 * The outbox handlers of every configured source, by operation: webhooks'
 * own dispatch (`Inbound.handlers`: timeout, retry, a failed handler as
 * `Unavailable`), over one Effect handler per provider that calls the
 * application's async handler found at this run.
 *
 * @internal
 */
export const outboxHandlers = (providers: ReadonlyArray<WebhookProvider>, current: () => Handlers) =>
  Inbound.handlers(
    Object.fromEntries(
      providers.map((provider) => [
        provider,
        {
          "*": (event: Inbound.Received["event"], received: Inbound.Received) =>
            Effect.promise(async () => {
              const byType = current()[provider] ?? {}
              const handler = byType[event.type] ?? byType["*"]
              if (handler !== undefined) {
                await handler(event, { receivedAt: received.request.receivedAt, url: received.request.url })
              }
            })
        }
      ])
    )
  )
