/**
 * A `Redis` service that exists even while Redis does not answer.
 *
 * `NodeRedis.layer` connects while it is built and fails when Redis is down,
 * which would stop a service from starting during a Redis outage. This layer
 * tries to build the given one at start and, when that fails, keeps trying in
 * the background; until it succeeds every command fails at once with a
 * `RedisError`, which the breaker store treats as "store unreachable" (the
 * local circuit decides). Once connected, commands go to the real client.
 *
 * @internal
 */
import { Context, Duration, Effect, Exit, Layer, Schedule, Scope } from "effect"
import { Redis } from "effect/persistence"

/** @internal */
export const make = <E, R>(
  redis: Layer.Layer<Redis.Redis, E, R>,
  options?: {
    readonly retryEvery?: Duration.Input | undefined
    readonly connectTimeout?: Duration.Input | undefined
  }
): Layer.Layer<Redis.Redis, never, R> =>
  Layer.effect(
    Redis.Redis,
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      const retryEvery = Duration.fromInputUnsafe(options?.retryEvery ?? "1 second")
      // A client told to reconnect forever never fails its build: bound each try.
      const connectTimeout = Duration.fromInputUnsafe(options?.connectTimeout ?? "2 seconds")
      let current: Redis.Redis["Service"] | undefined
      // Each try gets its own scope so a failed build releases what it opened.
      const connect = Effect.gen(function* () {
        const attempt = yield* Scope.fork(scope)
        const exit = yield* Effect.exit(Effect.timeout(Layer.buildWithScope(redis, attempt), connectTimeout))
        if (Exit.isFailure(exit)) {
          yield* Scope.close(attempt, exit)
          return yield* Effect.failCause(exit.cause)
        }
        current = Context.get(exit.value, Redis.Redis)
      })
      const first = yield* Effect.exit(connect)
      if (Exit.isFailure(first)) {
        yield* Effect.logWarning("Redis unreachable at start: circuits decide locally until it answers", first.cause)
        yield* Effect.forkIn(
          connect.pipe(
            Effect.retry(Schedule.spaced(retryEvery)),
            Effect.andThen(Effect.logInfo("Redis connected: circuits are shared again"))
          ),
          scope
        )
      }
      const notConnected = (command: string) =>
        Effect.fail(new Redis.RedisError({ cause: new Error(`Redis is not connected yet (${command})`) }))
      const subscribe = (channel: string): ReturnType<Redis.Redis["Service"]["subscribe"]> =>
        Effect.suspend(() =>
          current === undefined
            ? Effect.andThen(Effect.sleep(retryEvery), subscribe(channel))
            : current.subscribe(channel)
        )
      return Redis.Redis.of({
        send: (command, ...args) =>
          Effect.suspend(() => (current === undefined ? notConnected(command) : current.send(command, ...args))),
        eval:
          (script) =>
          (...params) =>
            Effect.suspend(() => (current === undefined ? notConnected("EVALSHA") : current.eval(script)(...params))),
        subscribe,
        reserve: Effect.suspend(() => (current === undefined ? notConnected("reserve") : current.reserve))
      })
    })
  )
