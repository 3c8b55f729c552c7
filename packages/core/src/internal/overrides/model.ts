/**
 * The override model: what an operator can override (the four targets), the
 * stored `Override` (a target plus who, why, when and until when), the errors,
 * and the shape of the service. `Overrides.ts` re-exports these with their
 * public documentation; the stores and the engine glue import them from here
 * so that no internal module imports the public one.
 *
 * @internal
 */
import type { Effect } from "effect"
import { Schema } from "effect"
import type { Operator } from "../../Audit.ts"
import * as Policy from "../../Policy.ts"
import type { StoreError } from "../../StoreError.ts"
import { EpochMillis, NonEmptyString } from "../../Fields.ts"
import { describeIssues, FieldIssue } from "../schemaIssues.ts"

const forceCircuit = {
  service: Policy.ServiceType,
  provider: NonEmptyString,
  state: Schema.Literals(["open", "closed"])
}
const pinProvider = { service: Policy.ServiceType, provider: NonEmptyString }
const disableIntegration = { service: Policy.ServiceType, provider: Schema.optional(NonEmptyString) }
const pauseEndpoint = { endpointId: NonEmptyString }

const expiry = { expiresAt: Schema.optional(EpochMillis) }
const meta = {
  id: NonEmptyString,
  reason: NonEmptyString,
  actor: NonEmptyString,
  createdAt: EpochMillis,
  ...expiry
}

/** @internal */
export const ForceCircuit = Schema.TaggedStruct("ForceCircuit", { ...forceCircuit, ...meta })
/** @internal */
export const PinProvider = Schema.TaggedStruct("PinProvider", { ...pinProvider, ...meta })
/** @internal */
export const DisableIntegration = Schema.TaggedStruct("DisableIntegration", { ...disableIntegration, ...meta })
/** @internal */
export const PauseEndpoint = Schema.TaggedStruct("PauseEndpoint", { ...pauseEndpoint, ...meta })

/** @internal */
export const Override = Schema.Union([ForceCircuit, PinProvider, DisableIntegration, PauseEndpoint])
/** @internal */
export type Override = typeof Override.Type

/** @internal */
export const Input = Schema.Union([
  Schema.TaggedStruct("ForceCircuit", { ...forceCircuit, ...expiry }),
  Schema.TaggedStruct("PinProvider", { ...pinProvider, ...expiry }),
  Schema.TaggedStruct("DisableIntegration", { ...disableIntegration, ...expiry }),
  Schema.TaggedStruct("PauseEndpoint", { ...pauseEndpoint, ...expiry })
])
/** @internal */
export type Input = typeof Input.Type

/** @internal */
export class OverrideInvalid extends Schema.TaggedError<OverrideInvalid>("@wedsync/core/Overrides/OverrideInvalid")(
  "OverrideInvalid",
  { issues: Schema.Array(FieldIssue) }
) {
  override get message(): string {
    return describeIssues(this.issues)
  }
}

/** @internal */
export class OverrideNotFound extends Schema.TaggedError<OverrideNotFound>("@wedsync/core/Overrides/OverrideNotFound")(
  "OverrideNotFound",
  { id: Schema.String }
) {
  override get message(): string {
    return `no active override ${this.id}`
  }
}

/** @internal */
export class EndpointPaused extends Schema.TaggedError<EndpointPaused>("@wedsync/core/Overrides/EndpointPaused")(
  "EndpointPaused",
  {
    endpointId: Schema.String,
    overrideId: Schema.String,
    actor: Schema.String,
    reason: Schema.String,
    expiresAt: Schema.optional(EpochMillis)
  }
) {
  override get message(): string {
    const until = this.expiresAt === undefined ? "" : ` until ${new Date(this.expiresAt).toISOString()}`
    return `endpoint ${this.endpointId} paused by ${this.actor}${until}: ${this.reason}`
  }
}

/** @internal */
export interface Service {
  readonly set: (input: Input, operator: Operator) => Effect.Effect<Override, StoreError | OverrideInvalid>
  readonly clear: (
    id: string,
    operator: Operator
  ) => Effect.Effect<Override, StoreError | OverrideNotFound | OverrideInvalid>
  readonly list: () => Effect.Effect<ReadonlyArray<Override>, StoreError>
  readonly current: () => Snapshot
  readonly isPaused: (endpointId: string) => boolean
  readonly checkEndpoint: (endpointId: string) => Effect.Effect<void, EndpointPaused>
  readonly refresh: () => Effect.Effect<void, StoreError>
}

/**
 * What an override applies to, as a key: one active override per key, so a
 * new one replaces the old (`circuit:email:resend`, `pin:email`,
 * `disable:email`, `disable:email:resend`, `endpoint:ep_1`). It is also the
 * audit entry's `target`.
 *
 * @internal
 */
export const targetOf = (override: Input | Override): string => {
  switch (override._tag) {
    case "ForceCircuit":
      return `circuit:${override.service}:${override.provider}`
    case "PinProvider":
      return `pin:${override.service}`
    case "DisableIntegration":
      return override.provider === undefined
        ? `disable:${override.service}`
        : `disable:${override.service}:${override.provider}`
    case "PauseEndpoint":
      return `endpoint:${override.endpointId}`
  }
}

/** @internal */
export type PauseEndpoint = Extract<Override, { readonly _tag: "PauseEndpoint" }>

/** Why a provider is disabled, ready for the error a refused call fails with. @internal */
export interface Disabled {
  readonly id: string
  readonly description: string
}

/** @internal */
export interface Snapshot {
  /** The overrides in force, oldest first. */
  readonly overrides: ReadonlyArray<Override>
  /** `service:provider` → the forced circuit state. */
  readonly forced: ReadonlyMap<string, "open" | "closed">
  /** service → the pinned provider. */
  readonly pinned: ReadonlyMap<string, string>
  /** `service:provider`, or `service` for the whole service → why it is disabled. */
  readonly disabled: ReadonlyMap<string, Disabled>
  /** endpoint id → the pause. */
  readonly paused: ReadonlyMap<string, PauseEndpoint>
  /** The earliest `expiresAt` among the overrides in force: when to build again. */
  readonly nextExpiry: number | undefined
  /** Ids and expiries of the overrides in force: equal fingerprints, same snapshot. */
  readonly fingerprint: string
}
