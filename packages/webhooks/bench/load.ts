/**
 * The load of the ingestion bench: autocannon, in this process, against one
 * server's port, 50 connections with keep-alive and no pipelining.
 *
 * A `stream` load sends the next distinct delivery on every request and
 * records the event ids answered 200; a `repeat` load sends one delivery
 * again and again, with nothing to build per request (the most a
 * load generator on this machine can send, for the bare server).
 */
import autocannon from "autocannon"
import type { Delivery } from "./deliveries.ts"

export const CONNECTIONS = 50

/** How requests are made. */
export type Source =
  | { readonly _tag: "repeat"; readonly delivery: Delivery }
  | { readonly _tag: "stream"; readonly next: () => Delivery }

/** What one run saw. */
export interface Run {
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly seconds: number
  readonly p50: number
  readonly p99: number
  /** Event ids answered 200 (a `stream` load only). */
  readonly accepted: ReadonlyArray<string>
}

const requestOf = (source: Source, path: string, accepted: Array<string>): autocannon.Request => {
  if (source._tag === "repeat")
    return { method: "POST", path, headers: { ...source.delivery.headers }, body: source.delivery.body }
  return {
    method: "POST",
    path,
    // autocannon builds the request bytes from what this returns; changing its copy in place costs least
    setupRequest: (request) => {
      const delivery = source.next()
      request.headers = delivery.headers as Record<string, string>
      request.body = delivery.body
      return request
    },
    onResponse: (status, body) => {
      if (status !== 200) return
      const id = (JSON.parse(body) as { id?: unknown }).id
      if (typeof id === "string") accepted.push(id)
    }
  }
}

/** Sends `source` to `port` for `seconds`. */
export const run = async (port: number, path: string, seconds: number, source: Source): Promise<Run> => {
  const accepted: Array<string> = []
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [requestOf(source, path, accepted)]
  })
  return {
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    accepted
  }
}
