/**
 * Overrides in Redis: one hash (target → override JSON) and one pub/sub
 * channel. A set or clear is one Lua script that writes the hash and publishes
 * on the channel, so every instance subscribed hears of it at once and reads
 * the hash again; a periodic resync catches what a dropped subscription missed
 * (NodeRedis re-subscribes after a reconnect, but messages sent meanwhile are lost).
 * Every command is bounded in time, like the circuit store's.
 *
 * @internal
 */
import { Duration, Effect, Queue, Schedule, type Scope } from "effect"
import { Redis } from "effect/persistence"
import * as StoreError from "../../StoreError.ts"
import type { Backend } from "./service.ts"
import { decode, decodeAll, encode, quietly } from "./stores.ts"

// Drops overrides expired by now while it is there; PUBLISH inside the script keeps write and notice atomic.
const putScript = Redis.script(
  (key: string, target: string, body: string, now: number, channel: string) => [key, target, body, now, channel],
  {
    numberOfKeys: 1,
    lua: `
local previous = redis.call("HGET", KEYS[1], ARGV[1])
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
local now = tonumber(ARGV[3])
local all = redis.call("HGETALL", KEYS[1])
for i = 1, #all, 2 do
  local ok, value = pcall(cjson.decode, all[i + 1])
  if ok and type(value) == "table" and type(value.expiresAt) == "number" and value.expiresAt <= now then
    redis.call("HDEL", KEYS[1], all[i])
  end
end
redis.call("PUBLISH", ARGV[4], "set")
return previous
`
  }
).withReturnType<string | null>()

const removeScript = Redis.script((key: string, id: string, channel: string) => [key, id, channel], {
  numberOfKeys: 1,
  lua: `
local all = redis.call("HGETALL", KEYS[1])
for i = 1, #all, 2 do
  local ok, value = pcall(cjson.decode, all[i + 1])
  if ok and type(value) == "table" and value.id == ARGV[1] then
    redis.call("HDEL", KEYS[1], all[i])
    redis.call("PUBLISH", ARGV[2], "clear")
    return all[i + 1]
  end
end
return false
`
}).withReturnType<string | null>()

const commandTimeout = Duration.seconds(1)

const bounded =
  (operation: string) =>
  <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, StoreError.StoreError> =>
    effect.pipe(
      Effect.timeoutOrElse({
        duration: commandTimeout,
        orElse: () => Effect.fail(new StoreError.StoreError({ operation, cause: "Redis did not answer within 1s" }))
      }),
      Effect.mapError((error) =>
        error instanceof StoreError.StoreError
          ? error
          : StoreError.from(operation)(error instanceof Redis.RedisError ? error.cause : error)
      )
    )

/** @internal */
export interface RedisOptions {
  readonly prefix: string
  readonly resyncInterval: Duration.Duration
}

/** The Redis store and its watcher (subscription plus resync). @internal */
export const make = (
  options: RedisOptions
): Effect.Effect<
  {
    readonly backend: Backend
    readonly watch: (refresh: Effect.Effect<void, StoreError.StoreError>) => Effect.Effect<void, never, Scope.Scope>
  },
  never,
  Redis.Redis
> =>
  Effect.gen(function* () {
    const redis = yield* Redis.Redis
    const key = `${options.prefix}overrides`
    const channel = `${options.prefix}overrides:changed`
    const put = redis.eval(putScript)
    const remove = redis.eval(removeScript)
    const backend: Backend = {
      load: redis.send<ReadonlyArray<string>>("HVALS", key).pipe(bounded("overrides.load"), Effect.flatMap(decodeAll)),
      put: (override, target, now) =>
        put(key, target, encode(override), now, channel).pipe(
          bounded("overrides.set"),
          Effect.flatMap((previous) => (previous === null ? Effect.undefined : decode(previous)))
        ),
      remove: (id) =>
        remove(key, id, channel).pipe(
          bounded("overrides.clear"),
          Effect.flatMap((removed) => (removed === null ? Effect.undefined : decode(removed)))
        )
    }
    const watch = (refresh: Effect.Effect<void, StoreError.StoreError>) =>
      Effect.gen(function* () {
        const reload = quietly(refresh)
        const listen = Effect.scoped(
          Effect.gen(function* () {
            const messages = yield* redis.subscribe(channel)
            // What changed before the subscription was in place.
            yield* reload
            while (true) {
              yield* Queue.takeAll(messages)
              yield* reload
            }
          })
        )
        yield* Effect.forkScoped(
          listen.pipe(
            Effect.tapError((error) =>
              Effect.logWarning("overrides: Redis subscription lost, subscribing again", error)
            ),
            Effect.retry(Schedule.spaced("1 second"))
          )
        )
        yield* Effect.forkScoped(Effect.repeat(reload, Schedule.spaced(options.resyncInterval)))
      })
    return { backend, watch }
  })
