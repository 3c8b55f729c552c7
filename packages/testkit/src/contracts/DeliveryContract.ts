/**
 * Sent, not sent, or maybe sent: the checks every provider adapter's failed
 * call must pass against its simulator, whatever the port. Every catalogue
 * error (a 5xx `maybeSent`, anything else `notSent`), a 429 (`notSent`), the
 * network faults that strike after the request was written (`maybeSent`), a
 * refused connection (`notSent`, unless the SDK hides the refusal) and a
 * timeout before any byte was written (`notSent`: the adapter tracks its
 * request with core's `Wire`). Each
 * adapter package calls `suite` once per provider, so a new adapter gets the
 * same checks without copying them.
 *
 * @example
 * ```ts
 * import { DeliveryContract } from "@wedsync/testkit"
 *
 * DeliveryContract.suite({
 *   name: "Resend",
 *   start: () => Simulator.start(ResendSim.definition),
 *   errors: ResendSim.errors,
 *   failedSend: (sim, baseUrl, timeout) => sendThrough(Resend.layer({ baseUrl, apiKey, timeout }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { IntegrationError } from "@wedsync/core"
import { Duration } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Network from "../Network.ts"
import * as Faults from "../Faults.ts"
import * as Simulator from "../Simulator.ts"

/** What the suite needs of one adapter. @since 0.1.0 */
export interface Options {
  readonly name: string
  readonly start: () => Promise<Simulator.Running<unknown, unknown>>
  readonly errors: Readonly<Record<string, Simulator.ErrorEntry>>
  /** One call through the real adapter pointed at `baseUrl` with `timeout`, which must fail: its error. */
  readonly failedSend: (
    sim: Simulator.Running<unknown, unknown>,
    baseUrl: string,
    timeout: Duration.Duration
  ) => Promise<IntegrationError.IntegrationError>
  /** What a refused connection says; default `notSent` (an SDK that hides the refusal answers `maybeSent`). */
  readonly refused?: IntegrationError.Delivery | undefined
}

const faults: ReadonlyArray<readonly [string, Faults.Fault]> = [
  ["a reset after the request was read", Faults.reset],
  ["an ambiguous commit (carried out, then the connection dropped)", Faults.ambiguousCommit],
  ["a malformed 2xx", Faults.malformed],
  ["a hang past the adapter's own timeout", Faults.hang],
  ["a commit, then a hang (carried out, never answered)", Faults.commitThenHang]
]

/**
 * Registers the delivery checks for one adapter (a vitest `describe`).
 *
 * @example
 * ```ts
 * DeliveryContract.suite({ name: "Twilio", start, errors: TwilioSim.errors, failedSend })
 * ```
 * @since 0.1.0
 */
export const suite = (options: Options): void => {
  const { name, start, errors, failedSend } = options
  const refused = options.refused ?? "notSent"
  describe(`${name}: whether a failed send may have reached ${name}`, () => {
    let sim: Simulator.Running<unknown, unknown>
    beforeAll(async () => {
      sim = await start()
    })
    afterAll(() => sim.stop())
    beforeEach(() => sim.reset())

    const send = (timeout = Duration.seconds(5)) => failedSend(sim, sim.url, timeout)

    it.each(Object.entries(errors))(
      "catalogue error %s: a 5xx but 503 maybeSent, a 503 or any other notSent",
      async (entry, error) => {
        const status = error.reply({} as Simulator.SimRequest, { retryAfterSeconds: 1 }).status
        sim.faults.add(Faults.failTimes(1, Faults.error(entry, { retryAfterSeconds: 1 })))
        const failed = await send()
        expect(failed.reason._tag).toBe(error.reason)
        // A 503 is the server declining to handle the request at all; other 5xx may come after the work.
        expect(failed.delivery).toBe(status >= 500 && status !== 503 ? "maybeSent" : "notSent")
      }
    )

    it("a 429 is notSent", async () => {
      sim.faults.add(Faults.failTimes(1, Faults.error("rateLimited", { retryAfterSeconds: 1 })))
      const failed = await send()
      expect(failed.reason._tag).toBe("RateLimited")
      expect(failed.delivery).toBe("notSent")
      expect(failed.notSent).toBe(true)
    })

    it.each(faults)("%s is maybeSent", async (_, fault) => {
      sim.faults.add(Faults.rule(fault, { times: 1 }))
      const failed = await send(Duration.millis(300))
      expect(failed.delivery).toBe("maybeSent")
      expect(failed.maybeSent).toBe(true)
    })

    it(`a refused connection is ${refused}`, async () => {
      const port = await Simulator.closedPort()
      const failed = await failedSend(sim, `http://127.0.0.1:${port}`, Duration.seconds(5))
      expect(failed.reason._tag).toBe("Unavailable")
      expect(failed.delivery).toBe(refused)
    })

    it("a timeout before any byte was written (a connect that never completes) is notSent", async () => {
      const unreachable = await Network.unreachable()
      try {
        const failed = await failedSend(sim, unreachable.url, Duration.millis(300))
        expect(failed.reason._tag).toBe("TimedOut")
        expect(failed.delivery).toBe("notSent")
      } finally {
        expect((await unreachable.close()).bytesReceived).toBe(0)
      }
    })
  })
}
