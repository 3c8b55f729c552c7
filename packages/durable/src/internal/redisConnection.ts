/**
 * The bounded Redis connection behind `RedisConnection.layer`: Effect's
 * `NodeRedis.layer` with a deadline on connecting, on every command, on
 * subscribing and on closing.
 *
 * A timeout around `NodeRedis.layer` cannot stop it: a client whose
 * handshake (HELLO) got no answer waits for it forever, and interrupting the
 * build runs its finalizer, `client.close()`, which waits for that answer
 * too. Every socket the client opens therefore carries one `AbortSignal`
 * (node's `net` and `tls` sockets take a `signal`): at the deadline the signal
 * destroys the sockets, the handshake fails, the build fails, and the
 * finalizer has nothing left to wait for. A command past its deadline fails
 * with a worded `RedisError` (a late reply is read and dropped); on release
 * the client gets `commandTimeout` to close, then is destroyed.
 *
 * @internal
 */
import { NodeRedis } from "@effect/platform-node"
import { StoreError } from "@wedsync/core/StoreError"
import { Context, Deferred, Duration, Effect, Fiber, Layer, Queue, Scope } from "effect"
import { Redis } from "effect/persistence"
import { setMaxListeners } from "node:events"
import { describe } from "./storeCauses.ts"
import { words } from "./storeOptions.ts"

/** `NodeRedis.layer`'s options: node-redis client options plus the pool of `reserve`. @internal */
export type ClientOptions = NonNullable<Parameters<typeof NodeRedis.layer>[0]>

/** @internal */
export interface Settings {
  readonly client: ClientOptions
  /** `host:port` for error messages, without credentials. */
  readonly server: string
  readonly connectTimeout: Duration.Duration
  readonly commandTimeout: Duration.Duration
}

/**
 * A `RedisError` whose message says what happened (Effect's has an empty
 * message; the reason sits in its `cause`).
 *
 * @internal
 */
export class RedisFailure extends Redis.RedisError {
  override get message(): string {
    return describe(this.cause)
  }
}

/** The error with words: `Redis at 127.0.0.1:6379: EVALSHA: <root cause>`. @internal */
export const worded = (server: string, what: string, error: Redis.RedisError): Redis.RedisError =>
  error instanceof RedisFailure
    ? error
    : new RedisFailure({ cause: new Error(`Redis at ${server}: ${what}: ${describe(error.cause)}`, { cause: error }) })

const late = (server: string, what: string, bound: Duration.Duration, setting: string) =>
  new RedisFailure({
    cause: new Error(`Redis at ${server} did not answer ${what} within ${words(bound)} (${setting})`)
  })

/** Fails with a worded error when `effect` has not answered within `bound` (after calling `onLate`). */
const bounded = <A, E extends Redis.RedisError, R>(
  settings: Settings,
  what: string,
  effect: Effect.Effect<A, E, R>,
  bound = settings.commandTimeout,
  setting = "commandTimeout",
  onLate: () => void = () => undefined
): Effect.Effect<A, Redis.RedisError, R> =>
  effect.pipe(
    Effect.mapError((error) => worded(settings.server, what, error)),
    Effect.timeoutOrElse({
      duration: bound,
      orElse: () => Effect.andThen(Effect.sync(onLate), Effect.fail(late(settings.server, what, bound, setting)))
    })
  )

/** The `Redis` service with a deadline on each call; commands on a reserved connection may block (BLPOP) and are not bounded. */
const withDeadlines = (redis: Redis.Redis["Service"], settings: Settings, abandoned: () => void) =>
  Redis.Redis.of({
    send: (command, ...args) => bounded(settings, command, redis.send(command, ...args)),
    eval: (script) => {
      const run = redis.eval(script)
      return (...params) => bounded(settings, "EVALSHA", run(...params))
    },
    reserve: bounded(
      settings,
      "a reserved connection",
      redis.reserve,
      settings.connectTimeout,
      "connectTimeout",
      abandoned
    ),
    // A subscriber is a connection of its own: bounded like connecting; a late one gets a failed queue.
    subscribe: (channel) =>
      redis.subscribe(channel).pipe(
        Effect.timeoutOrElse({
          duration: settings.connectTimeout,
          orElse: () =>
            Effect.gen(function* () {
              abandoned()
              const queue = yield* Queue.unbounded<Redis.RedisMessage, Redis.RedisError>()
              yield* Queue.fail(
                queue,
                late(settings.server, `SUBSCRIBE ${channel}`, settings.connectTimeout, "connectTimeout")
              )
              return queue
            })
        })
      )
  })

