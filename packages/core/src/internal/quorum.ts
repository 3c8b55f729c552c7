/**
 * The quorum for opening a shared circuit: one instance's trip is evidence
 * about that instance (its network, its DNS, its egress), not yet about the
 * provider. With a quorum of N > 1 an instance that trips opens its own
 * circuit at once and casts a vote (its instance id, the time); the circuit
 * opens for every instance only when N distinct instances voted within the
 * window. Votes expire with the window and are cleared when they complete a
 * quorum, so old evidence never completes a later one.
 *
 * Two vote stores: `memoryVotes` (one process, for tests) and `redisVotes`,
 * one Lua script over a sorted set per circuit, timed by Redis' own clock so
 * instances' clocks need not agree.
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import { CircuitBreaker, Redis } from "effect/persistence"
import type { Engine } from "./engine.ts"

/**
 * Where votes are cast and counted.
 *
 * @example
 * ```ts
 * const votes = memoryVotes()
 * const standing = yield* votes.vote("sms:twilio", "instance-a", 2, 60_000) // 1: no quorum yet
 * ```
 * @internal
 */
export interface Votes {
  /**
   * Records `instance`'s vote to open `key` and answers how many distinct
   * instances voted within the last `windowMillis`, this one included. When
   * that reaches `quorum` the votes are cleared: the answer is the opening.
   */
  readonly vote: (
    key: string,
    instance: string,
    quorum: number,
    windowMillis: number
  ) => Effect.Effect<number, CircuitBreaker.CircuitBreakerError>
}

/**
 * An engine's quorum rule.
 *
 * @internal
 */
export interface Quorum {
  /** Distinct instances that must vote before a circuit opens for all; 1 opens on the first trip. */
  readonly size: number
  readonly windowMillis: number
  /** This instance's id in the vote. */
  readonly instance: string
  readonly votes: Votes
}

/**
 * Votes kept in this process, on the fiber's clock (so `TestClock` moves them).
 *
 * @example
 * ```ts
 * const votes = memoryVotes()
 * yield* votes.vote("email:resend", "a", 2, 60_000) // 1
 * yield* votes.vote("email:resend", "b", 2, 60_000) // 2: quorum, the votes are cleared
 * ```
 * @internal
 */
export const memoryVotes = (): Votes => {
  const ballots = new Map<string, Map<string, number>>()
  return {
    vote: (key, instance, quorum, windowMillis) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const voters = ballots.get(key) ?? new Map<string, number>()
        for (const [voter, at] of voters) {
          if (at <= now - windowMillis) voters.delete(voter)
        }
        voters.set(instance, now)
        const standing = voters.size
        if (standing >= quorum) ballots.delete(key)
        else ballots.set(key, voters)
        return standing
      })
  }
}

// KEYS[1] the circuit's vote set; ARGV instance, quorum, window (ms).
// A sorted set of instance → time of its latest vote: ZADD replaces an
// instance's earlier vote, so the count is of distinct instances. The set
// expires with the window, and is deleted when it completes a quorum.
const voteScript = Redis.script(
  (key: string, instance: string, quorum: number, windowMillis: number) => [key, instance, quorum, windowMillis],
  {
    numberOfKeys: 1,
    lua: `
local key = KEYS[1]
local quorum = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
if not quorum or quorum < 1 or not window or window < 1 then
  return redis.error_reply("quorum vote: invalid arguments")
end
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call("ZREMRANGEBYSCORE", key, "-inf", string.format("%.0f", now - window))
redis.call("ZADD", key, string.format("%.0f", now), ARGV[1])
local standing = redis.call("ZCARD", key)
if standing >= quorum then
  redis.call("DEL", key)
else
  redis.call("PEXPIRE", key, string.format("%.0f", window))
end
return standing
`
  }
).withReturnType<number>()

/**
 * Votes in Redis under `<prefix>quorum:<service>:<provider>`.
 *
 * @example
 * ```ts
 * const votes = redisVotes(yield* Redis.Redis, "wedsync:circuit:")
 * ```
 * @internal
 */
export const redisVotes = (redis: Redis.Redis["Service"], prefix: string): Votes => {
  const run = redis.eval(voteScript)
  return {
    vote: (key, instance, quorum, windowMillis) =>
      run(`${prefix}quorum:${key}`, instance, quorum, windowMillis).pipe(
        Effect.map(Number),
        Effect.mapError(
          (error) =>
            new CircuitBreaker.CircuitBreakerError({
              reason: new CircuitBreaker.CircuitBreakerStoreError({
                message: "Failed to record a quorum vote",
                cause: error.cause
              })
            })
        )
      )
  }
}

/**
 * A quorum rule; `instance` defaults to a random id per engine.
 *
 * @example
 * ```ts
 * const quorum = make({ size: 2, windowMillis: 60_000, votes: memoryVotes() })
 * ```
 * @internal
 */
export const make = (options: {
  readonly size: number
  readonly windowMillis: number
  readonly votes: Votes
  readonly instance?: string | undefined
}): Quorum => ({
  size: options.size,
  windowMillis: options.windowMillis,
  votes: options.votes,
  instance: options.instance ?? globalThis.crypto.randomUUID()
})

// Kept beside the engine rather than in `EngineOptions`, so the engine and the call path stay as they are.
const quorums = new WeakMap<Engine, Quorum>()

/** Gives `engine` a quorum rule; without one a trip opens the shared circuit at once. @internal */
export const register = (engine: Engine, quorum: Quorum): void => {
  quorums.set(engine, quorum)
}

/** The engine's quorum rule, when it needs more than one instance. @internal */
export const quorumOf = (engine: Engine): Quorum | undefined => {
  const quorum = quorums.get(engine)
  return quorum !== undefined && quorum.size > 1 ? quorum : undefined
}
