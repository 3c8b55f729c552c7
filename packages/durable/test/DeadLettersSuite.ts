/**
 * The contract every dead-letter store passes (memory, SQLite, PostgreSQL),
 * written once as a function of the layer, like Effect's `KeyValueStoreTest.suite`.
 * The layer under test provides `DeadLetters` and `Audit`; the suite provides
 * a recording `Replayer` (a real layer that keeps what it was handed, and can
 * be told to fail). Real clock: times are read from `Clock` and letters are
 * placed relative to it, so nothing waits and nothing depends on durations.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Layer, Ref } from "effect"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import { letter, operator, ReplayLog, recordingReplayer, T } from "./fixtures/deadLetters.ts"

const service = Effect.service(DeadLetters.DeadLetters)
const auditLog = (filter: Audit.Filter = {}) =>
  Effect.flatMap(Effect.service(Audit.Audit), (audit) => audit.list(filter))
/** One field of an audit entry's details. */
const detail = (entry: Audit.AuditEntry | undefined, key: string): unknown =>
  (entry?.details as Record<string, unknown> | undefined)?.[key]
const addAll = (letters: ReadonlyArray<DeadLetters.DeadLetter>) =>
  Effect.flatMap(service, (store) => Effect.forEach(letters, store.add, { discard: true }))
const ids = (page: DeadLetters.PageOf<DeadLetters.DeadLetter>) => page.items.map((item) => item.id)
const listIds = (filter: DeadLetters.Filter) =>
  Effect.flatMap(service, (store) => Effect.map(store.list(filter, { limit: 500 }, operator), ids))

/** Every page of a listing, following cursors. */
const allPages = (filter: DeadLetters.Filter, limit: number) =>
  Effect.gen(function* () {
    const store = yield* service
    const pages: Array<ReadonlyArray<string>> = []
    let cursor: string | undefined
    do {
      const page = yield* store.list(filter, { cursor, limit }, operator)
      pages.push(ids(page))
      cursor = page.nextCursor
    } while (cursor !== undefined && pages.length < 100)
    return pages
  })

