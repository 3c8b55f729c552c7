/**
 * The admin API's wire schemas: what each endpoint takes and answers, in
 * JSON. They mirror the public models of core, durable, webhooks and ops
 * without importing their stores, so `AdminApi` (and a CLI built on it with
 * `HttpApiClient`) loads without a database or a server. Secrets never
 * appear in a response: an outbound endpoint answers how many signing
 * secrets it has, not which.
 *
 * @internal
 */
import { Overrides, Policy } from "@wedsync/core"
import { Duration, Option, Schema } from "effect"

const NonEmpty = Schema.String.check(Schema.isMinLength(1))
const Millis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** Why an operator acts: kept in the audit trail with the token's name. @internal */
export const Reason = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(500))

/** A page size: 1 to 500. @internal */
export const Limit = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 500 }))

/** A duration such as `"7 days"` or `"36 hours"`, checked when decoded. @internal */
export const DurationText = Schema.String.check(
  Schema.makeFilter((text: string) =>
    Option.isSome(Duration.fromInput(text as Duration.Input)) ? undefined : `not a duration such as "7 days"`
  )
)

// --- probes --------------------------------------------------------------

/** One store the ready probe reached, or failed to. @internal */
export const Check = Schema.Struct({
  name: Schema.String,
  ok: Schema.Boolean,
  message: Schema.optional(Schema.String)
})

/** @internal */
export const Readiness = Schema.Struct({
  status: Schema.Literals(["ready", "not_ready"]),
  checks: Schema.Array(Check)
})

// --- providers -----------------------------------------------------------

/** One provider as this instance's resilience engine sees it. @internal */
export const ProviderHealth = Schema.Struct({
  service: Schema.String,
  provider: Schema.String,
  status: Schema.Literals(["healthy", "degraded", "down"]),
  breaker: Schema.Literals(["closed", "open", "half_open"]),
  calls: Schema.Number,
  successRate: Schema.Number,
  latency: Schema.Struct({ p50: Schema.Number, p95: Schema.Number, p99: Schema.Number }),
  lastSuccessAt: Schema.optional(Schema.Number),
  lastFailureAt: Schema.optional(Schema.Number),
  lastFailureReason: Schema.optional(Schema.String)
})

/** One provider's circuit as one instance last recorded it in the incident log. @internal */
export const ProviderView = Schema.Struct({
  service: Schema.String,
  provider: Schema.String,
  circuit: Schema.Literals(["closed", "open", "half_open"]),
  since: Schema.Number,
  instance: Schema.String,
  lastReason: Schema.optional(Schema.String),
  failuresLastHour: Schema.Number
})

/** Both views, labelled: this instance's engine, and every instance through the incident log. @internal */
export const Providers = Schema.Struct({
  thisInstance: Schema.Array(ProviderHealth),
  acrossInstances: Schema.Array(ProviderView)
})

/** One incident of the log. @internal */
export const Incident = Schema.Struct({
  id: Schema.String,
  at: Schema.Number,
  kind: Schema.Literals([
    "integration_error",
    "breaker_transition",
    "health_change",
    "fallback_used",
    "override",
    "alert"
  ]),
  service: Schema.String,
  provider: Schema.optional(Schema.String),
  operation: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  family: Schema.optional(Schema.String),
  summary: Schema.String,
  detail: Schema.Record(Schema.String, Schema.Unknown),
  weddingId: Schema.optional(Schema.String),
  correlationId: Schema.optional(Schema.String),
  instance: Schema.String
})

// --- dead letters --------------------------------------------------------

/** Which dead letters: every field narrows; `from`/`to` bound `deadAt` (epoch ms). @internal */
export const DeadLetterFilter = Schema.Struct({
  service: Schema.optional(Policy.ServiceType),
  provider: Schema.optional(NonEmpty),
  reason: Schema.optional(NonEmpty),
  weddingId: Schema.optional(NonEmpty),
  status: Schema.optional(Schema.Literals(["dead", "replayed", "stale"])),
  from: Schema.optional(Millis),
  to: Schema.optional(Millis)
})

/** One failed attempt in a letter's chain. @internal */
export const FailureRecord = Schema.Struct({
  at: Schema.Number,
  provider: Schema.optional(Schema.String),
  reason: Schema.String,
  message: Schema.String,
  status: Schema.optional(Schema.Number),
  providerCode: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String),
  delivery: Schema.optional(Schema.String)
})

/** A dead letter (its payload already redacted by the store). @internal */
export const DeadLetter = Schema.Struct({
  id: Schema.String,
  service: Schema.String,
  operation: Schema.String,
  provider: Schema.optional(Schema.String),
  providersTried: Schema.Array(Schema.String),
  reason: Schema.String,
  errors: Schema.Array(FailureRecord),
  attempts: Schema.Number,
  payload: Schema.Unknown,
  wedding: Schema.optional(
    Schema.Struct({
      weddingId: Schema.String,
      weddingDate: Schema.String,
      vendorType: Schema.String,
      criticality: Schema.String
    })
  ),
  correlationId: Schema.String,
  firstFailureAt: Schema.Number,
  lastFailureAt: Schema.Number,
  deadAt: Schema.Number,
  relevantUntil: Schema.optional(Schema.Number),
  status: Schema.Literals(["dead", "replayed", "stale"]),
  replays: Schema.Number
})

