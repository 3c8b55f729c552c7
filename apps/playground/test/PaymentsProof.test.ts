/**
 * The payments proof (issue 12, point 6): 1,000 queued charges against the
 * Stripe simulator, with 30 % of its requests failing (resets, ambiguous
 * commits that charge and drop the answer, 500s, 429s), run by two worker
 * processes on one SQLite file, one of them SIGKILLed mid-run. Every charge
 * must end succeeded, declined or dead-lettered with a reason, and the
 * simulator's ledger must show no key charged twice and no charge lost. The
 * totals are printed.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { PersistedQueue } from "effect/persistence"
import { Stripe } from "@wedsync/adapter-stripe"
import { Audit, DeadLetters, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { Payments } from "@wedsync/payments"
import { Faults, Simulator } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { event, running, start, type Worker } from "@wedsync/test-fixtures/workerProcess"
import { afterAll, describe, expect, it } from "vitest"

const PAYMENTS = 1_000
const script = fileURLToPath(new URL("./fixtures/payments-worker.ts", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "wedsync-payments-proof-"))
const file = join(dir, "outbox.sqlite")
afterAll(() => {
  for (const child of running) child.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

const store = DeadLetters.layerSql.pipe(
  Layer.provideMerge(Outbox.layer()),
  Layer.provideMerge(Audit.layerSql),
  Layer.provide(PersistedQueue.layer),
  Layer.provide(QueueStore.layerSql({ pollInterval: "20 millis", lockExpiration: "1 second" })),
  Layer.provide(Sqlite.layer({ filename: file }))
)
const inStore = <A, E>(effect: Effect.Effect<A, E, Layer.Success<typeof store>>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, store)).pipe(Effect.orDie))

/** Every tenth charge is made with a card that is declined. */
const inputOf = (n: number): Payments.ChargeInput => ({
  bookingId: `bk_${n}`,
  instalment: 1,
  amount: 10_000 + n,
  currency: "gbp",
  paymentMethod: n % 10 === 0 ? "pm_card_chargeDeclined" : "pm_card_visa"
})

const operator = { actor: "proof@wedsync.test", reason: "reading the outcome" }
const deadLetters = () =>
  inStore(
    Effect.gen(function* () {
      const letters = yield* DeadLetters.DeadLetters
      const all: Array<DeadLetters.DeadLetter> = []
      let cursor: string | undefined
      do {
        const page = yield* letters.list({}, { limit: 100, cursor }, operator)
        all.push(...page.items)
        cursor = page.nextCursor
      } while (cursor !== undefined)
      return all
    })
  )

