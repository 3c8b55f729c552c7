/**
 * Builders of the webhooks Twilio sends: Messaging status callbacks
 * (form-encoded) and the same status as an Event Streams JSON CloudEvent.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { WebhookEvent } from "../../Webhooks.ts"
import { type MessageStatus, messageUri } from "./messages.ts"
import { SIGNATURE_SETTINGS_HEADER, type SharedKey, settingsHeader } from "./signature.ts"

/** Who a status callback is about. @since 0.1.0 */
export interface StatusSubject {
  readonly sid: string
  readonly accountSid: string
  readonly from: string | null
  readonly to: string
  readonly messagingServiceSid?: string | null
}

/** Options of the event builders. @since 0.1.0 */
export interface EventOptions {
  /** Where Twilio sends it (the message's StatusCallback); else the simulator's webhook URL. */
  readonly url?: string
  /** Twilio's delivery error code, sent as `ErrorCode` for `failed` and `undelivered` (e.g. 30003). */
  readonly errorCode?: number
  /** With a SharedKey, the delivery names it (and its algorithm) in the settings header. */
  readonly credentials?: { readonly sharedKey?: SharedKey }
}

const deliveryHeaders = (id: string, credentials: EventOptions["credentials"]): Record<string, string> => ({
  "user-agent": "TwilioProxy/1.1",
  "i-twilio-idempotency-token": id,
  ...(credentials?.sharedKey === undefined
    ? {}
    : { [SIGNATURE_SETTINGS_HEADER]: settingsHeader(credentials.sharedKey) })
})

const eventId = (sid: string, status: string) => {
  const hex = createHash("sha256").update(`${sid}:${status}`).digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/**
 * Builders of the webhooks Twilio sends.
 *
 * @example
 * ```ts
 * const event = Twilio.events.messageStatus(message, "delivered", { url: "https://hooks.test/sms", credentials: sim.credentials })
 * await sim.deliver(sim.buildWebhook(event))
 * ```
 * @since 0.1.0
 */
export const events = {
  /** A Messaging status callback, form-encoded as Twilio posts it. */
  messageStatus: (message: StatusSubject, status: MessageStatus, options: EventOptions = {}): WebhookEvent => {
    const params = new URLSearchParams({
      SmsSid: message.sid,
      SmsStatus: status,
      MessageStatus: status,
      To: message.to,
      MessageSid: message.sid,
      AccountSid: message.accountSid,
      ApiVersion: "2010-04-01"
    })
    if (message.from !== null) params.set("From", message.from)
    if (message.messagingServiceSid != null) params.set("MessagingServiceSid", message.messagingServiceSid)
    if ((status === "failed" || status === "undelivered") && options.errorCode !== undefined) {
      params.set("ErrorCode", String(options.errorCode))
    }
    const id = eventId(message.sid, status)
    return {
      id,
      type: `message.${status}`,
      contentType: "application/x-www-form-urlencoded",
      body: params.toString(),
      headers: deliveryHeaders(id, options.credentials),
      ...(options.url === undefined ? {} : { url: options.url })
    }
  },
  /** The same status as an Event Streams webhook sink gets it: a JSON CloudEvents batch, signed with `?bodySHA256=`. */
  messageStatusJson: (message: StatusSubject, status: MessageStatus, options: EventOptions = {}): WebhookEvent => {
    const id = eventId(message.sid, `json:${status}`)
    const type = `com.twilio.messaging.message.${status}`
    const data = {
      messageSid: message.sid,
      accountSid: message.accountSid,
      from: message.from,
      to: message.to,
      messageStatus: status.toUpperCase(),
      eventName: type,
      ...(options.errorCode === undefined ? {} : { errorCode: options.errorCode })
    }
    const cloudEvent = {
      specversion: "1.0",
      type,
      source: messageUri(message.accountSid, message.sid),
      id: `EZ${id.replaceAll("-", "")}`,
      dataschema: "https://events-schemas.twilio.com/Messaging.MessageStatus/5",
      datacontenttype: "application/json",
      time: new Date().toISOString(),
      data
    }
    return {
      id,
      type,
      contentType: "application/json",
      body: JSON.stringify([cloudEvent]),
      headers: deliveryHeaders(id, options.credentials),
      ...(options.url === undefined ? {} : { url: options.url })
    }
  }
}
