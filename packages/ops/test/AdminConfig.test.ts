/**
 * The admin API's configuration and readiness: tokens read from
 * `WEDSYNC_ADMIN_TOKENS` (JSON, redacted; a malformed value fails without
 * quoting it; unusable tokens refuse to build), and the ready probe reaching
 * each store in context — a SQL database that answers, a Redis that does not
 * (503, naming the store but not the driver's message).
 */
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { Redis } from "effect/persistence"
import { Sqlite } from "@wedsync/durable"
import { afterEach, describe, expect, it } from "vitest"
import { Admin } from "../src/index.ts"
import { OPERATOR_TOKEN, READ_TOKEN, start } from "./AdminServer.ts"

type Server = Awaited<ReturnType<typeof start>>
let server: Server | undefined

afterEach(async () => {
  await server?.runtime.dispose()
  server = undefined
})

const get = async (path: string, token?: string) => {
  const response = await fetch(`${server?.baseUrl}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` }
  })
  return { status: response.status, body: (await response.json()) as unknown }
}

const withEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))

const failingRedis = Layer.effect(
  Redis.Redis,
  Redis.make({
    send: () => Effect.fail(new Redis.RedisError({ cause: new Error("ECONNREFUSED redis://secret@10.0.0.9") })),
    subscribe: () => Effect.fail(new Redis.RedisError({ cause: new Error("down") })),
    connect: Effect.fail(new Redis.RedisError({ cause: new Error("down") }))
  })
)

describe("tokens from configuration", () => {
  it("serves with WEDSYNC_ADMIN_TOKENS: each token's scope and name hold", async () => {
    const env = {
      WEDSYNC_ADMIN_TOKENS: JSON.stringify([
        { name: "rita", token: READ_TOKEN, scope: "read" },
        { name: "otto", token: OPERATOR_TOKEN, scope: "operator" }
      ])
    }
    server = await start({ admin: Admin.layerConfig().pipe(Layer.provide(withEnv(env))) })
    expect((await get("/admin/overrides", READ_TOKEN)).status).toBe(200)
    expect((await get("/admin/overrides")).status).toBe(401)
  })

  it("fails on a malformed value without quoting it", async () => {
    const secret = "leaky-token-0123456789abcdef"
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        return yield* Admin.tokensConfig()
      }).pipe(Effect.provide(withEnv({ WEDSYNC_ADMIN_TOKENS: `[{"name":"ana","token":"${secret}","scope":"admin"}]` })))
    )
    expect(exit._tag).toBe("Failure")
    expect(String(JSON.stringify(exit))).not.toContain(secret)
    expect(String(exit)).not.toContain(secret)
  })

  it.each([
    ["no token", []],
    ["a short token", [{ name: "ana", token: Redacted.make("short"), scope: "read" as const }]],
    [
      "a name twice",
      [
        { name: "ana", token: Redacted.make(READ_TOKEN), scope: "read" as const },
        { name: "ana", token: Redacted.make(OPERATOR_TOKEN), scope: "operator" as const }
      ]
    ]
  ])("refuses to build with %s", async (_, tokens) => {
    await expect(start({ admin: Admin.layer({ tokens }) })).rejects.toThrow(/admin tokens/)
  })
})

describe("ready probe", () => {
  it("is ready when the SQL database answers", async () => {
    server = await start({ extra: Sqlite.layerMemory })
    expect(await get("/admin/ready")).toEqual({
      status: 200,
      body: { status: "ready", checks: [{ name: "sql", ok: true }] }
    })
  })

  it("answers 503 naming the store that does not answer, without its driver's message", async () => {
    server = await start({ extra: Layer.merge(Sqlite.layerMemory, failingRedis) })
    const answer = await get("/admin/ready")
    expect(answer.status).toBe(503)
    expect(answer.body).toMatchObject({
      status: "not_ready",
      checks: [
        { name: "sql", ok: true },
        { name: "redis", ok: false }
      ]
    })
    expect(JSON.stringify(answer.body)).not.toContain("secret")
    expect((await get("/admin/live")).status).toBe(200)
  })
})
