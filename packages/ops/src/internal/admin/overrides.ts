/**
 * The override endpoints over core's `Overrides`: list, set, clear. The
 * service validates and audits each change with the operator (no change
 * without its audit entry).
 *
 * @internal
 */
import { Overrides } from "@wedsync/core"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { AdminApi, Invalid, NotFound } from "../../AdminApi.ts"
import { operator, unavailable } from "./common.ts"

const invalid = (error: Overrides.OverrideInvalid) => {
  const first = error.issues[0]
  return Effect.fail(
    new Invalid({
      ...(first === undefined || first.path === "" ? {} : { field: `override.${first.path}` }),
      message: error.message
    })
  )
}

/** The handlers of the `overrides` group. @internal */
export const layer = HttpApiBuilder.group(AdminApi, "overrides", (handlers) =>
  Effect.gen(function* () {
    const overrides = yield* Overrides.Overrides
    return handlers
      .handle("list", () => unavailable(overrides.list()))
      .handle("set", ({ payload }) =>
        Effect.flatMap(operator(payload.reason), (who) => overrides.set(payload.override, who)).pipe(
          Effect.catchTag("OverrideInvalid", invalid),
          unavailable
        )
      )
      .handle("clear", ({ params, payload }) =>
        Effect.flatMap(operator(payload.reason), (who) => overrides.clear(params.id, who)).pipe(
          Effect.catchTags({
            OverrideNotFound: () => Effect.fail(new NotFound({ resource: "override", id: params.id })),
            OverrideInvalid: invalid
          }),
          unavailable
        )
      )
  })
)
