/**
 * The outbound-endpoint endpoints over webhooks' `Outbound.Endpoints`: list,
 * get, register (create or replace), enable, disable. The registry does not
 * audit, so each change is audited here, after it succeeded, with the actor;
 * secrets are never answered nor audited (only how many there are).
 *
 * @internal
 */
import { Audit } from "@wedsync/core"
import { Outbound } from "@wedsync/webhooks"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { AdminApi, Invalid, NotFound } from "../../AdminApi.ts"
import { audited, unavailable } from "./common.ts"

const view = (endpoint: Outbound.Endpoint) => {
  const { secrets, ...rest } = endpoint
  return { ...rest, secretCount: secrets.length }
}

// EndpointInvalid names its problem in words; the field it concerns, for the 400.
const fieldOf = (problem: string): string =>
  problem.includes("url")
    ? "url"
    : problem.includes("secret")
      ? "secrets"
      : problem.includes("rate")
        ? "ratePerSecond"
        : "id"

/** The handlers of the `endpoints` group. @internal */
export const layer = HttpApiBuilder.group(AdminApi, "endpoints", (handlers) =>
  Effect.gen(function* () {
    const endpoints = yield* Outbound.Endpoints
    const audit = yield* Audit.Audit
    const found = (id: string) => (endpoint: Outbound.Endpoint | undefined) =>
      endpoint === undefined ? Effect.fail(new NotFound({ resource: "endpoint", id })) : Effect.succeed(endpoint)
    const setEnabled = (id: string, enabled: boolean, reason: string) =>
      endpoints.setEnabled(id, enabled, reason).pipe(
        Effect.flatMap(found(id)),
        Effect.tap(() =>
          audited({ action: enabled ? "endpoints.enable" : "endpoints.disable", target: id, reason }, audit)
        ),
        Effect.map(view),
        unavailable
      )
    return handlers
      .handle("list", () => unavailable(Effect.map(endpoints.list, (all) => all.map(view))))
      .handle("get", ({ params }) =>
        unavailable(Effect.map(Effect.flatMap(endpoints.get(params.id), found(params.id)), view))
      )
      .handle("register", ({ params, payload }) => {
        const { reason, ...input } = payload
        return endpoints.put({ ...input, id: params.id }).pipe(
          Effect.tap((endpoint) =>
            audited(
              {
                action: "endpoints.register",
                target: params.id,
                reason,
                details: { url: endpoint.url, eventTypes: endpoint.eventTypes, secretCount: endpoint.secrets.length }
              },
              audit
            )
          ),
          Effect.map(view),
          Effect.catchTag("EndpointInvalid", (error) =>
            Effect.fail(new Invalid({ field: fieldOf(error.problem), message: error.message }))
          ),
          unavailable
        )
      })
      .handle("enable", ({ params, payload }) => setEnabled(params.id, true, payload.reason))
      .handle("disable", ({ params, payload }) => setEnabled(params.id, false, payload.reason))
  })
)
