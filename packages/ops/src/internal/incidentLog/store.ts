/**
 * The incident log's store port and its memory store.
 *
 * @internal
 */
import { Effect } from "effect"
import type { StoreError } from "@wedsync/core"
import type { Filter, Incident, ProviderView } from "./types.ts"
import { limitOf, matches, viewsOf } from "./model.ts"

/** What a backend does; the service adds ids, clock, redaction and retention. @internal */
export interface Store {
  readonly insert: (incident: Incident) => Effect.Effect<void, StoreError.StoreError>
  /** Newest first; `floor` hides what is past retention but not yet purged. */
  readonly list: (filter: Filter, floor: number) => Effect.Effect<ReadonlyArray<Incident>, StoreError.StoreError>
  readonly providers: (now: number, floor: number) => Effect.Effect<ReadonlyArray<ProviderView>, StoreError.StoreError>
  /** Deletes incidents with `at` before `olderThan`; how many. */
  readonly purge: (olderThan: number) => Effect.Effect<number, StoreError.StoreError>
}

/** Incidents in this process's memory. @internal */
export const memoryStore = (): Store => {
  let incidents: Array<Incident> = []
  return {
    insert: (incident) =>
      Effect.sync(() => {
        incidents.push(incident)
      }),
    list: (filter, floor) =>
      Effect.sync(() =>
        incidents
          .filter(matches(filter, floor))
          .sort((a, b) => (a.id < b.id ? 1 : -1))
          .slice(0, limitOf(filter))
      ),
    providers: (now, floor) =>
      Effect.sync(() =>
        viewsOf(
          incidents.filter((incident) => incident.at >= floor),
          now
        )
      ),
    purge: (olderThan) =>
      Effect.sync(() => {
        const before = incidents.length
        incidents = incidents.filter((incident) => incident.at >= olderThan)
        return before - incidents.length
      })
  }
}
