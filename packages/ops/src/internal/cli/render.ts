/**
 * Human output: aligned tables, times as ISO text, durations from flags. Pure
 * functions, so the commands only choose columns.
 *
 * @internal
 */
import { Duration, Option } from "effect"

/** A column: its header and how to read a cell from a row. @internal */
export type Column<A> = readonly [header: string, cell: (row: A) => string | number | undefined]

/**
 * Renders `rows` as a table with a header line; "(none)" when empty.
 *
 * @internal
 */
export const table = <A>(rows: ReadonlyArray<A>, columns: ReadonlyArray<Column<A>>): string => {
  if (rows.length === 0) return "(none)"
  const cells = rows.map((row) => columns.map(([, cell]) => String(cell(row) ?? "-")))
  const headers = columns.map(([header]) => header)
  const widths = headers.map((header, index) => Math.max(header.length, ...cells.map((row) => row[index]!.length)))
  const format = (row: ReadonlyArray<string>) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
      .join("  ")
      .trimEnd()
  return [format(headers), ...cells.map(format)].join("\n")
}

/** `key: value` lines for one record, skipping absent values. @internal */
export const details = (fields: ReadonlyArray<readonly [string, string | number | undefined]>): string => {
  const present = fields.filter(([, value]) => value !== undefined)
  const width = Math.max(...present.map(([key]) => key.length))
  return present.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${value}`).join("\n")
}

/** Epoch milliseconds as ISO text. @internal */
export const time = (millis: number | undefined): string | undefined =>
  millis === undefined ? undefined : new Date(millis).toISOString()

/** A duration flag (`"7 days"`, `"36 hours"`) in milliseconds, or undefined when it does not parse. @internal */
export const durationMillis = (text: string): number | undefined => {
  const parsed = Duration.fromInput(text.trim() as Duration.Input)
  return Option.isSome(parsed) ? Duration.toMillis(parsed.value) : undefined
}
