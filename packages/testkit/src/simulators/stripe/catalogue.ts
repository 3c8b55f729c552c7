/**
 * The Stripe simulator's error catalogue: each entry is a real Stripe error
 * answer (status, `error` body, headers), labelled with the fault kind and
 * the `IntegrationError` reason a correct adapter classifies it as.
 *
 * @internal
 */
import type { ErrorKind } from "../../Faults.ts"
import { catalogueEntry, type ErrorEntry, type Reply, type SimRequest } from "../../Simulator.ts"
import { keyInUse, keyMismatch } from "./endpoint.ts"
import { ACCOUNT_ID, header, invalidApiKey, maskKey, presentedKey, randomId, stripeError } from "./wire.ts"

const masked = (request: SimRequest) => maskKey(presentedKey(request) ?? "sk_test_0000000000000000000000000000")

const cardError = (request: SimRequest, code: string, declineCode: string, message: string, param?: string): Reply =>
  stripeError(request, 402, {
    type: "card_error",
    code,
    declineCode,
    message,
    ...(param === undefined ? {} : { param }),
    extra: { charge: randomId("ch_3", 23) }
  })

const rateLimit =
  (code: string, message: string, shouldRetry: boolean): ErrorEntry["reply"] =>
  (request, options) =>
    stripeError(
      request,
      429,
      { type: "invalid_request_error", code, message },
      {
        "retry-after": String(options.retryAfterSeconds),
        ...(shouldRetry ? { "stripe-should-retry": "true" } : {})
      }
    )

/**
 * Stripe's error answers, by name.
 *
 * @internal
 */
export const errors: Readonly<Record<string, ErrorEntry>> = {
  api_error: catalogueEntry("unavailable", "Unavailable", "500 api_error: a problem on Stripe's side", (request) =>
    stripeError(request, 500, { type: "api_error", message: "An unknown error occurred" })
  ),
  idempotency_key_in_use: catalogueEntry(
    "unavailable",
    "Unavailable",
    "409 idempotency_key_in_use: another request with this key is still running (retry later with the same key)",
    (request) => keyInUse(request, header(request, "idempotency-key") ?? "")
  ),
  rate_limit: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "429 rate_limit with Retry-After: too many requests",
    rateLimit(
      "rate_limit",
      "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
      false
    )
  ),
  lock_timeout: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "429 lock_timeout with Stripe-Should-Retry: true: another request holds the object",
    rateLimit(
      "lock_timeout",
      "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. " +
        "If you see this error intermittently, retry the request. If you see this error frequently and are making " +
        "multiple concurrent requests to a single object, make your requests serially or at a lower rate. " +
        "See https://stripe.com/docs/rate-limits for more details.",
      true
    )
  ),
  invalid_api_key: catalogueEntry("providerPermanent", "Unauthorized", "401: the API key is wrong", invalidApiKey),
  api_key_expired: catalogueEntry(
    "providerPermanent",
    "Unauthorized",
    "401 api_key_expired: the API key was rolled",
    (request) =>
      stripeError(request, 401, {
        type: "invalid_request_error",
        code: "api_key_expired",
        message: `Expired API Key provided: ${masked(request)}`
      })
  ),
  account_invalid: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403 account_invalid: the key has no access to the account (access revoked)",
    (request) =>
      stripeError(request, 403, {
        type: "invalid_request_error",
        code: "account_invalid",
        message:
          `The provided key '${masked(request)}' does not have access to account '${ACCOUNT_ID}' ` +
          "(or that account does not exist). Application access may have been revoked."
      })
  ),
  insufficient_permissions: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403: a restricted key without the permission this endpoint needs",
    (request) =>
      stripeError(request, 403, {
        type: "invalid_request_error",
        message:
          `The provided key '${masked(request)}' does not have the required permissions for this endpoint on account ` +
          `'${ACCOUNT_ID}'. Having the 'rak_payment_intent_write' permission would allow this request to continue.`
      })
  ),
  card_declined: catalogueEntry("requestPermanent", "Rejected", "402 card_declined (generic_decline)", (request) =>
    cardError(request, "card_declined", "generic_decline", "Your card was declined.")
  ),
  insufficient_funds: catalogueEntry(
    "requestPermanent",
    "Rejected",
    "402 card_declined (insufficient_funds)",
    (request) => cardError(request, "card_declined", "insufficient_funds", "Your card has insufficient funds.")
  ),
  expired_card: catalogueEntry("requestPermanent", "Rejected", "402 expired_card", (request) =>
    cardError(request, "expired_card", "expired_card", "Your card has expired.", "exp_month")
  ),
  parameter_missing: catalogueEntry("requestPermanent", "InvalidRequest", "400 parameter_missing (amount)", (request) =>
    stripeError(request, 400, {
      type: "invalid_request_error",
      code: "parameter_missing",
      message: "Missing required param: amount.",
      param: "amount"
    })
  ),
  parameter_invalid_integer: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "400 parameter_invalid_integer (amount)",
    (request) =>
      stripeError(request, 400, {
        type: "invalid_request_error",
        code: "parameter_invalid_integer",
        message: "Invalid integer: 20.00",
        param: "amount"
      })
  ),
  resource_missing: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "404 resource_missing: no such PaymentIntent",
    (request) =>
      stripeError(request, 404, {
        type: "invalid_request_error",
        code: "resource_missing",
        message: `No such payment_intent: '${request.params?.id ?? "pi_3MissingIntent000000000"}'`,
        param: "intent"
      })
  ),
  idempotency_error: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "400 idempotency_error: the key was used with other parameters",
    (request) => keyMismatch(request, header(request, "idempotency-key") ?? "")
  )
}

/** The entry each fault kind uses when a rule names the kind. @internal */
export const defaultErrors: Readonly<Record<ErrorKind, string>> = {
  unavailable: "api_error",
  rateLimited: "rate_limit",
  providerPermanent: "invalid_api_key",
  requestPermanent: "card_declined"
}
