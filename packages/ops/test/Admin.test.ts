/**
 * The admin API's authorization and input checks, over a real HTTP server:
 * for every endpoint, no token and an unknown token answer 401 with
 * `WWW-Authenticate: Bearer`; a read token is refused every mutation with a
 * 403 and answers every read; the 401/403 is the same for an id that exists
 * and one that does not. Bad input answers 400 naming the field. The probes
 * and the OpenAPI document are open, and the document lists every path.
 */
import { describe, expect, it } from "vitest"
import { AdminApi } from "../src/index.ts"
import { OPERATOR_TOKEN, READ_TOKEN, serverForTests } from "./AdminServer.ts"

const server = serverForTests()

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

const call = async (
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {}
): Promise<Answer> => {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(`${server().baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
}

const reason = { reason: "admin api test" }

// Every authorized endpoint: a path to something that exists and to something that does not, and a valid body.
const endpoints: ReadonlyArray<{
  readonly method: string
  readonly path: string
  readonly missing?: string
  readonly body?: unknown
}> = [
  { method: "GET", path: "/admin/providers" },
  { method: "GET", path: "/admin/incidents" },
  { method: "GET", path: "/admin/dead-letters" },
  { method: "GET", path: "/admin/dead-letters/dl-old", missing: "/admin/dead-letters/nope" },
  {
    method: "POST",
    path: "/admin/dead-letters/dl-old/replay",
    missing: "/admin/dead-letters/nope/replay",
    body: reason
  },
  {
    method: "POST",
    path: "/admin/dead-letters/replay",
    body: { filter: { provider: "resend" }, limit: 10, dryRun: true, ...reason }
  },
  { method: "POST", path: "/admin/dead-letters/purge", body: { olderThan: "365 days", ...reason } },
  { method: "GET", path: "/admin/quarantine" },
  { method: "GET", path: "/admin/quarantine/QID", missing: "/admin/quarantine/nope" },
  {
    method: "POST",
    path: "/admin/quarantine/QID/reinject",
    missing: "/admin/quarantine/nope/reinject",
    body: { trust: { _tag: "Verify" }, ...reason }
  },
  { method: "GET", path: "/admin/overrides" },
  {
    method: "POST",
    path: "/admin/overrides",
    body: { override: { _tag: "PinProvider", service: "sms", provider: "twilio" }, ...reason }
  },
  { method: "DELETE", path: "/admin/overrides/OID", missing: "/admin/overrides/nope", body: reason },
  { method: "GET", path: "/admin/endpoints" },
  { method: "GET", path: "/admin/endpoints/ep_1", missing: "/admin/endpoints/nope" },
  {
    method: "PUT",
    path: "/admin/endpoints/ep_1",
    missing: "/admin/endpoints/nope",
    body: { url: "https://example.com/hook", secrets: ["whsec_c2VjcmV0"], ...reason }
  },
  { method: "POST", path: "/admin/endpoints/ep_1/enable", missing: "/admin/endpoints/nope/enable", body: reason },
  { method: "POST", path: "/admin/endpoints/ep_1/disable", missing: "/admin/endpoints/nope/disable", body: reason },
  { method: "GET", path: "/admin/workflows/booking:b1", missing: "/admin/workflows/nope" },
  { method: "GET", path: "/admin/impact?service=email" },
  { method: "GET", path: "/admin/audit" }
]

const ids = async () => {
  const quarantined = await call("GET", "/admin/quarantine", { token: READ_TOKEN })
  const overrides = await call("GET", "/admin/overrides", { token: READ_TOKEN })
  const qid = (quarantined.body as { items: Array<{ id: string }> }).items[0]?.id ?? "missing"
  const oid = (overrides.body as Array<{ id: string }>)[0]?.id ?? "missing"
  return (path: string) => path.replace("QID", qid).replace("OID", oid)
}

describe("every authorized endpoint", () => {
  it("lists every declared endpoint in this table", () => {
    const declared = Object.values(AdminApi.AdminApi.groups).flatMap((group) =>
      Object.values(group.endpoints).map((endpoint) => `${endpoint.method} ${endpoint.path}`)
    )
    const tested = endpoints.map((endpoint) => `${endpoint.method} ${endpoint.path.replace(/\?.*/, "")}`)
    const open = ["GET /admin/live", "GET /admin/ready"]
    const normalise = (route: string) =>
      route.replace(/\/(dl-old|QID|OID|ep_1|booking:b1)/g, "/:_").replace(/:\w+/g, ":_")
    expect(new Set(tested.map(normalise))).toEqual(
      new Set(declared.map(normalise).filter((route) => !open.includes(route)))
    )
  })

  it("answers 401 with a Bearer challenge without a token or with an unknown one, existing or missing id", async () => {
    const at = await ids()
    for (const endpoint of endpoints) {
      for (const path of [endpoint.path, endpoint.missing].filter((path) => path !== undefined)) {
        for (const token of [undefined, "not-a-configured-token-at-all", `${READ_TOKEN}x`]) {
          const answer = await call(endpoint.method, at(path), {
            ...(token === undefined ? {} : { token }),
            body: endpoint.body
          })
          expect([endpoint.method, path, answer.status]).toEqual([endpoint.method, path, 401])
          expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/)
        }
      }
    }
  })

  it("answers 403 to a read token on every mutation, the same for an existing and a missing id", async () => {
    const at = await ids()
    for (const endpoint of endpoints.filter((endpoint) => endpoint.method !== "GET")) {
      const existing = await call(endpoint.method, at(endpoint.path), { token: READ_TOKEN, body: endpoint.body })
      expect([endpoint.path, existing.status]).toEqual([endpoint.path, 403])
      if (endpoint.missing !== undefined) {
        const missing = await call(endpoint.method, endpoint.missing, { token: READ_TOKEN, body: endpoint.body })
        expect([missing.status, missing.body]).toEqual([existing.status, existing.body])
      }
      // before the body is decoded: a bad body is refused the same
      const bad = await call(endpoint.method, at(endpoint.path), { token: READ_TOKEN, body: { nonsense: true } })
      expect(bad.status).toBe(403)
    }
  })

  it("answers every read to a read token and to an operator token", async () => {
    const at = await ids()
    for (const endpoint of endpoints.filter((endpoint) => endpoint.method === "GET")) {
      for (const token of [READ_TOKEN, OPERATOR_TOKEN]) {
        const answer = await call("GET", at(endpoint.path), { token })
        expect([endpoint.path, answer.status]).toEqual([endpoint.path, 200])
      }
      if (endpoint.missing !== undefined) {
        expect((await call("GET", endpoint.missing, { token: READ_TOKEN })).status).toBe(404)
      }
    }
  })
})

describe("bad input", () => {
  const field = (answer: Answer) =>
    ((answer.body as { errors?: Array<{ path: Array<string | number> }> }).errors ?? []).map((error) =>
      error.path.join(".")
    )

  it.each([
    ["GET", "/admin/dead-letters?limit=abc", undefined, "query.limit"],
    ["GET", "/admin/dead-letters?limit=100000", undefined, "query.limit"],
    ["GET", "/admin/dead-letters?service=fax", undefined, "query.service"],
    ["GET", "/admin/incidents?kind=gossip", undefined, "query.kind"],
    ["GET", "/admin/quarantine?reason=Bored", undefined, "query.reason"],
    ["GET", "/admin/impact", undefined, "query.service"],
    ["GET", "/admin/impact?service=email&horizonDays=-1", undefined, "query.horizonDays"],
    ["GET", "/admin/audit?since=yesterday", undefined, "query.since"],
    ["POST", "/admin/dead-letters/dl-old/replay", {}, "payload.reason"],
    ["POST", "/admin/dead-letters/replay", { filter: {}, limit: 5000, dryRun: true, ...reason }, "payload.limit"],
    ["POST", "/admin/dead-letters/replay", { filter: {}, limit: 5, ...reason }, "payload.dryRun"],
    ["POST", "/admin/dead-letters/purge", { ...reason }, "payload.olderThan"],
    ["POST", "/admin/dead-letters/purge", { olderThan: "whenever", ...reason }, "payload.olderThan"],
    ["POST", "/admin/overrides", { override: { _tag: "Bogus", service: "email" }, ...reason }, "payload.override"],
    [
      "POST",
      "/admin/overrides",
      { override: { _tag: "ForceCircuit", service: "email", provider: "resend", state: "ajar" }, ...reason },
      "payload.override.state"
    ],
    ["DELETE", "/admin/overrides/some-id", { reason: "" }, "payload.reason"],
    ["PUT", "/admin/endpoints/ep_2", { url: "https://example.com", secrets: [], ...reason }, "payload.secrets"],
    ["POST", "/admin/quarantine/some-id/reinject", { trust: { _tag: "Believe" }, ...reason }, "payload.trust"]
  ] as const)("%s %s answers 400 naming %s", async (method, path, body, name) => {
    const answer = await call(method, path, { token: OPERATOR_TOKEN, ...(body === undefined ? {} : { body }) })
    expect(answer.status).toBe(400)
    expect(field(answer)).toContain(name)
  })

  it("names the field of a refusal from the store (an endpoint url that is not http)", async () => {
    const answer = await call("PUT", "/admin/endpoints/ep_ftp", {
      token: OPERATOR_TOKEN,
      body: { url: "ftp://example.com/hook", secrets: ["whsec_c2VjcmV0"], ...reason }
    })
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ _tag: "Invalid", field: "url" })
  })

  it("refuses a cursor it did not issue", async () => {
    const answer = await call("GET", "/admin/audit?cursor=garbage", { token: READ_TOKEN })
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ field: "cursor" })
  })
})

describe("open endpoints", () => {
  it("answers live and ready without a token", async () => {
    expect(await call("GET", "/admin/live")).toMatchObject({ status: 200, body: { status: "ok" } })
    expect(await call("GET", "/admin/ready")).toMatchObject({ status: 200, body: { status: "ready" } })
  })

  it("serves an OpenAPI document listing every path, with bearer security", async () => {
    const answer = await call("GET", AdminApi.OPENAPI_PATH)
    expect(answer.status).toBe(200)
    const document = answer.body as {
      paths: Record<string, Record<string, unknown>>
      components: { securitySchemes: Record<string, { scheme: string }> }
    }
    const declared = Object.values(AdminApi.AdminApi.groups).flatMap((group) =>
      Object.values(group.endpoints).map((endpoint) => endpoint.path.replace(/:(\w+)/g, "{$1}"))
    )
    expect(new Set(Object.keys(document.paths))).toEqual(new Set(declared))
    expect(Object.values(document.components.securitySchemes).map((scheme) => scheme.scheme)).toContain("Bearer")
  })
})
