/**
 * The backend over the admin API: a typed `HttpApiClient` of `AdminApi` with
 * the bearer token on every request (kept `Redacted`, so it is never in a
 * message), each answer or failure classified into the CLI's exit codes.
 *
 * @internal
 */
import { Effect, type Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import * as AdminApi from "../../AdminApi.ts"
import type { Backend } from "./backend.ts"
import { classify } from "./failure.ts"

/** Where the API is and how to authenticate. @internal */
export interface ApiOptions {
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string> | undefined
}

const attempt =
  (what: string) =>
  <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.mapError(effect, (error) => classify(what, error))

/**
 * A backend talking to the admin API at `options.baseUrl`.
 *
 * @internal
 */
export const make = (options: ApiOptions): Effect.Effect<Backend> =>
  Effect.gen(function* () {
    const token = options.token
    const client = yield* HttpApiClient.make(AdminApi.AdminApi, {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      transformClient: (http) =>
        token === undefined ? http : HttpClient.mapRequest(http, HttpClientRequest.bearerToken(token))
    })
    return {
      kind: "api",
      live: client.probes.live().pipe(attempt("live")),
      ready: client.probes.ready().pipe(
        // the probe answers 503 with the same checks when a store is down: still a readiness to show
        Effect.catchTag("NotReady", (notReady) => Effect.succeed({ status: notReady.status, checks: notReady.checks })),
        attempt("ready")
      ),
      providers: client.providers.providers().pipe(attempt("providers")),
      overrides: {
        list: client.overrides.list().pipe(attempt("overrides list")),
        set: (override, reason) =>
          client.overrides.set({ payload: { override, reason } }).pipe(attempt("overrides set")),
        clear: (id, reason) =>
          client.overrides.clear({ params: { id }, payload: { reason } }).pipe(attempt(`overrides clear ${id}`))
      },
      deadLetters: {
        list: (filter, page) =>
          client.deadLetters
            .list({
              query: {
                ...filter,
                ...(page.limit === undefined ? {} : { limit: page.limit }),
                ...(page.cursor === undefined ? {} : { cursor: page.cursor })
              }
            })
            .pipe(attempt("dead-letters list")),
        get: (id) => client.deadLetters.get({ params: { id } }).pipe(attempt(`dead letter ${id}`)),
        replay: (id, reason) =>
          client.deadLetters.replay({ params: { id }, payload: { reason } }).pipe(attempt(`replay ${id}`)),
        purge: (olderThan, filter, reason) =>
          client.deadLetters
            .purge({ payload: { olderThan, reason, ...(Object.keys(filter).length === 0 ? {} : { filter }) } })
            .pipe(attempt("dead-letters purge"))
      },
      quarantine: {
        list: (query) =>
          client.quarantine.list({ query }).pipe(
            Effect.map((page) => page.items),
            attempt("quarantine list")
          ),
        get: (id) => client.quarantine.get({ params: { id } }).pipe(attempt(`quarantine ${id}`)),
        reinject: (id, trust, reason) =>
          client.quarantine
            .reinject({ params: { id }, payload: { trust, reason } })
            .pipe(attempt(`quarantine reinject ${id}`))
      },
      impact: (service, provider) =>
        client.insight
          .impact({ query: { service, ...(provider === undefined ? {} : { provider }) } })
          .pipe(attempt(`impact ${service}`)),
      workflow: (key) => client.insight.workflow({ params: { key } }).pipe(attempt(`timeline ${key}`))
    } satisfies Backend
  }).pipe(Effect.provide(FetchHttpClient.layer))