describe("1,000 payments, 30 % faults, two workers, one SIGKILLed", () => {
  it("every payment ends succeeded, declined or dead-lettered with a reason; none charged twice, none lost", async () => {
    const sim = await Simulator.start(StripeSim.definition, { seed: 12 })
    const create = "payment_intents.create"
    // 30 % of creates fail, half of them after Stripe charged (the answer lost), the rest before
    sim.faults.add(Faults.rule(Faults.ambiguousCommit, { operation: create, rate: 0.08 }))
    sim.faults.add(Faults.rule(Faults.reset, { operation: create, rate: 0.07 }))
    sim.faults.add(Faults.rule(Faults.error("api_error"), { operation: create, rate: 0.08 }))
    sim.faults.add(Faults.rule(Faults.error("rate_limit", { retryAfterSeconds: 1 }), { operation: create, rate: 0.07 }))
    try {
      await inStore(
        Effect.gen(function* () {
          const outbox = yield* Outbox.Outbox
          for (let n = 1; n <= PAYMENTS; n++) {
            const input = inputOf(n)
            yield* outbox.offer({
              id: Payments.keyOf(input.bookingId, input.instalment),
              service: "payment",
              operation: Payments.operation,
              payload: { input }
            })
          }
        })
      )
      const secret = sim.credentials.secretKey
      const workers: Array<Worker> = [start(script, [file, sim.url, secret]), start(script, [file, sim.url, secret])]
      await Promise.all(workers.map((worker) => worker.next(event("ready"), 30_000)))
      // SIGKILL the first once about a third of the payments have been created.
      const intents = () => sim.ledger.sideEffects().filter((effect) => effect.kind === "payment_intent")
      while (intents().length < PAYMENTS / 3) await new Promise((resolve) => setTimeout(resolve, 20))
      workers[0]!.kill()
      expect(await workers[0]!.exited).toBeNull()

      const keys = Array.from({ length: PAYMENTS }, (_, i) => {
        const input = inputOf(i + 1)
        return Payments.keyOf(input.bookingId, input.instalment)
      })
      const outcome = async () => {
        const letters = new Map((await deadLetters()).map((letter) => [letter.id, letter]))
        const byKey = new Map<string, Array<string>>()
        for (const record of sim.state.paymentIntents.values()) {
          const key = record.intent.metadata[Stripe.keyMetadata]
          if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), record.intent.status])
        }
        let succeeded = 0
        let declined = 0
        let deadLettered = 0
        let lost = 0
        const lostKeys: Array<string> = []
        for (const key of keys) {
          const statuses = byKey.get(key) ?? []
          const letter = letters.get(key)
          if (statuses.includes("succeeded")) succeeded++
          else if (letter?.reason === "Rejected") declined++
          else if (letter !== undefined) deadLettered++
          else {
            lost++
            lostKeys.push(`${key} (intents: ${statuses.join(", ") || "none"})`)
          }
        }
        const charges = [...sim.state.charges.values()].filter((charge) => charge.status === "succeeded")
        const chargedPerKey = new Map<string, number>()
        for (const charge of charges) {
          const key = charge.metadata[Stripe.keyMetadata]
          if (key !== undefined) chargedPerKey.set(key, (chargedPerKey.get(key) ?? 0) + 1)
        }
        const intentsPerKey = [...byKey.values()].filter((statuses) => statuses.length > 1).length
        const doubleCharged = [...chargedPerKey.values()].filter((count) => count > 1).length + intentsPerKey
        return { succeeded, declined, deadLettered, lost, lostKeys, doubleCharged, letters: [...letters.values()] }
      }
      const deadline = Date.now() + 240_000
      let totals = await outcome()
      while (totals.lost > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500))
        totals = await outcome()
      }
      const requests = sim.ledger.requests().filter((request) => request.operation === create)
      const faulted = requests.filter((request) => request.fault._tag !== "Pass").length
      console.log(
        `payments proof: ${PAYMENTS} payments, ${requests.length} create requests (${faulted} faulted), ` +
          `worker 1 SIGKILLed: ${totals.succeeded} succeeded, ${totals.declined} declined, ` +
          `${totals.deadLettered} dead-lettered, ${totals.lost} lost, ${totals.doubleCharged} charged twice`
      )
      if (totals.lost > 0) {
        const requestsOf = (key: string) =>
          sim.ledger
            .requests()
            .filter((request) => request.headers["idempotency-key"] === key)
            .map((request) => `${request.operation}:${request.fault._tag}:${request.outcome}:${request.status ?? "-"}`)
        for (const lost of totals.lostKeys.slice(0, 5)) {
          const key = lost.split(" ")[0]!
          console.log(`lost ${lost}: requests ${requestsOf(key).join(" | ")}`)
        }
      }
      expect(totals.lost).toBe(0)
      expect(totals.doubleCharged).toBe(0)
      expect(totals.declined).toBe(PAYMENTS / 10)
      for (const letter of totals.letters) expect(letter.reason).not.toBe("")
      expect(totals.succeeded + totals.declined + totals.deadLettered).toBe(PAYMENTS)
      for (const worker of workers.slice(1)) worker.kill()
    } finally {
      await sim.stop()
    }
  }, 300_000)
})
