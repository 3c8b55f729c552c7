/**
 * `POST /v1/refunds`: refunds all (by default) or part of a PaymentIntent's
 * captured charge, refusing as Stripe does when nothing was charged, when
 * the amount exceeds what is left, or when it was refunded already, and
 * sending `charge.refunded`.
 *
 * @internal
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import { eventOptions, keyOf } from "./confirmation.ts"
import { post } from "./endpoint.ts"
import * as Events from "./events.ts"
import { type Charge, type Credentials, nowSeconds, type Refund, type State } from "./model.ts"
import { formatAmount } from "./money.ts"
import { choiceParam, type Form, integerParam, metadataParam, refuse, rejectUnknown, stringParam } from "./params.ts"
import { resourceMissing, stripeError } from "./wire.ts"

type Context = HandlerContext<State, Credentials>

const PARAMS = [
  "amount",
  "charge",
  "expand",
  "instructions_email",
  "metadata",
  "origin",
  "payment_intent",
  "reason",
  "refund_application_fee",
  "reverse_transfer"
]

const chargeToRefund = (request: SimRequest, context: Context, form: Form): Charge => {
  const intentId = stringParam(request, form, "payment_intent")
  const chargeId = stringParam(request, form, "charge")
  if (intentId === undefined && chargeId === undefined) {
    return refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        code: "parameter_missing",
        message: "One of the following params should be provided for this request: payment_intent or charge."
      })
    )
  }
  if (chargeId !== undefined) {
    return context.state.charges.get(chargeId) ?? refuse(resourceMissing(request, "charge", chargeId, "charge", 400))
  }
  const record =
    context.state.paymentIntents.get(intentId ?? "") ??
    refuse(resourceMissing(request, "payment_intent", intentId ?? "", "payment_intent", 400))
  const latest = record.intent.latest_charge
  const charge = typeof latest === "string" ? context.state.charges.get(latest) : undefined
  if (record.intent.status !== "succeeded" || charge === undefined) {
    return refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        message: "This PaymentIntent does not have a successful charge to refund.",
        param: "payment_intent"
      })
    )
  }
  return charge
}

const create = (request: SimRequest, context: Context, form: Form): Reply => {
  rejectUnknown(request, form, PARAMS)
  const charge = chargeToRefund(request, context, form)
  const remaining = charge.amount_captured - charge.amount_refunded
  const amount = integerParam(request, form, "amount") ?? remaining
  const reason = choiceParam(request, form, "reason", ["duplicate", "fraudulent", "requested_by_customer"])
  const metadata = metadataParam(request, form)
  if (remaining === 0) {
    return stripeError(request, 400, {
      type: "invalid_request_error",
      code: "charge_already_refunded",
      message: `Charge ${charge.id} has already been refunded.`
    })
  }
  if (amount > remaining) {
    return stripeError(request, 400, {
      type: "invalid_request_error",
      message: `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
      param: "amount"
    })
  }
  const refund: Refund = {
    id: context.id("re_3", 23),
    object: "refund",
    amount,
    balance_transaction: context.id("txn_3", 23),
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    metadata,
    payment_intent: charge.payment_intent,
    reason: reason ?? null,
    receipt_number: null,
    status: "succeeded"
  }
  context.state.refunds.set(refund.id, refund)
  charge.amount_refunded += amount
  charge.refunded = charge.amount_refunded === charge.amount_captured
  context.ledger.sideEffect({
    kind: "refund",
    id: refund.id,
    ...keyOf(request),
    data: { paymentIntent: charge.payment_intent, charge: charge.id, amount }
  })
  context.emit(Events.chargeRefunded(charge, eventOptions(request, context)))
  return { status: 200, body: structuredClone(refund) }
}

/** The refund route. @internal */
export const route = post("/v1/refunds", "refunds.create", create)
