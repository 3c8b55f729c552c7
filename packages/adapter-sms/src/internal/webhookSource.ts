/**
 * A `WebhookSource` from a synchronous check: verification is pure CPU work
 * (an HMAC, a JWT), so the sources write it as a function that returns the
 * event or the refusal, and this lifts it into the port. Whatever the check
 * throws is refused as `PayloadInvalid`, never a defect; a source's options
 * are checked before its layer is built.
 *
 * @internal
 */
import { Effect, Result } from "effect"
import { type AdapterConfig, IntegrationError, WebhookSource } from "@wedsync/core"

/** @internal */
export const fromVerify = (
  provider: string,
  verify: (request: WebhookSource.WebhookRequest) => WebhookSource.WebhookEvent | IntegrationError.IntegrationError,
  secrets: ReadonlyArray<string> = []
): WebhookSource.WebhookSource["Service"] =>
  WebhookSource.guarded(
    provider,
    (request) => {
      const result = verify(request)
      return IntegrationError.isIntegrationError(result) ? Effect.fail(result) : Effect.succeed(result)
    },
    secrets
  )

/**
 * The service `make` builds, once `check` passes; else `check`'s
 * `Misconfigured` error, under the operation the email sources use
 * (`webhook.configure`).
 *
 * @internal
 */
export const whenValid = <S>(
  provider: string,
  check: () => AdapterConfig.Check<unknown>,
  make: () => S
): Effect.Effect<S, IntegrationError.IntegrationError> =>
  Effect.suspend(() => {
    const checked = check()
    return Result.isFailure(checked)
      ? Effect.fail(IntegrationError.make(provider, "webhook.configure", checked.failure.reason))
      : Effect.sync(make)
  })
