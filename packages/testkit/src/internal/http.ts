/**
 * Small HTTP helpers of the simulator engine: route patterns, body reading,
 * header flattening and seeded ids.
 *
 * @internal
 */
import type { IncomingMessage } from "node:http"

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
    const params: Record<string, string> = {}
    names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] ?? "")
    })
    return params
  }
}

export const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

export const flatHeaders = (request: IncomingMessage): Record<string, string | undefined> => {
  const headers: Record<string, string | undefined> = {}
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
