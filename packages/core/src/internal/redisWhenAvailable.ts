/**
 * A `Redis` service that exists even while Redis does not answer.
 *
 * `NodeRedis.layer` connects while it is built and fails when Redis is down,
 * which would stop a service from starting during a Redis outage. This layer
 * tries to build the given one at start and, when that fails, keeps trying in
 * the background; until it succeeds every command fails at once with a
 * `RedisError`, which the breaker store treats as "store unreachable" (the
 * local circuit decides). Once connected, commands go to the real client,
 * each bounded by `commandTimeout`.
 *
 * Every `RedisError` that leaves here has a message: Effect's own carry the
 * reason only in `cause` (their message is empty), so they are re-worded with
 * the client's root cause (`ECONNREFUSED`, `WRONGPASS …`).
 *
 * A connection layer that does not bound itself (`NodeRedis.layer` facing a
 * server that accepts the connection and never answers) cannot be stopped by
 * a timeout: its finalizer waits for the handshake's reply. Such an attempt
 * is left to end in the background, so the service still starts, but its
 * socket stays open until the server closes it; the layer to give is one
 * that bounds itself (`RedisConnection.layer` from `@wedsync/durable`).
 *
 * @internal
 */
import { Cause, Context, Duration, Effect, Exit, Fiber, Layer, Schedule, Scope } from "effect"
import { Redis } from "effect/persistence"

/** A `RedisError` whose message says what happened. @internal */
export class RedisFailure extends Redis.RedisError {
  override get message(): string {
    return rootMessage(this.cause)
  }
}

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined

/** The first non-empty message down the cause chain (node-redis keeps its reason in `originalError`). */
const rootMessage = (cause: unknown): string => {
  let current = cause
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const message = typeof current === "string" ? current : field(current, "message")
    if (typeof message === "string" && message.trim() !== "") return message.trim()
    current = field(current, "originalError") ?? field(current, "cause")
  }
  return "the Redis client gave no reason"
}

const failure = (words: string, cause?: unknown) =>
  new RedisFailure({ cause: cause === undefined ? new Error(words) : new Error(words, { cause }) })

/** `error` itself when it already has a message, otherwise the same error with words. */
const worded =
  (command: string) =>
  (error: Redis.RedisError): Redis.RedisError =>
    error.message !== "" ? error : failure(`Redis ${command} failed: ${rootMessage(error.cause)}`, error)

/** @internal */
export const make = <E, R>(
  redis: Layer.Layer<Redis.Redis, E, R>,
  options?: {
    readonly retryEvery?: Duration.Input | undefined
    readonly connectTimeout?: Duration.Input | undefined
    readonly commandTimeout?: Duration.Input | undefined
  }
): Layer.Layer<Redis.Redis, never, R> =>
  Layer.effect(
    Redis.Redis,
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      const retryEvery = Duration.fromInputUnsafe(options?.retryEvery ?? "1 second")
      // A client told to reconnect forever never fails its build: bound each try.
      const connectTimeout = Duration.fromInputUnsafe(options?.connectTimeout ?? "2 seconds")
      const commandTimeout = Duration.fromInputUnsafe(options?.commandTimeout ?? "5 seconds")
      let current: Redis.Redis["Service"] | undefined
      let lastFailure = "the first attempt has not finished"
      // Each try gets its own scope so a failed build releases what it opened.
      // Each try builds on its own fiber, in its own scope, neither ever awaited on failure: a build that
      // cannot be interrupted, or a finalizer waiting for a reply that never comes (see above), ends in
      // the background and holds neither the start nor the release.
      const connect = Effect.gen(function* () {
        const attempt = yield* Scope.make()
        const build = yield* Effect.forkDetach(Layer.buildWithScope(redis, attempt))
        const abandon = (exit: Exit.Exit<unknown, unknown>) =>
          Effect.forkDetach(Effect.andThen(Fiber.interrupt(build), Scope.close(attempt, exit)))
        const exit = yield* Effect.exit(
          Fiber.join(build).pipe(
            Effect.timeoutOrElse({
              duration: connectTimeout,
              orElse: () =>
                Effect.fail(failure(`Redis did not answer within ${Duration.format(connectTimeout)} (connectTimeout)`))
            }),
            Effect.onInterrupt(() => abandon(Exit.void))
          )
        )
        if (Exit.isFailure(exit)) {
          lastFailure = rootMessage(Cause.squash(exit.cause))
          yield* abandon(exit)
          return yield* Effect.failCause(exit.cause)
        }
        yield* Scope.addFinalizer(scope, Scope.close(attempt, Exit.void))
        current = Context.get(exit.value, Redis.Redis)
      })
      const first = yield* Effect.exit(connect)
      if (Exit.isFailure(first)) {
        yield* Effect.logWarning(
          `Redis unreachable at start (${lastFailure}): circuits decide locally until it answers`,
          first.cause
        )
        yield* Effect.forkIn(
          connect.pipe(
            Effect.retry(Schedule.spaced(retryEvery)),
            Effect.andThen(Effect.logInfo("Redis connected: circuits are shared again"))
          ),
          scope
        )
      }
      const notConnected = (command: string) =>
        Effect.fail(failure(`Redis is not connected yet (${command}); the last attempt: ${lastFailure}`))
      const bounded = <A, R2>(
        command: string,
        effect: Effect.Effect<A, Redis.RedisError, R2>,
        bound = commandTimeout
      ) =>
        effect.pipe(
          Effect.mapError(worded(command)),
          Effect.timeoutOrElse({
            duration: bound,
            orElse: () =>
              Effect.fail(failure(`Redis did not answer ${command} within ${Duration.format(bound)} (commandTimeout)`))
          })
        )
      const subscribe = (channel: string): ReturnType<Redis.Redis["Service"]["subscribe"]> =>
        Effect.suspend(() =>
          current === undefined
            ? Effect.andThen(Effect.sleep(retryEvery), subscribe(channel))
            : current.subscribe(channel)
        )
      return Redis.Redis.of({
        send: (command, ...args) =>
          Effect.suspend(() =>
            current === undefined ? notConnected(command) : bounded(command, current.send(command, ...args))
          ),
        eval:
          (script) =>
          (...params) =>
            Effect.suspend(() =>
              current === undefined ? notConnected("EVALSHA") : bounded("EVALSHA", current.eval(script)(...params))
            ),
        subscribe,
        reserve: Effect.suspend(() =>
          current === undefined ? notConnected("reserve") : bounded("reserve", current.reserve, connectTimeout)
        )
      })
    })
  )
