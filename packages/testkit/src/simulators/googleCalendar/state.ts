/**
 * What the Google Calendar simulator remembers between requests: events per
 * calendar (deleted ones too, as Google keeps them), the change counter that
 * incremental sync reads, issued sync and page tokens, and open push channels.
 *
 * @since 0.1.0
 */
import type { EventResource } from "./model.ts"

/** An event the simulator holds, deleted ones included (Google keeps them as `cancelled`). @since 0.1.0 */
export interface StoredEvent {
  resource: EventResource
  readonly calendarId: string
  /** Insertion order, the default listing order. */
  readonly order: number
  /** The change counter when it last changed; incremental syncs list what changed after a token's counter. */
  changeSeq: number
  deleted: boolean
}

/** A push channel opened by `events.watch`. @since 0.1.0 */
export interface Channel {
  readonly id: string
  readonly resourceId: string
  readonly resourceUri: string
  readonly calendarId: string
  readonly address: string
  readonly token?: string
  /** Epoch milliseconds. */
  readonly expiration: number
  messageNumber: number
}

/** What a sync token remembers. @since 0.1.0 */
export interface SyncTokenRecord {
  readonly calendarId: string
  readonly seq: number
  readonly epoch: number
}

/** What a page token remembers: the listing's ids and where the next page starts. @since 0.1.0 */
export interface PageTokenRecord {
  readonly calendarId: string
  readonly ids: ReadonlyArray<string>
  readonly offset: number
  readonly pageSize: number
  /** The change counter when the listing began; the last page's sync token carries it. */
  readonly syncSeq: number
  readonly epoch: number
  readonly incremental: boolean
  readonly showDeleted: boolean
}

/**
 * The simulator's state. Calendars are keyed by their resolved id (`primary`
 * resolves to the account's email).
 *
 * @since 0.1.0
 */
export interface State {
  readonly calendars: Map<string, Map<string, StoredEvent>>
  /** The change counter, bumped by every insert, patch and delete. */
  seq: number
  /** Sync tokens issued in an earlier epoch are stale (410 fullSyncRequired). */
  epoch: number
  readonly syncTokens: Map<string, SyncTokenRecord>
  readonly pageTokens: Map<string, PageTokenRecord>
  readonly channels: Map<string, Channel>
}

/** A fresh, empty state. @since 0.1.0 */
export const makeState = (): State => ({
  calendars: new Map(),
  seq: 0,
  epoch: 0,
  syncTokens: new Map(),
  pageTokens: new Map(),
  channels: new Map()
})
