/**
 * Reading one Stripe delivery, in the steps the webhook pipeline runs: the
 * signature ({@link authenticate}), then either the whole event at once
 * ({@link decodeEvent}, what `verify` returns after the signature) or, for a
 * two-step pipeline, only what its 2xx needs ({@link identify}: `id`, `type`,
 * `created`, read after one `JSON.parse` with no Schema decode) and the whole
 * event later from the stored request ({@link decodeEvent} again, without
 * the signature).
 *
 * Every step fails as the one-step `verify` does, with the same reasons and
 * descriptions: the envelope is checked by a plain predicate on the fast
 * path, and by the Schema decode, which names the field, when it fails.
 *
 * @internal
 */
import { Effect, Schema, SchemaIssue } from "effect"
import { IntegrationError, WebhookSource } from "@wedsync/core"
import { Envelope, isEnvelope, isKnownType, objectOfType } from "./stripeEvents.ts"
import { matches, parseHeader } from "./stripeSignature.ts"

/** @internal */
export const PROVIDER = "stripe"

/** @internal */
export const forged = (description: string): IntegrationError.IntegrationError =>
  IntegrationError.make(PROVIDER, "webhook", new IntegrationError.SignatureInvalid({ description }))

/** @internal */
export const unreadable = (description: string): IntegrationError.IntegrationError =>
  IntegrationError.make(PROVIDER, "webhook", new IntegrationError.PayloadInvalid({ description }))

/** What the signature check reads of a delivery. @internal */
export interface Signed {
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly receivedAt: number
}

/**
 * Why a delivery is not authentic, or `undefined` when it is: one numeric
 * `t` within `toleranceMillis` of `receivedAt`, and a `v1` that matches
 * under one of the secrets.
 *
 * @internal
 */
export const authenticate = (
  secrets: ReadonlyArray<string>,
  toleranceMillis: number,
  request: Signed
): IntegrationError.IntegrationError | undefined => {
  const signature = request.headers["stripe-signature"]
  if (signature === undefined || signature === "") return forged("Stripe-Signature is missing")
  const header = parseHeader(signature)
  if (header === undefined) return forged("Stripe-Signature has no single numeric t, or no v1 signature")
  if (Math.abs(request.receivedAt - Number(header.timestamp) * 1000) > toleranceMillis) {
    return forged("Stripe-Signature's timestamp is outside the tolerance")
  }
  return matches(secrets, header, request.body) ? undefined : forged("no v1 signature matches")
}

const notJson = () => unreadable("the body is not JSON")

// Only reached when `isEnvelope` says no: the Schema decode (which agrees with it) names the field.
const notAnEvent = (payload: unknown): IntegrationError.IntegrationError => {
  const decoded = Schema.decodeUnknownResult(Envelope)(payload)
  return WebhookSource.payloadInvalid(
    PROVIDER,
    "webhook",
    "not a Stripe event",
    decoded._tag === "Failure" ? decoded.failure.issue : undefined
  )
}

/** What {@link identify} finds: what the 2xx needs, and the body as parsed (searched for a wedding). @internal */
export interface Identified {
  readonly id: string
  readonly type: string
  readonly occurredAt: number
  readonly payload: unknown
}

/**
 * The id, type and time of an authenticated delivery, from one `JSON.parse`:
 * the object inside is not decoded (that is {@link decodeEvent}'s work, in the
 * worker), so a body whose envelope is sound is identified even when its
 * object is not what its type promises.
 *
 * @internal
 */
export const identify = (body: string): Effect.Effect<Identified, IntegrationError.IntegrationError> => {
  let payload: unknown
  try {
    payload = JSON.parse(body)
  } catch {
    return Effect.fail(notJson())
  }
  if (!isEnvelope(payload)) return Effect.fail(notAnEvent(payload))
  return Effect.succeed({ id: payload.id, type: payload.type, occurredAt: payload.created * 1000, payload })
}

/**
 * The whole event of a delivery whose signature was checked: the envelope
 * always, and the object of a type WedSync reads; such an object that does
 * not decode is `PayloadInvalid` naming the type and the field.
 *
 * @internal
 */
export const decodeEvent = (
  body: string
): Effect.Effect<WebhookSource.WebhookEvent, IntegrationError.IntegrationError> =>
  Effect.try({
    try: (): unknown => JSON.parse(body),
    catch: notJson
  }).pipe(
    Effect.flatMap((payload) =>
      Schema.decodeUnknownEffect(Envelope)(payload).pipe(
        Effect.mapError((error) =>
          WebhookSource.payloadInvalid(PROVIDER, "webhook", "not a Stripe event", error.issue)
        ),
        Effect.flatMap((envelope) => {
          const event = (object: unknown): WebhookSource.WebhookEvent => ({
            provider: PROVIDER,
            id: envelope.id,
            type: envelope.type,
            occurredAt: envelope.created * 1000,
            payload: { ...(payload as object), data: { ...envelope.data, object } }
          })
          if (!isKnownType(envelope.type)) return Effect.succeed(event(envelope.data.object))
          return Schema.decodeUnknownEffect(objectOfType[envelope.type] as Schema.Codec<unknown>)(
            envelope.data.object
          ).pipe(
            Effect.mapError((error) =>
              WebhookSource.payloadInvalid(
                PROVIDER,
                "webhook",
                `${envelope.type} without the object it must carry`,
                new SchemaIssue.Pointer(["data", "object"], error.issue)
              )
            ),
            Effect.map(event)
          )
        })
      )
    )
  )
