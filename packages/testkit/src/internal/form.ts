/**
 * Decoding of `application/x-www-form-urlencoded` bodies with the bracket
 * nesting Stripe's SDK writes (`metadata[order]=o1`, `payment_method_types[0]=card`,
 * `expand[]=latest_charge`). Twilio's flat forms decode the same way. Objects
 * have no prototype: `__proto__[x]=1` is a parameter named `__proto__`, never
 * a write to `Object.prototype`.
 *
 * @internal
 */
import { emptyRecord } from "./records.ts"

/** A decoded form value. @internal */
export type FormValue = string | ReadonlyArray<FormValue> | { readonly [key: string]: FormValue }

type Mutable = string | Array<Mutable> | { [key: string]: Mutable }

const MAX_INDEX = 10_000

const keyPath = (name: string): Array<string> => {
  const open = name.indexOf("[")
  if (open === -1) return [name]
  const path = [name.slice(0, open)]
  for (const match of name.slice(open).matchAll(/\[([^\]]*)\]/g)) path.push(match[1] ?? "")
  return path
}

const assign = (target: { [key: string]: Mutable } | Array<Mutable>, path: Array<string>, value: string): void => {
  const [head, ...rest] = path
  if (head === undefined) return
  const key = head === "" && Array.isArray(target) ? String(target.length) : head
  // A list takes indexes only, and small ones: a name could reach Array.prototype, `[99999999]` could fill memory.
  if (Array.isArray(target) && !(/^\d+$/.test(key) && Number(key) <= MAX_INDEX)) return
  if (rest.length === 0) {
    ;(target as Record<string, Mutable>)[key] = value
    return
  }
  const isIndex = rest[0] === "" || /^\d+$/.test(rest[0] ?? "")
  const existing = Object.hasOwn(target, key) ? (target as Record<string, Mutable>)[key] : undefined
  const child =
    existing !== undefined && typeof existing !== "string" ? existing : isIndex ? [] : emptyRecord<Mutable>()
  ;(target as Record<string, Mutable>)[key] = child
  assign(child, rest, value)
}

/** Decodes a form body into nested records and arrays. @internal */
export const parseForm = (body: string): Readonly<Record<string, FormValue>> => {
  const root = emptyRecord<Mutable>()
  for (const [name, value] of new URLSearchParams(body)) assign(root, keyPath(name), value)
  return root
}
