/**
 * The dead-letter endpoints over durable's `DeadLetters`: list, get, replay
 * one, replay by filter (a dry run pages through the matches and counts
 * them; a real run hands them to the outbox through `replayWhere`), and
 * purge, only of letters older than `olderThan`. The store audits every call
 * with the operator, reads included.
 *
 * @internal
 */
import { DeadLetters } from "@wedsync/durable"
import { Clock, Duration, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { AdminApi, Conflict, NotFound } from "../../AdminApi.ts"
import { operator, reader, unavailable } from "./common.ts"

type Filter = DeadLetters.Filter

const PAGE = 500

/** How many `dead` letters match `filter`, counted up to `limit`. @internal */
const countMatches = (letters: DeadLetters.DeadLetters["Service"], filter: Filter, limit: number, reason: string) =>
  Effect.gen(function* () {
    const who = yield* operator(reason)
    let matched = 0
    let cursor: string | undefined
    while (matched < limit) {
      const page = yield* letters.list(
        { ...filter, status: "dead" },
        { limit: Math.min(PAGE, limit - matched), ...(cursor === undefined ? {} : { cursor }) },
        who
      )
      matched += page.items.length
      cursor = page.nextCursor
      if (cursor === undefined || page.items.length === 0) break
    }
    return matched
  })

/** The handlers of the `deadLetters` group. @internal */
export const layer = HttpApiBuilder.group(AdminApi, "deadLetters", (handlers) =>
  Effect.gen(function* () {
    const letters = yield* DeadLetters.DeadLetters
    return handlers
      .handle("list", ({ query }) =>
        Effect.gen(function* () {
          const { limit, cursor, ...filter } = query
          const page = yield* letters.list(
            filter,
            { ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) },
            yield* reader("GET /admin/dead-letters")
          )
          return page.nextCursor === undefined
            ? { items: page.items }
            : { items: page.items, nextCursor: page.nextCursor }
        }).pipe(unavailable)
      )
      .handle("get", ({ params }) =>
        Effect.flatMap(reader("GET /admin/dead-letters/:id"), (who) => letters.get(params.id, who)).pipe(
          Effect.catchTag("DeadLetterNotFound", () =>
            Effect.fail(new NotFound({ resource: "deadLetter", id: params.id }))
          ),
          unavailable
        )
      )
      .handle("replay", ({ params, payload }) =>
        Effect.flatMap(operator(payload.reason), (who) => letters.replay(params.id, who)).pipe(
          Effect.map((outcome) => ({ id: outcome.id, outcome: outcome._tag })),
          Effect.catchTags({
            DeadLetterNotFound: () => Effect.fail(new NotFound({ resource: "deadLetter", id: params.id })),
            NotReplayable: (error) => Effect.fail(new Conflict({ message: error.message }))
          }),
          unavailable
        )
      )
      .handle("replayWhere", ({ payload }) =>
        Effect.gen(function* () {
          const filter: Filter = { ...payload.filter, status: "dead" }
          if (payload.dryRun) {
            const matched = yield* countMatches(letters, filter, payload.limit, payload.reason)
            return { dryRun: true, matched, replayed: 0, stale: 0 }
          }
          const who = yield* operator(payload.reason)
          const done = yield* letters.replayWhere(filter, { limit: payload.limit }, who)
          return { dryRun: false, matched: done.replayed + done.stale, replayed: done.replayed, stale: done.stale }
        }).pipe(unavailable)
      )
      .handle("purge", ({ payload }) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const cutoff = now - Duration.toMillis(Duration.fromInputUnsafe(payload.olderThan as Duration.Input))
          const to = payload.filter?.to === undefined ? cutoff : Math.min(payload.filter.to, cutoff)
          const purged = yield* letters.purge({ ...payload.filter, to }, yield* operator(payload.reason))
          return { purged }
        }).pipe(unavailable)
      )
  })
)
