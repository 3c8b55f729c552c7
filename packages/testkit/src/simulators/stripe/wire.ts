/**
 * Stripe's wire conventions shared by the simulator's routes: request ids
 * (`req_…` in the `request-id` header and in each error's `request_log_url`),
 * the error body `{ error: { type, code, decline_code, message, param,
 * doc_url, request_log_url } }`, API-key masking as Stripe prints it, and the
 * headers every answer carries.
 *
 * @internal
 */
import { randomInt } from "node:crypto"
import type { Reply, SimRequest } from "../../Simulator.ts"

/** The API version stripe-node 23.1.0 pins, echoed when a request names none. @internal */
export const API_VERSION = "2026-10-28.endive"

/** The simulated account (not a credential: Stripe prints it in error messages). @internal */
export const ACCOUNT_ID = "acct_1SimulatorWedSync0"

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** A random Stripe-style id (`prefix` + base-62 characters), for answers made without a handler context. @internal */
export const randomId = (prefix: string, length: number): string => {
  let id = prefix
  for (let i = 0; i < length; i++) id += ALPHABET[randomInt(ALPHABET.length)]
  return id
}

const requestIds = new WeakMap<object, string>()

/**
 * The request id of one exchange, the same in the `request-id` header, in an
 * error's `request_log_url` and in the `request.id` of the events it causes.
 *
 * @internal
 */
export const requestId = (request: SimRequest): string => {
  const known = requestIds.get(request)
  if (known !== undefined) return known
  const id = randomId("req_", 14)
  requestIds.set(request, id)
  return id
}

/** A header of a request, tolerating the bare `{}` requests catalogue checks pass. @internal */
export const header = (request: SimRequest, name: string): string | undefined => request.headers?.[name]

/** The API key a request presents (Bearer, or Basic with the key as user name). @internal */
export const presentedKey = (request: SimRequest): string | undefined => {
  const authorization = header(request, "authorization")
  if (authorization === undefined) return undefined
  const [scheme, value = ""] = authorization.split(" ", 2)
  if (scheme?.toLowerCase() === "bearer") return value.trim()
  if (scheme?.toLowerCase() === "basic") return Buffer.from(value, "base64").toString("utf8").split(":")[0]
  return undefined
}

/**
 * A key as Stripe prints it in messages: the `sk_test_` prefix and the last
 * four characters, asterisks between (`sk_test_********************4eC3`).
 *
 * @internal
 */
export const maskKey = (key: string): string => {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? ""
  const rest = key.slice(prefix.length)
  const visible = rest.length > 4 ? rest.slice(-4) : ""
  return `${prefix}${"*".repeat(rest.length - visible.length)}${visible}`
}

/** The fields of a Stripe error body. @internal */
export interface ErrorFields {
  readonly type: "api_error" | "card_error" | "idempotency_error" | "invalid_request_error"
  readonly message: string
  readonly code?: string
  readonly declineCode?: string
  readonly param?: string
  /** Extra fields Stripe adds to card errors (`charge`, `payment_intent`, `payment_method`). */
  readonly extra?: Readonly<Record<string, unknown>>
}

/** The `error` object of a Stripe error body (also a PaymentIntent's `last_payment_error`). @internal */
export const errorObject = (request: SimRequest, fields: ErrorFields): Record<string, unknown> => ({
  ...(fields.extra?.charge === undefined ? {} : { charge: fields.extra.charge }),
  ...(fields.code === undefined ? {} : { code: fields.code }),
  ...(fields.declineCode === undefined ? {} : { decline_code: fields.declineCode }),
  ...(fields.code === undefined
    ? {}
    : { doc_url: `https://stripe.com/docs/error-codes/${fields.code.replace(/_/g, "-")}` }),
  message: fields.message,
  ...(fields.param === undefined ? {} : { param: fields.param }),
  ...fields.extra,
  request_log_url: `https://dashboard.stripe.com/test/logs/${requestId(request)}?t=${Math.floor(Date.now() / 1000)}`,
  type: fields.type
})

/**
 * A Stripe error answer.
 *
 * @internal
 */
export const stripeError = (
  request: SimRequest,
  status: number,
  fields: ErrorFields,
  headers?: Readonly<Record<string, string>>
): Reply => ({
  status,
  body: { error: errorObject(request, fields) },
  ...(headers === undefined ? {} : { headers })
})

/** Stripe's 400 for a missing parameter. @internal */
export const parameterMissing = (request: SimRequest, param: string): Reply =>
  stripeError(request, 400, {
    type: "invalid_request_error",
    code: "parameter_missing",
    message: `Missing required param: ${param}.`,
    param
  })

/** Stripe's 400 for a parameter it does not know. @internal */
export const parameterUnknown = (request: SimRequest, param: string): Reply =>
  stripeError(request, 400, {
    type: "invalid_request_error",
    code: "parameter_unknown",
    message: `Received unknown parameter: ${param}`,
    param
  })

/** Stripe's 400 for a value that is not an integer. @internal */
export const parameterInvalidInteger = (request: SimRequest, param: string, value: string): Reply =>
  stripeError(request, 400, {
    type: "invalid_request_error",
    code: "parameter_invalid_integer",
    message: `Invalid integer: ${value}`,
    param
  })

/** Stripe's 400 for a value outside an enumeration. @internal */
export const invalidChoice = (request: SimRequest, param: string, choices: ReadonlyArray<string>): Reply =>
  stripeError(request, 400, {
    type: "invalid_request_error",
    message: `Invalid ${param}: must be one of ${choices.slice(0, -1).join(", ")}, or ${choices.at(-1)}`,
    param
  })

/** Stripe's answer for an object that does not exist (404 on the path, 400 in a parameter). @internal */
export const resourceMissing = (request: SimRequest, kind: string, id: string, param: string, status = 404): Reply =>
  stripeError(request, status, {
    type: "invalid_request_error",
    code: "resource_missing",
    message: `No such ${kind}: '${id}'`,
    param
  })

/** Stripe's 401 for a missing or wrong API key. @internal */
export const invalidApiKey = (request: SimRequest): Reply => {
  const key = presentedKey(request)
  return {
    status: 401,
    headers: { "www-authenticate": 'Basic realm="Stripe"' },
    body: {
      error: {
        message:
          key === undefined || key === ""
            ? "You did not provide an API key. You need to provide your API key in the Authorization header, " +
              "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication " +
              "for details, or we can help at https://support.stripe.com/."
            : `Invalid API Key provided: ${maskKey(key)}`,
        type: "invalid_request_error"
      }
    }
  }
}

/** The headers every Stripe answer carries. @internal */
export const responseHeaders = (request: SimRequest): Record<string, string> => {
  const idempotencyKey = header(request, "idempotency-key")
  return {
    "request-id": requestId(request),
    "stripe-version": header(request, "stripe-version") ?? API_VERSION,
    "cache-control": "no-cache, no-store",
    "access-control-allow-origin": "*",
    server: "nginx",
    ...(request.method === "POST" && idempotencyKey !== undefined ? { "idempotency-key": idempotencyKey } : {})
  }
}
