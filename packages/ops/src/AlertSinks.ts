/**
 * Where alerts go: the {@link AlertSink} port and three sinks — the Effect
 * log, a Slack-compatible incoming webhook, and email through core's
 * `EmailProvider` port. `Alerts` hands every sink each notice (an alert or
 * its resolution) through the sink's throttle; a sink never retries, it
 * fails with {@link AlertFailed}, which names the sink and the HTTP status
 * but never its URL or credentials.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Alerts, AlertSinks } from "@wedsync/ops"
 *
 * const alerts = Alerts.layerMemory({
 *   sinks: [
 *     AlertSinks.log,
 *     AlertSinks.slack({ url: Redacted.make(process.env.SLACK_WEBHOOK_URL ?? "") }),
 *     AlertSinks.email({ to: "oncall@wedsync.example", from: "alerts@wedsync.example" })
 *   ]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { EmailProvider } from "@wedsync/core"
import * as Model from "./internal/alerts/model.ts"
import { headline, slackPayload, text } from "./internal/alerts/render.ts"

/**
 * A notice a sink is handed: an `Alerts.Alert` or `Alerts.Resolution`,
 * with `throttled` summarising the notices this sink's throttle held back
 * since its last one.
 *
 * @example
 * ```ts
 * const line = (notice: AlertSinks.Notice) => `${notice._tag} ${notice.key}: ${notice.title}`
 * ```
 * @since 0.1.0
 */
export type Notice = Model.Notice

/**
 * A sink's failure: `sink`, the HTTP `status` when there was one, and a
 * `detail` free of URLs and secrets.
 *
 * @example
 * ```ts
 * sink.send(notice).pipe(Effect.catchTag("AlertFailed", (error) => Effect.logError(error.message)))
 * ```
 * @since 0.1.0
 */
export const AlertFailed = Model.AlertFailed

/** @since 0.1.0 */
export type AlertFailed = Model.AlertFailed

/**
 * The port: a `name` (unique among an `Alerts` layer's sinks), `send`, and
 * optionally `accepts` (a sink may decline notices, as the email sink does
 * for alerts about email) and its own `throttle`.
 *
 * @example
 * ```ts
 * const pager: AlertSinks.AlertSink = {
 *   name: "pager",
 *   accepts: (notice) => notice.severity === "page",
 *   send: (notice) => Effect.log(`PAGE ${notice.title}`)
 * }
 * ```
 * @since 0.1.0
 */
export type AlertSink = Model.AlertSink

/**
 * At most `max` notices per `windowMillis` to one sink; pages always go.
 *
 * @example
 * ```ts
 * const throttle: AlertSinks.ThrottleOptions = { max: 5, windowMillis: 15 * 60_000 }
 * ```
 * @since 0.1.0
 */
export type ThrottleOptions = Model.ThrottleOptions

/**
 * A sink from a name and a send function.
 *
 * @example
 * ```ts
 * const seen: Array<AlertSinks.Notice> = []
 * const capture = AlertSinks.make("capture", (notice) => Effect.sync(() => seen.push(notice)))
 * ```
 * @since 0.1.0
 */
export const make = (
  name: string,
  send: (notice: Notice) => Effect.Effect<void, AlertFailed>,
  options?: { readonly accepts?: AlertSink["accepts"]; readonly throttle?: ThrottleOptions | undefined }
): AlertSink => ({ name, send, accepts: options?.accepts, throttle: options?.throttle })

/**
 * The Effect log: `Error` for a page, `Warning` for other alerts, `Info` for
 * a resolution; annotated with the alert's key, severity, service and provider.
 *
 * @example
 * ```ts
 * Alerts.layerMemory({ sinks: [AlertSinks.log] })
 * ```
 * @since 0.1.0
 */
export const log: AlertSink = make("log", (notice) => {
  const body = text(notice)
  const logged =
    notice._tag === "Resolution"
      ? Effect.logInfo(body)
      : notice.severity === "page"
        ? Effect.logError(body)
        : Effect.logWarning(body)
  return logged.pipe(
    Effect.annotateLogs({
      "alert.key": notice.key,
      "alert.kind": notice._tag,
      "alert.severity": notice.severity,
      "alert.service": notice.service,
      ...(notice.provider === undefined ? {} : { "alert.provider": notice.provider })
    })
  )
})

/**
 * Options of {@link slack}.
 *
 * @example
 * ```ts
 * const options: AlertSinks.SlackOptions = { url: Redacted.make("https://hooks.slack.com/services/T0/B0/x"), timeout: "5 seconds" }
 * ```
 * @since 0.1.0
 */
