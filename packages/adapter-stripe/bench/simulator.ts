/**
 * The Stripe simulator in a process of its own, for the benchmark: the
 * client side measured then shares its event loop with nothing but itself,
 * as it would with the real Stripe. Prints `{ url, port, secretKey }` as one
 * JSON line and runs until stdin closes.
 */
import { Simulator } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"

const sim = await Simulator.start(StripeSim.definition, { seed: 1 })
process.stdout.write(`${JSON.stringify({ url: sim.url, port: sim.port, secretKey: sim.credentials.secretKey })}\n`)
process.stdin.resume()
process.stdin.on("end", () => {
  void sim.stop().then(() => process.exit(0))
})
