/**
 * What the commands ask of a backend, in the admin API's wire shapes: the
 * API client (`apiBackend.ts`) answers all of it; the in-process stores
 * (`storeBackend.ts`) answer what they can and refuse the rest with a usage
 * error naming `--url`. Commands see only this interface, so each command is
 * written once for both.
 *
 * @internal
 */
import type { Overrides, Policy } from "@wedsync/core"
import type { Effect } from "effect"
import type * as AdminApi from "../../AdminApi.ts"
import type { CliFailure } from "./failure.ts"

/** A dead letter as the API answers it. @internal */
export type DeadLetter = typeof AdminApi.DeadLetter.Type

/** The dead-letter filter of the API. @internal */
export type DeadLetterFilter = typeof AdminApi.DeadLetterFilter.Type

/** A quarantined delivery. @internal */
export type QuarantineEntry = typeof AdminApi.QuarantineEntry.Type

/** Provider health, this instance and across instances. @internal */
export interface Providers {
  readonly thisInstance: ReadonlyArray<typeof AdminApi.ProviderHealth.Type>
  readonly acrossInstances: ReadonlyArray<typeof AdminApi.ProviderView.Type>
}

/** Filters of the quarantine listing. @internal */
export interface QuarantineQuery {
  readonly provider?: string | undefined
  readonly status?: QuarantineEntry["status"] | undefined
  readonly limit?: number | undefined
}

/** How a re-injected delivery is trusted. @internal */
export type Trust =
  | { readonly _tag: "Verify" }
  | { readonly _tag: "OperatorTrusted"; readonly eventId: string; readonly type: string }

/** What a re-injection wrote. @internal */
export interface Reinjected {
  readonly id: string
  readonly eventId: string
  readonly jobId: string
  readonly trusted: boolean
}

type Op<A> = Effect.Effect<A, CliFailure>

/** Every operation a command may need. @internal */
export interface Backend {
  /** `"api"` or `"store"`, for messages. */
  readonly kind: "api" | "store"
  readonly live: Op<{ readonly status: "ok" }>
  readonly ready: Op<typeof AdminApi.Readiness.Type>
  readonly providers: Op<Providers>
  readonly overrides: {
    readonly list: Op<ReadonlyArray<Overrides.Override>>
    readonly set: (input: Overrides.Input, reason: string) => Op<Overrides.Override>
    readonly clear: (id: string, reason: string) => Op<Overrides.Override>
  }
  readonly deadLetters: {
    readonly list: (
      filter: DeadLetterFilter,
      page: { readonly limit?: number | undefined; readonly cursor?: string | undefined }
    ) => Op<{ readonly items: ReadonlyArray<DeadLetter>; readonly nextCursor?: string | undefined }>
    readonly get: (id: string) => Op<DeadLetter>
    readonly replay: (id: string, reason: string) => Op<{ readonly id: string; readonly outcome: "Replayed" | "Stale" }>
    /** Deletes the letters matching `filter` that died longer than `olderThan` ago. */
    readonly purge: (olderThan: string, filter: DeadLetterFilter, reason: string) => Op<{ readonly purged: number }>
  }
  readonly quarantine: {
    readonly list: (query: QuarantineQuery) => Op<ReadonlyArray<QuarantineEntry>>
    readonly get: (id: string) => Op<QuarantineEntry>
    readonly reinject: (id: string, trust: Trust, reason: string) => Op<Reinjected>
  }
  readonly impact: (service: Policy.ServiceType, provider: string | undefined) => Op<typeof AdminApi.Assessment.Type>
  readonly workflow: (key: string) => Op<typeof AdminApi.Workflow.Type>
}
