/**
 * Re-injecting a quarantined delivery, as an operator: its request again,
 * repaired if need be (a body or headers replaced), either verified by its
 * source as it was received (its signature checked against the time it
 * arrived, so a timestamp tolerance still holds) or — explicitly — trusted by
 * the operator, who then names the event. Either way it goes to the inbox as
 * any delivery does, and the act is audited with the actor.
 *
 * @internal
 */
import { Effect, Schema } from "effect"
import { Audit, type IntegrationError, type StoreError, WebhookSource } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"
import * as Quarantine from "../Quarantine.ts"
import { jobIdOf, storedRequest } from "./pipeline.ts"
import { operationOf, type Received } from "./processing.ts"
import { weddingOf } from "./weddingOf.ts"

/** How a re-injected delivery is trusted. @internal */
export type Trust =
  | { readonly _tag: "Verify" }
  | { readonly _tag: "OperatorTrusted"; readonly eventId: string; readonly type: string }

/** A repaired request: what replaces the kept body or headers. @internal */
export interface Repair {
  readonly body?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** A quarantined delivery that cannot be re-injected as asked. @internal */
export class ReinjectRefused extends Schema.TaggedError<ReinjectRefused>("@wedsync/webhooks/ReinjectRefused")(
  "ReinjectRefused",
  { id: Schema.String, why: Schema.String }
) {
  override get message(): string {
    return `quarantined delivery ${this.id} cannot be re-injected: ${this.why}`
  }
}

/** What a re-injection wrote. @internal */
export interface Reinjected {
  readonly id: string
  readonly eventId: string
  readonly jobId: string
  readonly trusted: boolean
}

const parsed = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/** @internal */
export const reinject = (
  verifier: WebhookSource.WebhookSource["Service"],
  id: string,
  options: { readonly repair?: Repair | undefined; readonly trust: Trust; readonly critical: boolean },
  operator: Quarantine.Operator,
  outbox: Outbox.Outbox["Service"]
): Effect.Effect<
  Reinjected,
  | ReinjectRefused
  | IntegrationError.IntegrationError
  | Quarantine.QuarantineNotFound
  | StoreError.StoreError
  | Schema.SchemaError,
  Quarantine.Quarantine | Audit.Audit
> =>
  Effect.gen(function* () {
    const quarantine = yield* Effect.service(Quarantine.Quarantine)
    const entry = yield* quarantine.get(id, operator)
    const refuse = (why: string) => Effect.fail(new ReinjectRefused({ id, why }))
    if (entry.provider !== verifier.provider) {
      return yield* refuse(`it came for ${entry.provider}, not ${verifier.provider}`)
    }
    if (entry.status === "reinjected") return yield* refuse("it was re-injected already")
    const body = options.repair?.body ?? (entry.bodyEncoding === "utf8" ? entry.body : undefined)
    if (body === undefined) return yield* refuse("its body is not UTF-8 text: give the repaired body")
    const request = new WebhookSource.WebhookRequest({
      method: entry.method,
      url: entry.url,
      headers: { ...entry.headers, ...options.repair?.headers },
      body,
      ...(entry.remoteAddress === undefined ? {} : { remoteAddress: entry.remoteAddress }),
      // Verified as of when it arrived: a signature's timestamp tolerance still holds.
      receivedAt: entry.receivedAt
    })
    const trusted = options.trust._tag === "OperatorTrusted"
    const event: WebhookSource.WebhookEvent =
      options.trust._tag === "OperatorTrusted"
        ? { provider: verifier.provider, id: options.trust.eventId, type: options.trust.type, payload: parsed(body) }
        : yield* verifier.verify(request)
    const received: Received = { event, request: storedRequest(request) }
    const wedding = weddingOf(event.payload)
    const jobId = jobIdOf(verifier.provider, event.id)
    yield* outbox.offer({
      id: jobId,
      service: "webhook",
      operation: operationOf(verifier.provider),
      payload: received,
      ...(options.critical ? { critical: true } : {}),
      ...(wedding === undefined ? {} : { wedding })
    })
    yield* quarantine.markReinjected(id)
    yield* Audit.record({
      actor: operator.actor,
      reason: operator.reason,
      action: trusted ? "quarantine.reinject.trusted" : "quarantine.reinject",
      target: id,
      details: { eventId: event.id, repaired: options.repair !== undefined }
    })
    return { id, eventId: event.id, jobId, trusted }
  })
