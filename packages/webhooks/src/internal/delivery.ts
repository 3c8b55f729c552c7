/**
 * One delivery as it arrived, turned into the core `WebhookRequest` its
 * source verifies: the body read as raw bytes under the size limit (a
 * declared `Content-Length` past it is refused before a byte is read), kept
 * as the exact UTF-8 text the provider signed, header names in lower case,
 * and the URL and sender address the provider saw — the public ones behind a
 * proxy, from configuration or from forwarding headers the caller trusts.
 *
 * @internal
 */
import { ByteSize, Effect, Option } from "effect"
import { HttpIncomingMessage, type HttpServerError, type HttpServerRequest } from "effect/http"
import { WebhookSource } from "@wedsync/core"

/** Where the public URL and the sender's address come from. @internal */
export interface Addressing {
  readonly publicUrl?: string | undefined
  readonly trustForwardedHeaders?: boolean | undefined
}

/** Why a delivery could not even be read. @internal */
export type Unreadable =
  | { readonly _tag: "TooLarge"; readonly limit: number }
  | { readonly _tag: "NotUtf8"; readonly bytes: Uint8Array }
  | { readonly _tag: "Aborted" }

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const first = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  const head = value.split(",")[0]!.trim()
  return head === "" ? undefined : head
}

const pathOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const original = request.originalUrl
  if (original.startsWith("/")) return original
  try {
    const url = new URL(original)
    return `${url.pathname}${url.search}`
  } catch {
    return request.url
  }
}

/** The URL the provider posted to, as it signed it. @internal */
export const urlOf = (request: HttpServerRequest.HttpServerRequest, addressing: Addressing): string => {
  const path = pathOf(request)
  if (addressing.publicUrl !== undefined) {
    const query = path.includes("?") ? path.slice(path.indexOf("?")) : ""
    return addressing.publicUrl.includes("?") ? addressing.publicUrl : `${addressing.publicUrl}${query}`
  }
  const headers = request.headers
  if (addressing.trustForwardedHeaders === true) {
    const proto = first(headers["x-forwarded-proto"]) ?? "https"
    const host = first(headers["x-forwarded-host"]) ?? headers.host ?? "localhost"
    return `${proto}://${host}${path}`
  }
  // A Web `Request` (a Next.js route handler) carries the whole URL it was sent to.
  if (!request.originalUrl.startsWith("/")) {
    try {
      return new URL(request.originalUrl).href
    } catch {
      // not absolute after all: built from the Host header below
    }
  }
  try {
    // A Node server's own request: plain HTTP to the Host header (TLS ends at a proxy: see `publicUrl`).
    // "./" first, so a path starting with "//" cannot stand for another host.
    return new URL(path.startsWith("/") ? `.${path}` : path, `http://${headers.host ?? "localhost"}`).href
  } catch {
    return path
  }
}

/** The sender's address: the connection's, or the first forwarded one when forwarding headers are trusted. @internal */
export const remoteAddressOf = (
  request: HttpServerRequest.HttpServerRequest,
  addressing: Addressing
): string | undefined => {
  if (addressing.trustForwardedHeaders === true) {
    const forwarded = first(request.headers["x-forwarded-for"])
    if (forwarded !== undefined) return forwarded
  }
  return Option.getOrUndefined(request.remoteAddress)
}

/** Header names in lower case, one value each (repeated headers joined as Node joins them). @internal */
export const headersOf = (request: HttpServerRequest.HttpServerRequest): Record<string, string> => {
  const headers: Record<string, string> = Object.create(null)
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === "string") headers[name.toLowerCase()] = value
  }
  return headers
}

const bodyError = (limit: number) => (error: HttpServerError.HttpServerError) =>
  Effect.fail<Unreadable>(
    error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
      ? { _tag: "TooLarge", limit }
      : { _tag: "Aborted" }
  )

/**
 * The URL of a delivery, remembered for the last few distinct request lines:
 * a provider posts to one path, and parsing it with `URL` on every delivery
 * was a visible cost. Kept only for the plain case (no public URL, no
 * forwarding headers); the key is all the URL is built from there, the Host
 * header and the request's URL, which Effect's Node server gives absolute
 * whenever there is a Host header (as a Web `Request` carries it). Until
 * that was seen, the cache took only paths and was never used.
 */
const urls = new Map<string, string>()
const urlCacheSize = 256

const cachedUrlOf = (request: HttpServerRequest.HttpServerRequest, addressing: Addressing): string => {
  if (addressing.publicUrl !== undefined || addressing.trustForwardedHeaders === true) {
    return urlOf(request, addressing)
  }
  const key = `${request.headers.host ?? ""} ${request.originalUrl}`
  const known = urls.get(key)
  if (known !== undefined) return known
  const url = urlOf(request, addressing)
  if (urls.size >= urlCacheSize) urls.clear()
  urls.set(key, url)
  return url
}

/**
 * Reads the body under `limit` bytes and builds the `WebhookRequest`.
 *
 * @internal
 */
export const reader = (
  limit: number,
  addressing: Addressing
): ((
  request: HttpServerRequest.HttpServerRequest,
  receivedAt: number
) => Effect.Effect<WebhookSource.WebhookRequest, Unreadable>) => {
  const maxBodySize = ByteSize.bytes(limit)
  const failed = bodyError(limit)
  return (request, receivedAt) => {
    const declared = Number(request.headers["content-length"])
    if (Number.isFinite(declared) && declared > limit) return Effect.fail({ _tag: "TooLarge", limit })
    return Effect.matchEffect(
      Effect.provideService(request.arrayBuffer, HttpIncomingMessage.MaxBodySize, maxBodySize),
      {
        onFailure: failed,
        onSuccess: (bytes) => {
          // A body past the limit that declared no length, on a platform that reads it whole.
          if (bytes.byteLength > limit) return Effect.fail<Unreadable>({ _tag: "TooLarge", limit })
          let body: string
          try {
            body = utf8.decode(bytes)
          } catch {
            return Effect.fail<Unreadable>({ _tag: "NotUtf8", bytes: new Uint8Array(bytes) })
          }
          const remoteAddress = remoteAddressOf(request, addressing)
          return Effect.succeed(
            new WebhookSource.WebhookRequest(
              {
                method: request.method,
                url: cachedUrlOf(request, addressing),
                headers: headersOf(request),
                body,
                ...(remoteAddress === undefined ? {} : { remoteAddress }),
                receivedAt
              },
              // Built here from a request already read: strings and a number, nothing to check again.
              { disableChecks: true }
            )
          )
        }
      }
    )
  }
}
