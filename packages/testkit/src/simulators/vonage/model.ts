/**
 * The Vonage simulator's credentials and state, shared by the SMS API and
 * Messages API handlers; `simulators/vonage` re-exports them.
 *
 * @internal
 */

/** Credentials the simulator accepts and signs with. @since 0.1.0 */
export interface Credentials {
  /** The account's API key (8 hex digits). */
  readonly apiKey: string
  readonly apiSecret: string
  /** The Messages application a JWT must name. */
  readonly applicationId: string
  /** PEM public key of the application; when set, Bearer JWTs must be signed by its private key. */
  readonly applicationPublicKey?: string
  /** The signature secret webhooks are signed with. */
  readonly signatureSecret: string
  /** A demo account: the only numbers it may send SMS to (status 29 for others). */
  readonly demoWhitelist?: ReadonlyArray<string>
}

/** A message the simulator took. @since 0.1.0 */
export interface StoredMessage {
  readonly id: string
  readonly api: "sms" | "messages"
  readonly to: string
  readonly from: string
  readonly text: string
  readonly clientRef: string | undefined
  /** Every part's id (SMS API); the message UUID (Messages API). */
  readonly parts: ReadonlyArray<string>
}

/** The simulator's state. @since 0.1.0 */
export interface State {
  readonly messages: Map<string, StoredMessage>
  /** Remaining balance in EUR; a send that cannot be paid for is refused. */
  balance: number
}
