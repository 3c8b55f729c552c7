/**
 * Bearer tokens of the admin API: checking the configured set, reading it
 * from configuration, and the `Authorization` middleware that turns a
 * request's token into an `Actor`.
 *
 * A token is compared with every configured token, each in constant time
 * (`ConstantTime.equals`), with no early exit, so neither the answer time nor
 * the answer tells which token came close. The scope is checked from the
 * endpoint's method alone (GET reads, anything else mutates), before the
 * request is decoded or a store is read: a 401 or 403 is the same whether
 * the resource exists or not. Tokens are `Redacted` and never logged.
 *
 * @internal
 */
import { ConstantTime } from "@wedsync/core"
import { Config, ConfigProvider, Effect, Layer, Redacted, Schema } from "effect"
import { HttpEffect, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { Actor, Authorization, type Scope } from "../../AdminApi.ts"

/** One configured token: its holder's name (the audit actor), the secret and its scope. @internal */
export interface Token {
  readonly name: string
  readonly token: Redacted.Redacted<string>
  readonly scope: Scope
}

/** The configured tokens are unusable (too short, a name twice, none). @internal */
export class TokensInvalid extends Schema.TaggedError<TokensInvalid>("@wedsync/ops/Admin/TokensInvalid")(
  "TokensInvalid",
  { problem: Schema.String }
) {
  override get message(): string {
    return `admin tokens: ${this.problem}`
  }
}

/** Shortest token accepted: 16 characters, so a guess is not a matter of seconds. @internal */
export const MIN_TOKEN_LENGTH = 16

/** The tokens, checked: at least one, names unique and non-empty, each secret long enough. @internal */
export const checkTokens = (tokens: ReadonlyArray<Token>): Effect.Effect<ReadonlyArray<Token>, TokensInvalid> => {
  const invalid = (problem: string) => Effect.fail(new TokensInvalid({ problem }))
  if (tokens.length === 0) return invalid("no token is configured")
  const names = new Set<string>()
  for (const token of tokens) {
    if (token.name.trim() === "") return invalid("a token has an empty name")
    if (names.has(token.name)) return invalid(`the name ${token.name} is given twice`)
    names.add(token.name)
    if (Redacted.value(token.token).length < MIN_TOKEN_LENGTH) {
      return invalid(`the token of ${token.name} is shorter than ${MIN_TOKEN_LENGTH} characters`)
    }
  }
  return Effect.succeed(tokens)
}

const TokensJson = Schema.fromJsonString(
  Schema.Array(
    Schema.Struct({
      name: Schema.String,
      token: Schema.String,
      scope: Schema.Literals(["read", "operator"])
    })
  )
)

/**
 * The tokens from `WEDSYNC_ADMIN_TOKENS` (or the given config name): JSON
 * `[{"name":"ana","token":"…","scope":"read"|"operator"}]`, read as a
 * redacted value so it never reaches a log.
 *
 * @internal
 */
export const tokensConfig = (name = "WEDSYNC_ADMIN_TOKENS"): Config.Config<ReadonlyArray<Token>> =>
  Config.flatMap(Config.Redacted(name), (text) => {
    // the decoding error is not passed on: it would quote the value, tokens included
    const decoded = Schema.decodeUnknownOption(TokensJson)(Redacted.value(text))
    return decoded._tag === "None"
      ? Config.fail(
          new ConfigProvider.SourceError({
            message: `${name} must be a JSON array of {"name","token","scope":"read"|"operator"}`
          })
        )
      : Config.succeed(
          decoded.value.map((entry) => ({ name: entry.name, scope: entry.scope, token: Redacted.make(entry.token) }))
        )
  })

const challenge = (response: HttpServerResponse.HttpServerResponse) =>
  Effect.succeed(HttpServerResponse.setHeader(response, "www-authenticate", 'Bearer realm="wedsync-admin"'))

/** The one configured token equal to `given`, every token compared. @internal */
export const match = (tokens: ReadonlyArray<Token>, given: string): Token | undefined => {
  let found: Token | undefined
  for (const token of tokens) {
    const equal = ConstantTime.equals(given, Redacted.value(token.token))
    if (equal && found === undefined) found = token
  }
  return given === "" ? undefined : found
}

const unauthorized: Effect.Effect<
  never,
  HttpApiError.Unauthorized | HttpApiError.Forbidden,
  HttpServerRequest.HttpServerRequest
> = Effect.andThen(
  HttpEffect.appendPreResponseHandler((_request, response) => challenge(response)),
  Effect.fail(new HttpApiError.Unauthorized({}))
)

const forbidden: Effect.Effect<never, HttpApiError.Unauthorized | HttpApiError.Forbidden> = Effect.fail(
  new HttpApiError.Forbidden({})
)

/** The `Authorization` middleware over `tokens`. @internal */
export const layerAuthorization = (tokens: ReadonlyArray<Token>): Layer.Layer<Authorization> =>
  Layer.succeed(
    Authorization,
    Authorization.of({
      bearer: (httpEffect, { credential, endpoint }) => {
        const token = match(tokens, Redacted.value(credential))
        if (token === undefined) return unauthorized
        if (endpoint.method !== "GET" && token.scope !== "operator") return forbidden
        return Effect.provideService(httpEffect, Actor, Actor.of({ name: token.name, scope: token.scope }))
      }
    })
  )
