/**
 * How loud an alert is, as a pure function of its impact, the failure's
 * reason family and whether peak mode is on. Tested as a table.
 *
 * | condition                                                              | severity |
 * |------------------------------------------------------------------------|----------|
 * | a wedding today (`weddingsToday > 0`) or an affected wedding `wedding_day_critical` | page |
 * | peak mode on and an affected wedding `high` or `wedding_day_critical`  | page     |
 * | any affected wedding in the horizon                                    | warning  |
 * | the reason is permanent for the provider (`Unauthorized`, `Misconfigured`) | warning |
 * | otherwise (transient, nobody affected)                                 | info     |
 *
 * A caller's `minimum` raises the result, never lowers it.
 *
 * @internal
 */
import { IntegrationError } from "@wedsync/core"
import type * as Impact from "../../Impact.ts"
import type { Severity } from "./model.ts"

/** What the escalation reads. @internal */
export interface EscalationInput {
  readonly impact?: Impact.Assessment | undefined
  /** The reason tag of the failure behind the alert, e.g. `"Unauthorized"`. */
  readonly reason?: string | undefined
  readonly peak: boolean
  readonly minimum?: Severity | undefined
}

const rank: Record<Severity, number> = { info: 0, warning: 1, page: 2 }

/** The louder of two severities. @internal */
export const louder = (a: Severity, b: Severity): Severity => (rank[a] >= rank[b] ? a : b)

const fromImpact = (impact: Impact.Assessment | undefined, peak: boolean): Severity => {
  if (impact === undefined) return "info"
  if (impact.weddingsToday > 0) return "page"
  if (impact.affected.some((wedding) => wedding.criticality === "wedding_day_critical")) return "page"
  if (peak && impact.affected.some((wedding) => wedding.criticality === "high")) return "page"
  return impact.affected.length > 0 ? "warning" : "info"
}

/** The severity an alert gets. @internal */
export const escalate = (input: EscalationInput): Severity => {
  const permanent = input.reason !== undefined && IntegrationError.familyOf(input.reason) === "provider"
  const base = louder(fromImpact(input.impact, input.peak), permanent ? "warning" : "info")
  return input.minimum === undefined ? base : louder(base, input.minimum)
}
