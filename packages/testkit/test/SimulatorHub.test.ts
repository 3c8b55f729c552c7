import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { Resend as ResendSdk } from "resend"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as SimulatorHub from "../src/SimulatorHub.ts"
import * as SimulatorRegistry from "../src/SimulatorRegistry.ts"

let hub: SimulatorHub.Hub

beforeAll(async () => {
  hub = await SimulatorHub.start({ seed: 3 })
})
afterAll(() => hub.stop())
beforeEach(async () => {
  await fetch(`${hub.controlUrl}/reset`, { method: "POST" })
})

const control = (path: string, init?: { readonly method?: string; readonly body?: unknown }) =>
  fetch(`${hub.controlUrl}${path}`, {
    method: init?.method ?? "GET",
    ...(init?.body === undefined ? {} : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) })
  })

describe("SimulatorHub control endpoint", () => {
  it("lists every simulator of the registry with its port, base URL, operations and error catalogue", async () => {
    const listing = (await (await control("/")).json()) as {
      providers: Record<
        string,
        { port: string; url: string; operations: Array<string>; errors: Record<string, { reason: string }> }
      >
    }
    expect(Object.keys(listing.providers)).toEqual(SimulatorRegistry.names)
    expect(listing.providers.resend?.port).toBe("EmailProvider")
    expect(listing.providers.resend?.url).toBe(hub.urls.resend)
    expect(listing.providers.resend?.operations).toContain("emails.send")
    expect(listing.providers.resend?.errors.rate_limit_exceeded?.reason).toBe("RateLimited")
  })

  it("injects a fault over HTTP that the real SDK then meets, and shows it in the ledger", async () => {
    const added = await control("/providers/resend/faults", {
      method: "POST",
      body: { operation: "emails.send", fault: { _tag: "Error", error: "rateLimited", retryAfterSeconds: 4 }, times: 1 }
    })
    expect(added.status).toBe(201)
    const sdk = new ResendSdk(hub.simulators.resend.credentials.apiKey, { baseUrl: hub.urls.resend })
    const message = { from: "planner@wedsync.test", to: ["couple@example.com"], subject: "Hi", text: "Hi" }
    const limited = await sdk.emails.send(message)
    expect(limited.error).toMatchObject({ name: "rate_limit_exceeded" })
    expect(limited.headers?.["retry-after"]).toBe("4")
    expect((await sdk.emails.send(message)).error).toBeNull()
    const ledger = (await (await control("/providers/resend/ledger?operation=emails.send")).json()) as {
      requests: Array<{ status: number; headers: Record<string, string> }>
      sideEffects: Array<unknown>
    }
    expect(ledger.requests.map((request) => request.status)).toEqual([429, 200])
    expect(ledger.requests[0]?.headers.authorization).toBe("<redacted>")
    expect(ledger.sideEffects).toHaveLength(1)
  })

  it("scripts a sequence and clears it", async () => {
    const scripted = await control("/providers/twilio/script", {
      method: "POST",
      body: { operation: "messages.create", steps: [{ _tag: "Reset" }, { _tag: "Pass" }] }
    })
    expect(scripted.status).toBe(201)
    expect(hub.simulators.twilio.faults.decide("messages.create", Date.now()).fault._tag).toBe("Reset")
    expect((await control("/providers/twilio/faults", { method: "DELETE" })).status).toBe(204)
    expect(hub.simulators.twilio.faults.decide("messages.create", Date.now()).fault._tag).toBe("Pass")
  })

  it("answers bad input with a 400 that says what is wrong, and unknown paths with a 404", async () => {
    const notJson = await control("/providers/stripe/faults", { method: "POST", body: "{" })
    expect([notJson.status, ((await notJson.json()) as { error: string }).error]).toEqual([400, "the body is not JSON"])
    const badRate = await control("/providers/stripe/faults", {
      method: "POST",
      body: { fault: { _tag: "Hang" }, rate: 3 }
    })
    expect(badRate.status).toBe(400)
    expect(((await badRate.json()) as { error: string }).error).toContain("rate")
    const unknownError = await control("/providers/stripe/faults", {
      method: "POST",
      body: { fault: { _tag: "Error", error: "no_such_error" } }
    })
    expect(unknownError.status).toBe(400)
    expect(((await unknownError.json()) as { error: string }).error).toContain("no_such_error")
    expect((await control("/providers/paypal/faults")).status).toBe(404)
    expect((await control("/providers/stripe/faults", { method: "PATCH" })).status).toBe(405)
  })

  it("points a simulator's webhooks somewhere else", async () => {
    const response = await control("/providers/stripe/webhook-url", {
      method: "PUT",
      body: { url: "http://127.0.0.1:9/hooks" }
    })
    expect(response.status).toBe(200)
    expect(hub.simulators.stripe.webhookUrl).toBe("http://127.0.0.1:9/hooks")
    await control("/providers/stripe/webhook-url", { method: "PUT", body: { url: null } })
    expect(hub.simulators.stripe.webhookUrl).toBeUndefined()
  })
})

describe("the sim command", () => {
  it("starts every simulator standalone and prints their base URLs and the control endpoint", async () => {
    const bin = fileURLToPath(new URL("../src/bin/sim.ts", import.meta.url))
    const child = spawn(process.execPath, [bin, "--control-port", "0", "--seed", "5"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.setEncoding("utf8")
    while (!output.includes("Ctrl+C")) {
      const [chunk] = (await once(child.stdout, "data")) as [string]
      output += chunk
    }
    for (const name of [...SimulatorRegistry.names, "control"]) {
      expect(output).toMatch(new RegExp(`${name}\\s+http://127\\.0\\.0\\.1:\\d+`))
    }
    const controlUrl = /control\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string
    expect((await fetch(controlUrl)).status).toBe(200)
    child.kill("SIGTERM")
    const [code] = await once(child, "exit")
    expect(code).toBe(0)
  })
})
