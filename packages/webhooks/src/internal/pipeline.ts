/**
 * The inbound pipeline for one source: read under the limit → verify →
 * inbox write → answer; what is refused is kept in the quarantine first.
 * It never fails: every outcome is an HTTP answer.
 *
 * @internal
 */
import { Duration, Effect } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpServerResponse } from "effect/http"
import { IntegrationError, Redaction, type WebhookSource } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"
import type * as Quarantine from "../Quarantine.ts"
import { type Addressing, headersOf, reader, remoteAddressOf, type Unreadable, urlOf } from "./delivery.ts"
import { operationOf, type Received, type TwoStep, twoStepOf, type Undecoded } from "./processing.ts"
import { weddingOf } from "./weddingOf.ts"

/** What the pipeline is built from. @internal */
export interface Parts {
  readonly verifier: WebhookSource.WebhookSource["Service"]
  readonly outbox: Outbox.Outbox["Service"]
  readonly quarantine: Quarantine.Quarantine["Service"]
  readonly limit: number
  readonly addressing: Addressing
  readonly retryAfter: string
  readonly writeTimeout: Duration.Duration
  readonly critical: boolean
  /** Identify before the 2xx and decode in the worker, when the source can. */
  readonly twoStep: boolean
}

/** The inbox job id of one event. @internal */
export const jobIdOf = (provider: string, eventId: string): string => `webhook:${provider}:${eventId}`

// Whether a header name looks secret, per name seen (a provider sends the same few names every time).
const secretNames = new Map<string, boolean>()

const isSecretName = (name: string): boolean => {
  let secret = secretNames.get(name)
  if (secret === undefined) {
    secret = Redaction.isSecretKey(name)
    if (secretNames.size >= 1024) secretNames.clear()
    secretNames.set(name, secret)
  }
  return secret
}

/** Headers as kept: those whose names look secret redacted. @internal */
export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const kept: Record<string, string> = {}
  for (const name in headers) kept[name] = isSecretName(name) ? Redaction.REDACTED : headers[name]!
  return kept
}

/** The request as the inbox keeps it. @internal */
export const storedRequest = (request: WebhookSource.WebhookRequest): Received["request"] => ({
  method: request.method,
  url: request.url,
  headers: redactHeaders(request.headers),
  body: request.body,
  ...(request.remoteAddress === undefined ? {} : { remoteAddress: request.remoteAddress }),
  receivedAt: request.receivedAt
})

