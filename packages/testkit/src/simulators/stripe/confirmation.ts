/**
 * Confirming a PaymentIntent with one of Stripe's test cards: the status
 * transition (`succeeded`, `requires_capture` for manual capture,
 * `requires_action` for 3D Secure cards, back to `requires_payment_method`
 * with `last_payment_error` on a decline), the Charge it makes, the 402
 * `card_error` a decline answers with, and the webhook each outcome sends.
 *
 * @internal
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import * as Events from "./events.ts"
import {
  type Charge,
  type Credentials,
  cardOf,
  type IntentRecord,
  nowSeconds,
  type PaymentIntent,
  paymentMethodObject,
  type State,
  type TestCard
} from "./model.ts"
import { refuse } from "./params.ts"
import { errorObject, header, requestId, resourceMissing, stripeError } from "./wire.ts"

type Context = HandlerContext<State, Credentials>

/** The `request` an event names: the API request that caused it. @internal */
export const eventOptions = (request: SimRequest, context: Context): Events.EventOptions => ({
  id: context.id("evt_", 24),
  request: { id: requestId(request), idempotencyKey: header(request, "idempotency-key") ?? null }
})

/** A PaymentIntent as the API answers it, with `expand[]=latest_charge` honoured. @internal */
export const render = (state: State, intent: PaymentIntent, expand: ReadonlyArray<string> = []): PaymentIntent => {
  const copy = structuredClone(intent)
  if (expand.includes("latest_charge") && typeof intent.latest_charge === "string") {
    const charge = state.charges.get(intent.latest_charge)
    if (charge !== undefined) copy.latest_charge = structuredClone(charge)
  }
  return copy
}

/** The `key` field of a side effect: the request's idempotency key, when it has one. @internal */
export const keyOf = (request: SimRequest): { readonly key?: string } => {
  const key = header(request, "idempotency-key")
  return key === undefined ? {} : { key }
}

const unexpectedState = (request: SimRequest, message: string): Reply =>
  stripeError(request, 400, { type: "invalid_request_error", code: "payment_intent_unexpected_state", message })

/** Resolves the PaymentMethod to confirm with, minting a `pm_…` for a `pm_card_*` shortcut as Stripe does. */
const attach = (request: SimRequest, context: Context, paymentMethod: string) => {
  const found = cardOf(context.state, paymentMethod)
  if (found === undefined)
    return refuse(resourceMissing(request, "PaymentMethod", paymentMethod, "payment_method", 400))
  if (!paymentMethod.startsWith("pm_card_")) return { id: paymentMethod, card: found.card }
  const id = context.id("pm_1", 23)
  context.state.paymentMethods.set(id, found.name)
  return { id, card: found.card }
}

/** Checks a `payment_method` parameter names a known PaymentMethod, and mints its id. @internal */
export const attachPaymentMethod = (request: SimRequest, context: Context, paymentMethod: string): string =>
  attach(request, context, paymentMethod).id

type Decline = Extract<TestCard["outcome"], { readonly _tag: "Decline" }>

const newCharge = (
  request: SimRequest,
  context: Context,
  intent: PaymentIntent,
  paymentMethod: string,
  card: TestCard,
  failed?: Decline
) => {
  const captured = failed === undefined && intent.capture_method !== "manual"
  const charge: Charge = {
    id: context.id("ch_3", 23),
    object: "charge",
    amount: intent.amount,
    amount_captured: captured ? intent.amount : 0,
    amount_refunded: 0,
    balance_transaction: captured ? context.id("txn_3", 23) : null,
    captured,
    created: nowSeconds(),
    currency: intent.currency,
    failure_code: failed === undefined ? null : String(failed.code),
    failure_message: failed === undefined ? null : String(failed.message),
    livemode: false,
    metadata: { ...intent.metadata },
    outcome:
      failed === undefined
        ? {
            network_status: "approved_by_network",
            reason: null,
            risk_level: "normal",
            seller_message: "Payment complete.",
            type: "authorized"
          }
        : {
            network_status: "declined_by_network",
            reason: failed.declineCode,
            risk_level: "normal",
            seller_message: "The bank did not return any further details with this decline.",
            type: "issuer_declined"
          },
    paid: failed === undefined,
    payment_intent: intent.id,
    payment_method: paymentMethod,
    payment_method_details: {
      card: { brand: card.brand, last4: card.last4, funding: card.funding, country: "US" },
      type: "card"
    },
    refunded: false,
    status: failed === undefined ? "succeeded" : "failed"
  }
  context.state.charges.set(charge.id, charge)
  // Unkeyed on purpose: the keyed effect of a create is its PaymentIntent, so one key counts one payment.
  context.ledger.sideEffect({
    kind: "charge",
    id: charge.id,
    data: {
      paymentIntent: intent.id,
      status: charge.status,
      amount: charge.amount,
      idempotencyKey: header(request, "idempotency-key") ?? null
    }
  })
  return charge
}

