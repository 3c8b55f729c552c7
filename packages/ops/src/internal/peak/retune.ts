/**
 * Follows the peak switch with the engine's policies: the lowered ones while
 * peak mode is on, `base` while it is off, through core's `Resilience.retune`,
 * so circuits already running take them at their next call.
 *
 * @internal
 */
import { Effect, Stream } from "effect"
import { Policy, Resilience } from "@wedsync/core"
import { peakPolicies } from "./policies.ts"

/** The daemon: both lookups built first (a bad override fails here), then one retune per change. @internal */
export const followSwitch = (
  changes: Stream.Stream<{ readonly active: boolean }>,
  base: Policy.PolicyOverrides | undefined,
  factor: number
) =>
  Effect.gen(function* () {
    const offPeak = yield* Policy.make(base)
    const onPeak = yield* Policy.make(peakPolicies(base, factor))
    const resilience = yield* Resilience.Resilience
    let applied: boolean | undefined
    yield* Effect.forkScoped(
      Stream.runForEach(changes, (status) => {
        if (status.active === applied) return Effect.void
        applied = status.active
        return Effect.andThen(
          resilience.retune(status.active ? onPeak : offPeak),
          Effect.logInfo(status.active ? "peak mode: trip thresholds lowered" : "peak mode: trip thresholds restored")
        )
      })
    )
  })
