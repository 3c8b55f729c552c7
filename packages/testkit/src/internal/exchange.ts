/**
 * One HTTP exchange of a simulator, below the provider's routes: the request
 * a route sees, the reply written back, and the ledger entry of a body refused
 * for its size.
 *
 * @internal
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Ledger } from "../Ledger.ts"
import { BadBody, type Reply, type SimRequest } from "./definition.ts"
import { parseForm } from "./form.ts"
import { flatHeaders } from "./http.ts"
import { emptyRecord } from "./records.ts"

/** The request a route handler sees. @internal */
export const simRequest = (
  incoming: IncomingMessage,
  url: URL,
  rawBody: string,
  found: { readonly operation: string; readonly params: Readonly<Record<string, string>> } | undefined
): SimRequest => ({
  method: incoming.method ?? "GET",
  path: url.pathname,
  query: url.searchParams,
  headers: flatHeaders(incoming),
  rawBody,
  params: found?.params ?? emptyRecord<string>(),
  operation: found?.operation ?? "unknown",
  json: () => {
    try {
      return JSON.parse(rawBody) as unknown
    } catch {
      throw new BadBody("body is not JSON")
    }
  },
  form: () => parseForm(rawBody)
})

/** Writes a reply: objects as JSON (with a JSON content type unless one is given), strings as they are. @internal */
export const writeReply = (
  outgoing: ServerResponse,
  reply: Reply,
  providerHeaders: Readonly<Record<string, string>> | undefined
): void => {
  const headers: Record<string, string> = { ...providerHeaders, ...reply.headers }
  const isText = typeof reply.body === "string"
  const body = reply.body === undefined ? "" : isText ? (reply.body as string) : JSON.stringify(reply.body)
  if (reply.body !== undefined && !isText && headers["content-type"] === undefined) {
    headers["content-type"] = "application/json; charset=utf-8"
  }
  outgoing.writeHead(reply.status, headers)
  outgoing.end(body)
}

/** A body refused for its size still crossed the wire: the ledger shows it, answered 413 with no fault. @internal */
export const recordTooLarge = (ledger: Ledger, incoming: IncomingMessage, url: URL, operation: string): void => {
  const entry = ledger.record({
    at: Date.now(),
    method: incoming.method ?? "GET",
    path: url.pathname,
    query: url.search,
    operation,
    headers: incoming.headers,
    body: "",
    fault: { _tag: "Pass" },
    delayMillis: 0
  })
  entry.outcome = "answered"
  entry.status = 413
}
