/**
 * The SSRF guard against real local servers: blocked destinations refused
 * by literal and by name (a fake DNS stands in for DNS, plus one real
 * `localhost`), before any connection reaches the server; allowlisted
 * loopback delivered with the URL's Host and TLS name; redirects answered,
 * not followed; DNS rebinding unable to move a checked connection.
 */
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { Effect, Exit } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { request as undiciRequest } from "undici"
import { afterEach, describe, expect, it } from "vitest"
import { SsrfGuard } from "../src/index.ts"

// A self-signed certificate for `vendor.test` only (test key, valid to 2126).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUTgCVZRamCwc0X9pML4HLuthoUeUwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLdmVuZG9yLnRlc3QwIBcNMjYxMjA2MTMyMzAwWhgPMjEyNjEx
MTIxMzIzMDBaMBYxFDASBgNVBAMMC3ZlbmRvci50ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAElfdPtIlaFYYxwYAkZWgbOU+m8fWbdA9spNsldo2zO0kjnb6J
+LDLHa7wy/p1dhZbYl8HEO1NrVtrhYokt9KEwqNrMGkwHQYDVR0OBBYEFGs/oALM
jkW9ZSAucltN5A7TWs1aMB8GA1UdIwQYMBaAFGs/oALMjkW9ZSAucltN5A7TWs1a
MA8GA1UdEwEB/wQFMAMBAf8wFgYDVR0RBA8wDYILdmVuZG9yLnRlc3QwCgYIKoZI
zj0EAwIDSAAwRQIhANlbDxl0MHoQ50fj8zVXWKgBe+in5gFogY580mj1hR/pAiAp
qa1olnz5i4xzJcMKyTiuiMX4bHrpevfb9V3vnC5FNA==
-----END CERTIFICATE-----`
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkYRF6VcZ8hi38lSS
sVnnTNwoSa1ktIaBcxQRTPf2+JKhRANCAASV90+0iVoVhjHBgCRlaBs5T6bx9Zt0
D2yk2yV2jbM7SSOdvon4sMsdrvDL+nV2FltiXwcQ7U2tW2uFiiS30oTC
-----END PRIVATE KEY-----`

const LOOPBACK = ["127.0.0.1/32", "::1/128"]

