/**
 * The Redis connection for the outbox (`PersistedQueue.layerStoreRedis`),
 * overrides (`Overrides.layerRedis`) and shared circuits
 * (`Resilience.layerRedis`): Effect's `NodeRedis.layer` with deadlines, and
 * errors that say why.
 *
 * `NodeRedis.layer` alone waits forever for a server that accepts the
 * connection and never answers (a hung Redis, a proxy to nowhere, TLS
 * spoken to a plain port): the outbox layer was seen to hang for more than
 * 75 s and longer. Its `RedisError`s have an empty message. Here:
 * - connecting (TCP, TLS, HELLO/AUTH/SELECT) is bounded by `connectTimeout`
 *   (default 5 seconds); a failure is a `StoreError` (`redis.connect`) naming
 *   the server and the root cause: connection refused, authentication failed,
 *   unknown database, host not found, did not answer;
 * - every command and script is bounded by `commandTimeout` (default
 *   5 seconds) and every `RedisError` has a message
 *   (`Redis at 127.0.0.1:6379 did not answer EVALSHA within 5s (commandTimeout)`);
 *   subscribing and reserving a connection are bounded by `connectTimeout`.
 *   Commands on a reserved connection are not bounded: they are where blocking
 *   commands (BLPOP) belong;
 * - closing waits at most `commandTimeout` for pending replies, then drops them.
 *
 * The password in the URL is never shown in errors.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { PersistedQueue } from "effect/persistence"
 * import { Outbox, RedisConnection } from "@wedsync/durable"
 *
 * const outbox = Outbox.layer().pipe(
 *   Layer.provide(PersistedQueue.layer),
 *   Layer.provide(PersistedQueue.layerStoreRedis({ prefix: "wedsync:outbox:" })),
 *   Layer.provide(RedisConnection.layer({ url: "redis://127.0.0.1:6379", connectTimeout: "2 seconds" }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { StoreError } from "@wedsync/core/StoreError"
import { type Duration, Effect, Layer, Redacted, type Scope } from "effect"
import { Redis } from "effect/persistence"
import * as Internal from "./internal/redisConnection.ts"
import * as Check from "./internal/storeOptions.ts"

/**
 * Options of {@link layer}: node-redis client options (as `NodeRedis.layer`
 * takes them), the URL as text or `Redacted`, and the two bounds.
 *
 * @since 0.1.0
 */
export interface Options extends Omit<Internal.ClientOptions, "url"> {
  /** `redis://user:password@host:6379/0` or `rediss://…`; `Redacted` when it holds a password. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** The longest connecting may take, handshake included; also bounds subscribing and `reserve` (default 5 seconds). */
  readonly connectTimeout?: Duration.Input | undefined
  /** The longest a command or script may wait for its reply (default 5 seconds). */
  readonly commandTimeout?: Duration.Input | undefined
}

const configure = "redis.configure"

const serverOf = (options: Options, url: URL | undefined): string => {
  if (url !== undefined) return `${url.hostname}:${url.port || 6379}`
  const socket: { readonly host?: unknown; readonly port?: unknown; readonly path?: unknown } = options.socket ?? {}
  if (typeof socket.path === "string") return socket.path
  return `${typeof socket.host === "string" ? socket.host : "localhost"}:${typeof socket.port === "number" ? socket.port : 6379}`
}

/**
 * Checks the options and connects in the current scope; the returned `Redis`
 * service has the deadlines described above.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisConnection } from "@wedsync/durable"
 *
 * const pong = Effect.scoped(
 *   Effect.flatMap(RedisConnection.make({ url: "redis://127.0.0.1:6379" }), (redis) => redis.send("PING"))
 * )
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Redis.Redis["Service"], StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const connectTimeout = yield* Check.timeout(configure, "connectTimeout", options.connectTimeout, "5 seconds")
    const commandTimeout = yield* Check.timeout(configure, "commandTimeout", options.commandTimeout, "5 seconds")
    const url =
      options.url === undefined ? undefined : yield* Check.url(configure, "url", options.url, ["redis:", "rediss:"])
    const { connectTimeout: _, commandTimeout: __, url: text, ...client } = options
    return yield* Internal.make({
      client: text === undefined ? client : { ...client, url: Redacted.isRedacted(text) ? Redacted.value(text) : text },
      server: serverOf(options, url),
      connectTimeout,
      commandTimeout
    })
  })

/**
 * Effect's `Redis` service on one node-redis client, connected when built
 * (within `connectTimeout`), every command bounded by `commandTimeout`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Resilience } from "@wedsync/core"
 * import { RedisConnection } from "@wedsync/durable"
 *
 * // shared circuits that start even while Redis is down, and never hang on a silent one
 * const circuits = Resilience.layerRedis().pipe(
 *   Layer.provide(Resilience.redisWhenAvailable(RedisConnection.layer({ url: process.env.REDIS_URL, connectTimeout: "1 second" })))
 * )
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<Redis.Redis, StoreError> =>
  Layer.effect(Redis.Redis, make(options))
