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
import { type IntegrationError, Redaction, type WebhookSource } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"
import type * as Quarantine from "../Quarantine.ts"
import { type Addressing, headersOf, read, remoteAddressOf, type Unreadable, urlOf } from "./delivery.ts"
import { operationOf, type Received } from "./processing.ts"
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
}

/** The inbox job id of one event. @internal */
export const jobIdOf = (provider: string, eventId: string): string => `webhook:${provider}:${eventId}`

/** Headers as kept: those whose names look secret redacted. @internal */
export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers))
    kept[name] = Redaction.isSecretKey(name) ? Redaction.REDACTED : value
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

/** The handler of one source's deliveries. @internal */
export const handler = (parts: Parts) => {
  const { verifier, outbox, quarantine, limit, addressing } = parts
  const provider = verifier.provider
  const notWritten = (cause: unknown) =>
    Effect.as(
      Effect.logWarning("webhook not written to the inbox: answered 503 so the provider delivers it again").pipe(
        Effect.annotateLogs({ provider, cause: String((cause as { message?: unknown }).message ?? cause) })
      ),
      refused(503, "inbox_unavailable", "the delivery could not be stored; deliver it again later", {
        "retry-after": parts.retryAfter
      })
    )
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
  return (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function* () {
      const receivedAt = Date.now()
      const delivery = yield* Effect.result(read(request, limit, addressing, receivedAt))
      if (delivery._tag === "Failure") {
        const why = delivery.failure
        const declared = Number(request.headers["content-length"])
        const remoteAddress = remoteAddressOf(request, addressing)
        yield* keep({
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
        })
        return unreadable(why)
      }
      const verified = yield* Effect.result(verifier.verify(delivery.success))
      if (verified._tag === "Failure") {
        const reason = verified.failure.reason._tag
        if (reason === "SignatureInvalid" || reason === "PayloadInvalid") {
          const kept = storedRequest(delivery.success)
          yield* keep({ ...kept, provider, reason, description: verified.failure.reason.message, bodyEncoding: "utf8" })
        }
        return unverified(verified.failure)
      }
      const event = verified.success
      const received: Received = { event, request: storedRequest(delivery.success) }
      const wedding = weddingOf(event.payload)
      const offered = yield* Effect.result(
        outbox
          .offer({
            id: jobIdOf(provider, event.id),
            service: "webhook",
            operation: operationOf(provider),
            payload: received,
            ...(parts.critical ? { critical: true } : {}),
            ...(wedding === undefined ? {} : { wedding })
          })
          .pipe(Effect.timeoutOption(parts.writeTimeout))
      )
      if (offered._tag === "Failure") return yield* notWritten(offered.failure)
      if (offered.success._tag === "None") {
        return yield* notWritten(`no commit within ${Duration.format(parts.writeTimeout)}`)
      }
      return HttpServerResponse.jsonUnsafe({ received: true, id: event.id })
    }).pipe(Effect.catchDefect((defect) => notWritten(defect)))
}
