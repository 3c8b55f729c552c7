/**
 * Vonage's Messages API (`POST /v1/messages`), SMS channel: its credentials
 * check (Basic key:secret, or a Bearer application JWT) and its send, which
 * answers 202 `{ message_uuid }` and emits `submitted` then `delivered` status
 * webhooks to the application's status URL (the simulator's webhook URL).
 *
 * @since 0.1.0
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import type { Credentials, State } from "./model.ts"
import { invalidParams, lowBalance, unauthorized } from "./errors.ts"
import { events } from "./events.ts"
import { verifyApplicationJwt } from "./signature.ts"
import { basicAuth, isNumber, normalizeNumber, PRICE, parts, seededUuid } from "./sms.ts"

/**
 * The Messages API's credentials check: Basic `apiKey:apiSecret`, or
 * `Bearer <RS256 JWT>` for the application; anything else → 401 problem+json.
 *
 * @since 0.1.0
 */
export const authenticateMessages = (request: SimRequest, credentials: Credentials): Reply | undefined => {
  const authorization = request.headers.authorization ?? ""
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1]
  if (bearer !== undefined) {
    const key =
      credentials.applicationPublicKey === undefined
        ? { applicationId: credentials.applicationId }
        : { applicationId: credentials.applicationId, applicationPublicKey: credentials.applicationPublicKey }
    return verifyApplicationJwt(bearer, key) ? undefined : unauthorized()
  }
  const basic = basicAuth(authorization)
  return basic?.user === credentials.apiKey && basic.password === credentials.apiSecret ? undefined : unauthorized()
}

const text = (body: Readonly<Record<string, unknown>>, name: string) =>
  typeof body[name] === "string" ? (body[name] as string) : ""

const GSM_LATIN = "£¥èéùìòÇØøÅåÆæßÉÄÖÑÜäöñüà"

/** Whether a text needs UCS-2: the Messages API picks the encoding itself. */
const needsUnicode = (message: string) =>
  [...message].some((character) => (character.codePointAt(0) ?? 0) > 0x7f && !GSM_LATIN.includes(character))

/** What does not validate in a send, as `invalid_parameters`. */
const invalidOf = (body: Readonly<Record<string, unknown>>) => {
  const invalid: Array<{ readonly name: string; readonly reason: string }> = []
  for (const name of ["to", "from", "channel", "message_type"]) {
    if (text(body, name) === "") invalid.push({ name, reason: "Is required." })
  }
  const channel = text(body, "channel")
  if (channel !== "" && channel !== "sms") invalid.push({ name: "channel", reason: "Only sms is simulated." })
  const type = text(body, "message_type")
  if (type !== "" && type !== "text") invalid.push({ name: "message_type", reason: "Must be text for sms." })
  if (type === "text" && text(body, "text") === "") invalid.push({ name: "text", reason: "Is required." })
  const to = text(body, "to")
  if (to !== "" && !isNumber(normalizeNumber(to))) {
    invalid.push({ name: "to", reason: "Must be a number in E.164 format." })
  }
  return invalid
}

/**
 * `POST /v1/messages`.
 *
 * @since 0.1.0
 */
export const sendMessage = (request: SimRequest, context: HandlerContext<State, Credentials>): Reply => {
  const parsed = request.json()
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return invalidParams([{ name: "body", reason: "Must be a JSON object." }])
  }
  const body = parsed as Readonly<Record<string, unknown>>
  const invalid = invalidOf(body)
  if (invalid.length > 0) return invalidParams(invalid)
  const to = normalizeNumber(text(body, "to"))
  const from = text(body, "from")
  const message = text(body, "text")
  const clientRef = text(body, "client_ref") || undefined
  const cost = parts(message, needsUnicode(message)) * PRICE
  if (context.state.balance + 1e-9 < cost) return lowBalance()
  context.state.balance -= cost
  const uuid = seededUuid(context.random)
  context.state.messages.set(uuid, { id: uuid, api: "messages", to, from, text: message, clientRef, parts: [uuid] })
  context.ledger.sideEffect({
    kind: "message",
    id: uuid,
    ...(clientRef === undefined ? {} : { key: clientRef }),
    data: { api: "messages", to, from, text: message }
  })
  const subject = { messageUuid: uuid, to, from, ...(clientRef === undefined ? {} : { clientRef }) }
  context.emit(events.messageStatus(subject, "submitted", context.credentials))
  context.emit(events.messageStatus(subject, "delivered", context.credentials))
  return { status: 202, body: { message_uuid: uuid } }
}
