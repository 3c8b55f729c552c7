/**
 * What the Postmark simulator remembers between requests: sent messages (for
 * `GET /messages/outbound/:id/details`), the suppression list, the server's
 * message streams, sender domains that are not signatures, registered
 * webhooks and the account's sending state.
 *
 * Tests change it directly to model an account (`sim.state.accountPending = true`,
 * `sim.state.inactive.add("ana@example.com")`); `sim.reset()` restores the defaults.
 *
 * @since 0.1.0
 */

/** A name/value pair, Postmark's shape for message headers and webhook `HttpHeaders`. @since 0.1.0 */
export interface Header {
  readonly Name: string
  readonly Value: string
}

/** A webhook registered with `POST /webhooks`, as Postmark answers it. @since 0.1.0 */
export interface RegisteredWebhook {
  readonly ID: number
  readonly Url: string
  readonly MessageStream: string
  readonly HttpAuth?: { readonly Username: string; readonly Password: string }
  readonly HttpHeaders: ReadonlyArray<Header>
  readonly Triggers: Readonly<Record<Trigger, { readonly Enabled: boolean }>>
}

/** The record types a webhook can subscribe to. @since 0.1.0 */
export const triggers = ["Open", "Click", "Delivery", "Bounce", "SpamComplaint", "SubscriptionChange"] as const

/** @since 0.1.0 */
export type Trigger = (typeof triggers)[number]

/** One entry of a message's `MessageEvents` in its details. @since 0.1.0 */
export interface MessageEvent {
  readonly Recipient: string
  readonly Type: "Delivered" | "Bounced" | "SpamComplaint"
  readonly ReceivedAt: string
  readonly Details: Readonly<Record<string, string | number>>
}

/**
 * A sent message as `GET /messages/outbound/:id/details` returns it; the search
 * (`GET /messages/outbound`) lists it without `TextBody`, `HtmlBody`, `Body` and `MessageEvents`.
 *
 * @since 0.1.0
 */
export interface StoredMessage {
  readonly MessageID: string
  readonly MessageStream: string
  readonly From: string
  readonly To: ReadonlyArray<{ readonly Email: string; readonly Name: string }>
  readonly Cc: ReadonlyArray<{ readonly Email: string; readonly Name: string }>
  readonly Bcc: ReadonlyArray<{ readonly Email: string; readonly Name: string }>
  readonly Recipients: ReadonlyArray<string>
  readonly Subject: string
  readonly TextBody?: string
  readonly HtmlBody?: string
  readonly Body: string
  readonly Tag?: string
  readonly Metadata: Readonly<Record<string, string>>
  readonly ReceivedAt: string
  /** `Sent` once accepted; a test may store one as `Queued` (Postmark's "In Queue") to model a backlog. */
  readonly Status: "Sent" | "Queued"
  readonly Attachments: ReadonlyArray<string>
  readonly TrackOpens: boolean
  readonly TrackLinks: string
  readonly Sandboxed: boolean
  readonly MessageEvents: Array<MessageEvent>
}

/**
 * The simulated Postmark server.
 *
 * @since 0.1.0
 */
export interface State {
  readonly messages: Map<string, StoredMessage>
  /** Lower-case addresses on the suppression list (hard bounces, complaints, manual). */
  readonly inactive: Set<string>
  /** The server's message stream ids; sending to another answers ErrorCode 1235. */
  readonly streams: Set<string>
  /** Domains with no Sender Signature; a From address there answers ErrorCode 400. */
  readonly unsignedDomains: Set<string>
  readonly webhooks: Array<RegisteredWebhook>
  /** A new account: recipients must share the From domain (ErrorCode 412). */
  accountPending: boolean
  /** The account ran out of credits: every send answers ErrorCode 405. */
  outOfCredits: boolean
  /** The `ServerID` webhooks carry. */
  readonly serverId: number
  nextWebhookId: number
  nextBounceId: number
}

/**
 * A fresh server: streams `outbound` and `broadcast`, `unverified.example`
 * without a Sender Signature, an empty suppression list.
 *
 * @since 0.1.0
 */
export const initial = (): State => ({
  messages: new Map(),
  inactive: new Set(),
  streams: new Set(["outbound", "broadcast"]),
  unsignedDomains: new Set(["unverified.example"]),
  webhooks: [],
  accountPending: false,
  outOfCredits: false,
  serverId: 23,
  nextWebhookId: 1,
  nextBounceId: 4323372036
})
