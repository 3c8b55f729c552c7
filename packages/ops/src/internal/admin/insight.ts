/**
 * Booking workflow timelines (the watchdog's `timeline` and `status`), the
 * impact of a service's or provider's outage on upcoming weddings
 * (`Impact.assess`), and the audit trail, newest first, paged by an
 * `(at, id)` cursor.
 *
 * @internal
 */
import { Audit } from "@wedsync/core"
import { Watchdog } from "@wedsync/webhooks"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { AdminApi, Invalid, NotFound } from "../../AdminApi.ts"
import * as Impact from "../../Impact.ts"
import type { WeddingDirectory } from "../../WeddingDirectory.ts"
import { decodeCursor, defined, encodeCursor, unavailable } from "./common.ts"

const DEFAULT_LIMIT = 100
// Entries sharing the cursor's millisecond are skipped by id; this many more are fetched to step over them.
const TIE_ALLOWANCE = 100

/** A page of the audit trail after `cursor`. @internal */
const auditPage = (
  audit: Audit.Audit["Service"],
  query: Omit<Audit.Filter, "limit"> & { readonly limit?: number | undefined; readonly cursor?: string | undefined }
) =>
  Effect.gen(function* () {
    const { cursor, limit: asked, ...filter } = query
    const limit = asked ?? DEFAULT_LIMIT
    const after = cursor === undefined ? undefined : decodeCursor(cursor)
    if (cursor !== undefined && after === undefined) {
      return yield* new Invalid({ field: "cursor", message: "not a cursor this API returned" })
    }
    const until = after === undefined ? filter.until : Math.min(after.at, filter.until ?? after.at)
    const fetched = yield* audit.list(
      defined({ ...filter, until, limit: after === undefined ? limit + 1 : limit + 1 + TIE_ALLOWANCE })
    )
    const start =
      after === undefined ? 0 : fetched.findIndex((entry) => entry.at === after.at && entry.id === after.id) + 1
    const rest = fetched.slice(start)
    const items = rest.slice(0, limit)
    const last = items.at(-1)
    return rest.length > limit && last !== undefined ? { items, nextCursor: encodeCursor(last.at, last.id) } : { items }
  })

/** The handlers of the `insight` group. @internal */
export const layer = HttpApiBuilder.group(AdminApi, "insight", (handlers) =>
  Effect.gen(function* () {
    const watchdog = yield* Watchdog.Watchdog
    const audit = yield* Audit.Audit
    const impact = yield* Effect.context<WeddingDirectory | Impact.Counts>()
    return handlers
      .handle("workflow", ({ params }) =>
        Effect.gen(function* () {
          const [steps, timeline] = yield* Effect.all([watchdog.status(params.key), watchdog.timeline(params.key)])
          if (steps.length === 0 && timeline.length === 0) {
            return yield* new NotFound({ resource: "workflow", id: params.key })
          }
          return { key: params.key, steps, timeline }
        }).pipe(unavailable)
      )
      .handle("impact", ({ query }) =>
        Impact.assess({ ...defined(query), service: query.service }).pipe(Effect.provideContext(impact), unavailable)
      )
      .handle("audit", ({ query }) => unavailable(auditPage(audit, query)))
  })
)
