/**
 * A Vonage simulator that `@vonage/sms` and `@vonage/messages` talk to
 * unchanged (`new SMS(auth, { restHost: sim.url })`, `new Messages(auth, { apiHost: sim.url })`).
 *
 * - SMS API `POST /sms/json` (operation `sms.send`): JSON (as the SDK sends it)
 *   or form; Basic `apiKey:apiSecret` or `api_key`/`api_secret` parameters.
 *   Answers HTTP 200 `{"message-count":"1","messages":[{"to","message-id","status":"0",
 *   "remaining-balance","message-price","network"}]}`; every refusal is in band,
 *   still HTTP 200: wrong credentials → status "4" "Bad Credentials", missing
 *   parameters → "2", invalid → "3", out of credit → "9" "Quota Exceeded - rejected",
 *   a demo account sending outside `credentials.demoWhitelist` → "29". A long text
 *   is several parts (one `message-id` each). Each part's delivery receipt goes to
 *   the `callback` parameter (else the webhook URL), POST-JSON with the md5hash `sig`.
 * - Messages API `POST /v1/messages` (operation `messages.send`): Basic or
 *   `Bearer <RS256 application JWT>` (checked against `applicationPublicKey`
 *   when given); 202 `{ message_uuid }`; errors as problem+json with real
 *   statuses (401, 402 low balance, 403, 422, 429 with Retry-After, 500).
 *   `submitted` and `delivered` status webhooks go to the webhook URL with
 *   `Authorization: Bearer <HS256 JWT>` (iat, jti, iss, payload_hash, api_key,
 *   application_id) signed with `signatureSecret`.
 * - The account balance (`sim.state.balance`, EUR) pays 0.0333 per part.
 *
 * Vonage has no magic test numbers; the data-driven refusals are the balance,
 * the demo whitelist and parameter validation.
 *
 * @example
 * ```ts
 * import { Auth } from "@vonage/auth"
 * import { SMS } from "@vonage/sms"
 * import { Simulator } from "@wedsync/testkit"
 * import * as Vonage from "@wedsync/testkit/simulators/vonage"
 *
 * const sim = await Simulator.start(Vonage.definition)
 * const sms = new SMS(new Auth({ apiKey: sim.credentials.apiKey, apiSecret: sim.credentials.apiSecret }), { restHost: sim.url, timeout: 5_000 })
 * const response = await sms.send({ to: "447700900000", from: "WedSync", text: "Hi" })
 * ```
 *
 * @since 0.1.0
 */
import type { Definition } from "../Simulator.ts"
import type { Credentials, State } from "./vonage/model.ts"
import { defaultErrors, errors, invalidParams, inBand, problem } from "./vonage/errors.ts"
import { authenticateMessages, sendMessage } from "./vonage/messages.ts"
import { signer } from "./vonage/signature.ts"
import { authenticateSms, sendSms } from "./vonage/sms.ts"

export { defaultErrors, errors } from "./vonage/errors.ts"
export { type Account, events, type MessageStatus, type ReceiptStatus } from "./vonage/events.ts"
export { hs256, md5Signature, payloadHash, signer, type VonageWebhookEvent } from "./vonage/signature.ts"
export { PRICE } from "./vonage/sms.ts"

export type { Credentials, State, StoredMessage } from "./vonage/model.ts"

/** The operations faults can target. @since 0.1.0 */
export const operations = ["sms.send", "messages.send"] as const

/** The balance a fresh simulator starts with, in EUR. @since 0.1.0 */
export const INITIAL_BALANCE = 100

/**
 * The Vonage simulator's definition.
 *
 * @example
 * ```ts
 * const sim = await Simulator.start(Vonage.definition, { webhookUrl: "http://127.0.0.1:9000/vonage" })
 * sim.faults.add(Faults.rule(Faults.error("throttled"), { operation: "sms.send" }))
 * ```
 * @since 0.1.0
 */
export const definition: Definition<State, Credentials> = {
  provider: "vonage",
  credentials: {
    apiKey: "4f2a9c1e",
    apiSecret: "Vx7Qm2Rt9Lp4Ns6K",
    applicationId: "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b",
    signatureSecret: "kQ8nW3zR5tY7uI9oP1aS3dF5gH7jK9lZ"
  },
  state: () => ({ messages: new Map(), balance: INITIAL_BALANCE }),
  routes: [
    { method: "POST", path: "/sms/json", operation: "sms.send", handle: sendSms },
    { method: "POST", path: "/v1/messages", operation: "messages.send", handle: sendMessage }
  ],
  authenticate: (request, credentials) => {
    if (request.operation === "sms.send") return authenticateSms(request, credentials)
    if (request.operation === "messages.send") return authenticateMessages(request, credentials)
    return undefined
  },
  errors,
  defaultErrors,
  notFound: () =>
    problem(
      404,
      "https://developer.vonage.com/api-errors#not-found",
      "Not Found",
      "The requested resource does not exist, or you do not have access to it."
    ),
  invalidBody: (request) =>
    request.operation === "messages.send"
      ? invalidParams([{ name: "body", reason: "Must be valid JSON." }])
      : inBand(2, "Missing from param"),
  signer
}
