/**
 * The `CommitThenHang` fault: the request is carried out (the side effect is in
 * the state and the ledger), then never answered, so the client waits until
 * its own timeout; from code, from the control endpoint, and through the real
 * `twilio` and `resend` SDKs.
 */
import { Resend as ResendSdk } from "resend"
import twilio from "twilio"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Faults from "../src/Faults.ts"
import * as Simulator from "../src/Simulator.ts"
import * as SimulatorHub from "../src/SimulatorHub.ts"
import * as Twilio from "../src/simulators/twilio.ts"

describe("Faults.commitThenHang", () => {
  let sim: Simulator.Running<Twilio.State, Twilio.Credentials>
  beforeAll(async () => {
    sim = await Simulator.start(Twilio.definition, { seed: 5 })
  })
  afterAll(() => sim.stop())

  it("is the CommitThenHang fault and decodes as a rule", () => {
    expect(Faults.commitThenHang).toEqual({ _tag: "CommitThenHang" })
    expect(Faults.decodeRule({ fault: { _tag: "CommitThenHang" }, operation: "messages.create" })).toEqual({
      fault: Faults.commitThenHang,
      operation: "messages.create"
    })
  })

  it("queues the message, then never answers: the SDK times out, the ledger has the side effect", async () => {
    sim.reset()
    sim.faults.add(Faults.failTimes(1, Faults.commitThenHang, { operation: "messages.create" }))
    const client = twilio(sim.credentials.accountSid, sim.credentials.authToken, {
      httpClient: new twilio.RequestClient({ timeout: 400 }),
      autoRetry: false
    })
    client.api.baseUrl = sim.url
    const started = Date.now()
    const pending = client.messages.create({ to: "+15558675310", from: "+15005550006", body: "Hold the date" }).then(
      () => undefined,
      (error: unknown) => error
    )
    // While the client waits: carried out, and hung.
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("hung")
    const [effect] = sim.ledger.sideEffects("message")
    expect(sim.state.messages.get(effect?.id ?? "")?.body).toBe("Hold the date")
    const cause = await pending
    expect(Date.now() - started).toBeGreaterThanOrEqual(380)
    expect(cause).toMatchObject({ isAxiosError: true, code: "ECONNABORTED", message: "timeout of 400ms exceeded" })
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
    expect(sim.ledger.requests()[0]?.status).toBeUndefined()
    expect(sim.ledger.sideEffects("message")).toHaveLength(1)
    // The rule is spent: the retry is answered, and a second message is queued.
    await expect(
      client.messages.create({ to: "+15558675310", from: "+15005550006", body: "x" })
    ).resolves.toMatchObject({
      status: "queued"
    })
    expect(sim.ledger.sideEffects("message")).toHaveLength(2)
  })

  it("the client gets no byte of an answer until it aborts", async () => {
    sim.reset()
    sim.faults.add(Faults.rule(Faults.commitThenHang))
    const { accountSid, authToken } = sim.credentials
    const controller = new AbortController()
    let answered = false
    const pending = fetch(`${sim.url}/2010-04-01/Accounts/${accountSid}/Messages.json`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded"
      },
      body: "To=%2B15558675310&From=%2B15005550006&Body=hi",
      signal: controller.signal
    }).then(
      () => {
        answered = true
      },
      (error: unknown) => error
    )
    await expect.poll(() => sim.ledger.sideEffects("message").length).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(answered).toBe(false)
    controller.abort()
    expect(await pending).toMatchObject({ name: "AbortError" })
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
  })
})

describe("CommitThenHang over the control endpoint", () => {
  let hub: SimulatorHub.Hub
  beforeAll(async () => {
    hub = await SimulatorHub.start({ seed: 9 })
  })
  afterAll(() => hub.stop())

  it("is accepted as a rule, and the real resend SDK meets it", async () => {
    const added = await fetch(`${hub.controlUrl}/providers/resend/faults`, {
      method: "POST",
      body: JSON.stringify({ operation: "emails.send", fault: { _tag: "CommitThenHang" }, times: 1 })
    })
    expect(added.status).toBe(201)
    expect(((await added.json()) as { rules: Array<unknown> }).rules).toEqual([
      { operation: "emails.send", fault: { _tag: "CommitThenHang" }, times: 1 }
    ])
    const sdk = new ResendSdk(hub.simulators.resend.credentials.apiKey, { baseUrl: hub.urls.resend })
    const message = { from: "planner@wedsync.test", to: ["couple@example.com"], subject: "Hi", text: "Hi" }
    const result = await sdk.emails.send(message, { signal: AbortSignal.timeout(300) })
    expect(result.data).toBeNull()
    expect(result.error).toMatchObject({ name: "application_error", statusCode: null })
    const ledger = hub.simulators.resend.ledger
    expect(ledger.sideEffects()).toHaveLength(1)
    await expect.poll(() => ledger.requests({ operation: "emails.send" })[0]?.outcome).toBe("clientAborted")
  })

  it("a misspelt tag is refused with the list of faults", async () => {
    const refused = await fetch(`${hub.controlUrl}/providers/resend/faults`, {
      method: "POST",
      body: JSON.stringify({ fault: { _tag: "CommitThenHung" } })
    })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain("AmbiguousCommit, CommitThenHang or Pass")
  })
})
