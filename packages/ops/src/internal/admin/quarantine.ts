/**
 * The quarantine endpoints over webhooks' `Quarantine`: list, get, and
 * re-inject through `Inbound.reinject` with the webhook source configured for
 * the entry's provider (`Admin.Options.sources`). The quarantine audits every
 * call with the operator; the re-injection audits itself too.
 *
 * @internal
 */
import type { Audit } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"
import { Inbound, Quarantine } from "@wedsync/webhooks"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { AdminApi, Conflict, Invalid, NotFound } from "../../AdminApi.ts"
import { operator, reader, unavailable } from "./common.ts"

/** The webhook sources re-injection verifies with, by provider. @internal */
export type Sources = Readonly<Record<string, Inbound.Source>>

/** The handlers of the `quarantine` group. @internal */
export const layer = (sources: Sources) =>
  HttpApiBuilder.group(AdminApi, "quarantine", (handlers) =>
    Effect.gen(function* () {
      const quarantine = yield* Quarantine.Quarantine
      // what `Inbound.reinject` reads, captured here so a request needs nothing more
      const reinjectContext = yield* Effect.context<Quarantine.Quarantine | Audit.Audit | Outbox.Outbox>()
      const notFound = (id: string) => () => Effect.fail(new NotFound({ resource: "quarantine", id }))
      return handlers
        .handle("list", ({ query }) =>
          Effect.flatMap(reader("GET /admin/quarantine"), (who) => quarantine.list(query, who)).pipe(
            Effect.map((items) => ({ items })),
            unavailable
          )
        )
        .handle("get", ({ params }) =>
          Effect.flatMap(reader("GET /admin/quarantine/:id"), (who) => quarantine.get(params.id, who)).pipe(
            Effect.catchTag("QuarantineNotFound", notFound(params.id)),
            unavailable
          )
        )
        .handle("reinject", ({ params, payload }) =>
          Effect.gen(function* () {
            const who = yield* operator(payload.reason)
            const entry = yield* quarantine.get(params.id, who)
            const source = Object.hasOwn(sources, entry.provider) ? sources[entry.provider] : undefined
            if (source === undefined) {
              return yield* new Conflict({ message: `no webhook source is configured for ${entry.provider}` })
            }
            const repair = {
              ...(payload.body === undefined ? {} : { body: payload.body }),
              ...(payload.headers === undefined ? {} : { headers: payload.headers })
            }
            return yield* Inbound.reinject(source, params.id, { trust: payload.trust, repair }, who).pipe(
              Effect.provideContext(reinjectContext)
            )
          }).pipe(
            Effect.catchTags({
              QuarantineNotFound: notFound(params.id),
              ReinjectRefused: (error) => Effect.fail(new Conflict({ message: error.message })),
              IntegrationError: (error) =>
                Effect.fail(new Conflict({ message: `verification failed: ${error.message}` })),
              SchemaError: (error) => Effect.fail(new Invalid({ field: "body", message: error.message }))
            }),
            unavailable
          )
        )
    })
  )