// Every blocked range, with the name the guard gives it.
const BLOCKED: ReadonlyArray<readonly [string, string]> = [
  ["10.0.0.1", "private"],
  ["172.16.5.4", "private"],
  ["172.31.255.254", "private"],
  ["192.168.1.1", "private"],
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["169.254.1.1", "linkLocal"],
  ["100.64.0.1", "carrierGradeNat"],
  ["100.127.255.254", "carrierGradeNat"],
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["255.255.255.255", "broadcast"],
  ["240.0.0.1", "reserved"],
  ["192.0.2.1", "reserved"],
  ["198.18.0.1", "reserved"],
  ["169.254.169.254", "cloudMetadata"],
  ["100.100.100.200", "cloudMetadata"],
  ["168.63.129.16", "cloudMetadata"],
  ["::1", "loopback"],
  ["::", "unspecified"],
  ["fe80::1", "linkLocal"],
  ["fc00::1", "uniqueLocal"],
  ["fd12:3456::1", "uniqueLocal"],
  ["ff02::1", "multicast"],
  ["fd00:ec2::254", "cloudMetadata"],
  ["::ffff:127.0.0.1", "ipv4Mapped(loopback)"],
  ["::ffff:10.1.2.3", "ipv4Mapped(private)"],
  ["::ffff:169.254.169.254", "ipv4Mapped(cloudMetadata)"],
  ["::ffff:0:7f00:1", "rfc6145(loopback)"],
  ["64:ff9b::7f00:1", "rfc6052(loopback)"],
  ["64:ff9b::c0a8:101", "rfc6052(private)"],
  ["64:ff9b::a9fe:a9fe", "rfc6052(cloudMetadata)"],
  ["64:ff9b:1::808:808", "rfc6052"],
  ["::7f00:1", "ipv4Compatible"],
  ["::808:808", "ipv4Compatible"],
  ["2002:7f00:1::1", "6to4"],
  ["2002:c0a8:101::1", "6to4"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"],
  ["2001:db8::1", "reserved"],
  ["100::1", "discard"]
]

const urlOf = (address: string, port = 80, path = "/hook") =>
  `http://${address.includes(":") ? `[${address}]` : address}:${port}${path}`

interface Server {
  readonly port: number
  readonly connections: Array<string | undefined>
  readonly requests: Array<{ readonly url: string | undefined; readonly host: string | undefined }>
  readonly bodies: Array<string>
  readonly close: () => Promise<void>
}

const servers: Array<Server> = []
const guards: Array<SsrfGuard.Guard> = []
afterEach(async () => {
  await Promise.all(guards.splice(0).map((guard) => guard.close()))
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

const listen = async (
  handler: http.RequestListener = (_request, response) => response.end("delivered"),
  make: (listener: http.RequestListener) => http.Server = (listener) => http.createServer(listener),
  host = "127.0.0.1",
  port = 0
): Promise<Server> => {
  const connections: Array<string | undefined> = []
  const requests: Array<{ readonly url: string | undefined; readonly host: string | undefined }> = []
  const bodies: Array<string> = []
  const server = make((request, response) => {
    requests.push({ url: request.url, host: request.headers.host })
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"))
      handler(request, response)
    })
  })
  server.on("connection", (socket: { remoteAddress?: string }) => connections.push(socket.remoteAddress))
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  const result = { port: (server.address() as AddressInfo).port, connections, requests, bodies, close }
  servers.push(result)
  return result
}

const guardOf = (options: SsrfGuard.Options = {}) => {
  const guard = SsrfGuard.make(options)
  guards.push(guard)
  return guard
}

// A fake DNS: each name answers its lists in turn (the last one repeats), and every question is logged.
const fakeDns = (answers: Record<string, ReadonlyArray<ReadonlyArray<string>>>) => {
  const asked: Array<string> = []
  const lookup = async (hostname: string): Promise<ReadonlyArray<SsrfGuard.ResolvedAddress>> => {
    const turn = asked.filter((name) => name === hostname).length
    asked.push(hostname)
    const lists = answers[hostname]
    const list = lists?.[Math.min(turn, lists.length - 1)]
    if (list === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" })
    return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
  }
  return { lookup, asked }
}

const refusal = async (attempt: Promise<unknown>): Promise<SsrfGuard.SsrfBlocked> => {
  const outcome = await attempt.then(
    () => "sent",
    (error: unknown) => error
  )
  const blocked = SsrfGuard.blockedIn(outcome)
  if (blocked === undefined) throw new Error(`expected SsrfBlocked, got ${String(outcome)}`)
  return blocked
}

describe("SsrfGuard: refused destinations", () => {
  it("refuses every blocked range by literal, in check, fetch and the dispatcher itself", async () => {
    const server = await listen()
    const { lookup, asked } = fakeDns({})
    const guard = guardOf({ lookup })
    for (const [address, range] of BLOCKED) {
      const url = urlOf(address, server.port)
      const checked = await Effect.runPromise(Effect.flip(guard.check(url)))
      // the address as the URL normalises it (`::ffff:127.0.0.1` is `[::ffff:7f00:1]`)
      const literal = new URL(url).hostname.replace(/^\[|\]$/g, "")
      expect([checked.rule, checked.range, checked.address], address).toEqual(["address", range, literal])
      expect((await refusal(guard.fetch(url))).range, address).toBe(range)
      // the connector on its own, without the fetch's text check
      expect((await refusal(undiciRequest(url, { dispatcher: guard.dispatcher }))).range, address).toBe(range)
    }
    expect(asked).toEqual([])
    expect(server.connections).toEqual([])
  })

  it("refuses every blocked range behind a name, at connect time", async () => {
    const server = await listen()
    for (const [address, range] of BLOCKED) {
      const { lookup, asked } = fakeDns({ "hooks.vendor.test": [[address]] })
      const guard = guardOf({ lookup })
      const blocked = await refusal(guard.fetch(`http://hooks.vendor.test:${server.port}/hook`))
      expect([blocked.host, blocked.address, blocked.range], address).toEqual(["hooks.vendor.test", address, range])
      expect(asked).toEqual(["hooks.vendor.test"])
      const checked = await Effect.runPromise(Effect.flip(guard.check(`http://hooks.vendor.test/`)))
      expect(checked.range, address).toBe(range)
    }
    expect(server.connections).toEqual([])
  })

  it("refuses localhost as the system resolver answers it", async () => {
    const server = await listen()
    const guard = guardOf()
    const blocked = await refusal(guard.fetch(`http://localhost:${server.port}/`))
    expect(blocked.host).toBe("localhost")
    expect(["loopback", "ipv4Mapped(loopback)"]).toContain(blocked.range)
    expect(server.connections).toEqual([])
  })

  it("refuses the shorthand, decimal, hex and octal forms of loopback (WHATWG URL normalises them)", async () => {
    const guard = guardOf()
    const forms: ReadonlyArray<readonly [string, string, string]> = [
      ["http://2130706433/", "127.0.0.1", "loopback"],
      ["http://0x7f.1/", "127.0.0.1", "loopback"],
      ["http://0177.0.0.1/", "127.0.0.1", "loopback"],
      ["http://127.1/", "127.0.0.1", "loopback"],
      ["http://0/", "0.0.0.0", "unspecified"],
      ["http://0.0.0.0/", "0.0.0.0", "unspecified"],
      ["http://[::]/", "[::]", "unspecified"],
      ["http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]", "ipv4Mapped(loopback)"],
      ["http://[::ffff:7f00:1]/", "[::ffff:7f00:1]", "ipv4Mapped(loopback)"]
    ]
    for (const [url, hostname, range] of forms) {
      expect(new URL(url).hostname, url).toBe(hostname)
      expect((await refusal(guard.fetch(url))).range, url).toBe(range)
    }
  })

  it("refuses other schemes, credentials and non-URLs, and never carries the path or query", async () => {
    const guard = guardOf()
    const cases: ReadonlyArray<readonly [string, SsrfGuard.Rule]> = [
      ["ftp://files.vendor.test/x", "scheme"],
      ["file:///etc/passwd", "scheme"],
      ["gopher://hooks.vendor.test:70/", "scheme"],
      ["http://admin:hunter2@hooks.vendor.test/", "userinfo"],
      ["http://token@hooks.vendor.test/", "userinfo"],
      ["not a url", "url"]
    ]
    for (const [url, rule] of cases) {
      expect((await refusal(guard.fetch(url))).rule, url).toBe(rule)
      expect((await Effect.runPromise(Effect.flip(guard.check(url)))).rule, url).toBe(rule)
    }
    const blocked = await refusal(guard.fetch("http://10.0.0.7/hooks/secret-path?token=sk_live_123"))
    const shown = `${blocked.message} ${JSON.stringify(blocked)}`
    expect(shown).not.toMatch(/sk_live_123|secret-path|token/)
    expect(blocked.message).toBe("destination blocked: 10.0.0.7 (private)")
  })

  it("maps a refusal to the endpoint's Misconfigured IntegrationError, not retried, not sent", async () => {
    const guard = guardOf()
    const blocked = await refusal(guard.fetch("http://169.254.169.254/latest/meta-data/?token=abc"))
    const error = SsrfGuard.toIntegrationError(blocked, { provider: "webhook:vendor_42", operation: "deliver" })
    expect(error.reason._tag).toBe("Misconfigured")
    expect([error.isRetryable, error.notSent, error.providerCode]).toEqual([false, true, "SsrfBlocked"])
    expect(error.message).toContain("169.254.169.254 (cloudMetadata)")
    expect(error.message).not.toContain("token")
  })

  it("keeps cloud metadata blocked even when an allowlist covers it", async () => {
    const { lookup } = fakeDns({ "trusted.internal.test": [["169.254.169.254"]] })
    const guard = guardOf({ lookup, allow: ["169.254.0.0/16", "100.64.0.0/10", "trusted.internal.test"] })
    expect((await refusal(guard.fetch("http://169.254.169.254/"))).range).toBe("cloudMetadata")
    expect((await refusal(guard.fetch("http://100.100.100.200/"))).range).toBe("cloudMetadata")
    expect((await refusal(guard.fetch("http://trusted.internal.test/"))).range).toBe("cloudMetadata")
  })

  it("rejects an allowlist entry that is not a CIDR, address or hostname", () => {
    expect(() => SsrfGuard.make({ allow: ["10.0.0.0/33"] })).toThrow(/allow/)
    expect(() => SsrfGuard.make({ allow: ["https://x.test"] })).toThrow(/allow/)
  })
})

describe("SsrfGuard: allowed destinations", () => {
  it("delivers to allowlisted loopback by literal, by name (real localhost) and with the URL's Host", async () => {
    const server = await listen()
    const { lookup } = fakeDns({ "hooks.vendor.test": [["127.0.0.1"]] })
    const guard = guardOf({ lookup, allow: LOOPBACK })
    const direct = await guard.fetch(`http://127.0.0.1:${server.port}/a`, { method: "POST", body: "{}" })
    expect([direct.status, await direct.text()]).toEqual([200, "delivered"])
    const form = new FormData()
    form.set("event", "booking.confirmed")
    const multipart = await guard.fetch(`http://127.0.0.1:${server.port}/form`, { method: "POST", body: form })
    expect(await multipart.text()).toBe("delivered")
    const named = await guard.fetch(`http://hooks.vendor.test:${server.port}/b`)
    expect(await named.text()).toBe("delivered")
    const system = guardOf({ allow: LOOPBACK })
    expect((await system.fetch(`http://localhost:${server.port}/c`)).status).toBe(200)
    // a global FormData arrives as multipart, not as the text "[object FormData]"
    expect(server.bodies[1]).toMatch(/name="event"\r\n\r\nbooking\.confirmed/)
    expect(server.requests).toEqual([
      { url: "/a", host: `127.0.0.1:${server.port}` },
      { url: "/form", host: `127.0.0.1:${server.port}` },
      { url: "/b", host: `hooks.vendor.test:${server.port}` },
      { url: "/c", host: `localhost:${server.port}` }
    ])
  })

  it("passes a pre-flight check for public and allowlisted names, and for names that do not resolve", async () => {
    const vendor = guardOf({
      lookup: fakeDns({ "hooks.vendor.test": [["93.184.215.14", "2606:4700::6810:84e5"]] }).lookup
    })
    const internal = guardOf({
      lookup: fakeDns({ "hooks.internal.test": [["10.20.0.5"]] }).lookup,
      allow: ["hooks.internal.test"]
    })
    const check = (guard: SsrfGuard.Guard, url: string) => Effect.runPromise(Effect.map(guard.check(url), String))
    expect(await check(vendor, "https://hooks.vendor.test/a?b=c")).toBe("https://hooks.vendor.test/a?b=c")
    expect(await check(internal, "http://hooks.internal.test/")).toBe("http://hooks.internal.test/")
    expect(await check(vendor, "http://nowhere.test/")).toBe("http://nowhere.test/")
  })

  it("keeps the URL's name for TLS: SNI and the certificate check are the vendor's, not the address's", async () => {
    const names: Array<string | undefined> = []
    const server = await listen(
      (_request, response) => response.end("over tls"),
      (listener) => {
        const tls = https.createServer({ cert: CERT, key: KEY }, listener)
        tls.on("secureConnection", (socket: { servername?: string | false }) =>
          names.push(socket.servername === false ? undefined : socket.servername)
        )
        return tls
      }
    )
    const { lookup } = fakeDns({ "vendor.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]] })
    const guard = guardOf({ lookup, allow: LOOPBACK, tls: { ca: CERT } })
    const response = await guard.fetch(`https://vendor.test:${server.port}/hook`)
    expect(await response.text()).toBe("over tls")
    expect(names).toEqual(["vendor.test"])
    expect(server.requests).toEqual([{ url: "/hook", host: `vendor.test:${server.port}` }])
    // the certificate is checked against the name in the URL, so another name on the same address fails
    const wrong = await guard.fetch(`https://other.test:${server.port}/hook`).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(String((wrong as { cause?: unknown } | undefined)?.cause)).toMatch(/other\.test|altnames/i)
  })
})

describe("SsrfGuard: redirects", () => {
  it("answers with the 3xx and never connects to where it points", async () => {
    const inner = await listen()
    const { lookup, asked } = fakeDns({ "hooks.vendor.test": [["127.0.0.1"]], "internal.test": [["127.0.0.1"]] })
    const targets = [
      "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
      `http://internal.test:${inner.port}/admin`
    ]
    const outer = await listen((request, response) => {
      response.writeHead(302, { location: targets[Number(request.url?.slice(1))] ?? "/" })
      response.end()
    })
    // loopback allowed, so only "redirects are not followed" keeps the second target unreached
    const guard = guardOf({ lookup, allow: LOOPBACK })
    for (const [index, target] of targets.entries()) {
      const response = await guard.fetch(`http://hooks.vendor.test:${outer.port}/${index}`, { redirect: "follow" })
      expect([response.status, response.headers.get("location")]).toEqual([302, target])
      await response.arrayBuffer()
    }
    expect(asked).not.toContain("internal.test")
    expect(outer.requests.map((request) => request.url)).toEqual(["/0", "/1"])
    expect(inner.connections).toEqual([])
  })
})

describe("SsrfGuard: DNS rebinding", () => {
  // 203.0.113.1 (TEST-NET-3) stands in for the vendor's public address: allowlisted, never answers.
  const PUBLIC = "203.0.113.1"
  const options = (lookup: SsrfGuard.Options["lookup"]): SsrfGuard.Options => ({
    lookup,
    allow: [`${PUBLIC}/32`],
    connectTimeout: "300 millis"
  })

  it("connects only to the address it checked, then refuses the rebound answer", async () => {
    const server = await listen()
    const { lookup, asked } = fakeDns({ "rebind.test": [[PUBLIC], ["127.0.0.1"]] })
    const guard = guardOf(options(lookup))
    const first = await guard.fetch(`http://rebind.test:${server.port}/`).then(
      () => "sent",
      (error: unknown) => error
    )
    expect(SsrfGuard.blockedIn(first)).toBeUndefined()
    // the failed attempt went to the checked public address, not to loopback
    // (refused here; where TEST-NET-3 is black-holed, undici's connect timeout names the host, not the address)
    const cause = (first as { readonly cause?: { readonly code?: string; readonly address?: string } }).cause
    expect(cause?.address === PUBLIC || cause?.code === "UND_ERR_CONNECT_TIMEOUT", String(cause?.code)).toBe(true)
    const second = await refusal(guard.fetch(`http://rebind.test:${server.port}/`))
    expect([second.address, second.range]).toEqual(["127.0.0.1", "loopback"])
    // one question per connection: nothing asked again between the check and the connect
    expect(asked).toEqual(["rebind.test", "rebind.test"])
    expect(server.connections).toEqual([])
  })

  it("delivers to the checked address, not to a later answer for the same name", async () => {
    // 127.0.0.2 stands in for the vendor's address (allowlisted); 127.0.0.1 is the internal target.
    const vendor = await listen(undefined, undefined, "127.0.0.2")
    const internal = await listen(undefined, undefined, "127.0.0.1", vendor.port)
    const { lookup, asked } = fakeDns({ "rebind.test": [["127.0.0.2"], ["127.0.0.1"]] })
    const guard = guardOf({ lookup, allow: ["127.0.0.2/32"], agent: { pipelining: 0 } })
    const response = await guard.fetch(`http://rebind.test:${vendor.port}/`)
    expect(await response.text()).toBe("delivered")
    expect((await refusal(guard.fetch(`http://rebind.test:${vendor.port}/`))).address).toBe("127.0.0.1")
    expect(asked).toEqual(["rebind.test", "rebind.test"])
    expect([vendor.requests.length, internal.connections.length]).toEqual([1, 0])
  })

  it("refuses an answer that holds a public and a private address at once, in either order", async () => {
    const server = await listen()
    for (const answer of [
      [PUBLIC, "127.0.0.1"],
      ["127.0.0.1", PUBLIC],
      [PUBLIC, "::ffff:127.0.0.1"]
    ]) {
      const guard = guardOf(options(fakeDns({ "both.test": [answer] }).lookup))
      const blocked = await refusal(guard.fetch(`http://both.test:${server.port}/`))
      expect(blocked.address, answer.join()).toBe(answer.find((address) => address !== PUBLIC))
    }
    expect(server.connections).toEqual([])
  })
})

describe("SsrfGuard.layerHttpClient", () => {
  const get = (url: string) => Effect.flatMap(Effect.service(HttpClient.HttpClient), (client) => client.get(url))

  it("refuses blocked destinations, even when the caller provides another fetch", async () => {
    const server = await listen()
    const exit = await Effect.runPromiseExit(
      get(`http://127.0.0.1:${server.port}/`).pipe(
        Effect.provideService(FetchHttpClient.Fetch, globalThis.fetch),
        Effect.provide(SsrfGuard.layerHttpClient())
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    const blocked = SsrfGuard.blockedIn(error !== undefined && "error" in error ? error.error : undefined)
    expect(blocked?.range).toBe("loopback")
    expect(server.connections).toEqual([])
  })

  it("delivers to allowed destinations and returns redirects as responses", async () => {
    const server = await listen((request, response) => {
      if (request.url === "/moved") response.writeHead(307, { location: "http://169.254.169.254/" }).end()
      else response.end("delivered")
    })
    const statuses = await Effect.runPromise(
      Effect.all([get(`http://127.0.0.1:${server.port}/`), get(`http://127.0.0.1:${server.port}/moved`)]).pipe(
        Effect.map((responses) => responses.map((response) => response.status)),
        Effect.provide(SsrfGuard.layerHttpClient({ allow: LOOPBACK }))
      )
    )
    expect(statuses).toEqual([200, 307])
    expect(server.requests.map((request) => request.url)).toEqual(["/", "/moved"])
  })
})
