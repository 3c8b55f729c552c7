/**
 * A `WebhookSource` from a synchronous check: verification is pure CPU work
 * (an HMAC, a JWT), so the sources write it as a function that returns the
 * event or the refusal, and this lifts it into the port.
 *
 * @internal
 */
import { Effect } from "effect"
import { IntegrationError, WebhookSource } from "@wedsync/core"

/** @internal */
export const fromVerify = (
  provider: string,
  verify: (request: WebhookSource.WebhookRequest) => WebhookSource.WebhookEvent | IntegrationError.IntegrationError
): WebhookSource.WebhookSource["Service"] =>
  WebhookSource.WebhookSource.of({
    provider,
    verify: (request) =>
      Effect.suspend(() => {
        const result = verify(request)
        return IntegrationError.isIntegrationError(result) ? Effect.fail(result) : Effect.succeed(result)
      })
  })
