/**
 * Building the open-circuit rejection without the Schema constructor.
 *
 * Every field of a rejection is produced here from values this engine already
 * holds, so re-validating them is pure cost: measured, `new CircuitOpen` plus
 * `new IntegrationError` take ~13 µs (two schema parses and two stack captures),
 * and even with `disableChecks` and no stack trace ~3 µs, where this takes
 * well under 1 µs — the whole rejection budget of cockatiel and opossum is ~3.5 µs.
 * Only public behaviour is relied on, no private symbol of Effect's: the
 * prototype and own enumerable fields (what `toJSON` spreads, and what the
 * classes' own `Equal` and `Hash` compare); `stack` is read from the
 * prototype, `<name>: <message>`, as every `IntegrationError`'s (see
 * `trusted` and `stackOnRead` in errorFields.ts). The instances are
 * indistinguishable from constructed ones (test/trusted.test.ts).
 *
 * @internal
 */
import { Duration } from "effect"
import * as IntegrationError from "../IntegrationError.ts"
import { trusted } from "./errorFields.ts"

/** An `IntegrationError` with a `CircuitOpen` reason, built from trusted parts. @internal */
export const circuitOpen = (
  provider: string,
  operation: string,
  key: string,
  retryAfterMillis: number,
  correlationId: string | undefined
): IntegrationError.IntegrationError => {
  const reason = trusted<IntegrationError.CircuitOpen>(IntegrationError.CircuitOpen.prototype, {
    _tag: "CircuitOpen",
    key,
    retryAfter: Duration.millis(retryAfterMillis)
  })
  const fields: Record<string, unknown> = { _tag: "IntegrationError", provider, operation, reason }
  if (correlationId !== undefined) fields.correlationId = correlationId
  return trusted<IntegrationError.IntegrationError>(IntegrationError.IntegrationError.prototype, fields)
}
