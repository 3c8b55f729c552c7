/**
 * What the admin API's operator actions do, over a real HTTP server and the
 * memory stores: a replayed dead letter is re-queued and the outbox worker
 * runs it; a bulk replay's dry run counts without replaying and a real one
 * stops at its limit; purge deletes only letters older than `olderThan`;
 * overrides are set and cleared; an outbound endpoint is registered and
 * disabled without its secrets ever being answered; a quarantined delivery is
 * re-injected on the operator's word; a workflow timeline and provider health
 * are read. Every mutation shows up in `GET /admin/audit` with the token's
 * name as the actor, paged by cursor.
 */
import { Effect } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { describe, expect, it } from "vitest"
import { AdminApi } from "../src/index.ts"
import { OPERATOR_TOKEN, READ_TOKEN, ran, serverForTests } from "./AdminServer.ts"

const server = serverForTests()

/** The fields the tests read from JSON answers (each answer has some of them). */
interface Entry {
  readonly id: string
  readonly action: string
  readonly actor: string
  readonly target: string
  readonly reason: string
  readonly _tag: string
  readonly name: string
  readonly kind: string
}
interface Body {
  readonly items: ReadonlyArray<Entry>
  readonly nextCursor?: string
  readonly id: string
  readonly status: string
  readonly matched: number
  readonly enabled: boolean
  readonly errors: unknown
  readonly steps: ReadonlyArray<Entry>
  readonly timeline: ReadonlyArray<Entry>
}

