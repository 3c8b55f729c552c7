/**
 * Builders of the webhooks Vonage sends: Messages API status webhooks (JSON,
 * signed with a Bearer JWT when delivered) and SMS API delivery receipts
 * (JSON, with the legacy `sig` parameter in the body).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { md5Signature, type VonageWebhookEvent } from "./signature.ts"

/** The account fields a webhook names. @since 0.1.0 */
export interface Account {
  readonly apiKey: string
  readonly applicationId: string
  readonly signatureSecret: string
}

/** A Messages API message status. @since 0.1.0 */
export type MessageStatus = "submitted" | "delivered" | "rejected" | "undeliverable" | "read"

/** An SMS API delivery receipt status. @since 0.1.0 */
export type ReceiptStatus = "accepted" | "delivered" | "buffered" | "expired" | "failed" | "rejected" | "unknown"

/** The message a status webhook is about. @since 0.1.0 */
export interface MessageSubject {
  readonly messageUuid: string
  readonly to: string
  readonly from: string
  readonly clientRef?: string
}

/** The SMS part a delivery receipt is about. @since 0.1.0 */
export interface ReceiptSubject {
  readonly messageId: string
  /** The recipient (`msisdn` in the receipt). */
  readonly to: string
  /** The sender (`to` in the receipt: the number the receipt is "to"). */
  readonly from: string
  readonly clientRef?: string
  readonly price?: string
  readonly networkCode?: string
}

/** Options of the event builders. @since 0.1.0 */
export interface EventOptions {
  /** Where Vonage sends it; else the simulator's webhook URL. */
  readonly url?: string
  /** Unix seconds of the event; defaults to now. */
  readonly timestamp?: number
  /** An error code for failed statuses (Messages API: 1000-series; SMS receipts: `err-code`). */
  readonly errorCode?: number
}

const stableId = (seed: string) => {
  const hex = createHash("sha256").update(seed).digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

const pad = (n: number) => String(n).padStart(2, "0")

/** `2020-01-01 12:00:00 +0000`, as receipts write `message-timestamp`. */
const receiptTime = (date: Date) =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`

/** `YYMMDDHHMM`, the service-centre timestamp of a receipt. */
const scts = (date: Date) =>
  `${String(date.getUTCFullYear()).slice(2)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
  `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}`

/**
 * Builders of Vonage's webhook events.
 *
 * @example
 * ```ts
 * const event = Vonage.events.messageStatus({ messageUuid, to: "447700900000", from: "447700900001" }, "delivered", sim.credentials)
 * await sim.deliver(sim.buildWebhook(event))
 * ```
 * @since 0.1.0
 */
export const events = {
  /** A Messages API status webhook; delivered with `Authorization: Bearer <HS256 JWT>`. */
  messageStatus: (
    message: MessageSubject,
    status: MessageStatus,
    account: Account,
    options: EventOptions = {}
  ): VonageWebhookEvent => {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
    const failed = status === "rejected" || status === "undeliverable"
    const body = {
      message_uuid: message.messageUuid,
      to: message.to,
      from: message.from,
      timestamp: new Date(timestamp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      status,
      channel: "sms",
      ...(message.clientRef === undefined ? {} : { client_ref: message.clientRef }),
      ...(status === "submitted" ? {} : { usage: { currency: "EUR", price: "0.0333" }, sms: { count_total: "1" } }),
      destination: { network_code: "23410" },
      ...(failed
        ? {
            error: {
              type: `https://developer.vonage.com/api-errors/messages#${options.errorCode ?? 1040}`,
              title: options.errorCode ?? 1040,
              detail: "The Platform was unable to process your request.",
              instance: stableId(`${message.messageUuid}:error`)
            }
          }
        : {})
    }
    return {
      id: stableId(`${message.messageUuid}:${status}`),
      type: `message.${status}`,
      contentType: "application/json",
      body: JSON.stringify(body),
      headers: { "user-agent": "Vonage-Messages-Webhook" },
      claims: { api_key: account.apiKey, application_id: account.applicationId },
      ...(options.url === undefined ? {} : { url: options.url })
    }
  },
  /**
   * An SMS API delivery receipt, POST-JSON, with `timestamp`, `nonce` and the
   * md5hash `sig` over its parameters (signed when built: tampering with the
   * body breaks it; the signer's wrongSecret and missingHeader do not apply).
   */
  smsDeliveryReceipt: (
    receipt: ReceiptSubject,
    status: ReceiptStatus,
    account: Account,
    options: EventOptions = {}
  ): VonageWebhookEvent => {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
    const date = new Date(timestamp * 1000)
    const params: Record<string, string> = {
      msisdn: receipt.to,
      to: receipt.from,
      "network-code": receipt.networkCode ?? "23410",
      messageId: receipt.messageId,
      price: receipt.price ?? "0.03330000",
      status,
      scts: scts(date),
      "err-code": String(options.errorCode ?? (status === "delivered" || status === "accepted" ? 0 : 1)),
      "api-key": account.apiKey,
      "message-timestamp": receiptTime(date),
      timestamp: String(timestamp),
      nonce: stableId(`${receipt.messageId}:${status}:${timestamp}`),
      ...(receipt.clientRef === undefined ? {} : { "client-ref": receipt.clientRef })
    }
    params.sig = md5Signature(params, account.signatureSecret)
    return {
      id: stableId(`${receipt.messageId}:${status}`),
      type: `sms.dlr.${status}`,
      contentType: "application/json",
      body: JSON.stringify(params),
      ...(options.url === undefined ? {} : { url: options.url })
    }
  }
}