/** Runs the dead-letter contract against `layer` (a fresh store per test). */
export const deadLettersSuite = <E>(
  name: string,
  layer: Layer.Layer<DeadLetters.DeadLetters | Audit.Audit, E, DeadLetters.Replayer>
) => {
  const provided = layer.pipe(Layer.provideMerge(recordingReplayer))
  const test = (title: string, body: Effect.Effect<void, unknown, DeadLetters.DeadLetters | Audit.Audit | ReplayLog>) =>
    it.live(title, () => body.pipe(Effect.provide(provided)))

  describe(`DeadLetters contract: ${name}`, () => {
    test(
      "add then get returns the letter as it was added",
      Effect.gen(function* () {
        const store = yield* service
        const original = letter("job_1", T, { relevantUntil: T + 60_000 })
        const bare = new DeadLetters.DeadLetter({
          id: "job_2",
          service: "sms",
          operation: "send",
          providersTried: [],
          reason: "Expired",
          errors: [],
          attempts: 1,
          payload: null,
          correlationId: "corr_2",
          firstFailureAt: T,
          lastFailureAt: T,
          deadAt: T,
          status: "dead",
          replays: 0
        })
        yield* addAll([original, bare])
        assert.deepStrictEqual(yield* store.get("job_1", operator), original)
        assert.deepStrictEqual(yield* store.get("job_2", operator), bare)
        const missing = yield* Effect.flip(store.get("nope", operator))
        assert.strictEqual(missing._tag, "DeadLetterNotFound")
      })
    )

    test(
      "add redacts secrets in the payload before keeping it",
      Effect.gen(function* () {
        const store = yield* service
        yield* store.add(
          letter("job_s", T, { payload: { to: "ana@example.com", apiKey: "re_123", nested: [{ token: "t" }] } })
        )
        const kept = yield* store.get("job_s", operator)
        assert.deepStrictEqual(kept.payload, {
          to: "ana@example.com",
          apiKey: "<redacted>",
          nested: [{ token: "<redacted>" }]
        })
      })
    )

    test(
      "the same id again replaces the letter, keeping its replay count and first failure",
      Effect.gen(function* () {
        const store = yield* service
        yield* store.add(letter("job_r", T, { firstFailureAt: T - 10_000, relevantUntil: Number.MAX_SAFE_INTEGER }))
        yield* store.replay("job_r", operator)
        yield* store.add(letter("job_r", T + 5_000, { reason: "RateLimited", firstFailureAt: T + 1_000 }))
        const again = yield* store.get("job_r", operator)
        assert.strictEqual(again.status, "dead")
        assert.strictEqual(again.reason, "RateLimited")
        assert.strictEqual(again.deadAt, T + 5_000)
        assert.strictEqual(again.replays, 1)
        assert.strictEqual(again.firstFailureAt, T - 10_000)
      })
    )

    test(
      "list filters by service, provider, reason, wedding, status and a deadAt range, alone and combined",
      Effect.gen(function* () {
        yield* addAll([
          letter("a", T + 1),
          letter("b", T + 2, { service: "sms", provider: "twilio" }),
          letter("c", T + 3, { reason: "RateLimited" }),
          letter("d", T + 4, {
            wedding: { weddingId: "w_2", weddingDate: "2026-07-01", vendorType: "dj", criticality: "low" }
          }),
          letter("e", T + 5, { status: "stale" }),
          letter("f", T + 6, { service: "sms", provider: "vonage", reason: "RateLimited" }),
          letter("g", T + 7, { provider: "postmark" }),
          (() => {
            const { wedding: _, ...rest } = letter("h", T + 8)
            return new DeadLetters.DeadLetter(rest)
          })()
        ])
        assert.deepStrictEqual(yield* listIds({}), ["h", "g", "f", "e", "d", "c", "b", "a"])
        assert.deepStrictEqual(yield* listIds({ service: "sms" }), ["f", "b"])
        assert.deepStrictEqual(yield* listIds({ provider: "resend" }), ["h", "e", "d", "c", "a"])
        assert.deepStrictEqual(yield* listIds({ reason: "RateLimited" }), ["f", "c"])
        assert.deepStrictEqual(yield* listIds({ weddingId: "w_2" }), ["d"])
        assert.deepStrictEqual(yield* listIds({ status: "stale" }), ["e"])
        assert.deepStrictEqual(yield* listIds({ from: T + 3, to: T + 6 }), ["f", "e", "d", "c"])
        assert.deepStrictEqual(yield* listIds({ from: T + 7 }), ["h", "g"])
        assert.deepStrictEqual(yield* listIds({ to: T + 1 }), ["a"])
        assert.deepStrictEqual(yield* listIds({ service: "sms", reason: "RateLimited" }), ["f"])
        assert.deepStrictEqual(yield* listIds({ service: "email", provider: "resend", status: "dead", from: T + 2 }), [
          "h",
          "d",
          "c"
        ])
        assert.deepStrictEqual(yield* listIds({ service: "payment" }), [])
      })
    )

    test(
      "cursor paging walks every letter once, newest first, ties broken by id, with or without a filter",
      Effect.gen(function* () {
        // 23 letters on 8 distinct times: ties at page edges must not lose or repeat letters
        const letters = Array.from({ length: 23 }, (_, i) =>
          letter(`job_${String(i).padStart(2, "0")}`, T + (i % 8) * 1_000, {
            reason: i % 3 === 0 ? "TimedOut" : "Unavailable"
          })
        )
        yield* addAll(letters)
        const expected = [...letters]
          .sort((a, b) => b.deadAt - a.deadAt || (b.id < a.id ? -1 : 1))
          .map((item) => item.id)
        for (const limit of [1, 4, 5, 23, 50]) {
          const pages = yield* allPages({}, limit)
          assert.deepStrictEqual(pages.flat(), expected, `limit ${limit}`)
          assert.strictEqual(pages.length, Math.ceil(23 / limit))
          assert.isTrue(pages.every((page) => page.length <= limit))
        }
        const timedOut = yield* allPages({ reason: "TimedOut" }, 3)
        assert.deepStrictEqual(
          timedOut.flat(),
          expected.filter((id) => Number(id.slice(4)) % 3 === 0)
        )
        const store = yield* service
        const bad = yield* Effect.flip(store.list({}, { cursor: "not-a-cursor" }, operator))
        assert.strictEqual(bad._tag, "StoreError")
      })
    )

    test(
      "a page holds 50 letters unless asked otherwise",
      Effect.gen(function* () {
        yield* addAll(Array.from({ length: 55 }, (_, i) => letter(`job_${i}`, T + i)))
        const store = yield* service
        const first = yield* store.list({}, {}, operator)
        assert.strictEqual(first.items.length, 50)
        const rest = yield* store.list({}, { cursor: first.nextCursor }, operator)
        assert.strictEqual(rest.items.length, 5)
        assert.isUndefined(rest.nextCursor)
      })
    )

    test(
      "replay hands the letter to the replayer, marks it replayed, counts the replay and audits it",
      Effect.gen(function* () {
        const store = yield* service
        const original = letter("job_1", T, { relevantUntil: (yield* Clock.currentTimeMillis) + 3_600_000 })
        yield* store.add(original)
        const outcome = yield* store.replay("job_1", operator)
        assert.deepStrictEqual(outcome, { _tag: "Replayed", id: "job_1" })
        assert.deepStrictEqual(yield* Ref.get((yield* ReplayLog).calls), [original])
        const after = yield* store.get("job_1", operator)
        assert.strictEqual(after.status, "replayed")
        assert.strictEqual(after.replays, 1)
        const [entry] = yield* auditLog({ action: "deadLetters.replay" })
        assert.strictEqual(entry?.actor, operator.actor)
        assert.strictEqual(entry?.reason, operator.reason)
        assert.strictEqual(entry?.target, "job_1")
        assert.deepStrictEqual(entry?.details, { outcome: "Replayed" })
      })
    )

    test(
      "replaying a letter whose moment has passed marks it stale without sending it",
      Effect.gen(function* () {
        const store = yield* service
        const now = yield* Clock.currentTimeMillis
        yield* store.add(letter("reminder_1", T, { relevantUntil: now - 1 }))
        assert.deepStrictEqual(yield* store.replay("reminder_1", operator), { _tag: "Stale", id: "reminder_1" })
        assert.deepStrictEqual(yield* Ref.get((yield* ReplayLog).calls), [])
        const after = yield* store.get("reminder_1", operator)
        assert.strictEqual(after.status, "stale")
        assert.strictEqual(after.replays, 0)
        const [entry] = yield* auditLog({ action: "deadLetters.replay", target: "reminder_1" })
        assert.deepStrictEqual(entry?.details, { outcome: "Stale" })
      })
    )

    test(
      "only a dead letter can be replayed; a missing one is not found; both attempts are audited",
      Effect.gen(function* () {
        const store = yield* service
        yield* addAll([
          letter("replayed", T, { status: "replayed", replays: 1 }),
          letter("stale", T, { status: "stale" })
        ])
        const first = yield* Effect.flip(store.replay("replayed", operator))
        assert.deepStrictEqual(first, new DeadLetters.NotReplayable({ id: "replayed", status: "replayed" }))
        const second = yield* Effect.flip(store.replay("stale", operator))
        assert.deepStrictEqual(second, new DeadLetters.NotReplayable({ id: "stale", status: "stale" }))
        const missing = yield* Effect.flip(store.replay("missing", operator))
        assert.strictEqual(missing._tag, "DeadLetterNotFound")
        assert.deepStrictEqual(yield* Ref.get((yield* ReplayLog).calls), [])
        const entries = yield* auditLog({ action: "deadLetters.replay" })
        assert.deepStrictEqual(entries.map((entry) => entry.target).sort(), ["missing", "replayed", "stale"])
        assert.isTrue(entries.every((entry) => detail(entry, "outcome") === "failed"))
      })
    )

    test(
      "a second replay of the same letter is refused, so it is sent once",
      Effect.gen(function* () {
        const store = yield* service
        yield* store.add(letter("job_1", T))
        const results = yield* Effect.all([store.replay("job_1", operator), store.replay("job_1", operator)], {
          concurrency: 2,
          mode: "result"
        })
        assert.strictEqual(results.filter((result) => result._tag === "Success").length, 1)
        assert.strictEqual((yield* Ref.get((yield* ReplayLog).calls)).length, 1)
      })
    )

    test(
      "when the replayer fails the letter stays dead and the failure is audited",
      Effect.gen(function* () {
        const store = yield* service
        yield* store.add(letter("job_1", T))
        yield* Ref.set((yield* ReplayLog).failing, true)
        const error = yield* Effect.flip(store.replay("job_1", operator))
        assert.strictEqual(error._tag, "StoreError")
        const after = yield* store.get("job_1", operator)
        assert.strictEqual(after.status, "dead")
        assert.strictEqual(after.replays, 0)
        const [entry] = yield* auditLog({ action: "deadLetters.replay" })
        assert.strictEqual(detail(entry, "outcome"), "failed")
      })
    )

    test(
      "replayWhere replays at most `limit` matching dead letters, oldest first, and marks stale ones",
      Effect.gen(function* () {
        const store = yield* service
        const now = yield* Clock.currentTimeMillis
        yield* addAll([
          letter("m1", T + 1),
          letter("m2", T + 2, { relevantUntil: now - 1 }),
          letter("m3", T + 3),
          letter("m4", T + 4),
          letter("m5", T + 5),
          letter("done", T, { status: "replayed" }),
          letter("other", T, { provider: "postmark" })
        ])
        const filter = { provider: "resend" }
        assert.deepStrictEqual(yield* store.replayWhere(filter, { limit: 3 }, operator), { replayed: 2, stale: 1 })
        const log = yield* ReplayLog
        assert.deepStrictEqual(
          (yield* Ref.get(log.calls)).map((item) => item.id),
          ["m1", "m3"]
        )
        assert.deepStrictEqual(yield* store.replayWhere(filter, { limit: 10 }, operator), { replayed: 2, stale: 0 })
        assert.deepStrictEqual(
          (yield* Ref.get(log.calls)).map((item) => item.id),
          ["m1", "m3", "m4", "m5"]
        )
        assert.deepStrictEqual(yield* store.replayWhere(filter, { limit: 10 }, operator), { replayed: 0, stale: 0 })
        assert.deepStrictEqual(yield* listIds({ status: "dead" }), ["other"])
        const summaries = yield* auditLog({ action: "deadLetters.replayWhere" })
        assert.strictEqual(summaries.length, 3)
        assert.strictEqual(summaries[2]?.target, "provider=resend")
        assert.deepStrictEqual(summaries[2]?.details, { filter, limit: 3, replayed: 2, stale: 1 })
        assert.strictEqual((yield* auditLog({ action: "deadLetters.replay" })).length, 5)
      })
    )

    test(
      "purge deletes what the filter matches and says how many",
      Effect.gen(function* () {
        const store = yield* service
        yield* addAll([
          letter("a", T, { service: "sms" }),
          letter("b", T + 1, { service: "sms", status: "replayed" }),
          letter("c", T + 2)
        ])
        assert.strictEqual(yield* store.purge({ service: "sms", status: "replayed" }, operator), 1)
        assert.deepStrictEqual(yield* listIds({}), ["c", "a"])
        assert.strictEqual(yield* store.purge({ service: "sms" }, operator), 1)
        assert.strictEqual(yield* store.purge({ service: "sms" }, operator), 0)
        assert.deepStrictEqual(yield* listIds({}), ["c"])
        const [entry] = yield* auditLog({ action: "deadLetters.purge" })
        assert.strictEqual(entry?.target, "service=sms")
        assert.deepStrictEqual(entry?.details, { filter: { service: "sms" }, purged: 0 })
      })
    )

    test(
      "purgeOlderThan deletes the letters that died longer ago than the age",
      Effect.gen(function* () {
        const store = yield* service
        const now = yield* Clock.currentTimeMillis
        yield* addAll([
          letter("old", now - 8 * 86_400_000),
          letter("older", now - 30 * 86_400_000, { status: "replayed" }),
          letter("recent", now - 86_400_000)
        ])
        assert.strictEqual(yield* store.purgeOlderThan("7 days", operator), 2)
        assert.deepStrictEqual(yield* listIds({}), ["recent"])
        const [entry] = yield* auditLog({ action: "deadLetters.purgeOlderThan" })
        assert.strictEqual(detail(entry, "purged"), 2)
        assert.strictEqual(detail(entry, "ageMillis"), 7 * 86_400_000)
      })
    )

    test(
      "every operator action is audited with actor, action, target and reason; add is not",
      Effect.gen(function* () {
        const store = yield* service
        const other: Audit.Operator = { actor: "bo@wedsync.test", reason: "cleanup" }
        yield* store.add(letter("job_1", T))
        yield* store.list({ service: "email" }, {}, operator)
        yield* store.get("job_1", operator)
        yield* store.replay("job_1", operator)
        yield* store.replayWhere({}, { limit: 1 }, other)
        yield* store.purge({ status: "replayed" }, other)
        yield* store.purgeOlderThan("30 days", other)
        const entries = yield* auditLog()
        assert.deepStrictEqual(
          entries.map((entry) => [entry.actor, entry.action, entry.target, entry.reason]).reverse(),
          [
            [operator.actor, "deadLetters.list", "service=email", operator.reason],
            [operator.actor, "deadLetters.get", "job_1", operator.reason],
            [operator.actor, "deadLetters.replay", "job_1", operator.reason],
            [other.actor, "deadLetters.replayWhere", "*", other.reason],
            [other.actor, "deadLetters.purge", "status=replayed", other.reason],
            [other.actor, "deadLetters.purgeOlderThan", "deadAt<now-30d", other.reason]
          ]
        )
        assert.isTrue(entries.every((entry) => entry.id.length > 0 && entry.at > 0))
      })
    )

    test(
      "Audit.list filters by actor, action, target and time, newest first, up to the limit",
      Effect.gen(function* () {
        const audit = yield* Audit.Audit
        const first = yield* audit.record({
          actor: "ana",
          action: "overrides.set",
          target: "email/resend",
          reason: "r1"
        })
        yield* audit.record({ actor: "bo", action: "overrides.set", target: "sms/twilio", reason: "r2" })
        const third = yield* audit.record({
          actor: "ana",
          action: "overrides.clear",
          target: "email/resend",
          reason: "r3",
          details: { password: "hunter2", keep: [1, 2] }
        })
        assert.deepStrictEqual(third.details, { password: "<redacted>", keep: [1, 2] })
        assert.deepStrictEqual(
          (yield* audit.list({ actor: "ana" })).map((entry) => entry.reason),
          ["r3", "r1"]
        )
        assert.deepStrictEqual(
          (yield* audit.list({ action: "overrides.set" })).map((entry) => entry.reason),
          ["r2", "r1"]
        )
        assert.deepStrictEqual(
          (yield* audit.list({ target: "email/resend", actor: "ana" })).map((e) => e.reason),
          ["r3", "r1"]
        )
        assert.deepStrictEqual(
          (yield* audit.list({ limit: 1 })).map((entry) => entry.reason),
          ["r3"]
        )
        assert.deepStrictEqual(yield* audit.list({ since: third.at + 1 }), [])
        assert.strictEqual((yield* audit.list({ until: first.at - 1 })).length, 0)
        assert.strictEqual((yield* audit.list({ since: first.at, until: third.at })).length, 3)
        const [stored] = yield* audit.list({ action: "overrides.clear" })
        assert.deepStrictEqual(stored, third)
        const exit = yield* Effect.exit(audit.list({ actor: "nobody" }))
        assert.isTrue(Exit.isSuccess(exit))
      })
    )
  })
}
