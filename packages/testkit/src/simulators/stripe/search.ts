/**
 * `GET /v1/payment_intents/search` with Stripe's search query language
 * (https://docs.stripe.com/search#search-query-language): clauses
 * `field:value` (exact, case-insensitive), `field~value` (substring, at
 * least 3 characters), `amount>100` / `created<=…` comparisons, `-` negation,
 * `metadata['key']:'value'` (or `metadata["key"]`), `null` for "not set",
 * joined by spaces or `AND`, or by `OR` (never both). Strings are quoted
 * with `'` or `"`, with `\` escaping. Fields: amount, created, currency,
 * customer, metadata, status. Results are newest first, in pages of `limit`
 * (default 10, at most 100) chained through `next_page`; a PaymentIntent is
 * searchable only `state.searchDelayMillis` after it was created, like
 * Stripe's eventually consistent index.
 *
 * @internal
 */
import { own } from "../../internal/records.ts"
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import { render } from "./confirmation.ts"
import { get } from "./endpoint.ts"
import type { Credentials, PaymentIntent, State } from "./model.ts"
import { expandParam, type Form, integerParam, refuse, rejectUnknown, requiredString, stringParam } from "./params.ts"
import { stripeError } from "./wire.ts"

/** One clause of a query. @internal */
export interface Clause {
  readonly negated: boolean
  readonly field: string
  /** The metadata key, for `metadata['key']`. */
  readonly key?: string
  readonly operator: ":" | "~" | ">" | "<" | ">=" | "<="
  /** `null` for the literal `null`. */
  readonly value: string | null
}

/** A parsed query: its clauses and how they combine. @internal */
export interface Query {
  readonly clauses: ReadonlyArray<Clause>
  readonly join: "AND" | "OR"
}

const FIELDS = ["amount", "created", "currency", "customer", "metadata", "status"]

class QuerySyntaxError extends Error {}

const quoted = (text: string, at: number): { readonly value: string; readonly end: number } => {
  const quote = text[at]
  let value = ""
  for (let i = at + 1; i < text.length; i++) {
    const char = text[i]
    if (char === "\\" && i + 1 < text.length) {
      value += text[++i]
      continue
    }
    if (char === quote) return { value, end: i + 1 }
    value += char
  }
  throw new QuerySyntaxError(`unterminated string starting at position ${at}`)
}

/**
 * Parses a Stripe search query.
 *
 * @internal
 */
export const parse = (text: string): Query => {
  const clauses: Array<Clause> = []
  const joins = new Set<"AND" | "OR">()
  let i = 0
  const skipSpace = () => {
    while (text[i] === " ") i++
  }
  while (true) {
    skipSpace()
    if (i >= text.length) break
    const keyword = /^(AND|OR)\s/i.exec(text.slice(i))
    if (keyword !== null && clauses.length > 0) {
      joins.add((keyword[1] ?? "").toUpperCase() as "AND" | "OR")
      i += keyword[0].length
      continue
    }
    const negated = text[i] === "-"
    if (negated) i++
    const field = /^[a-z_]+/.exec(text.slice(i))?.[0]
    if (field === undefined) throw new QuerySyntaxError(`expected a field at position ${i}`)
    i += field.length
    let key: string | undefined
    if (text[i] === "[") {
      if (text[i + 1] !== "'" && text[i + 1] !== '"')
        throw new QuerySyntaxError(`expected a quoted key at position ${i + 1}`)
      const parsed = quoted(text, i + 1)
      if (text[parsed.end] !== "]") throw new QuerySyntaxError(`expected ] at position ${parsed.end}`)
      key = parsed.value
      i = parsed.end + 1
    }
    const operator = /^(>=|<=|:|~|>|<)/.exec(text.slice(i))?.[0] as Clause["operator"] | undefined
    if (operator === undefined) throw new QuerySyntaxError(`expected an operator at position ${i}`)
    i += operator.length
    let value: string | null
    if (text[i] === "'" || text[i] === '"') {
      const parsed = quoted(text, i)
      value = parsed.value
      i = parsed.end
    } else {
      const bare = /^[^\s]+/.exec(text.slice(i))?.[0]
      if (bare === undefined) throw new QuerySyntaxError(`expected a value at position ${i}`)
      if (bare !== "null" && !/^-?\d+(\.\d+)?$/.test(bare))
        throw new QuerySyntaxError(`string values must be quoted: ${bare}`)
      value = bare === "null" ? null : bare
      i += bare.length
    }
    clauses.push({ negated, field, ...(key === undefined ? {} : { key }), operator, value })
  }
  if (clauses.length === 0) throw new QuerySyntaxError("the query is empty")
  if (joins.size > 1) throw new QuerySyntaxError("AND and OR cannot be combined in one query")
  return { clauses, join: joins.has("OR") ? "OR" : "AND" }
}

