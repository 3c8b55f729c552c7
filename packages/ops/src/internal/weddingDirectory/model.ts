/**
 * The wedding directory's pure parts: date windows and the row shape of the
 * SQL table (or a deployment's view), shared by the memory and SQL stores.
 *
 * @internal
 */
import type { Wedding } from "./types.ts"

const DAY = 86_400_000

/** `YYYY-MM-DD` plus `days` (UTC). @internal */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + Math.floor(days) * DAY).toISOString().slice(0, 10)

/** Whether a wedding is in `[from, from + days)` and, when asked, depends on `service`. @internal */
export const inWindow =
  (query: { readonly from: string; readonly days: number; readonly service?: string | undefined }) =>
  (wedding: Wedding): boolean =>
    wedding.weddingDate >= query.from &&
    wedding.weddingDate < addDays(query.from, query.days) &&
    (query.service === undefined || wedding.services.includes(query.service))

/** A list kept as text: `,a,b,` (the outer commas let `LIKE '%,a,%'` match whole names). @internal */
export const listText = (values: ReadonlyArray<string>): string => `,${values.join(",")},`

/** A list read back from `,a,b,` (or `a,b` from a deployment's view). @internal */
export const listOf = (text: string | null | undefined): ReadonlyArray<string> =>
  (text ?? "")
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value.length > 0)

/** A row of the directory's table or view. @internal */
export interface Row {
  readonly wedding_id: string
  /** Text `YYYY-MM-DD`, or a `Date` when a view exposes a PostgreSQL `date`. */
  readonly wedding_date: string | Date
  readonly couple: string | null
  readonly services: string
  readonly workflows: string | null
}

/** A wedding from its row. @internal */
export const weddingOf = (row: Row): Wedding => ({
  weddingId: row.wedding_id,
  weddingDate:
    row.wedding_date instanceof Date ? row.wedding_date.toISOString().slice(0, 10) : row.wedding_date.slice(0, 10),
  couple: row.couple ?? undefined,
  services: listOf(row.services),
  workflows: row.workflows === null ? undefined : listOf(row.workflows)
})

/** A copy with every field present (absent ones `undefined`), as the SQL store reads them back. @internal */
export const normalized = (wedding: Wedding): Wedding => ({
  weddingId: wedding.weddingId,
  weddingDate: wedding.weddingDate,
  couple: wedding.couple,
  services: [...wedding.services],
  workflows: wedding.workflows === undefined ? undefined : [...wedding.workflows]
})

/** Date, then id: a stable order. @internal */
export const byDate = (a: Wedding, b: Wedding): number =>
  a.weddingDate === b.weddingDate ? (a.weddingId < b.weddingId ? -1 : 1) : a.weddingDate < b.weddingDate ? -1 : 1