const refused = (status: number, error: string, message: string, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe({ error, message }, { status, ...(headers === undefined ? {} : { headers }) })

const unreadable = (why: Unreadable) => {
  switch (why._tag) {
    case "TooLarge":
      return refused(413, "payload_too_large", `the body is larger than ${why.limit} bytes`)
    case "NotUtf8":
      return refused(400, "payload_invalid", "the body is not UTF-8 text")
    case "Aborted":
      return refused(400, "payload_invalid", "the body could not be read")
  }
}

const unverified = (error: IntegrationError.IntegrationError) => {
  switch (error.reason._tag) {
    case "SignatureInvalid":
      return refused(401, "signature_invalid", error.reason.message)
    case "PayloadInvalid":
      return refused(400, "payload_invalid", error.reason.message)
    default:
      // The source itself is wrong (a secret missing): the provider should deliver it again once it is fixed.
      return refused(500, "receiver_misconfigured", "the receiver cannot verify deliveries from this provider")
  }
}

const quarantineReason = (why: Unreadable): Quarantine.Reason =>
  why._tag === "TooLarge" ? "TooLarge" : why._tag === "NotUtf8" ? "NotUtf8" : "Unreadable"

/**
 * `effect`, or `undefined` when it has not ended within `millis`: what
 * `Effect.timeoutOption` does, for one timer and one fiber per request
 * instead of a race of two fibers (the inbox write is on every request's
 * path). The write runs at once in its own fiber, with the caller's services;
 * past the deadline, or when the caller is interrupted, it is interrupted
 * (an offer already in a batch is still written: a later commit is not lost,
 * the provider's retry is a duplicate).
 */
const withinMillis = <A, E>(effect: Effect.Effect<A, E>, millis: number): Effect.Effect<A | undefined, E> =>
  Effect.withFiber((parent) => {
    const write = Effect.runForkWith(parent.context)(effect)
    const ended = write.pollUnsafe()
    if (ended !== undefined) return ended
    return Effect.callback<A | undefined, E>((resume) => {
      const timer = setTimeout(() => {
        stop()
        write.interruptUnsafe()
        resume(Effect.succeed(undefined))
      }, millis)
      const stop = write.addObserver((exit) => {
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.sync(() => {
        clearTimeout(timer)
        stop()
        write.interruptUnsafe()
      })
    })
  })

/**
 * The handler of one source's deliveries.
 *
 * Written as plain `matchEffect` steps rather than a generator with
 * `Effect.result` at each stage: this runs on every delivery, and each
 * generator step and `Result` is an allocation the 2xx path does not need
 * (see the README's "Benchmark: ingestion").
 *
 * @internal
 */
export const handler = (parts: Parts) => {
  const { verifier, outbox, quarantine, limit, addressing } = parts
  const provider = verifier.provider
  const operation = operationOf(provider)
  const read = reader(limit, addressing)
  const deadline = Math.max(1, Math.min(2 ** 31 - 1, Duration.toMillis(parts.writeTimeout)))
  const notWritten = (cause: unknown) =>
    Effect.as(
      Effect.logWarning("webhook not written to the inbox: answered 503 so the provider delivers it again").pipe(
        Effect.annotateLogs({ provider, cause: String((cause as { message?: unknown }).message ?? cause) })
      ),
      refused(503, "inbox_unavailable", "the delivery could not be stored; deliver it again later", {
        "retry-after": parts.retryAfter
      })
    )
  const timedOut = `no commit within ${Duration.format(parts.writeTimeout)}`
  // Kept before the refusal is answered; a quarantine that cannot write never changes the answer.
  const keep = (entry: Quarantine.NewEntry) =>
    Effect.andThen(
      Effect.logWarning("webhook refused and quarantined").pipe(
        Effect.annotateLogs({ provider, reason: entry.reason })
      ),
      quarantine
        .add(entry)
        .pipe(
          Effect.catch((error) =>
            Effect.logError("webhook refused, and the quarantine could not keep it").pipe(
              Effect.annotateLogs({ provider, cause: error.message })
            )
          )
        )
    )

  const unreadableKept = (request: HttpServerRequest.HttpServerRequest, why: Unreadable, receivedAt: number) => {
    const declared = Number(request.headers["content-length"])
    const remoteAddress = remoteAddressOf(request, addressing)
    return Effect.as(
      keep({
        provider,
        reason: quarantineReason(why),
        description: why._tag === "TooLarge" ? `larger than ${why.limit} bytes` : why._tag,
        method: request.method,
        url: urlOf(request, addressing),
        headers: redactHeaders(headersOf(request)),
        body: why._tag === "NotUtf8" ? Buffer.from(why.bytes).toString("base64") : "",
        bodyEncoding: why._tag === "NotUtf8" ? "base64" : "utf8",
        ...(Number.isSafeInteger(declared) ? { declaredBytes: declared } : {}),
        ...(remoteAddress === undefined ? {} : { remoteAddress }),
        receivedAt
      }),
      unreadable(why)
    )
  }

  const unverifiedKept = (delivery: WebhookSource.WebhookRequest, error: IntegrationError.IntegrationError) => {
    const reason = error.reason._tag
    if (reason !== "SignatureInvalid" && reason !== "PayloadInvalid") return Effect.succeed(unverified(error))
    const kept = storedRequest(delivery)
    return Effect.as(
      keep({ ...kept, provider, reason, description: error.reason.message, bodyEncoding: "utf8" }),
      unverified(error)
    )
  }

  // `stored` is what the inbox keeps; `payload`, the body as the source read it, is only searched for a wedding.
  const accept = (id: string, stored: Received | Undecoded, payload: unknown) => {
    const wedding = weddingOf(payload)
    const offer = outbox.offer({
      id: jobIdOf(provider, id),
      service: "webhook",
      operation,
      payload: stored,
      ...(parts.critical ? { critical: true } : {}),
      ...(wedding === undefined ? {} : { wedding })
    })
    return Effect.matchEffect(withinMillis(offer, deadline), {
      onFailure: notWritten,
      onSuccess: (offered) =>
        offered === undefined
          ? notWritten(timedOut)
          : Effect.succeed(HttpServerResponse.jsonUnsafe({ received: true, id }))
    })
  }

  const verified = (delivery: WebhookSource.WebhookRequest) =>
    Effect.matchEffect(verifier.verify(delivery), {
      onFailure: (error) => unverifiedKept(delivery, error),
      onSuccess: (event) => accept(event.id, { event, request: storedRequest(delivery) }, event.payload)
    })

  // A two-step source: only what the 2xx needs now, the request stored once, decoded by the worker.
  const identified = (steps: TwoStep, delivery: WebhookSource.WebhookRequest) =>
    Effect.matchEffect(
      Effect.suspend(() => steps.identify(delivery)).pipe(
        Effect.catchDefect(() =>
          Effect.fail(
            IntegrationError.make(
              provider,
              "webhook",
              new IntegrationError.PayloadInvalid({
                description: "the source failed unexpectedly reading the delivery"
              })
            )
          )
        )
      ),
      {
        onFailure: (error) => unverifiedKept(delivery, error),
        onSuccess: (found) => {
          const event = {
            provider,
            id: found.id,
            type: found.type,
            ...(found.occurredAt === undefined ? {} : { occurredAt: found.occurredAt })
          }
          return accept(found.id, { event, request: storedRequest(delivery), undecoded: true }, found.payload)
        }
      }
    )
  const steps = parts.twoStep ? twoStepOf(verifier) : undefined
  const check = steps === undefined ? verified : (delivery: WebhookSource.WebhookRequest) => identified(steps, delivery)

  return (request: HttpServerRequest.HttpServerRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
    const receivedAt = Date.now()
    return read(request, receivedAt).pipe(
      Effect.matchEffect({
        onFailure: (why) => unreadableKept(request, why, receivedAt),
        onSuccess: check
      }),
      Effect.catchDefect(notWritten)
    )
  }
}
