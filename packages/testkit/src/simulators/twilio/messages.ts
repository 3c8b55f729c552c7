/**
 * Twilio's Message resource: what a create stores, the JSON Twilio answers
 * with, and how many segments a body takes.
 *
 * @since 0.1.0
 */

/** The statuses a Twilio message goes through. @since 0.1.0 */
export type MessageStatus =
  | "accepted"
  | "scheduled"
  | "queued"
  | "sending"
  | "sent"
  | "delivered"
  | "undelivered"
  | "failed"
  | "canceled"

/** A message the simulator took. @since 0.1.0 */
export interface StoredMessage {
  readonly sid: string
  readonly accountSid: string
  readonly to: string
  readonly from: string | null
  readonly messagingServiceSid: string | null
  readonly body: string
  readonly numSegments: number
  readonly dateCreated: Date
  readonly statusCallback: string | undefined
  status: MessageStatus
  dateUpdated: Date
  dateSent: Date | null
  errorCode: number | null
  errorMessage: string | null
}

/** `prefix` + `length` lower-case hex digits from a seeded random source. @since 0.1.0 */
export const hexId = (prefix: string, random: () => number, length = 32): string => {
  let id = prefix
  for (let i = 0; i < length; i++) id += Math.floor(random() * 16).toString(16)
  return id
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number) => String(n).padStart(2, "0")

/** A date as Twilio writes it (RFC 2822, `Thu, 24 Aug 2023 05:01:45 +0000`). @since 0.1.0 */
export const rfc2822 = (date: Date): string =>
  `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`

const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const GSM_EXTENDED = "^{}\\[~]|€\f"

/**
 * How many SMS segments a body takes: GSM-7 bodies fit 160 characters in one
 * segment and 153 per segment beyond (extension characters count twice);
 * anything else is UCS-2, 70 and 67.
 *
 * @example
 * ```ts
 * segments("hello") // 1
 * segments("é".repeat(200)) // 2 (é is GSM-7)
 * ```
 * @since 0.1.0
 */
export const segments = (body: string): number => {
  let septets = 0
  let gsm = true
  for (const character of body) {
    if (GSM_BASIC.includes(character)) septets += 1
    else if (GSM_EXTENDED.includes(character)) septets += 2
    else gsm = false
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153)
  const units = body.length
  return units <= 70 ? 1 : Math.ceil(units / 67)
}

/** The resource path of a message. @since 0.1.0 */
export const messageUri = (accountSid: string, sid: string): string =>
  `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`

/**
 * The Message resource JSON as Twilio answers it (snake_case, counts as
 * strings, RFC 2822 dates).
 *
 * @since 0.1.0
 */
export const resource = (message: StoredMessage): Record<string, unknown> => ({
  account_sid: message.accountSid,
  api_version: "2010-04-01",
  body: message.body,
  date_created: rfc2822(message.dateCreated),
  date_sent: message.dateSent === null ? null : rfc2822(message.dateSent),
  date_updated: rfc2822(message.dateUpdated),
  direction: "outbound-api",
  error_code: message.errorCode,
  error_message: message.errorMessage,
  from: message.from,
  messaging_service_sid: message.messagingServiceSid,
  num_media: "0",
  num_segments: String(message.numSegments),
  price: null,
  price_unit: "USD",
  sid: message.sid,
  status: message.status,
  subresource_uris: {
    media: `/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}/Media.json`,
    feedback: `/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}/Feedback.json`
  },
  to: message.to,
  uri: messageUri(message.accountSid, message.sid)
})