/** A page of letters, newest first; `nextCursor` absent on the last page. @internal */
export const DeadLetterPage = Schema.Struct({
  items: Schema.Array(DeadLetter),
  nextCursor: Schema.optional(Schema.String)
})

/** What one replay did. @internal */
export const ReplayOutcome = Schema.Struct({
  id: Schema.String,
  outcome: Schema.Literals(["Replayed", "Stale"])
})

/** Bulk replay: `matched` letters found (at most `limit`); with `dryRun` nothing is replayed. @internal */
export const BulkReplayResult = Schema.Struct({
  dryRun: Schema.Boolean,
  matched: Schema.Number,
  replayed: Schema.Number,
  stale: Schema.Number
})

/** How many letters a purge deleted. @internal */
export const PurgeResult = Schema.Struct({ purged: Schema.Number })

// --- quarantine ----------------------------------------------------------

/** A refused webhook delivery kept for review (secret headers already redacted). @internal */
export const QuarantineEntry = Schema.Struct({
  id: Schema.String,
  provider: Schema.String,
  reason: Schema.Literals(["SignatureInvalid", "PayloadInvalid", "TooLarge", "NotUtf8", "Unreadable"]),
  description: Schema.String,
  method: Schema.String,
  url: Schema.String,
  headers: Schema.Record(Schema.String, Schema.String),
  body: Schema.String,
  bodyEncoding: Schema.Literals(["utf8", "base64"]),
  declaredBytes: Schema.optional(Schema.Number),
  remoteAddress: Schema.optional(Schema.String),
  receivedAt: Schema.Number,
  status: Schema.Literals(["held", "reinjected"])
})

/** How a re-injected delivery is trusted: verified again, or vouched for by the operator. @internal */
export const Trust = Schema.Union([
  Schema.TaggedStruct("Verify", {}),
  Schema.TaggedStruct("OperatorTrusted", { eventId: NonEmpty, type: NonEmpty })
])

/** What a re-injection wrote. @internal */
export const Reinjected = Schema.Struct({
  id: Schema.String,
  eventId: Schema.String,
  jobId: Schema.String,
  trusted: Schema.Boolean
})

// --- overrides -----------------------------------------------------------

/** An override in force (core's `Overrides.Override`). @internal */
export const Override = Overrides.Override

/** What to override (core's `Overrides.Input`, tagged by kind). @internal */
export const OverrideInput = Overrides.Input

// --- outbound endpoints --------------------------------------------------

/** An outbound webhook endpoint, without its secrets. @internal */
export const OutboundEndpoint = Schema.Struct({
  id: Schema.String,
  url: Schema.String,
  secretCount: Schema.Number,
  eventTypes: Schema.Array(Schema.String),
  enabled: Schema.Boolean,
  disabledReason: Schema.optional(Schema.String),
  disabledAt: Schema.optional(Schema.Number),
  failingSince: Schema.optional(Schema.Number),
  ratePerSecond: Schema.optional(Schema.Number),
  createdAt: Schema.Number
})

// --- workflows -----------------------------------------------------------

/** One observation on a booking's timeline. @internal */
export const TimelineEntry = Schema.Struct({
  id: Schema.String,
  key: Schema.String,
  kind: Schema.String,
  provider: Schema.optional(Schema.String),
  outcome: Schema.optional(Schema.String),
  at: Schema.Number,
  recordedAt: Schema.Number,
  eventId: Schema.optional(Schema.String),
  step: Schema.optional(Schema.String),
  details: Schema.optional(Schema.Record(Schema.String, Schema.Unknown))
})

/** Where one declared step stands. @internal */
export const StepStatus = Schema.Struct({
  index: Schema.Number,
  name: Schema.String,
  match: Schema.Unknown,
  withinMillis: Schema.optional(Schema.Number),
  from: Schema.Literals(["previous", "start"]),
  dueAt: Schema.optional(Schema.Number),
  arrivedAt: Schema.optional(Schema.Number)
})

/** A booking workflow: its declared steps and what was observed. @internal */
export const Workflow = Schema.Struct({
  key: Schema.String,
  steps: Schema.Array(StepStatus),
  timeline: Schema.Array(TimelineEntry)
})

// --- impact and audit ----------------------------------------------------

/** One wedding an outage reaches. @internal */
export const Affected = Schema.Struct({
  weddingId: Schema.String,
  weddingDate: Schema.String,
  couple: Schema.optional(Schema.String),
  daysAway: Schema.Number,
  criticality: Schema.String,
  queued: Schema.Number,
  deadLettered: Schema.Number,
  workflows: Schema.Array(Schema.String),
  score: Schema.Number,
  why: Schema.String
})

/** The weddings a service's (or provider's) outage reaches, most urgent first. @internal */
export const Assessment = Schema.Struct({
  service: Schema.String,
  provider: Schema.optional(Schema.String),
  at: Schema.Number,
  weddingsToday: Schema.Number,
  affected: Schema.Array(Affected)
})

/** One audit entry. @internal */
export const AuditEntry = Schema.Struct({
  id: Schema.String,
  at: Schema.Number,
  actor: Schema.String,
  action: Schema.String,
  target: Schema.String,
  reason: Schema.String,
  details: Schema.optional(Schema.Unknown)
})

/** A page of audit entries, newest first. @internal */
export const AuditPage = Schema.Struct({
  items: Schema.Array(AuditEntry),
  nextCursor: Schema.optional(Schema.String)
})
