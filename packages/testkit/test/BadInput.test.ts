/**
 * The bad-input suite of the simulators: oversized bodies, names that are
 * `Object.prototype` members, fault rules that mean nothing, webhook URLs that
 * are not http(s). Each case goes through the public API or over HTTP and
 * checks the status or typed error and its words, so none of them can come
 * back as a crash or a 500. The `sim` command's cases are in BadInput.cli.test.ts.
 */
import { request as httpRequest } from "node:http"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Faults, Simulator, SimulatorHub, SimulatorRegistry, Webhooks } from "../src/index.ts"
import * as ResendSim from "../src/simulators/resend.ts"

let hub: SimulatorHub.Hub

beforeAll(async () => {
  hub = await SimulatorHub.start({ seed: 11 })
})
afterAll(() => hub.stop())
beforeEach(async () => {
  await fetch(`${hub.controlUrl}/reset`, { method: "POST" })
})

const control = async (path: string, init: { readonly method?: string; readonly body?: unknown } = {}) => {
  const { body } = init
  const response = await fetch(`${hub.controlUrl}${path}`, {
    method: init.method ?? "GET",
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown> }
}

/**
 * Streams a body of `totalBytes` from one reused 64 KiB chunk (nothing near
 * that size is allocated) and stops writing as soon as an answer arrives.
 */
const streamUpload = (url: string, totalBytes: number, declareLength: boolean) =>
  new Promise<{ status: number; body: string; sentBytes: number }>((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, "x")
    const headers = declareLength ? { "content-length": String(totalBytes) } : { "transfer-encoding": "chunked" }
    const request = httpRequest(url, { method: "POST", headers })
    let sentBytes = 0
    let answered = false
    request.on("error", (cause) => (answered ? undefined : reject(cause)))
    request.on("response", (response) => {
      answered = true
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (text: string) => {
        body += text
      })
      response.on("end", () => {
        request.destroy()
        resolve({ status: response.statusCode ?? 0, body, sentBytes })
      })
    })
    const pump = (): void => {
      while (!answered && sentBytes < totalBytes) {
        sentBytes += chunk.length
        if (!request.write(chunk)) return void request.once("drain", pump)
      }
      if (!answered) request.end()
    }
    pump()
  })

const SIX_HUNDRED_MB = 600 * 1024 * 1024

describe("body limits", () => {
  for (const declareLength of [true, false]) {
    it(`answers a 600 MB body to the control endpoint (${declareLength ? "declared" : "chunked"}) with 413 and keeps serving`, async () => {
      const answer = await streamUpload(`${hub.controlUrl}/providers/resend/faults`, SIX_HUNDRED_MB, declareLength)
      expect(answer.status).toBe(413)
      expect(JSON.parse(answer.body)).toEqual({
        error: "the request body is larger than 1 MiB, the most this server reads",
        limitBytes: 1_048_576
      })
      expect(answer.sentBytes).toBeLessThan(64 * 1024 * 1024)
      expect((await control("/")).status).toBe(200)
      expect((await control("/providers/resend/faults", { method: "POST", body: { fault: Faults.hang } })).status).toBe(
        201
      )
    })
  }

  it("answers a body over the limit with 413 on every simulator, records it, and keeps serving", async () => {
    const simulators = await SimulatorRegistry.start(SimulatorRegistry.names, { bodyLimitBytes: 1024 })
    try {
      for (const name of SimulatorRegistry.names) {
        const simulator = simulators[name]
        const refused = await fetch(`${simulator.url}/anything`, { method: "POST", body: "x".repeat(1025) })
        expect([name, refused.status]).toEqual([name, 413])
        expect(await refused.json()).toEqual({
          error: "the request body is larger than 1 KiB, the most this server reads",
          limitBytes: 1024
        })
        expect(simulator.ledger.requests().map((entry) => entry.status)).toEqual([413])
        const atLimit = await fetch(`${simulator.url}/anything`, { method: "POST", body: "x".repeat(1024) })
        expect([name, atLimit.status]).not.toEqual([name, 413])
      }
    } finally {
      await SimulatorRegistry.stop(simulators)
    }
  })

  it("refuses a body limit that is not a whole number of bytes from 1 to 1 GiB, naming the option", async () => {
    const refused = Simulator.start(ResendSim.definition, { bodyLimitBytes: 0 })
    await expect(refused).rejects.toBeInstanceOf(Simulator.InvalidOptions)
    await expect(refused).rejects.toThrow(
      "bodyLimitBytes: must be a whole number of bytes from 1 to 1073741824 (1 GiB), got 0"
    )
  })
})

