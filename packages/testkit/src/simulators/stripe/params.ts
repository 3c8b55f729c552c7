/**
 * Reading Stripe's form-encoded parameters the way Stripe validates them:
 * unknown parameters, missing ones, integers, booleans, enumerations and
 * `metadata[...]` each refused with Stripe's own 400. A refusal is thrown as
 * {@link Refusal} and answered by the route wrapper.
 *
 * @internal
 */
import type { FormValue } from "../../internal/form.ts"
import { emptyRecord } from "../../internal/records.ts"
import type { Reply, SimRequest } from "../../Simulator.ts"
import { invalidChoice, parameterInvalidInteger, parameterMissing, parameterUnknown, stripeError } from "./wire.ts"

/** A decoded form. @internal */
export type Form = Readonly<Record<string, FormValue>>

/** A Stripe refusal, thrown from deep in a handler and answered as is. @internal */
export class Refusal extends Error {
  readonly reply: Reply
  constructor(reply: Reply) {
    super("refused")
    this.reply = reply
  }
}

/** Refuses the request with `reply`. @internal */
export const refuse = (reply: Reply): never => {
  throw new Refusal(reply)
}

/** Refuses the first parameter not in `allowed`. @internal */
export const rejectUnknown = (request: SimRequest, form: Form, allowed: ReadonlyArray<string>): void => {
  for (const name of Object.keys(form)) if (!allowed.includes(name)) refuse(parameterUnknown(request, name))
}

/** A string parameter; an object or list where a string belongs is refused. @internal */
export const stringParam = (request: SimRequest, form: Form, name: string): string | undefined => {
  const value = form[name]
  if (value === undefined || typeof value === "string") return value === "" ? undefined : value
  return refuse(stripeError(request, 400, { type: "invalid_request_error", message: "Invalid string", param: name }))
}

/** A required string parameter. @internal */
export const requiredString = (request: SimRequest, form: Form, name: string): string =>
  stringParam(request, form, name) ?? refuse(parameterMissing(request, name))

/** An integer parameter of at least `minimum`. @internal */
export const integerParam = (request: SimRequest, form: Form, name: string, minimum = 1): number | undefined => {
  const raw = stringParam(request, form, name)
  if (raw === undefined) return undefined
  if (!/^-?\d+$/.test(raw)) return refuse(parameterInvalidInteger(request, name, raw))
  const value = Number(raw)
  if (value < minimum) {
    return refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        code: "parameter_invalid_integer",
        message: `This value must be greater than or equal to ${minimum}.`,
        param: name
      })
    )
  }
  return value
}

/** A boolean parameter (`true` / `false`). @internal */
export const booleanParam = (request: SimRequest, form: Form, name: string): boolean | undefined => {
  const raw = stringParam(request, form, name)
  if (raw === undefined) return undefined
  if (raw === "true" || raw === "false") return raw === "true"
  return refuse(
    stripeError(request, 400, { type: "invalid_request_error", message: `Invalid boolean: ${raw}`, param: name })
  )
}

/** An enumeration parameter. @internal */
export const choiceParam = <A extends string>(
  request: SimRequest,
  form: Form,
  name: string,
  choices: ReadonlyArray<A>
): A | undefined => {
  const raw = stringParam(request, form, name)
  if (raw === undefined) return undefined
  return (choices as ReadonlyArray<string>).includes(raw) ? (raw as A) : refuse(invalidChoice(request, name, choices))
}

/** `metadata[key]=value` pairs; keys up to 40 characters, values up to 500, at most 50 keys. @internal */
export const metadataParam = (request: SimRequest, form: Form, name = "metadata"): Record<string, string> => {
  const value = form[name]
  if (value === undefined || value === "") return {}
  if (typeof value === "string" || Array.isArray(value)) {
    return refuse(stripeError(request, 400, { type: "invalid_request_error", message: "Invalid object", param: name }))
  }
  const metadata = emptyRecord<string>()
  for (const [key, entry] of Object.entries(value as Readonly<Record<string, FormValue>>)) {
    const param = `${name}[${key}]`
    if (typeof entry !== "string") {
      refuse(stripeError(request, 400, { type: "invalid_request_error", message: "Invalid string", param }))
    }
    if (key.length > 40) {
      refuse(
        stripeError(request, 400, {
          type: "invalid_request_error",
          message: `Metadata keys can have up to 40 characters. You passed in a key that was ${key.length} characters long.`,
          param
        })
      )
    }
    metadata[key] = entry as string
  }
  if (Object.keys(metadata).length > 50) {
    refuse(
      stripeError(request, 400, {
        type: "invalid_request_error",
        message: "You can have up to 50 metadata keys.",
        param: name
      })
    )
  }
  return metadata
}

/** The `expand[]` list. @internal */
export const expandParam = (form: Form): ReadonlyArray<string> => {
  const value = form.expand
  if (value === undefined) return []
  if (typeof value === "string") return [value]
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : []
}

/** A stable text of a form, for comparing the parameters of two requests. @internal */
export const canonical = (value: FormValue | Form): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  const record = value as Readonly<Record<string, FormValue>>
  return `{${Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical(record[key] as FormValue)}`)
    .join(",")}}`
}
