/**
 * Progress of a bulk operation on stderr: a bar redrawn in place when stderr
 * is a terminal and `--json` is off, else one plain line per item (logs and
 * pipes keep every line, and stdout stays for the result).
 *
 * @internal
 */
import { Effect } from "effect"
import { Io } from "./io.ts"

/** A progress reporter for `total` items. @internal */
export interface Progress {
  /** One item done: its id and how it went. */
  readonly advance: (id: string, outcome: string) => Effect.Effect<void>
  /** Ends the bar (a newline on a terminal). */
  readonly done: Effect.Effect<void>
}

const WIDTH = 30

/** The bar for `done` of `total`, e.g. `[#####.....] 5/10`. @internal */
export const bar = (done: number, total: number): string => {
  const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH)
  return `[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${done}/${total}`
}

/**
 * A reporter for `total` items labelled `label` ("replay").
 *
 * @internal
 */
export const make = (label: string, total: number, options: { readonly json: boolean }): Effect.Effect<Progress> =>
  Effect.map(Effect.service(Io), (io) => {
    const animated = io.errIsTerminal && !options.json
    let done = 0
    return {
      advance: (id, outcome) =>
        Effect.suspend(() => {
          done += 1
          return animated
            ? io.err(`\r${label} ${bar(done, total)}`)
            : io.err(`${label} ${done}/${total} ${id} ${outcome}\n`)
        }),
      done: animated && total > 0 ? io.err("\n") : Effect.void
    }
  })
