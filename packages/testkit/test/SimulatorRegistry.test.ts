/**
 * The simulator registry: every provider once, with its port and test
 * credentials; `start` seeds by position, starts a subset, and stops what it
 * started when one simulator cannot start.
 */
import { createServer } from "node:net"
import { describe, expect, it } from "vitest"
import * as Simulator from "../src/Simulator.ts"
import * as SimulatorRegistry from "../src/SimulatorRegistry.ts"
import * as ResendSim from "../src/simulators/resend.ts"

describe("SimulatorRegistry", () => {
  it("lists every provider once, each with its port and the credentials its simulator accepts", () => {
    expect(SimulatorRegistry.names).toEqual(
      expect.arrayContaining(["stripe", "resend", "postmark", "twilio", "vonage", "googleCalendar"])
    )
    for (const name of SimulatorRegistry.names) {
      const entry = SimulatorRegistry.providers[name]
      expect(entry.definition.provider).toBe(name)
      expect(entry.credentials).toBe(entry.definition.credentials)
      expect(["EmailProvider", "SmsProvider", "PaymentProvider", "CalendarProvider", "VendorApi"]).toContain(entry.port)
    }
    expect(SimulatorRegistry.providers.resend.port).toBe("EmailProvider")
    expect(SimulatorRegistry.providers.twilio.port).toBe("SmsProvider")
  })

  it("starts only the providers named, each seeded with seed + its position", async () => {
    const simulators = await SimulatorRegistry.start(["twilio", "resend"], { seed: 10 })
    const alone = await Simulator.start(ResendSim.definition, { seed: 11 })
    try {
      expect(Object.keys(simulators)).toEqual(["twilio", "resend"])
      expect(simulators.resend.credentials.apiKey).toBe(ResendSim.definition.credentials.apiKey)
      expect([simulators.resend.random(), simulators.resend.random()]).toEqual([alone.random(), alone.random()])
      expect(simulators.twilio.provider).toBe("twilio")
    } finally {
      await Promise.all([SimulatorRegistry.stop(simulators), alone.stop()])
    }
  })

  it("stops the simulators it started when one cannot listen, and throws why", async () => {
    const blocker = createServer()
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port))
    )
    const free = await Simulator.closedPort()
    try {
      await expect(
        SimulatorRegistry.start(["resend", "postmark"], { ports: { resend: free, postmark: port } })
      ).rejects.toThrow(/EADDRINUSE/)
      // resend was started on `free` and stopped again, so the port can be taken now.
      const again = await SimulatorRegistry.start(["resend"], { ports: { resend: free } })
      await SimulatorRegistry.stop(again)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })
})
