/**
 * Amounts and currencies as Stripe checks and prints them: the supported
 * currencies, each one's minimum charge, Stripe's maximum, and `$0.50`-style
 * formatting in messages.
 *
 * @internal
 */
import { own } from "../../internal/records.ts"
import type { SimRequest } from "../../Simulator.ts"
import { type Form, integerParam, refuse, requiredString } from "./params.ts"
import { stripeError } from "./wire.ts"

/** Minimum charge amounts per currency, in minor units (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
const MINIMUMS: Readonly<Record<string, number>> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  cad: 50,
  aud: 50,
  chf: 50,
  nzd: 50,
  sgd: 50,
  jpy: 50,
  sek: 300,
  nok: 300,
  dkk: 250,
  hkd: 400,
  mxn: 1000,
  pln: 200,
  czk: 1500,
  inr: 50,
  brl: 50
}
const SYMBOLS: Readonly<Record<string, string>> = {
  usd: "$",
  cad: "$",
  aud: "$",
  nzd: "$",
  sgd: "$",
  eur: "€",
  gbp: "£"
}

/** An amount as Stripe prints it in messages (`$0.50`). @internal */
export const formatAmount = (amount: number, currency: string): string => {
  const major = currency === "jpy" ? String(amount) : (amount / 100).toFixed(2)
  return `${own(SYMBOLS, currency) ?? ""}${major}`
}

/** The `currency` parameter, lower-cased; refused when Stripe does not support it. @internal */
export const currencyParam = (request: SimRequest, form: Form): string => {
  const currency = requiredString(request, form, "currency").toLowerCase()
  if (own(MINIMUMS, currency) !== undefined) return currency
  return refuse(
    stripeError(request, 400, {
      type: "invalid_request_error",
      message: `Invalid currency: ${currency}. Stripe currently supports these currencies: ${Object.keys(MINIMUMS).join(", ")}`,
      param: "currency"
    })
  )
}

/** The `amount` parameter, within the currency's minimum and Stripe's maximum. @internal */
export const amountParam = (request: SimRequest, form: Form, currency: string): number => {
  const amount =
    integerParam(request, form, "amount") ??
    refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        code: "parameter_missing",
        message: "Missing required param: amount.",
        param: "amount"
      })
    )
  const minimum = own(MINIMUMS, currency) ?? 50
  if (amount < minimum) {
    refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        code: "amount_too_small",
        message: `Amount must be at least ${formatAmount(minimum, currency)} ${currency}`,
        param: "amount"
      })
    )
  }
  if (amount > 99_999_999) {
    refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        code: "amount_too_large",
        message: `Amount must be no more than ${formatAmount(99_999_999, currency)}`,
        param: "amount"
      })
    )
  }
  return amount
}