const fieldValue = (intent: PaymentIntent, clause: Clause): string | number | null => {
  switch (clause.field) {
    case "amount":
      return intent.amount
    case "created":
      return intent.created
    case "currency":
      return intent.currency
    case "customer":
      return intent.customer
    case "status":
      return intent.status
    default:
      return own(intent.metadata, clause.key ?? "") ?? null
  }
}

const holds = (intent: PaymentIntent, clause: Clause): boolean => {
  const actual = fieldValue(intent, clause)
  if (clause.value === null) return actual === null
  if (actual === null) return false
  if (typeof actual === "number" && clause.operator !== ":" && clause.operator !== "~") {
    const expected = Number(clause.value)
    if (clause.operator === ">") return actual > expected
    if (clause.operator === "<") return actual < expected
    if (clause.operator === ">=") return actual >= expected
    return actual <= expected
  }
  const left = String(actual).toLowerCase()
  const right = clause.value.toLowerCase()
  return clause.operator === "~" ? left.includes(right) : left === right
}

/** Whether a PaymentIntent matches a query. @internal */
export const matches = (intent: PaymentIntent, query: Query): boolean => {
  const results = query.clauses.map((clause) => holds(intent, clause) !== clause.negated)
  return query.join === "OR" ? results.some(Boolean) : results.every(Boolean)
}

const invalidQuery = (request: SimRequest, message: string): Reply =>
  stripeError(request, 400, { type: "invalid_request_error", message, param: "query" })

const checkFields = (request: SimRequest, query: Query): void => {
  for (const clause of query.clauses) {
    if (!FIELDS.includes(clause.field)) {
      refuse(
        invalidQuery(
          request,
          `Field '${clause.field}' is an unsupported search field for resource \`payment_intents\`. ` +
            "See https://stripe.com/docs/search#query-fields-for-payment-intents for a list of supported fields."
        )
      )
    }
    if ((clause.field === "metadata") !== (clause.key !== undefined)) {
      refuse(invalidQuery(request, `Field '${clause.field}' needs a key like metadata['key'] only for metadata.`))
    }
    if (clause.operator === "~" && (clause.value?.length ?? 0) < 3) {
      refuse(invalidQuery(request, "The substring operator `~` needs a value of at least 3 characters."))
    }
  }
}

const pageOffset = (request: SimRequest, page: string | undefined): number => {
  if (page === undefined) return 0
  const decoded = /^o:(\d+)$/.exec(Buffer.from(page, "base64url").toString("utf8"))
  return decoded === null
    ? refuse(
        stripeError(request, 400, { type: "invalid_request_error", message: `Invalid page: ${page}`, param: "page" })
      )
    : Number(decoded[1])
}

const search = (request: SimRequest, context: HandlerContext<State, Credentials>, form: Form): Reply => {
  rejectUnknown(request, form, ["query", "limit", "page", "expand"])
  const text = requiredString(request, form, "query")
  let query: Query
  try {
    query = parse(text)
  } catch (cause) {
    if (!(cause instanceof QuerySyntaxError)) throw cause
    return invalidQuery(request, `There was a syntax error in your search query: ${cause.message}.`)
  }
  checkFields(request, query)
  const limit = Math.min(integerParam(request, form, "limit") ?? 10, 100)
  const offset = pageOffset(request, stringParam(request, form, "page"))
  const now = Date.now()
  const found = [...context.state.paymentIntents.values()]
    .filter((record) => record.searchableAt <= now && matches(record.intent, query))
    .map((record) => record.intent)
    .reverse()
  const page = found.slice(offset, offset + limit)
  const hasMore = offset + limit < found.length
  return {
    status: 200,
    body: {
      object: "search_result",
      data: page.map((intent) => render(context.state, intent)),
      has_more: hasMore,
      next_page: hasMore ? Buffer.from(`o:${offset + limit}`).toString("base64url") : null,
      url: "/v1/payment_intents/search",
      ...(expandParam(form).includes("total_count") ? { total_count: found.length } : {})
    }
  }
}

/** The search route. @internal */
export const route = get("/v1/payment_intents/search", "payment_intents.search", search)
