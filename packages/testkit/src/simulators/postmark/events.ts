/**
 * Postmark's webhook payloads and its (lack of a) signature.
 *
 * Postmark signs nothing. A webhook is protected by HTTP Basic credentials
 * (set as `HttpAuth` or embedded in the URL as `https://user:pass@host/path`,
 * which Postmark turns into an `Authorization: Basic` header) and optional
 * custom `HttpHeaders`; receivers also allowlist Postmark's IPs. So a body
 * changed in transit, or a replay, cannot be detected by the receiver: only
 * the credentials can be checked.
 *
 * @since 0.1.0
 */
import type * as Webhooks from "../../Webhooks.ts"

/** Basic-auth credentials a simulated delivery sends when tampered with `wrongSecret`. @since 0.1.0 */
export const WRONG_CREDENTIALS = "postmark:not-the-webhook-password"

/** Where a webhook goes and the custom headers it carries (a registered webhook's `HttpHeaders`). @since 0.1.0 */
export interface Destination {
  readonly url?: string
  readonly headers?: Readonly<Record<string, string>>
}

/** Fields every outbound webhook record shares. @since 0.1.0 */
export interface RecordBase {
  readonly MessageID: string
  readonly MessageStream?: string
  readonly Tag?: string
  readonly Metadata?: Readonly<Record<string, string>>
  readonly ServerID?: number
}

const now = () => new Date().toISOString()

const event = (id: string, type: string, payload: Record<string, unknown>, to: Destination): Webhooks.WebhookEvent => ({
  id,
  type,
  contentType: "application/json",
  body: JSON.stringify(payload),
  ...(to.url === undefined ? {} : { url: to.url }),
  ...(to.headers === undefined ? {} : { headers: to.headers })
})

const base = (input: RecordBase) => ({
  MessageID: input.MessageID,
  MessageStream: input.MessageStream ?? "outbound",
  Tag: input.Tag ?? "",
  Metadata: input.Metadata ?? {},
  ServerID: input.ServerID ?? 23
})

const client = {
  Client: { Name: "Chrome 120.0", Company: "Google", Family: "Chrome" },
  OS: { Name: "OS X 10.15 Catalina", Company: "Apple Computer, Inc.", Family: "OS X" },
  Platform: "Desktop",
  UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
  Geo: { CountryISOCode: "GB", Country: "United Kingdom", City: "London", IP: "192.0.2.10" }
}

/**
 * A `Delivery` record: the receiving server accepted the message for one recipient.
 *
 * @example
 * ```ts
 * sim.buildWebhook(Postmark.events.delivery({ MessageID: id, Recipient: "ana@example.com" }))
 * ```
 * @since 0.1.0
 */
export const delivery = (
  input: RecordBase & { readonly Recipient: string; readonly DeliveredAt?: string; readonly Details?: string },
  to: Destination = {}
): Webhooks.WebhookEvent =>
  event(
    `Delivery:${input.MessageID}:${input.Recipient}`,
    "Delivery",
    {
      RecordType: "Delivery",
      ...base(input),
      Recipient: input.Recipient,
      DeliveredAt: input.DeliveredAt ?? now(),
      Details: input.Details ?? "smtp;250 2.0.0 OK"
    },
    to
  )

/** Input of {@link bounce}. @since 0.1.0 */
export interface BounceInput extends RecordBase {
  readonly ID: number
  readonly Email: string
  readonly From?: string
  readonly Subject?: string
  readonly Type?: "HardBounce" | "SoftBounce"
  readonly BouncedAt?: string
}

/**
 * A `Bounce` record. A hard bounce deactivates the address (`Inactive: true`);
 * a soft bounce (`Type: "SoftBounce"`, TypeCode 4096) does not.
 *
 * @example
 * ```ts
 * Postmark.events.bounce({ ID: 42, MessageID: id, Email: "ana@example.com", Type: "HardBounce" })
 * ```
 * @since 0.1.0
 */
export const bounce = (input: BounceInput, to: Destination = {}): Webhooks.WebhookEvent => {
  const hard = (input.Type ?? "HardBounce") === "HardBounce"
  return event(
    `Bounce:${input.ID}`,
    "Bounce",
    {
      RecordType: "Bounce",
      ID: input.ID,
      Type: hard ? "HardBounce" : "SoftBounce",
      TypeCode: hard ? 1 : 4096,
      Name: hard ? "Hard bounce" : "Soft bounce",
      ...base(input),
      Description: hard
        ? "The server was unable to deliver your message (ex: unknown user, mailbox not found)."
        : "Unable to temporarily deliver this message.",
      Details: hard
        ? "smtp;550 5.1.1 The email account that you tried to reach does not exist."
        : "smtp;452 4.2.2 Over quota",
      Email: input.Email,
      From: input.From ?? "sender@wedsync.example",
      BouncedAt: input.BouncedAt ?? now(),
      DumpAvailable: false,
      Inactive: hard,
      CanActivate: true,
      Subject: input.Subject ?? ""
    },
    to
  )
}

