/**
 * What the webhook tests share: running a source's `verify` on a request,
 * turning a simulator-built delivery into a request (optionally as a proxy
 * rewrote it), and reading the refusal while checking that no secret leaks.
 */
import { Cause, Effect, Exit, Option } from "effect"
import type { IntegrationError, WebhookSource } from "@wedsync/core"
import { Webhooks } from "@wedsync/testkit"
import { expect } from "vitest"

/** A delivery as the receiving server sees it; `overrides` play the proxy. */
export const requestOf = Webhooks.toRequest

/** Runs one verification. */
export const verifyWith = (
  source: WebhookSource.WebhookSource["Service"],
  request: WebhookSource.WebhookRequest
): Exit.Exit<WebhookSource.WebhookEvent, IntegrationError.IntegrationError> =>
  Effect.runSyncExit(source.verify(request))

/** The event of a verification that must succeed. */
export const accepted = (exit: Exit.Exit<WebhookSource.WebhookEvent, IntegrationError.IntegrationError>) => {
  if (Exit.isFailure(exit)) throw new Error(`expected acceptance, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}

/** The error of a verification that must fail, checked to reveal none of `secrets`. */
export const refused = (
  exit: Exit.Exit<unknown, IntegrationError.IntegrationError>,
  secrets: ReadonlyArray<string>
): IntegrationError.IntegrationError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a refusal, the delivery was accepted")
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  if (error === undefined) throw new Error(`expected an IntegrationError, got ${Cause.pretty(exit.cause)}`)
  const rendered = [error.message, String(error), JSON.stringify(error), JSON.stringify(error.reason)].join("\n")
  for (const secret of secrets) expect(rendered.includes(secret), "a secret appears in the refusal").toBe(false)
  return error
}
