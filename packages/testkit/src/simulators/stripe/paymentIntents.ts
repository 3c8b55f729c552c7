/**
 * The PaymentIntent routes: create (optionally confirming at once),
 * confirm, capture and retrieve, validated the way Stripe validates them.
 *
 * @internal
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import type { FormValue } from "../../internal/form.ts"
import { attachPaymentMethod, confirm, eventOptions, keyOf, prepare, render } from "./confirmation.ts"
import { get, post } from "./endpoint.ts"
import * as Events from "./events.ts"
import { type Credentials, type IntentRecord, nowSeconds, type PaymentIntent, type State } from "./model.ts"
import {
  booleanParam,
  choiceParam,
  expandParam,
  type Form,
  integerParam,
  metadataParam,
  refuse,
  rejectUnknown,
  stringParam
} from "./params.ts"
import { amountParam, currencyParam } from "./money.ts"
import { resourceMissing, stripeError } from "./wire.ts"

type Context = HandlerContext<State, Credentials>

const CREATE_PARAMS = [
  "amount",
  "allowed_payment_method_types",
  "application_fee_amount",
  "automatic_payment_methods",
  "capture_method",
  "confirm",
  "confirmation_method",
  "currency",
  "customer",
  "description",
  "error_on_requires_action",
  "excluded_payment_method_types",
  "expand",
  "metadata",
  "off_session",
  "payment_method",
  "payment_method_options",
  "payment_method_types",
  "receipt_email",
  "return_url",
  "setup_future_usage",
  "shipping",
  "statement_descriptor",
  "statement_descriptor_suffix",
  "transfer_group",
  "use_stripe_sdk"
]

const CONFIRM_PARAMS = [
  "capture_method",
  "client_secret",
  "error_on_requires_action",
  "expand",
  "mandate_data",
  "off_session",
  "payment_method",
  "payment_method_options",
  "payment_method_types",
  "receipt_email",
  "return_url",
  "setup_future_usage",
  "shipping",
  "use_stripe_sdk"
]

const CAPTURE_PARAMS = [
  "amount_to_capture",
  "expand",
  "final_capture",
  "metadata",
  "statement_descriptor",
  "statement_descriptor_suffix"
]

const nested = (form: Form, name: string): Readonly<Record<string, FormValue>> => {
  const value = form[name]
  return typeof value === "object" && !Array.isArray(value) ? (value as Readonly<Record<string, FormValue>>) : {}
}

const listParam = (form: Form, name: string): Array<string> | undefined => {
  const value = form[name]
  if (value === undefined) return undefined
  return (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === "string")
}

const intentOf = (request: SimRequest, context: Context): IntentRecord =>
  context.state.paymentIntents.get(request.params.id ?? "") ??
  refuse(resourceMissing(request, "payment_intent", request.params.id ?? "", "intent"))

const create = (request: SimRequest, context: Context, form: Form): Reply => {
  rejectUnknown(request, form, CREATE_PARAMS)
  const currency = currencyParam(request, form)
  const amount = amountParam(request, form, currency)
  const captureMethod = choiceParam(request, form, "capture_method", ["automatic", "automatic_async", "manual"])
  const confirmNow = booleanParam(request, form, "confirm") ?? false
  const metadata = metadataParam(request, form)
  const customer = stringParam(request, form, "customer")
  if (customer !== undefined && !customer.startsWith("cus_")) {
    refuse(resourceMissing(request, "customer", customer, "customer", 400))
  }
  const requested = stringParam(request, form, "payment_method")
  const paymentMethod = requested === undefined ? null : attachPaymentMethod(request, context, requested)
  // Older API versions take payment_method_types; 2026-10-28.endive takes allowed_payment_method_types.
  const allowed = listParam(form, "allowed_payment_method_types")
  const types = listParam(form, "payment_method_types") ?? allowed
  const automatic = nested(form, "automatic_payment_methods")
  const id = context.id("pi_3", 23)
  const intent: PaymentIntent = {
    id,
    object: "payment_intent",
    amount,
    amount_capturable: 0,
    amount_received: 0,
    allowed_payment_method_types: allowed ?? null,
    automatic_payment_methods:
      types !== undefined || automatic.enabled === "false"
        ? null
        : {
            enabled: true,
            allow_redirects: typeof automatic.allow_redirects === "string" ? automatic.allow_redirects : "always"
          },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: captureMethod ?? "automatic",
    client_secret: `${id}_secret_${context.id("", 25)}`,
    confirmation_method: "automatic",
    created: nowSeconds(),
    currency,
    customer: customer ?? null,
    description: stringParam(request, form, "description") ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata,
    next_action: null,
    payment_method: paymentMethod,
    payment_method_types: types ?? ["card"],
    receipt_email: stringParam(request, form, "receipt_email") ?? null,
    status: paymentMethod === null ? "requires_payment_method" : "requires_confirmation"
  }
  const record: IntentRecord = {
    intent,
    returnUrl: stringParam(request, form, "return_url"),
    searchableAt: Date.now() + context.state.searchDelayMillis
  }
  const expand = expandParam(form)
  const confirmOptions = { paymentMethod: undefined, returnUrl: undefined, expand }
  // Stripe refuses an unconfirmable create+confirm before it creates anything.
  const prepared = confirmNow ? prepare(request, context, record, confirmOptions) : undefined
  context.state.paymentIntents.set(id, record)
  context.ledger.sideEffect({
    kind: "payment_intent",
    id,
    ...keyOf(request),
    data: { amount, currency, metadata, captureMethod: intent.capture_method }
  })
  if (prepared === undefined) return { status: 200, body: render(context.state, intent, expand) }
  return confirm(request, context, record, confirmOptions, prepared)
}

const confirmRoute = (request: SimRequest, context: Context, form: Form): Reply => {
  rejectUnknown(request, form, CONFIRM_PARAMS)
  const record = intentOf(request, context)
  return confirm(request, context, record, {
    paymentMethod: stringParam(request, form, "payment_method"),
    returnUrl: stringParam(request, form, "return_url"),
    expand: expandParam(form)
  })
}

const capture = (request: SimRequest, context: Context, form: Form): Reply => {
  rejectUnknown(request, form, CAPTURE_PARAMS)
  const { intent } = intentOf(request, context)
  const amount = integerParam(request, form, "amount_to_capture") ?? intent.amount_capturable
  const metadata = metadataParam(request, form)
  if (intent.status !== "requires_capture") {
    return stripeError(request, 400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message:
        `This PaymentIntent could not be captured because it has a status of ${intent.status}. ` +
        "Only a PaymentIntent with one of the following statuses may be captured: requires_capture."
    })
  }
  if (amount > intent.amount_capturable) {
    return stripeError(request, 400, {
      type: "invalid_request_error",
      code: "amount_too_large",
      message: `The amount to capture (${amount}) must be less than or equal to the amount capturable (${intent.amount_capturable}).`,
      param: "amount_to_capture"
    })
  }
  intent.status = "succeeded"
  intent.amount_received = amount
  intent.amount_capturable = 0
  intent.metadata = { ...intent.metadata, ...metadata }
  const charge = typeof intent.latest_charge === "string" ? context.state.charges.get(intent.latest_charge) : undefined
  if (charge !== undefined) {
    charge.captured = true
    charge.amount_captured = amount
  }
  context.ledger.sideEffect({ kind: "capture", id: intent.id, ...keyOf(request), data: { amount } })
  context.emit(Events.paymentIntentSucceeded(intent, eventOptions(request, context)))
  return { status: 200, body: render(context.state, intent, expandParam(form)) }
}

const CANCELABLE: ReadonlyArray<string> = [
  "requires_payment_method",
  "requires_capture",
  "requires_confirmation",
  "requires_action",
  "processing"
]

/** `POST /v1/payment_intents/:id/cancel`: releases an authorisation; a succeeded or canceled one is refused. */
const cancel = (request: SimRequest, context: Context, form: Form): Reply => {
  rejectUnknown(request, form, ["cancellation_reason", "expand"])
  const reason = choiceParam(request, form, "cancellation_reason", [
    "duplicate",
    "fraudulent",
    "requested_by_customer",
    "abandoned"
  ])
  const { intent } = intentOf(request, context)
  if (!CANCELABLE.includes(intent.status)) {
    return stripeError(request, 400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message:
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. ` +
        `Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(", ")}.`
    })
  }
  intent.status = "canceled"
  intent.canceled_at = nowSeconds()
  intent.cancellation_reason = reason ?? null
  intent.amount_capturable = 0
  context.ledger.sideEffect({ kind: "cancel", id: intent.id, ...keyOf(request) })
  return { status: 200, body: render(context.state, intent, expandParam(form)) }
}

const retrieve = (request: SimRequest, context: Context, form: Form): Reply => {
  rejectUnknown(request, form, ["client_secret", "expand"])
  return { status: 200, body: render(context.state, intentOf(request, context).intent, expandParam(form)) }
}

/** The PaymentIntent routes (search is registered before retrieve, whose `:id` would match it). @internal */
export const routes = [
  post("/v1/payment_intents", "payment_intents.create", create),
  post("/v1/payment_intents/:id/confirm", "payment_intents.confirm", confirmRoute),
  post("/v1/payment_intents/:id/capture", "payment_intents.capture", capture),
  post("/v1/payment_intents/:id/cancel", "payment_intents.cancel", cancel),
  get("/v1/payment_intents/:id", "payment_intents.retrieve", retrieve)
]
