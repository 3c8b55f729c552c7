/**
 * Sent, not sent, or maybe sent, for each email adapter against its
 * simulator: every catalogue error and every network fault, with what the
 * failed send's `delivery` must say. A refusal before the request was written
 * or a 4xx is `notSent`; a reset or timeout after it was written, a 5xx or an
 * unreadable 2xx is `maybeSent`. Resend's SDK folds a refused connection into
 * the same cause-less answer as a reset, so there a refusal is `maybeSent`.
 */
import { Duration, Effect, type Layer, Redacted } from "effect"
import { EmailProvider, type IntegrationError } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Postmark, Resend } from "../src/index.ts"

const message = new EmailProvider.EmailMessage({
  from: "WedSync <hello@wedsync.example>",
  to: "ana@example.com",
  subject: "Your tasting is tomorrow",
  text: "See you at 3 pm."
})

const failedSend = (layer: Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError>) =>
  Effect.runPromise(
    Effect.flip(
      Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (email) => email.send(message)).pipe(
        Effect.provide(layer)
      )
    )
  )

type Connect = (
  baseUrl: string,
  timeout: Duration.Duration
) => Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError>

interface Case {
  readonly name: string
  readonly start: () => Promise<Simulator.Running<unknown, unknown>>
  readonly errors: Readonly<Record<string, Simulator.ErrorEntry>>
  readonly connect: (sim: Simulator.Running<unknown, unknown>) => Connect
  /** What a refused connection says: the SDK may hide it. */
  readonly refused: IntegrationError.Delivery
}

const cases: ReadonlyArray<Case> = [
  {
    name: "Resend",
    start: () => Simulator.start(ResendSim.definition) as Promise<Simulator.Running<unknown, unknown>>,
    errors: ResendSim.errors,
    connect: (sim) => (baseUrl, timeout) =>
      Resend.layer({ baseUrl, apiKey: Redacted.make((sim.credentials as ResendSim.Credentials).apiKey), timeout }),
    refused: "maybeSent"
  },
  {
    name: "Postmark",
    start: () => Simulator.start(PostmarkSim.definition, { seed: 5 }) as Promise<Simulator.Running<unknown, unknown>>,
    errors: PostmarkSim.errors,
    connect: (sim) => (baseUrl, timeout) =>
      Postmark.layer({
        baseUrl,
        serverToken: Redacted.make((sim.credentials as PostmarkSim.Credentials).serverToken),
        timeout
      }),
    refused: "notSent"
  }
]

for (const { name, start, errors, connect, refused } of cases) {
  describe(`${name}: whether a failed send may have reached ${name}`, () => {
    let sim: Simulator.Running<unknown, unknown>
    beforeAll(async () => {
      sim = await start()
    })
    afterAll(() => sim.stop())
    beforeEach(() => sim.reset())

    const adapter = (timeout = Duration.seconds(5)) => connect(sim)(sim.url, timeout)

    it.each(Object.entries(errors))("catalogue error %s: a 5xx maybeSent, any other notSent", async (entry, error) => {
      const status = error.reply({} as Simulator.SimRequest, { retryAfterSeconds: 1 }).status
      sim.faults.add(Faults.failTimes(1, Faults.error(entry, { retryAfterSeconds: 1 })))
      const failed = await failedSend(adapter())
      expect(failed.reason._tag).toBe(error.reason)
      expect(failed.delivery).toBe(status >= 500 ? "maybeSent" : "notSent")
    })

    it("a 429 is notSent", async () => {
      sim.faults.add(Faults.failTimes(1, Faults.error("rateLimited", { retryAfterSeconds: 1 })))
      const failed = await failedSend(adapter())
      expect(failed.reason._tag).toBe("RateLimited")
      expect(failed.delivery).toBe("notSent")
      expect(failed.notSent).toBe(true)
    })

    const faults: ReadonlyArray<readonly [string, Faults.Fault, IntegrationError.Delivery]> = [
      ["a reset after the request was read", Faults.reset, "maybeSent"],
      ["an ambiguous commit (carried out, then the connection dropped)", Faults.ambiguousCommit, "maybeSent"],
      ["a malformed 2xx", Faults.malformed, "maybeSent"],
      ["a hang past the adapter's own timeout", Faults.hang, "maybeSent"]
    ]
    it.each(faults)("%s is %s", async (_, fault, expected) => {
      sim.faults.add(Faults.rule(fault, { times: 1 }))
      const failed = await failedSend(adapter(Duration.millis(300)))
      expect(failed.delivery).toBe(expected)
      expect(failed.maybeSent).toBe(expected === "maybeSent")
    })

    it(`a refused connection is ${refused}`, async () => {
      const port = await Simulator.closedPort()
      const failed = await failedSend(connect(sim)(`http://127.0.0.1:${port}`, Duration.seconds(5)))
      expect(failed.reason._tag).toBe("Unavailable")
      expect(failed.delivery).toBe(refused)
    })
  })
}