/** What confirming takes. @internal */
export interface ConfirmOptions {
  readonly paymentMethod: string | undefined
  readonly returnUrl: string | undefined
  readonly expand: ReadonlyArray<string>
}

/**
 * Checks that `record` can be confirmed with these options, refusing as
 * Stripe does otherwise, and resolves the PaymentMethod to charge. Nothing
 * is charged yet, so a create with `confirm=true` can check before it creates.
 *
 * @internal
 */
export const prepare = (
  request: SimRequest,
  context: Context,
  record: IntentRecord,
  options: ConfirmOptions
): { readonly paymentMethod: string; readonly card: TestCard } => {
  const { intent } = record
  if (intent.status === "succeeded") {
    refuse(
      unexpectedState(
        request,
        "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
      )
    )
  }
  if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(intent.status)) {
    refuse(
      unexpectedState(request, `You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`)
    )
  }
  const requested = options.paymentMethod ?? intent.payment_method
  if (requested === null || requested === undefined) {
    return refuse(
      unexpectedState(
        request,
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the " +
          "PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method."
      )
    )
  }
  const redirects = intent.automatic_payment_methods
  if (
    redirects?.enabled === true &&
    redirects.allow_redirects !== "never" &&
    (options.returnUrl ?? record.returnUrl) === undefined
  ) {
    refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        message:
          "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these " +
          "payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't " +
          "want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and " +
          "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents."
      })
    )
  }
  if (options.paymentMethod !== undefined) {
    const attached = attach(request, context, options.paymentMethod)
    return { paymentMethod: attached.id, card: attached.card }
  }
  const card = cardOf(context.state, requested)?.card
  return card === undefined
    ? refuse(resourceMissing(request, "PaymentMethod", requested, "payment_method", 400))
    : { paymentMethod: requested, card }
}

/**
 * Confirms `record` with the PaymentMethod {@link prepare} resolved and
 * answers as Stripe does.
 *
 * @internal
 */
export const confirm = (
  request: SimRequest,
  context: Context,
  record: IntentRecord,
  options: ConfirmOptions,
  prepared: { readonly paymentMethod: string; readonly card: TestCard } = prepare(request, context, record, options)
): Reply => {
  const { intent } = record
  const { state } = context
  const { paymentMethod, card } = prepared
  record.returnUrl = options.returnUrl ?? record.returnUrl
  intent.payment_method = paymentMethod
  const events = eventOptions(request, context)
  switch (card.outcome._tag) {
    case "RequireAction": {
      intent.status = "requires_action"
      intent.next_action = {
        type: "use_stripe_sdk",
        use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: "https://hooks.stripe.com/3d_secure_2/hosted" }
      }
      context.emit(Events.paymentIntentRequiresAction(intent, events))
      return { status: 200, body: render(state, intent, options.expand) }
    }
    case "Succeed": {
      const charge = newCharge(request, context, intent, paymentMethod, card)
      intent.latest_charge = charge.id
      intent.last_payment_error = null
      intent.next_action = null
      if (intent.capture_method === "manual") {
        intent.status = "requires_capture"
        intent.amount_capturable = intent.amount
        context.emit(Events.paymentIntentAmountCapturableUpdated(intent, events))
      } else {
        intent.status = "succeeded"
        intent.amount_received = intent.amount
        context.emit(Events.paymentIntentSucceeded(intent, events))
      }
      return { status: 200, body: render(state, intent, options.expand) }
    }
    case "Decline": {
      const outcome = card.outcome
      const charge = newCharge(request, context, intent, paymentMethod, card, outcome)
      const method = paymentMethodObject(paymentMethod, card, intent.created)
      const fields = {
        type: "card_error" as const,
        code: outcome.code,
        declineCode: outcome.declineCode,
        message: outcome.message,
        ...(outcome.param === undefined ? {} : { param: outcome.param })
      }
      intent.status = "requires_payment_method"
      intent.latest_charge = charge.id
      intent.payment_method = null
      intent.next_action = null
      // A PaymentIntent's last_payment_error is the error without its request log link.
      const { request_log_url: _, ...lastError } = errorObject(request, {
        ...fields,
        extra: { charge: charge.id, payment_method: method }
      })
      intent.last_payment_error = lastError
      context.emit(Events.paymentIntentPaymentFailed(intent, events))
      return stripeError(request, 402, {
        ...fields,
        extra: { charge: charge.id, payment_intent: render(state, intent), payment_method: method }
      })
    }
  }
}
