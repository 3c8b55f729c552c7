/**
 * Small HTTP helpers of the simulator engine and the control endpoint: route
 * patterns, body reading within a limit, header flattening and seeded ids.
 * Parameter and header maps have no prototype, so a name such as `__proto__`
 * is data.
 *
 * @internal
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { emptyRecord } from "./records.ts"

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

export const compile = (path: string) => {
  const names: Array<string> = []
  const pattern = path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    names.push(name)
    return "([^/]+)"
  })
  const regex = new RegExp(`^${pattern}$`)
  return (candidate: string): Record<string, string> | undefined => {
    const match = regex.exec(candidate)
    if (match === null) return undefined
    const params = emptyRecord<string>()
    for (const [index, name] of names.entries()) {
      const value = decodePathSegment(match[index + 1] ?? "")
      // A malformed escape (`%E0`) is a path no route has, not a server error.
      if (value === undefined) return undefined
      params[name] = value
    }
    return params
  }
}

/** A percent-decoded path segment; `undefined` for a malformed escape. @internal */
export const decodePathSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** The default largest request body a simulator or the control endpoint reads: 1 MiB. @internal */
export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576

const UNITS = [
  [1_073_741_824, "GiB"],
  [1_048_576, "MiB"],
  [1024, "KiB"]
] as const

/** `1 GiB`, `1 MiB`, `64 KiB` or `1000 bytes`. @internal */
export const describeBytes = (bytes: number): string => {
  const unit = UNITS.find(([size]) => bytes % size === 0)
  return unit === undefined ? `${bytes} bytes` : `${bytes / unit[0]} ${unit[1]}`
}

/** A request body over the limit; answered with HTTP 413 by {@link refuseTooLarge}. @internal */
export class BodyTooLarge extends Error {
  readonly limitBytes: number
  constructor(limitBytes: number) {
    super(`the request body is larger than ${describeBytes(limitBytes)}, the most this server reads`)
    this.limitBytes = limitBytes
  }
}

/**
 * Reads a body of at most `limitBytes`, refusing a larger declared
 * `content-length` before reading anything and a longer stream as soon as it
 * passes the limit; what is left is read and dropped, never kept.
 *
 * @internal
 */
export const readBody = (request: IncomingMessage, limitBytes: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const declared = Number(request.headers["content-length"])
    if (declared > limitBytes) return reject(new BodyTooLarge(limitBytes))
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= limitBytes) return void chunks.push(chunk)
      chunks.length = 0
      request.off("data", onData)
      reject(new BodyTooLarge(limitBytes))
    }
    request.on("data", onData)
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/**
 * Answers 413 and closes the connection once the answer is out, so a client
 * still sending can read it; the rest of the body is never buffered.
 *
 * @internal
 */
export const refuseTooLarge = (response: ServerResponse, error: BodyTooLarge): void => {
  if (response.headersSent) return
  response.writeHead(413, { "content-type": "application/json; charset=utf-8", connection: "close" })
  response.end(JSON.stringify({ error: error.message, limitBytes: error.limitBytes }))
}

export const flatHeaders = (request: IncomingMessage): Record<string, string | undefined> => {
  const headers = emptyRecord<string | undefined>()
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return headers
}

/** `prefix` + `length` base-62 characters drawn from `next`. @internal */
export const seededId = (next: () => number, prefix: string, length: number): string => {
  let id = prefix
  for (let i = 0; i < length; i++) id += ID_ALPHABET[Math.floor(next() * ID_ALPHABET.length)]
  return id
}