/**
 * A `SpamComplaint` record: the recipient marked the message as spam; Postmark
 * deactivates the address.
 *
 * @example
 * ```ts
 * Postmark.events.spamComplaint({ ID: 43, MessageID: id, Email: "ana@example.com" })
 * ```
 * @since 0.1.0
 */
export const spamComplaint = (
  input: RecordBase & {
    readonly ID: number
    readonly Email: string
    readonly From?: string
    readonly Subject?: string
  },
  to: Destination = {}
): Webhooks.WebhookEvent =>
  event(
    `SpamComplaint:${input.ID}`,
    "SpamComplaint",
    {
      RecordType: "SpamComplaint",
      ID: input.ID,
      Type: "SpamComplaint",
      TypeCode: 512,
      Name: "Spam complaint",
      ...base(input),
      Description: "The subscriber explicitly marked this email as spam.",
      Details: "Test spam complaint details",
      Email: input.Email,
      From: input.From ?? "sender@wedsync.example",
      BouncedAt: now(),
      DumpAvailable: false,
      Inactive: true,
      CanActivate: false,
      Subject: input.Subject ?? ""
    },
    to
  )

/**
 * An `Open` record (sent when open tracking is on).
 *
 * @example
 * ```ts
 * Postmark.events.open({ MessageID: id, Recipient: "ana@example.com" })
 * ```
 * @since 0.1.0
 */
export const open = (
  input: RecordBase & { readonly Recipient: string; readonly FirstOpen?: boolean; readonly ReceivedAt?: string },
  to: Destination = {}
): Webhooks.WebhookEvent => {
  const receivedAt = input.ReceivedAt ?? now()
  return event(
    `Open:${input.MessageID}:${input.Recipient}:${receivedAt}`,
    "Open",
    {
      RecordType: "Open",
      ...base(input),
      FirstOpen: input.FirstOpen ?? true,
      ...client,
      ReadSeconds: 5,
      ReceivedAt: receivedAt,
      Recipient: input.Recipient
    },
    to
  )
}

/**
 * A `Click` record (sent when link tracking is on).
 *
 * @example
 * ```ts
 * Postmark.events.click({ MessageID: id, Recipient: "ana@example.com", OriginalLink: "https://wedsync.example/rsvp" })
 * ```
 * @since 0.1.0
 */
export const click = (
  input: RecordBase & { readonly Recipient: string; readonly OriginalLink: string; readonly ReceivedAt?: string },
  to: Destination = {}
): Webhooks.WebhookEvent => {
  const receivedAt = input.ReceivedAt ?? now()
  return event(
    `Click:${input.MessageID}:${input.Recipient}:${receivedAt}`,
    "Click",
    {
      RecordType: "Click",
      ...base(input),
      ClickLocation: "HTML",
      ...client,
      OriginalLink: input.OriginalLink,
      ReceivedAt: receivedAt,
      Recipient: input.Recipient
    },
    to
  )
}

/**
 * Postmark's webhook "signature": HTTP Basic auth. The secret is
 * `username:password`; credentials embedded in a registered URL take its
 * place (and leave the URL, as Postmark sends them as a header). There is no
 * timestamp and nothing covers the body.
 *
 * @since 0.1.0
 */
export const signer: Webhooks.Signer<{ readonly webhookUsername: string; readonly webhookPassword: string }> = {
  secret: (credentials) => `${credentials.webhookUsername}:${credentials.webhookPassword}`,
  wrongSecret: WRONG_CREDENTIALS,
  signatureHeaders: ["authorization"],
  timestamped: false,
  signsBody: false,
  sign: ({ url, secret }) => {
    const target = new URL(url)
    if (target.username === "") return { headers: { authorization: basic(secret) } }
    const embedded = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`
    target.username = ""
    target.password = ""
    return {
      headers: { authorization: basic(secret === WRONG_CREDENTIALS ? secret : embedded) },
      url: target.toString()
    }
  }
}

/** `Basic base64(user:pass)`. @since 0.1.0 */
export const basic = (pair: string): string => `Basic ${Buffer.from(pair, "utf8").toString("base64")}`
