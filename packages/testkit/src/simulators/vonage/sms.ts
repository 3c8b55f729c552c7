/**
 * Vonage's SMS API (`POST /sms/json`): its credentials check and its send.
 *
 * The API takes JSON (what `@vonage/sms` sends) or a form (the legacy way),
 * with the key and secret as Basic auth or as `api_key` / `api_secret`
 * parameters. Every answer about a message is HTTP 200: wrong credentials,
 * throttling and refusals are a non-zero per-message `status`. A long text is
 * split into parts, one `messages[]` entry (and one `message-id`) each.
 *
 * @since 0.1.0
 */
import { emptyRecord } from "../../internal/records.ts"
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import type { Credentials, State } from "./model.ts"
import { inBand } from "./errors.ts"
import { events } from "./events.ts"

/** What one SMS part costs, in EUR. @since 0.1.0 */
export const PRICE = 0.0333

const TYPES = ["text", "unicode", "binary", "wappush", "vcal", "vcard"]

/** `to` as the API keeps it: digits, international format, no `+`. @since 0.1.0 */
export const normalizeNumber = (number: string): string => number.trim().replace(/^\+/, "")

/** Whether a normalized number looks like a phone number. @since 0.1.0 */
export const isNumber = (number: string): boolean => /^\d{7,15}$/.test(number)

/** A plausible mobile network code for a number. @since 0.1.0 */
export const networkOf = (number: string): string =>
  number.startsWith("44") ? "23410" : number.startsWith("1") ? "310090" : number.startsWith("49") ? "26201" : "20810"

/** How many parts a text takes: 160/153 characters as GSM text, 70/67 as unicode. @since 0.1.0 */
export const parts = (text: string, unicode: boolean): number => {
  const [single, multi] = unicode ? [70, 67] : [160, 153]
  return text.length <= single ? 1 : Math.ceil(text.length / multi)
}

/** A version-4 UUID drawn from the simulator's seeded random source. @since 0.1.0 */
export const seededUuid = (random: () => number): string => {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256))
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const stringify = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : undefined

/** The request's parameters (query, then JSON or form body) as strings; throws `BadBody` for broken JSON. @since 0.1.0 */
export const smsParams = (request: SimRequest): Readonly<Record<string, string>> => {
  const params = emptyRecord<string>()
  for (const [name, value] of request.query) params[name] = value
  if (request.rawBody.trim() === "") return params
  const isJson = (request.headers["content-type"] ?? "").includes("json")
  const body = isJson ? request.json() : request.form()
  if (typeof body !== "object" || body === null || Array.isArray(body)) return params
  for (const [name, value] of Object.entries(body)) {
    const text = stringify(value)
    if (text !== undefined) params[name] = text
  }
  return params
}

/** The user and password of a Basic `Authorization` header. @since 0.1.0 */
export const basicAuth = (
  authorization: string | undefined
): { readonly user: string; readonly password: string } | undefined => {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? "")
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], "base64").toString("utf8")
  const separator = decoded.indexOf(":")
  return separator < 0 ? undefined : { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) }
}

/**
 * The SMS API's credentials check: Basic auth or `api_key`/`api_secret`;
 * missing → status 2, wrong → status 4 "Bad Credentials", both with HTTP 200.
 *
 * @since 0.1.0
 */
export const authenticateSms = (request: SimRequest, credentials: Credentials): Reply | undefined => {
  const basic = basicAuth(request.headers.authorization)
  let key = basic?.user
  let secret = basic?.password
  if (basic === undefined) {
    let params: Readonly<Record<string, string>> = {}
    try {
      params = smsParams(request)
    } catch {
      // A body that is not JSON carries no credentials either.
    }
    key = params.api_key
    secret = params.api_secret
  }
  if (key === undefined || key === "") return inBand(2, "Missing api_key")
  if (secret === undefined || secret === "") return inBand(2, "Missing api_secret")
  return key === credentials.apiKey && secret === credentials.apiSecret ? undefined : inBand(4, "Bad Credentials")
}

const amount = (value: number) => Math.max(0, value).toFixed(8)

/** The first reason the SMS API refuses these parameters, as its in-band answer. */
const refusal = (params: Readonly<Record<string, string>>, credentials: Credentials): Reply | undefined => {
  const type = params.type ?? "text"
  if ((params.from ?? "") === "") return inBand(2, "Missing from param")
  if ((params.to ?? "") === "") return inBand(2, "Missing to param")
  if (!TYPES.includes(type)) return inBand(3, "Invalid Message type")
  if ((type === "text" || type === "unicode") && (params.text ?? "") === "") return inBand(2, "Missing text param")
  const to = normalizeNumber(params.to ?? "")
  if (!isNumber(to)) return inBand(3, "Invalid to address")
  if (credentials.demoWhitelist !== undefined && !credentials.demoWhitelist.map(normalizeNumber).includes(to)) {
    return inBand(29, "Non White-listed Destination - rejected", { to })
  }
  return undefined
}

/**
 * `POST /sms/json`.
 *
 * @since 0.1.0
 */
export const sendSms = (request: SimRequest, context: HandlerContext<State, Credentials>): Reply => {
  const params = smsParams(request)
  const refused = refusal(params, context.credentials)
  if (refused !== undefined) return refused
  const to = normalizeNumber(params.to ?? "")
  const from = params.from ?? ""
  const text = params.text ?? ""
  const clientRef = params["client-ref"]
  const network = networkOf(to)
  const count = parts(text, params.type === "unicode")
  if (context.state.balance + 1e-9 < count * PRICE) {
    return inBand(9, "Quota Exceeded - rejected", {
      to,
      "remaining-balance": amount(context.state.balance),
      "message-price": amount(PRICE),
      network
    })
  }
  const messages = Array.from({ length: count }, () => {
    context.state.balance -= PRICE
    return {
      to,
      "message-id": seededUuid(context.random),
      status: "0",
      "remaining-balance": amount(context.state.balance),
      "message-price": amount(PRICE),
      network,
      ...(clientRef === undefined ? {} : { "client-ref": clientRef })
    }
  })
  const ids = messages.map((message) => message["message-id"])
  const id = ids[0] ?? ""
  context.state.messages.set(id, { id, api: "sms", to, from, text, clientRef, parts: ids })
  context.ledger.sideEffect({
    kind: "message",
    id,
    ...(clientRef === undefined ? {} : { key: clientRef }),
    data: { api: "sms", to, from, text, parts: ids }
  })
  for (const messageId of ids) {
    const receipt = { messageId, to, from, networkCode: network, ...(clientRef === undefined ? {} : { clientRef }) }
    const url = params.callback
    context.emit(events.smsDeliveryReceipt(receipt, "delivered", context.credentials, url === undefined ? {} : { url }))
  }
  return { status: 200, body: { "message-count": String(count), messages } }
}
