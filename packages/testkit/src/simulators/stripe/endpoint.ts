/**
 * How a Stripe route runs: form decoding, Stripe's refusals thrown as
 * {@link Refusal}, and, for POSTs, Stripe's idempotency layer.
 *
 * Idempotency, as Stripe documents it: keys are scoped to the API key and
 * remembered for 24 hours; the same key with the same endpoint and
 * parameters replays the saved status and body (`Idempotent-Replayed: true`,
 * `Original-Request: <first request id>`) with no new side effect; other
 * parameters get 400 `idempotency_error`; a key whose first request is still
 * running gets 409 `idempotency_key_in_use`. A result is saved only once the
 * endpoint began executing: parameter validation failures are not saved,
 * while results (including 402 card declines) are. Catalogue faults never
 * reach a route, so they are never saved.
 *
 * @internal
 */
import type { HandlerContext, Reply, Route, SimRequest } from "../../Simulator.ts"
import { parseForm } from "../../internal/form.ts"
import { withKey } from "../../internal/idempotency.ts"
import type { Credentials, State } from "./model.ts"
import { canonical, type Form, Refusal } from "./params.ts"
import { header, presentedKey, requestId, stripeError } from "./wire.ts"

/** What a Stripe route handler gets. @internal */
export type Handler = (
  request: SimRequest,
  context: HandlerContext<State, Credentials>,
  form: Form
) => Reply | Promise<Reply>

const run = async (handler: Handler, request: SimRequest, context: HandlerContext<State, Credentials>, form: Form) => {
  try {
    return await handler(request, context, form)
  } catch (cause) {
    if (cause instanceof Refusal) return cause.reply
    throw cause
  }
}

/** Stripe's 409 while the first request with a key is still running. @internal */
export const keyInUse = (request: SimRequest, key: string): Reply =>
  stripeError(
    request,
    409,
    {
      type: "invalid_request_error",
      code: "idempotency_key_in_use",
      message:
        "There is currently another in-progress request using this Idempotent Key (that probably means you submitted " +
        `twice, and the other request is still going through): ${key}. Please try again later.`
    },
    { "stripe-should-retry": "true" }
  )

/** Stripe's 400 for a key reused with other parameters. @internal */
export const keyMismatch = (request: SimRequest, key: string): Reply =>
  stripeError(request, 400, {
    type: "idempotency_error",
    message:
      "Keys for idempotent requests can only be used with the same parameters they were first used with. " +
      `Try using a key other than '${key}' if you meant to execute a different request.`
  })

const isForm = (request: SimRequest) => {
  const type = header(request, "content-type")
  return type === undefined || type.startsWith("application/x-www-form-urlencoded") || request.rawBody === ""
}

/** Results Stripe saves under a key: successes and executed declines, not validation failures. */
const saved = (reply: Reply) => reply.status < 400 || reply.status === 402

/**
 * A POST route with Stripe's form body and idempotency layer.
 *
 * @internal
 */
export const post = (path: string, operation: string, handler: Handler): Route<State, Credentials> => ({
  method: "POST",
  path,
  operation,
  handle: (request, context) => {
    if (!isForm(request)) {
      return stripeError(request, 400, {
        type: "invalid_request_error",
        message:
          "Invalid request (check that your POST content type is application/x-www-form-urlencoded). " +
          "If you have any questions, we can help at https://support.stripe.com/."
      })
    }
    const form = request.form()
    const key = header(request, "idempotency-key")
    return withKey(
      context.state.idempotency,
      key === undefined ? undefined : `${presentedKey(request)}\u0000${key}`,
      `${request.method} ${request.path}\n${canonical(form)}`,
      {
        execute: async () => {
          const reply = await run(handler, request, context, form)
          return key === undefined
            ? reply
            : { ...reply, headers: { ...reply.headers, "original-request": requestId(request) } }
        },
        mismatch: () => keyMismatch(request, key ?? ""),
        inFlight: () => keyInUse(request, key ?? ""),
        replayHeaders: { "idempotent-replayed": "true" },
        store: saved,
        processingMillis: context.state.processingMillis
      }
    )
  }
})

/**
 * A GET route; its parameters come from the query string, decoded as a form.
 *
 * @internal
 */
export const get = (path: string, operation: string, handler: Handler): Route<State, Credentials> => ({
  method: "GET",
  path,
  operation,
  handle: (request, context) => {
    return run(handler, request, context, parseForm(request.query.toString()))
  }
})
