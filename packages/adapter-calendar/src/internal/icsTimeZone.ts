/**
 * Time zones for .ics files, from the runtime's own zone database (`Intl`).
 *
 * RFC 5545 wants every `TZID` a file names to be defined by a `VTIMEZONE` in
 * the same file (Outlook refuses files without one). ical-generator writes
 * `DTSTART;TZID=…` but leaves the `VTIMEZONE` to a generator; this is that
 * generator: the zone's offset transitions over the years an event spans (and
 * the year before), found by scanning day by day and narrowing to the minute,
 * each written as a one-off `STANDARD` or `DAYLIGHT` observance.
 *
 * @internal
 */

const MINUTE = 60_000
const DAY = 86_400_000

const formatters = new Map<string, Intl.DateTimeFormat>()

const formatterOf = (zone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(zone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    })
    formatters.set(zone, formatter)
  }
  return formatter
}

/** The wall-clock fields of an instant in a zone. @internal */
export interface WallTime {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

/** The wall-clock time of `instant` in `zone`. @internal */
export const wallTime = (zone: string, instant: number): WallTime => {
  const parts: Record<string, number> = {}
  for (const part of formatterOf(zone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value)
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0
  }
}

/** The zone's offset from UTC at `instant`, in milliseconds (east positive). @internal */
export const offsetAt = (zone: string, instant: number): number => {
  const wall = wallTime(zone, instant)
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
  return asUtc - Math.floor(instant / 1000) * 1000
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0")

/** `YYYY-MM-DDTHH:MM:SS`, the local form ical-generator reads as wall time in the event's zone. @internal */
export const localIso = (zone: string, instant: number): string => {
  const wall = wallTime(zone, instant)
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`
}

const basic = (instantAsWall: number): string => {
  const date = new Date(instantAsWall)
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
}

const utcOffset = (millis: number): string => {
  const sign = millis < 0 ? "-" : "+"
  const minutes = Math.abs(millis) / MINUTE
  return `${sign}${pad(Math.floor(minutes / 60))}${pad(minutes % 60)}`
}

interface Transition {
  readonly at: number
  readonly from: number
  readonly to: number
}

const transitionsBetween = (zone: string, from: number, to: number): ReadonlyArray<Transition> => {
  const found: Array<Transition> = []
  let previous = from
  let offset = offsetAt(zone, from)
  for (let day = from + DAY; day <= to; day += DAY) {
    const next = offsetAt(zone, day)
    if (next !== offset) {
      let low = previous
      let high = day
      while (high - low > MINUTE) {
        const middle = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE
        if (offsetAt(zone, middle) === offset) low = middle
        else high = middle
      }
      found.push({ at: high, from: offset, to: next })
      offset = next
    }
    previous = day
  }
  return found
}

const observance = (kind: "STANDARD" | "DAYLIGHT", at: number, from: number, to: number): string =>
  [
    `BEGIN:${kind}`,
    // The onset is written in the wall time in force before it.
    `DTSTART:${basic(at + from)}`,
    `TZOFFSETFROM:${utcOffset(from)}`,
    `TZOFFSETTO:${utcOffset(to)}`,
    `END:${kind}`
  ].join("\r\n")

/**
 * A `VTIMEZONE` for `zone` valid from the start of the year before `fromMillis`
 * to the end of the year after `toMillis`.
 *
 * @internal
 */
export const vtimezone = (zone: string, fromMillis: number, toMillis: number): string => {
  const start = Date.UTC(new Date(fromMillis).getUTCFullYear() - 1, 0, 1)
  const end = Date.UTC(new Date(toMillis).getUTCFullYear() + 2, 0, 1)
  const key = `${zone} ${start} ${end}`
  const known = generated.get(key)
  if (known !== undefined) return known
  const made = generate(zone, start, end)
  // Zones and years are few; the scan is a few thousand Intl calls, so each result is kept.
  if (generated.size < 1_000) generated.set(key, made)
  return made
}

const generated = new Map<string, string>()

const generate = (zone: string, start: number, end: number): string => {
  const initial = offsetAt(zone, start)
  const transitions = transitionsBetween(zone, start, end)
  const standard = Math.min(initial, ...transitions.map((transition) => transition.to))
  const kind = (offset: number) => (offset > standard ? "DAYLIGHT" : "STANDARD")
  return [
    "BEGIN:VTIMEZONE",
    `TZID:${zone}`,
    observance(kind(initial), start, initial, initial),
    ...transitions.map((transition) => observance(kind(transition.to), transition.at, transition.from, transition.to)),
    "END:VTIMEZONE"
  ].join("\r\n")
}