export interface SlackOptions {
  /** The incoming-webhook URL: a secret, never logged nor put in an error. */
  readonly url: Redacted.Redacted<string>
  /** Default `"slack"`; give each of several Slack sinks its own. */
  readonly name?: string | undefined
  /** Default 10 s; a request still running then is `AlertFailed`. */
  readonly timeout?: Duration.Input | undefined
  readonly throttle?: ThrottleOptions | undefined
}

const slackFailure = (name: string, status: number | undefined, detail: string) =>
  new AlertFailed({ sink: name, detail, ...(status === undefined ? {} : { status }) })

/**
 * A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat,
 * Discord's `/slack` endpoints): posts `{ text, blocks }` with the
 * `HttpClient` in context. A 4xx/5xx answer is `AlertFailed` with its
 * status; a transport failure or a timeout is `AlertFailed` without one.
 *
 * @example
 * ```ts
 * const sink = AlertSinks.slack({ url: Redacted.make(process.env.SLACK_WEBHOOK_URL ?? "") })
 * Alerts.layerMemory({ sinks: [sink] }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
export const slack = (options: SlackOptions): Effect.Effect<AlertSink, never, HttpClient.HttpClient> =>
  Effect.map(Effect.service(HttpClient.HttpClient), (client) => {
    const name = options.name ?? "slack"
    const timeout = Duration.fromInputUnsafe(options.timeout ?? "10 seconds")
    const send = (notice: Notice) => {
      const request = HttpClientRequest.post(Redacted.value(options.url)).pipe(
        HttpClientRequest.bodyJsonUnsafe(slackPayload(notice))
      )
      return client.execute(request).pipe(
        // The client's own errors quote the URL: only their kind is kept.
        Effect.mapError((error) => slackFailure(name, undefined, `request failed (${error.reason._tag})`)),
        Effect.flatMap((response) =>
          response.status >= 400
            ? Effect.fail(slackFailure(name, response.status, "the webhook refused the notice"))
            : Effect.void
        ),
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () => Effect.fail(slackFailure(name, undefined, `no answer within ${Duration.format(timeout)}`))
        })
      )
    }
    return make(name, send, { throttle: options.throttle })
  })

/**
 * Options of {@link email}.
 *
 * @example
 * ```ts
 * const options: AlertSinks.EmailOptions = { to: ["oncall@wedsync.example"], from: "alerts@wedsync.example" }
 * ```
 * @since 0.1.0
 */
export interface EmailOptions {
  readonly to: EmailProvider.Recipients
  readonly from: string
  /** Default `"email"`. */
  readonly name?: string | undefined
  /** The cap on alert emails; default 5 per 15 minutes. */
  readonly throttle?: ThrottleOptions | undefined
}

// A header must be one line.
const oneLine = (value: string) =>
  Array.from(value, (char) => {
    const code = char.charCodeAt(0)
    return code < 0x20 || code === 0x7f ? " " : char
  })
    .join("")
    .slice(0, 250)

/**
 * Alert emails through core's `EmailProvider` port (any adapter). Loop
 * protection: a notice about the email service itself (`service: "email"`)
 * is declined — it goes to the other sinks only, since sending it by email
 * would fail or loop — and alert emails are capped (default 5 per 15
 * minutes; the rest are counted and summarised in the next). A failed send
 * is `AlertFailed` with the provider's status and reason, never retried here.
 *
 * @example
 * ```ts
 * const sink = AlertSinks.email({ to: "oncall@wedsync.example", from: "alerts@wedsync.example" })
 * Alerts.layerMemory({ sinks: [AlertSinks.log, sink] }).pipe(Layer.provide(Postmark.layer(postmarkOptions)))
 * ```
 * @since 0.1.0
 */
export const email = (options: EmailOptions): Effect.Effect<AlertSink, never, EmailProvider.EmailProvider> =>
  Effect.map(Effect.service(EmailProvider.EmailProvider), (provider) => {
    const name = options.name ?? "email"
    const send = (notice: Notice) =>
      Effect.try({
        try: () =>
          new EmailProvider.EmailMessage({
            from: options.from,
            to: options.to,
            subject: oneLine(`WedSync ${headline(notice)}`),
            text: text(notice),
            idempotencyKey: oneLine(`${notice._tag}:${notice.key}:${notice.openedAt}`)
          }),
        catch: (error) =>
          new AlertFailed({ sink: name, detail: `not a valid email: ${error instanceof Error ? error.message : ""}` })
      }).pipe(
        Effect.flatMap((message) =>
          provider.send(message).pipe(
            Effect.mapError(
              (error) =>
                new AlertFailed({
                  sink: name,
                  detail: `${error.provider} refused it (${error.reason._tag})`,
                  ...(error.status === undefined ? {} : { status: error.status })
                })
            )
          )
        ),
        Effect.asVoid
      )
    return make(name, send, {
      accepts: (notice) => notice.service !== "email",
      throttle: options.throttle ?? { max: 5, windowMillis: 15 * 60_000 }
    })
  })
