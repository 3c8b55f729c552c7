/**
 * @wedsync/adapter-calendar: the Google Calendar `CalendarProvider` on
 * `@googleapis/calendar`, Google's push channels as a `WebhookSource`, and the
 * RFC 5545 .ics fallback that reaches the couple by email when sync cannot run.
 *
 * @since 0.1.0
 */
export * as CalendarSync from "./CalendarSync.ts"
export * as GoogleCalendar from "./GoogleCalendar.ts"
export * as GoogleCalendarWebhooks from "./GoogleCalendarWebhooks.ts"
export * as CalendarFallback from "./CalendarFallback.ts"
export * as Ics from "./Ics.ts"
