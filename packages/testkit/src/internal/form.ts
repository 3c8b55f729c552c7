/**
 * Decoding of `application/x-www-form-urlencoded` bodies with the bracket
 * nesting Stripe's SDK writes (`metadata[order]=o1`, `payment_method_types[0]=card`,
 * `expand[]=latest_charge`). Twilio's flat forms decode the same way.
 *
 * @internal
 */

/** A decoded form value. @internal */
export type FormValue = string | ReadonlyArray<FormValue> | { readonly [key: string]: FormValue }

type Mutable = string | Array<Mutable> | { [key: string]: Mutable }

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
  if (rest.length === 0) {
    ;(target as Record<string, Mutable>)[key] = value
    return
  }
  const isIndex = rest[0] === "" || /^\d+$/.test(rest[0] ?? "")
  const existing = (target as Record<string, Mutable>)[key]
  const child = existing !== undefined && typeof existing !== "string" ? existing : isIndex ? [] : {}
  ;(target as Record<string, Mutable>)[key] = child
  assign(child, rest, value)
}

/** Decodes a form body into nested records and arrays. @internal */
export const parseForm = (body: string): Readonly<Record<string, FormValue>> => {
  const root: { [key: string]: Mutable } = {}
  for (const [name, value] of new URLSearchParams(body)) assign(root, keyPath(name), value)
  return root
}
