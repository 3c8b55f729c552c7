/**
 * A notice as text (log lines, email bodies) and as a Slack-compatible
 * message (`text` for notifications, `blocks` for the body). The impact is
 * rendered as its five most urgent weddings with why each is at risk.
 *
 * @internal
 */
import type * as Impact from "../../Impact.ts"
import type { Notice } from "./model.ts"

const topAffected = 5

const iso = (millis: number) => new Date(millis).toISOString()

/** The one-line headline of a notice. @internal */
export const headline = (notice: Notice): string =>
  notice._tag === "Alert" ? `[${notice.severity.toUpperCase()}] ${notice.title}` : `[RESOLVED] ${notice.title}`

const weddingLine = (wedding: Impact.Affected) =>
  `• ${wedding.weddingDate} ${wedding.couple ?? wedding.weddingId} (${wedding.criticality}, ` +
  `${wedding.daysAway === 0 ? "today" : `in ${wedding.daysAway} days`}): ${wedding.why}`

/** The impact section, or nothing when the notice has none. @internal */
export const impactLines = (notice: Notice): ReadonlyArray<string> => {
  if (notice._tag !== "Alert" || notice.impact === undefined) return []
  const { affected, weddingsToday } = notice.impact
  if (affected.length === 0) return ["No upcoming wedding depends on it."]
  const more = affected.length > topAffected ? [`…and ${affected.length - topAffected} more`] : []
  return [
    `Weddings affected: ${affected.length} (${weddingsToday} today). Most urgent first:`,
    ...affected.slice(0, topAffected).map(weddingLine),
    ...more
  ]
}

const throttledLine = (notice: Notice): ReadonlyArray<string> =>
  notice.throttled === undefined
    ? []
    : [`(${notice.throttled.count} earlier notice(s) were throttled: ${notice.throttled.titles.join("; ")})`]

const timing = (notice: Notice) =>
  notice._tag === "Alert"
    ? `Opened ${iso(notice.openedAt)}`
    : `Opened ${iso(notice.openedAt)}, resolved ${iso(notice.resolvedAt)} (${Math.round((notice.resolvedAt - notice.openedAt) / 1000)} s)`

/** The whole notice as plain text. @internal */
export const text = (notice: Notice): string =>
  [headline(notice), notice.summary, timing(notice), ...impactLines(notice), ...throttledLine(notice)].join("\n")

/** A Slack-compatible message: `text` is the fallback shown in notifications. @internal */
export const slackPayload = (notice: Notice) => {
  const section = (body: string) => ({ type: "section", text: { type: "mrkdwn", text: body } })
  const impact = impactLines(notice)
  const throttled = throttledLine(notice)
  return {
    text: `${headline(notice)}: ${notice.summary}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: headline(notice).slice(0, 150) } },
      section(notice.summary),
      ...(impact.length === 0 ? [] : [section(impact.join("\n"))]),
      { type: "context", elements: [{ type: "mrkdwn", text: `${notice.key} · ${timing(notice)}` }] },
      ...(throttled.length === 0 ? [] : [section(throttled.join("\n"))])
    ]
  }
}
