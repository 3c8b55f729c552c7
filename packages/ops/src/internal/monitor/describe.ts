/**
 * The words of the Monitor's alerts: title and summary of a circuit that
 * opened or an integration an operator disabled, from what the engine knows.
 *
 * @internal
 */
import type * as Impact from "../../Impact.ts"

const iso = (millis: number) => new Date(millis).toISOString()

const label = (service: string, provider: string | undefined) =>
  provider === undefined ? `${service} (every provider)` : `${service} via ${provider}`

const weddings = (impact: Impact.Assessment | undefined) =>
  impact === undefined
    ? "The impact on upcoming weddings could not be assessed."
    : `${impact.affected.length} upcoming wedding(s) depend on it, ${impact.weddingsToday} today.`

/** A circuit that opened. @internal */
export const circuitOpened = (input: {
  readonly service: string
  readonly provider: string
  readonly at: number
  readonly reason: string | undefined
  readonly retryAfterMillis?: number | undefined
  readonly forced: boolean
  readonly impact: Impact.Assessment | undefined
}) => ({
  title: `${label(input.service, input.provider)} is failing: circuit open`,
  summary: [
    input.forced
      ? `An operator forced the circuit open at ${iso(input.at)}.`
      : `The circuit opened at ${iso(input.at)}${input.reason === undefined ? "" : ` after ${input.reason} failures`}.`,
    input.retryAfterMillis === undefined
      ? "Calls are refused and fail over where a backup provider exists."
      : `Calls are refused for ${Math.ceil(input.retryAfterMillis / 1000)} s, then probed; they fail over where a backup provider exists.`,
    weddings(input.impact)
  ].join(" ")
})

/** An integration an operator disabled. @internal */
export const integrationDisabled = (input: {
  readonly service: string
  readonly provider: string | undefined
  readonly description: string
  readonly impact: Impact.Assessment | undefined
}) => ({
  title: `${label(input.service, input.provider)} is disabled`,
  summary: `${input.description}. Its work is held in the outbox until it is enabled again. ${weddings(input.impact)}`
})