/** Closes gracefully within `commandTimeout`; a client that has not closed by then is destroyed. */
const release = (client: NodeRedis.NodeRedis["Service"]["client"], settings: Settings, abort: () => void) =>
  Effect.tryPromise(() => client.close()).pipe(
    Effect.interruptible,
    Effect.timeoutOrElse({ duration: settings.commandTimeout, orElse: () => Effect.fail("not closed in time") }),
    Effect.matchEffect({
      onFailure: () => Effect.sync(() => client.destroy()),
      onSuccess: () => Effect.void
    }),
    Effect.ensuring(Effect.sync(abort))
  )

const lateWords = (settings: Settings) =>
  `Redis at ${settings.server} did not answer within ${words(settings.connectTimeout)} (connectTimeout)`

/**
 * Connects within `connectTimeout` and returns the bounded `Redis` service;
 * fails with a `StoreError` (`redis.connect`) that says why.
 *
 * @internal
 */
export const make = (settings: Settings): Effect.Effect<Redis.Redis["Service"], StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const controller = new AbortController()
    // every socket of the client (main, subscribers, reserved) listens to it
    setMaxListeners(0, controller.signal)
    // a subscriber or reserved connection given up on at its deadline may still be connecting
    let stray = false
    const abort = () => controller.abort(new Error(`Redis at ${settings.server}: connection abandoned`))
    const socket = { ...settings.client.socket, connectTimeout: Math.ceil(Duration.toMillis(settings.connectTimeout)) }
    const layer = NodeRedis.layer({
      ...settings.client,
      socket: { ...socket, signal: controller.signal } as NonNullable<ClientOptions["socket"]>
    })
    // Interrupting the build, or closing its scope while it runs, would run node-redis' `close()` while the
    // handshake waits: it would never return. So the build is not interruptible, and whoever closes the
    // scope first aborts the sockets and waits for the build to fail (finalizers run last-added first).
    const scope = yield* Effect.scope
    const buildScope = yield* Scope.fork(scope)
    const built = yield* Deferred.make<void>()
    let started = false
    let connected = false
    yield* Effect.addFinalizer(() =>
      started && !connected ? Effect.andThen(Effect.sync(abort), Deferred.await(built)) : Effect.void
    )
    // The deadline is detached, so that interrupting the caller (an outer timeout) cannot cancel it.
    let pastDeadline = false
    const deadline = yield* Effect.forkDetach(
      Effect.andThen(
        Effect.sleep(settings.connectTimeout),
        Effect.sync(() => {
          pastDeadline = true
          abort()
        })
      )
    )
    const context = yield* Effect.suspend(() => {
      started = true
      return Layer.buildWithScope(layer, buildScope)
    }).pipe(
      Effect.ensuring(Effect.andThen(Fiber.interrupt(deadline), Deferred.succeed(built, undefined))),
      Effect.uninterruptible,
      Effect.mapError(
        (error) =>
          new StoreError({
            operation: "redis.connect",
            cause: pastDeadline ? lateWords(settings) : `Redis at ${settings.server}: ${describe(error.cause)}`
          })
      )
    )
    // the deadline may have struck just as the handshake finished: its sockets are gone
    if (pastDeadline) return yield* new StoreError({ operation: "redis.connect", cause: lateWords(settings) })
    connected = true
    const client = Context.get(context, NodeRedis.NodeRedis).client
    yield* Effect.addFinalizer(() => release(client, settings, () => (stray ? abort() : undefined)))
    return withDeadlines(Context.get(context, Redis.Redis), settings, () => {
      stray = true
    })
  })
