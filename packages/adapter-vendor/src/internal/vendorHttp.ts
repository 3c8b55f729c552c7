/**
 * One HTTP exchange with a vendor on Effect's `HttpClient`: the request
 * (base URL, query, bearer token, JSON body, idempotency key), the answer
 * classified (`vendorErrors.ts`) and its body decoded with the caller's
 * schema. No retry here: `Resilience.protect` around it does that.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { IntegrationError, StatusReason } from "@wedsync/core"
import { Clock, Effect, type Redacted, Schema, SchemaIssue } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"
import { fromStatus, fromTransport, unreadable } from "./vendorErrors.ts"

/** A query string's values; `undefined` leaves the parameter out. @internal */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>

/** What one exchange needs. @internal */
export interface Exchange<A> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly path: string
  readonly operation: string
  readonly query?: Query | undefined
  readonly body?: unknown
  readonly idempotencyKey?: string | undefined
  readonly schema: Schema.Codec<A, unknown>
}

/** The connection to one vendor, checked when built. @internal */
export interface Connection {
  readonly vendor: string
  readonly baseUrl: URL
  readonly token: Redacted.Redacted<string> | undefined
  readonly exceptions: StatusReason.Exceptions | undefined
  readonly client: HttpClient.HttpClient
}

/**
 * The `Idempotency-Key` a write sends: a SHA-256 of vendor, method, path and
 * the caller's business key, so every retry (in this call, after a restart,
 * from another instance) sends the same one, and the business key (it may
 * name a couple) is not sent as it is.
 *
 * @internal
 */
export const idempotencyKey = (vendor: string, method: string, path: string, key: string): string =>
  `wsk_${createHash("sha256").update(`${vendor}\n${method}\n${path}\n${key}`).digest("hex").slice(0, 40)}`

/** The URL of `path` under the base URL's own path (`https://api.example.com/v2` + `/bookings`). */
const urlOf = (base: URL, path: string): string => {
  const root = base.href.endsWith("/") ? base.href : `${base.href}/`
  return new URL(path.replace(/^\/+/, ""), root).href
}

const queryOf = (query: Query | undefined): Array<[string, string]> =>
  Object.entries(query ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]]))

const request = <A>(connection: Connection, exchange: Exchange<A>): HttpClientRequest.HttpClientRequest => {
  const headers: Record<string, string> = { accept: "application/json" }
  if (exchange.idempotencyKey !== undefined) headers["idempotency-key"] = exchange.idempotencyKey
  let built = HttpClientRequest.make(exchange.method)(urlOf(connection.baseUrl, exchange.path), {
    urlParams: queryOf(exchange.query),
    headers
  })
  if (connection.token !== undefined) built = HttpClientRequest.bearerToken(built, connection.token)
  return exchange.body === undefined ? built : HttpClientRequest.bodyJsonUnsafe(built, exchange.body)
}

/** The first issue of a failed decode, with its path: `slots[0].available: Expected boolean, got "yes"`. */
const problemOf = (error: Schema.SchemaError): string => {
  const line = SchemaIssue.makeFormatterDefault()(error.issue).split("\n")
  return line.slice(0, 3).join(" ").slice(0, 300)
}

const decode = <A>(
  connection: Connection,
  exchange: Exchange<A>,
  answer: { readonly status: number; readonly requestId: string | undefined; readonly body: string }
): Effect.Effect<A, IntegrationError.IntegrationError> => {
  const fail = (problem: string) =>
    Effect.fail(unreadable(connection.vendor, exchange.operation, answer.status, problem, answer.requestId))
  let json: unknown
  try {
    json = answer.body === "" ? null : JSON.parse(answer.body)
  } catch {
    return fail(`the body is not JSON (${answer.body.slice(0, 40).replace(/\s+/g, " ")}…)`)
  }
  return Schema.decodeUnknownEffect(exchange.schema)(json).pipe(
    Effect.catchTag("SchemaError", (error) => fail(`the body does not match the schema: ${problemOf(error)}`))
  )
}

/**
 * Sends one request and answers its decoded body, or the classified error.
 *
 * @internal
 */
export const exchange = <A>(
  connection: Connection,
  exchange: Exchange<A>
): Effect.Effect<A, IntegrationError.IntegrationError> =>
  Effect.gen(function* () {
    const response = yield* connection.client
      .execute(request(connection, exchange))
      .pipe(Effect.mapError((error) => fromTransport(connection.vendor, exchange.operation, error.reason)))
    const requestId = response.headers["x-request-id"]
    const body = yield* response.text.pipe(
      Effect.mapError((error) => fromTransport(connection.vendor, exchange.operation, error.reason))
    )
    const answer = { status: response.status, requestId, body }
    if (response.status >= 200 && response.status < 300) return yield* decode(connection, exchange, answer)
    const now = yield* Clock.currentTimeMillis
    return yield* Effect.fail(
      fromStatus(
        connection.vendor,
        exchange.operation,
        { ...answer, retryAfter: response.headers["retry-after"] },
        connection.exceptions,
        now
      )
    )
  })
