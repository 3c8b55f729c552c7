/**
 * `Overrides.layerSql` between instances on one PostgreSQL database: a change
 * in one is applied in the other within one second. Needs `DATABASE_URL`
 * (default postgres://postgres@127.0.0.1:5432/test); skipped when it is
 * unreachable, and fails on CI (`CI=true`).
 */
import { randomUUID } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Resilience } from "@wedsync/core"
import { databaseUrl, postgresUp } from "@wedsync/test-fixtures/services"
import { Context, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import * as Audit from "../src/Audit.ts"
import * as Overrides from "../src/Overrides.ts"

describe.skipIf(!postgresUp)("Overrides.layerSql on PostgreSQL", () => {
  it("persists, replaces by target, and a second instance applies a change on its next poll", async () => {
    const instance = Overrides.layerSql({ pollInterval: "100 millis" }).pipe(
      Layer.provideMerge(Resilience.layerMemory())
    )
    const pg = PgClient.layer({ url: Redacted.make(databaseUrl) })
    const operator = { actor: "ana@wedsync", reason: "integration test" }
    const program = Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const a = yield* Layer.build(instance)
      const b = yield* Layer.build(instance)
      const overridesA = Context.get(a, Overrides.Overrides)
      const overridesB = Context.get(b, Overrides.Overrides)
      const provider = `pg-${randomUUID()}`
      const first = yield* overridesA.set({ _tag: "ForceCircuit", service: "email", provider, state: "open" }, operator)
      const second = yield* overridesA.set(
        { _tag: "ForceCircuit", service: "email", provider, state: "closed" },
        operator
      )
      const stored = yield* sql<{
        id: string
      }>`SELECT id FROM wedsync_overrides WHERE target = ${`circuit:email:${provider}`}`
      expect(stored.map((row) => row.id)).toEqual([second.id])
      const from = Date.now()
      while (overridesB.current().forced.get(`email:${provider}`) !== "closed" && Date.now() - from < 2_000) {
        yield* Effect.sleep("5 millis")
      }
      expect(Date.now() - from).toBeLessThan(1_000)
      expect(yield* Resilience.circuitState("email", provider).pipe(Effect.provide(b))).toBe("closed")
      expect((yield* Effect.flip(overridesB.clear(first.id, operator)))._tag).toBe("OverrideNotFound")
      yield* overridesB.clear(second.id, operator)
      expect(overridesB.current().forced.has(`email:${provider}`)).toBe(false)
    })
    await Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Layer.merge(Audit.layerMemory, pg))))
  })
})