const call = async (method: string, path: string, body?: unknown, token = OPERATOR_TOKEN) => {
  const response = await fetch(`${server().baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as Body }
}

const until = async (condition: () => boolean, millis = 5_000) => {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const audited = async (action: string, target?: string) => {
  const answer = await call("GET", `/admin/audit?action=${encodeURIComponent(action)}`, undefined, READ_TOKEN)
  return answer.body.items.filter((entry) => target === undefined || entry.target === target)
}

describe("dead letters", () => {
  it("lists with a filter and a cursor, and inspects one", async () => {
    const first = await call("GET", "/admin/dead-letters?provider=resend&limit=2", undefined, READ_TOKEN)
    expect(first.status).toBe(200)
    expect(first.body.items.map((letter) => letter.id)).toEqual(["dl-recent-1", "dl-recent-2"])
    const second = await call("GET", `/admin/dead-letters?provider=resend&limit=2&cursor=${first.body.nextCursor}`)
    expect(second.body.items.map((letter) => letter.id)).toEqual(["dl-recent-3"])
    expect(second.body.nextCursor).toBeUndefined()
    const one = await call("GET", "/admin/dead-letters/dl-old", undefined, READ_TOKEN)
    expect(one.body).toMatchObject({ id: "dl-old", service: "sms", provider: "twilio", status: "dead" })
  })

  it("replays one: the outbox worker runs it again, a second replay conflicts, both audited", async () => {
    const answer = await call("POST", "/admin/dead-letters/dl-recent-1/replay", { reason: "Resend is back" })
    expect(answer).toEqual({ status: 200, body: { id: "dl-recent-1", outcome: "Replayed" } })
    await until(() => ran.includes("dl-recent-1"))
    const again = await call("POST", "/admin/dead-letters/dl-recent-1/replay", { reason: "twice" })
    expect(again.status).toBe(409)
    expect((await call("POST", "/admin/dead-letters/nope/replay", { reason: "x" })).status).toBe(404)
    const entries = await audited("deadLetters.replay", "dl-recent-1")
    expect(entries.map((entry) => [entry.actor, entry.reason])).toEqual(
      expect.arrayContaining([
        ["otto", "Resend is back"],
        ["otto", "twice"]
      ])
    )
  })

  it("bulk replay: a dry run counts without replaying; a real run stops at its limit", async () => {
    const body = { filter: { provider: "resend" }, limit: 1, reason: "INC-42" }
    const dry = await call("POST", "/admin/dead-letters/replay", { ...body, limit: 10, dryRun: true })
    expect(dry.body).toEqual({ dryRun: true, matched: 2, replayed: 0, stale: 0 })
    expect(ran).not.toContain("dl-recent-2")
    expect((await call("GET", "/admin/dead-letters/dl-recent-2")).body.status).toBe("dead")
    const real = await call("POST", "/admin/dead-letters/replay", { ...body, dryRun: false })
    expect(real.body).toEqual({ dryRun: false, matched: 1, replayed: 1, stale: 0 })
    await until(() => ran.includes("dl-recent-3") || ran.includes("dl-recent-2"))
    const left = await call("POST", "/admin/dead-letters/replay", { ...body, limit: 10, dryRun: true })
    expect(left.body.matched).toBe(1)
    expect((await audited("deadLetters.replayWhere")).map((entry) => entry.actor)).toEqual(["otto"])
  })

  it("purges only letters older than olderThan", async () => {
    const answer = await call("POST", "/admin/dead-letters/purge", { olderThan: "30 days", reason: "retention" })
    expect(answer.body).toEqual({ purged: 1 })
    expect((await call("GET", "/admin/dead-letters/dl-old")).status).toBe(404)
    expect((await call("GET", "/admin/dead-letters/dl-recent-2")).status).toBe(200)
    expect((await audited("deadLetters.purge")).map((entry) => [entry.actor, entry.reason])).toEqual([
      ["otto", "retention"]
    ])
  })
})

describe("overrides", () => {
  it("sets, lists and clears an override, audited with the actor; an unknown id is a 404", async () => {
    const set = await call("POST", "/admin/overrides", {
      override: { _tag: "DisableIntegration", service: "sms", provider: "vonage" },
      reason: "vendor outage"
    })
    expect(set.status).toBe(200)
    expect(set.body).toMatchObject({ _tag: "DisableIntegration", actor: "otto", reason: "vendor outage" })
    const listed = await call("GET", "/admin/overrides", undefined, READ_TOKEN)
    expect((listed.body as unknown as ReadonlyArray<Entry>).map((override) => override._tag)).toContain(
      "DisableIntegration"
    )
    const cleared = await call("DELETE", `/admin/overrides/${set.body.id}`, { reason: "vendor back" })
    expect(cleared.status).toBe(200)
    expect((await call("DELETE", `/admin/overrides/${set.body.id}`, { reason: "again" })).status).toBe(404)
    expect((await audited("overrides.set", "disable:sms:vonage")).map((entry) => entry.actor)).toEqual(["otto"])
    expect((await audited("overrides.clear", "disable:sms:vonage")).map((entry) => entry.reason)).toEqual([
      "vendor back"
    ])
  })

  it("names the known kinds when the kind is unknown", async () => {
    const answer = await call("POST", "/admin/overrides", { override: { _tag: "Bogus" }, reason: "x" })
    expect(answer.status).toBe(400)
    expect(JSON.stringify(answer.body.errors)).toContain("override")
  })
})

describe("outbound endpoints", () => {
  it("registers, disables and enables an endpoint without answering its secrets; each change audited", async () => {
    const secret = "whsec_dG9wLXNlY3JldA"
    const put = await call("PUT", "/admin/endpoints/ep_new", {
      url: "https://example.com/new",
      secrets: [secret],
      eventTypes: ["booking.confirmed"],
      reason: "new vendor"
    })
    expect(put.body).toMatchObject({ id: "ep_new", enabled: true, secretCount: 1 })
    const disabled = await call("POST", "/admin/endpoints/ep_new/disable", { reason: "vendor asked" })
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: "vendor asked" })
    const enabled = await call("POST", "/admin/endpoints/ep_new/enable", { reason: "vendor fixed it" })
    expect(enabled.body.enabled).toBe(true)
    expect((await call("POST", "/admin/endpoints/nope/disable", { reason: "x" })).status).toBe(404)
    const all = await call("GET", "/admin/endpoints", undefined, READ_TOKEN)
    const audit = await call("GET", "/admin/audit?target=ep_new", undefined, READ_TOKEN)
    expect(JSON.stringify([put.body, all.body, audit.body])).not.toContain(secret)
    expect(audit.body.items.map((entry) => [entry.action, entry.actor])).toEqual([
      ["endpoints.enable", "otto"],
      ["endpoints.disable", "otto"],
      ["endpoints.register", "otto"]
    ])
  })
})

describe("quarantine", () => {
  it("re-injects a held delivery on the operator's word; verification failures and repeats conflict", async () => {
    const held = await call("GET", "/admin/quarantine?provider=acme", undefined, READ_TOKEN)
    const id = held.body.items[0]?.id ?? "none"
    expect((await call("GET", `/admin/quarantine/${id}`, undefined, READ_TOKEN)).body).toMatchObject({
      provider: "acme",
      status: "held"
    })
    const verify = await call("POST", `/admin/quarantine/${id}/reinject`, {
      trust: { _tag: "Verify" },
      reason: "retry"
    })
    expect(verify.status).toBe(409)
    const trusted = await call("POST", `/admin/quarantine/${id}/reinject`, {
      trust: { _tag: "OperatorTrusted", eventId: "evt_1", type: "booking.confirmed" },
      reason: "vendor confirmed by phone"
    })
    expect(trusted.body).toMatchObject({ id, eventId: "evt_1", trusted: true })
    expect((await call("GET", `/admin/quarantine/${id}`)).body.status).toBe("reinjected")
    const again = await call("POST", `/admin/quarantine/${id}/reinject`, {
      trust: { _tag: "OperatorTrusted", eventId: "evt_1", type: "booking.confirmed" },
      reason: "twice"
    })
    expect(again.status).toBe(409)
    expect((await audited("quarantine.reinject.trusted", id)).map((entry) => entry.actor)).toEqual(["otto"])
  })
})

describe("reads", () => {
  it("answers a workflow's steps and timeline, provider health labelled by origin, and impact", async () => {
    const workflow = await call("GET", "/admin/workflows/booking:b1", undefined, READ_TOKEN)
    expect(workflow.body.steps.map((step) => step.name)).toEqual(["deposit"])
    expect(workflow.body.timeline.map((entry) => entry.kind)).toEqual(["payment.succeeded"])
    const providers = await call("GET", "/admin/providers", undefined, READ_TOKEN)
    expect(Object.keys(providers.body).sort()).toEqual(["acrossInstances", "thisInstance"])
    const impact = await call("GET", "/admin/impact?service=email&provider=resend", undefined, READ_TOKEN)
    expect(impact.body).toMatchObject({ service: "email", provider: "resend" })
  })

  it("pages the audit trail by cursor, newest first, without repeats", async () => {
    const seen: Array<string> = []
    let cursor: string | undefined
    do {
      const page = await call("GET", `/admin/audit?limit=3${cursor === undefined ? "" : `&cursor=${cursor}`}`)
      seen.push(...page.body.items.map((entry) => entry.id))
      cursor = page.body.nextCursor
    } while (cursor !== undefined)
    const all = await call("GET", "/admin/audit?limit=500")
    expect(seen).toEqual(all.body.items.map((entry) => entry.id))
  })
})

describe("a typed client from the definition", () => {
  const client = (token: string) =>
    HttpApiClient.make(AdminApi.AdminApi, {
      baseUrl: server().baseUrl,
      transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
    })

  it("reads and acts through HttpApiClient, and decodes 403 and 404 as typed errors", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const reader = yield* client(READ_TOKEN)
        const operator = yield* client(OPERATOR_TOKEN)
        const page = yield* reader.deadLetters.list({ query: { provider: "resend", limit: 1 } })
        const refused = yield* Effect.flip(
          reader.overrides.set({
            payload: { override: { _tag: "PinProvider", service: "sms", provider: "twilio" }, reason: "x" }
          })
        )
        const missing = yield* Effect.flip(operator.deadLetters.get({ params: { id: "nope" } }))
        return { ids: page.items.map((letter) => letter.service), refused: refused._tag, missing: missing._tag }
      }).pipe(Effect.provide(FetchHttpClient.layer))
    )
    expect(result).toEqual({ ids: ["email"], refused: "Forbidden", missing: "NotFound" })
  })
})
