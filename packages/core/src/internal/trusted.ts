/**
 * Building the open-circuit rejection without the Schema constructor.
 *
 * Every field of a rejection is produced here from values this engine already
 * holds, so re-validating them is pure cost: measured, `new CircuitOpen` plus
 * `new IntegrationError` take ~12 µs (two schema parses and two stack captures),
 * which alone is three times what cockatiel and opossum spend on a whole
 * rejection. The instances made here have the same prototype, own fields and
 * structural-equality data as constructed ones (see test/trusted.test.ts), and
 * a fixed `stack`: a rejection happens at the circuit, not at a line of code.
 *
 * @internal
 */
import { Duration } from "effect"
import * as IntegrationError from "../IntegrationError.ts"

const sample = new IntegrationError.CircuitOpen({ key: "", retryAfter: Duration.zero })
const plainArgs = Object.getOwnPropertySymbols(sample).find(
  (symbol) => symbol.description === "effect/Data/Error/plainArgs"
)

const build = <T extends Error>(prototype: object, fields: Record<string, unknown>): T => {
  const value = Object.create(prototype) as T
  Object.assign(value, fields)
  if (plainArgs !== undefined) (value as unknown as Record<symbol, unknown>)[plainArgs] = fields
  // Like a constructed error's, `stack` is not enumerable: it stays out of JSON and spreads.
  Object.defineProperty(value, "stack", {
    value: `${value.name}: ${value.message}\n    at <circuit rejection>`,
    writable: true,
    configurable: true,
    enumerable: false
  })
  return value
}

/** An `IntegrationError` with a `CircuitOpen` reason, built from trusted parts. @internal */
export const circuitOpen = (
  provider: string,
  operation: string,
  key: string,
  retryAfterMillis: number,
  correlationId: string | undefined
): IntegrationError.IntegrationError => {
  const reason = build<IntegrationError.CircuitOpen>(IntegrationError.CircuitOpen.prototype, {
    _tag: "CircuitOpen",
    key,
    retryAfter: Duration.millis(retryAfterMillis)
  })
  const fields: Record<string, unknown> = { _tag: "IntegrationError", provider, operation, reason }
  if (correlationId !== undefined) fields.correlationId = correlationId
  return build<IntegrationError.IntegrationError>(IntegrationError.IntegrationError.prototype, fields)
}
