/**
 * The incident log's data types, apart from the service so that its stores
 * can name them; `IncidentLog` re-exports them.
 *
 * @since 0.1.0
 */

/** What happened. @example `const kind: IncidentLog.Kind = "fallback_used"` @since 0.1.0 */
export type Kind = "integration_error" | "breaker_transition" | "health_change" | "fallback_used" | "override" | "alert"

/**
 * One kept incident.
 *
 * @example
 * ```ts
 * const line = (incident: IncidentLog.Incident) => `${new Date(incident.at).toISOString()} ${incident.summary}`
 * ```
 * @since 0.1.0
 */
export interface Incident {
  /** Sorts by time; a `before` cursor. */
  readonly id: string
  /** Epoch milliseconds. */
  readonly at: number
  readonly kind: Kind
  readonly service: string
  readonly provider?: string | undefined
  readonly operation?: string | undefined
  /** The `IntegrationError` reason's `_tag`. */
  readonly reason?: string | undefined
  readonly family?: string | undefined
  readonly summary: string
  /** Redacted: never a secret. */
  readonly detail: Readonly<Record<string, unknown>>
  readonly weddingId?: string | undefined
  readonly correlationId?: string | undefined
  /** The instance that recorded it. */
  readonly instance: string
}

/**
 * An incident to record; `id` and `instance` are filled in, `at` is now when omitted.
 *
 * @example
 * ```ts
 * const override: IncidentLog.NewIncident = { kind: "override", service: "sms", provider: "twilio", summary: "Twilio disabled by ana", detail: { actor: "ana" } }
 * ```
 * @since 0.1.0
 */
export type NewIncident = Omit<Incident, "id" | "at" | "instance"> & { readonly at?: number | undefined }

/**
 * Which incidents to list, newest first. `since`/`until` bound `at`
 * (inclusive); `before` is the id of the last incident of the previous page.
 *
 * @example
 * ```ts
 * const next: IncidentLog.Filter = { service: "email", limit: 50, before: page[page.length - 1]!.id }
 * ```
 * @since 0.1.0
 */
export interface Filter {
  readonly kind?: Kind | undefined
  readonly service?: string
  readonly provider?: string
  readonly weddingId?: string
  readonly since?: number
  readonly until?: number
  /** Default 100, max 1000. */
  readonly limit?: number
  /** Cursor: an incident id; only incidents older than it are listed. */
  readonly before?: string
}

/**
 * One provider as one instance last recorded it: the circuit per its latest
 * breaker transition (`closed` when it recorded none), since when, the latest
 * error's reason and the errors of the last hour.
 *
 * @example
 * ```ts
 * const open = (views: ReadonlyArray<IncidentLog.ProviderView>) => views.filter((view) => view.circuit === "open")
 * ```
 * @since 0.1.0
 */
export interface ProviderView {
  readonly service: string
  readonly provider: string
  readonly circuit: "closed" | "open" | "half_open"
  readonly since: number
  readonly instance: string
  readonly lastReason?: string | undefined
  readonly failuresLastHour: number
}
