/**
 * The flags every command takes, as effect/cli global settings so they are
 * accepted anywhere on the line: `--json`, `--url` (or `WEDSYNC_ADMIN_URL`),
 * `--token` (or `WEDSYNC_ADMIN_TOKEN`, kept `Redacted`), `--store`; and the
 * backend they select, opened for the command's scope.
 *
 * @internal
 */
import { Config, Effect, Option, type Scope } from "effect"
import { Flag, GlobalFlag } from "effect/cli"
import * as ApiBackend from "./apiBackend.ts"
import type { Backend } from "./backend.ts"
import { type CliFailure, usage } from "./failure.ts"
import * as StoreBackend from "./storeBackend.ts"

/** `--json`: one JSON document on stdout instead of a table. @internal */
export const Json = GlobalFlag.Setting("json")({
  flag: Flag.Boolean("json").pipe(
    Flag.withDescription("Print one JSON document on stdout (reads); progress and errors go to stderr"),
    Flag.withDefault(false)
  )
})

/** `--url`: the admin API's base URL. @internal */
export const Url = GlobalFlag.Setting("url")({
  flag: Flag.String("url").pipe(
    Flag.withDescription("Base URL of the admin API, e.g. http://localhost:8080 (env WEDSYNC_ADMIN_URL)"),
    Flag.withFallbackConfig(Config.NonEmptyString("WEDSYNC_ADMIN_URL")),
    Flag.optional
  )
})

/** `--token`: the bearer token, never printed. @internal */
export const Token = GlobalFlag.Setting("token")({
  flag: Flag.Redacted("token").pipe(
    Flag.withDescription("Bearer token of the admin API (env WEDSYNC_ADMIN_TOKEN); never printed"),
    Flag.withFallbackConfig(Config.Redacted("WEDSYNC_ADMIN_TOKEN")),
    Flag.optional
  )
})

/** `--store`: work on the stores directly instead of the API. @internal */
export const Store = GlobalFlag.Setting("store")({
  flag: Flag.String("store").pipe(
    Flag.withDescription("Work on the stores in-process: sqlite:./wedsync.db or postgres://… (no API needed)"),
    Flag.optional
  )
})

/** Every global setting, for `Command.withGlobalFlags`. @internal */
export const all = [Json, Url, Token, Store] as const

/**
 * The backend the flags select: `--store` wins, else `--url`; neither is a usage error.
 *
 * @internal
 */
export const backend: Effect.Effect<
  Backend,
  CliFailure,
  | Scope.Scope
  | GlobalFlag.Setting.Identifier<"url">
  | GlobalFlag.Setting.Identifier<"token">
  | GlobalFlag.Setting.Identifier<"store">
> = Effect.gen(function* () {
  const store = yield* Store
  if (Option.isSome(store)) return yield* StoreBackend.make(store.value)
  const url = yield* Url
  if (Option.isNone(url)) return yield* usage("no admin API: pass --url (or WEDSYNC_ADMIN_URL), or --store")
  const token = yield* Token
  return yield* ApiBackend.make({ baseUrl: url.value, token: Option.getOrUndefined(token) })
})
