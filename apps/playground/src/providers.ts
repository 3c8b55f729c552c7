/**
 * Two in-process email providers for the offline playground. They implement
 * the real `EmailProvider` port; an outage switch makes one answer like a
 * provider having a bad day (HTTP 503 with a request id).
 */
import { Effect, Layer } from "effect"
import { EmailProvider, IntegrationError } from "@wedsync/core"

/** A provider the playground can take down and bring back. */
export interface PlaygroundProvider {
  readonly name: string
  readonly layer: Layer.Layer<EmailProvider.EmailProvider>
  readonly sent: Array<string>
  outage: boolean
  latencyMillis: number
}

/** Builds an in-process email provider whose outage the scenario controls. */
export const make = (name: string): PlaygroundProvider => {
  const provider: PlaygroundProvider = {
    name,
    sent: [],
    outage: false,
    latencyMillis: 2,
    layer: Layer.sync(EmailProvider.EmailProvider, () => {
      let counter = 0
      const send = (message: EmailProvider.EmailMessage) =>
        Effect.gen(function* () {
          yield* Effect.sleep(provider.latencyMillis)
          counter++
          if (provider.outage) {
            return yield* Effect.fail(
              IntegrationError.make(
                name,
                "send",
                new IntegrationError.Unavailable({ description: "503 Service Unavailable" }),
                {
                  status: 503,
                  requestId: `${name}_req_${counter}`
                }
              )
            )
          }
          provider.sent.push(message.subject)
          return {
            provider: name,
            messageId: `${name}_${counter}`,
            acceptedAt: Date.now()
          } satisfies EmailProvider.EmailReceipt
        })
      return EmailProvider.EmailProvider.of({
        provider: name,
        send,
        sendBatch: (messages) =>
          Effect.map(Effect.forEach(messages, send), (receipts) => ({
            provider: name,
            results: receipts.map((receipt) => ({ _tag: "Accepted" as const, receipt }))
          }))
      })
    })
  }
  return provider
}