describe("names that are Object.prototype members", () => {
  it("answers unknown providers, __proto__ and constructor included, with a 404 that lists the providers", async () => {
    const providers = SimulatorRegistry.names.join(", ")
    for (const [segment, name] of [
      ["paypal", "paypal"],
      ["__proto__", "__proto__"],
      ["constructor", "constructor"],
      ["toString", "toString"],
      ["hasOwnProperty", "hasOwnProperty"],
      ["%5F%5Fproto%5F%5F", "__proto__"]
    ]) {
      for (const method of ["GET", "POST"]) {
        const answer = await control(`/providers/${segment}/faults`, {
          method,
          ...(method === "POST" ? { body: { fault: Faults.hang } } : {})
        })
        expect([segment, method, answer.status]).toEqual([segment, method, 404])
        expect(answer.body.error).toBe(`no simulator is called "${name}"; the providers are ${providers}`)
      }
    }
    const unknownPath = await control("/providers/stripe/constructor")
    expect(unknownPath.status).toBe(404)
    expect(unknownPath.body.error).toContain(
      "unknown path /providers/stripe/constructor; a provider's paths are faults"
    )
  })

  it("refuses errors named after Object.prototype members as unknown, over HTTP and in code", async () => {
    for (const error of ["constructor", "toString", "__proto__"]) {
      const answer = await control("/providers/stripe/faults", {
        method: "POST",
        body: { fault: { _tag: "Error", error } }
      })
      expect(answer.status).toBe(400)
      expect(answer.body.error).toMatch(new RegExp(`^fault\\.error: "${error}" is not in stripe's error catalogue; `))
      expect(() => hub.simulators.stripe.errorEntry(error)).toThrow(`stripe has no error "${error}"`)
    }
  })

  it("treats __proto__ and constructor in forms, metadata, currencies and ids as data", async () => {
    const stripe = (path: string, body?: string) =>
      fetch(`${hub.urls.stripe}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          authorization: `Bearer ${hub.simulators.stripe.credentials.secretKey}`,
          "content-type": "application/x-www-form-urlencoded"
        },
        ...(body === undefined ? {} : { body })
      })
    const pollution = await stripe("/v1/payment_intents", "amount=2000&currency=usd&__proto__[polluted]=yes")
    expect(pollution.status).toBe(400)
    expect(((await pollution.json()) as { error: { message: string } }).error.message).toBe(
      "Received unknown parameter: __proto__"
    )
    const listed = await stripe(
      "/v1/payment_intents",
      "amount=2000&currency=usd&payment_method_types[0]=card&payment_method_types[__proto__][polluted]=yes"
    )
    expect(listed.status).toBe(200)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined()
    const currency = await stripe("/v1/payment_intents", "amount=2000&currency=constructor")
    expect(currency.status).toBe(400)
    expect(((await currency.json()) as { error: { message: string } }).error.message).toMatch(
      /^Invalid currency: constructor\. Stripe currently supports these currencies: usd, /
    )
    const card = await stripe(
      "/v1/payment_intents",
      "amount=2000&currency=usd&confirm=true&payment_method=constructor&automatic_payment_methods[enabled]=true&automatic_payment_methods[allow_redirects]=never"
    )
    expect(card.status).toBe(400)
    expect(((await card.json()) as { error: { message: string } }).error.message).toBe(
      "No such PaymentMethod: 'constructor'"
    )
    const tagged = await stripe(
      "/v1/payment_intents",
      "amount=2000&currency=usd&metadata[__proto__]=a&metadata[constructor]=b"
    )
    const { metadata } = (await tagged.json()) as { metadata: Record<string, string> }
    expect(Object.entries(metadata)).toEqual([
      ["__proto__", "a"],
      ["constructor", "b"]
    ])
    const malformed = await stripe("/v1/payment_intents/%E0")
    expect(malformed.status).toBe(404)
  })

  it("records header names such as constructor as the request's own", async () => {
    await fetch(`${hub.urls.resend}/emails/em_1`, { headers: { constructor: "c", "x-trace": "t" } })
    const [entry] = hub.simulators.resend.ledger.requests()
    expect(Object.hasOwn(entry?.headers ?? {}, "constructor")).toBe(true)
    expect(entry?.headers.constructor).toBe("c")
  })
})

/** A rule or script that means nothing, with the words both HTTP and code refuse it in. */
const badRules: ReadonlyArray<{ readonly name: string; readonly rule: unknown; readonly words: string | RegExp }> = [
  {
    name: "an unknown operation",
    rule: { operation: "emails.sned", fault: Faults.hang },
    words: /^operation: "emails\.sned" is not an operation of resend; its operations are .*emails\.send/
  },
  {
    name: "an unknown error",
    rule: { fault: { _tag: "Error", error: "no_such_error" } },
    words: /^fault\.error: "no_such_error" is not in resend's error catalogue; its errors are .*rate_limit_exceeded/
  },
  {
    name: "no fault and no latency",
    rule: { operation: "emails.send", times: 2 },
    words: "a rule needs a fault, a latency or both; this one has neither, so it would change nothing"
  },
  {
    name: "min latency above max",
    rule: { latency: { min: 500, max: 100 } },
    words: "latency.min: must not be greater than max (500 > 100)"
  },
  {
    name: "a latency that is neither fixed nor a range",
    rule: { latency: { millis: 10, max: 20 } },
    words: 'latency: must be { "millis": N } or { "min": N, "max": N }, got {"millis":10,"max":20}'
  },
  {
    name: "a latency no timer can hold",
    rule: { latency: { millis: 3e9 } },
    words:
      "latency.millis: must be a whole number of milliseconds from 0 to 2147483647 (about 24.8 days), got 3000000000"
  },
  {
    name: "a window that ends before it starts",
    rule: { fault: Faults.reset, from: 2_000, until: 1_000 },
    words: "until: must be later than from: the window ends (1000) before it starts (2000)"
  },
  {
    name: "an unknown field",
    rule: { fault: Faults.hang, latncy: { millis: 5 } },
    words: "latncy: is not a field of a fault rule; its fields are operation, fault, latency, rate, times, from, until"
  },
  {
    name: "an unknown fault",
    rule: { fault: { _tag: "Explode" } },
    words:
      'fault: must be a fault: an object whose "_tag" is Error, Hang, Reset, Malformed, AmbiguousCommit, CommitThenHang or Pass, got {"_tag":"Explode"}'
  },
  {
    name: "a rate above 1 and no uses",
    rule: { fault: Faults.hang, rate: 3, times: 0 },
    words: "rate: must be a probability from 0 to 1, got 3; times: must be a whole number, 1 or more, got 0"
  }
]

describe("fault rules", () => {
  for (const { name, rule, words } of badRules) {
    it(`refuses ${name} with a 400 and in code, in the same words`, async () => {
      const answer = await control("/providers/resend/faults", { method: "POST", body: rule })
      expect(answer.status).toBe(400)
      if (typeof words === "string") expect(answer.body.error).toBe(words)
      else expect(answer.body.error).toMatch(words)
      expect(answer.body.problems).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })])
      )
      const thrown = (() => {
        try {
          hub.simulators.resend.faults.add(rule as Faults.Rule)
        } catch (error) {
          return error
        }
      })()
      expect(thrown).toBeInstanceOf(Faults.InvalidRule)
      expect((thrown as Faults.InvalidRule).message).toBe(answer.body.error)
      expect(hub.simulators.resend.faults.rules).toEqual([])
    })
  }

  it("refuses scripts with no steps, an unknown operation or an unknown error", async () => {
    const empty = await control("/providers/twilio/script", {
      method: "POST",
      body: { operation: "messages.create", steps: [] }
    })
    expect([empty.status, empty.body.error]).toEqual([400, "steps: must have at least one step, got []"])
    const unknown = await control("/providers/twilio/script", {
      method: "POST",
      body: { operation: "messages.send", steps: [Faults.pass, { _tag: "Error", error: "nope" }] }
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toMatch(
      /^operation: "messages\.send" is not an operation of twilio; its operations are messages\.create, messages\.fetch, messages\.list; steps\[1\]\.error: "nope" is not in twilio's error catalogue/
    )
    expect(() => hub.simulators.twilio.faults.script("messages.send", [Faults.reset])).toThrow(
      'operation: "messages.send" is not an operation of twilio'
    )
    expect(hub.simulators.twilio.faults.decide("messages.create", Date.now()).fault).toEqual(Faults.pass)
  })

  it("says what is wrong with a body that is empty, not JSON or not an object", async () => {
    expect((await control("/providers/resend/faults", { method: "POST", body: "" })).body.error).toBe(
      "the body is empty; send JSON"
    )
    expect((await control("/providers/resend/faults", { method: "POST", body: "{" })).body.error).toBe(
      "the body is not JSON"
    )
    expect((await control("/providers/resend/faults", { method: "POST", body: [] })).body.error).toBe(
      "a fault rule must be an object, got []"
    )
  })
})

describe("webhook URLs", () => {
  it("refuses a file:// webhook URL over HTTP, in code and at start, and never opens one", async () => {
    const answer = await control("/providers/stripe/webhook-url", {
      method: "PUT",
      body: { url: "file:///etc/passwd" }
    })
    expect([answer.status, answer.body.error]).toEqual([
      400,
      'url: must be an http:// or https:// URL, got "file:///etc/passwd"'
    ])
    expect(() => {
      hub.simulators.stripe.webhookUrl = "file:///etc/passwd"
    }).toThrow('webhookUrl: must be an http:// or https:// URL, got "file:///etc/passwd"')
    expect(hub.simulators.stripe.webhookUrl).toBeUndefined()
    await expect(Simulator.start(ResendSim.definition, { webhookUrl: "not a url" })).rejects.toThrow(
      'webhookUrl: must be an http:// or https:// URL, got "not a url"'
    )
    const event = { id: "evt_1", type: "test", contentType: "application/json", body: "{}" }
    const record = await Webhooks.post({ event, url: "file:///etc/passwd", method: "POST", headers: {}, body: "{}" })
    expect([record.status, record.response]).toEqual([
      "unreachable",
      'not sent: the webhook URL must be an http:// or https:// URL, got "file:///etc/passwd"'
    ])
  })
})

describe("hub options and its listing", () => {
  it("refuses unknown providers and bad ports in its options, naming them", async () => {
    await expect(SimulatorHub.start({ ports: { paypal: 4000 } as never })).rejects.toThrow(
      `ports.paypal: is not a provider; the providers are ${SimulatorRegistry.names.join(", ")}`
    )
    await expect(SimulatorHub.start({ controlPort: 70_000 })).rejects.toThrow(
      "controlPort: must be a whole number from 0 to 65535 (0 picks a free port), got 70000"
    )
  })

  it("lists each simulator's accepted test credentials on GET /", async () => {
    const { providers } = (await control("/")).body as { providers: Record<string, { credentials: unknown }> }
    for (const name of SimulatorRegistry.names) {
      expect(providers[name]?.credentials).toEqual(SimulatorRegistry.providers[name].credentials)
    }
    expect(providers.resend?.credentials).toMatchObject({ apiKey: hub.simulators.resend.credentials.apiKey })
  })
})
