/**
 * Telemetry: traces, metrics and logs over OTLP/HTTP, and the metric
 * registry as a Prometheus `/metrics` page — both through
 * `effect/observability`, so every span and metric the packages make
 * (a client span per provider attempt, `outbox.run <operation>` per job
 * run, a server span per HTTP request; the resilience engine's counters)
 * goes out with no second SDK.
 *
 * {@link layerConfig} reads the OpenTelemetry SDK's variables through Effect
 * `Config`: `OTEL_EXPORTER_OTLP_ENDPOINT` (or per signal
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `…_METRICS_ENDPOINT`,
 * `…_LOGS_ENDPOINT`), `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, read
 * redacted: an API key), `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`,
 * the default, or `http/json`), `OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED` and `OTEL_<SIGNAL>_EXPORTER=none`.
 * Options override the environment. With no endpoint at all nothing is
 * exported and nothing fails: the layer is a no-op.
 *
 * The trace of one piece of work crosses the outbox: a job offered inside a
 * span carries its W3C `traceparent`, and the worker runs it under
 * `outbox.run <operation>` whose parent is that span — so an API call, the
 * job and its provider attempts share one trace id; an inbound webhook's
 * request span continues the sender's `traceparent` the same way.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { Admin, Telemetry } from "@wedsync/ops"
 *
 * // OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 OTEL_SERVICE_NAME=wedsync-api
 * const AppLive = Layer.mergeAll(
 *   HttpRouter.serve(Layer.mergeAll(Admin.layerConfig(), Telemetry.metricsRoute())),
 *   Worker
 * ).pipe(Layer.provide(Telemetry.layerConfig()))
 * ```
 *
 * @since 0.1.0
 */
import { Resilience } from "@wedsync/core"
import { type Config, Duration, Effect, Layer, Option, Redacted } from "effect"
import { FetchHttpClient, Headers, HttpRouter, HttpServerResponse } from "effect/http"
import {
  OtlpExporter,
  OtlpLogger,
  OtlpMetrics,
  OtlpSerialization,
  OtlpTracer,
  PrometheusMetrics
} from "effect/observability"
import * as Settings from "./internal/telemetry/config.ts"
import * as Gauges from "./internal/telemetry/gauges.ts"

/**
 * Where and how telemetry is exported. Every field is optional; in
 * {@link layerConfig} a field given here wins over its variable.
 *
 * @example
 * ```ts
 * const options: Telemetry.Options = {
 *   endpoint: "https://otlp.example.com",
 *   headers: { "x-api-key": Redacted.make(apiKey) },
 *   serviceName: "wedsync-api"
 * }
 * ```
 * @since 0.1.0
 */
export interface Options extends Settings.Settings {
  /** Resource attributes besides the service's name and version (`deployment.environment`, …). */
  readonly attributes?: Readonly<Record<string, string>> | undefined
  /** How often spans and logs are sent (default 5 seconds). */
  readonly exportInterval?: Duration.Input | undefined
  /** How often metrics are sent (default 10 seconds). */
  readonly metricsExportInterval?: Duration.Input | undefined
  /** How long shutdown waits for the last export (default 3 seconds). */
  readonly shutdownTimeout?: Duration.Input | undefined
}

/**
 * The service name used when neither the options nor `OTEL_SERVICE_NAME`
 * nor `OTEL_RESOURCE_ATTRIBUTES` name one.
 *
 * @example
 * ```ts
 * Telemetry.DEFAULT_SERVICE_NAME // "wedsync-integrations"
 * ```
 * @since 0.1.0
 */
export const DEFAULT_SERVICE_NAME = Settings.DEFAULT_SERVICE_NAME

/**
 * The settings the environment gives, as {@link Options} (the headers
 * redacted).
 *
 * @example
 * ```ts
 * const settings = yield* Telemetry.config
 * settings.endpoint // "http://collector:4318", from OTEL_EXPORTER_OTLP_ENDPOINT
 * ```
 * @since 0.1.0
 */
export const config: Config.Config<Options> = Settings.fromEnv

// The exporter's requests and their failures may be logged: its header names join those Effect redacts.
const redactingHeaders = (headers: Readonly<Record<string, Redacted.Redacted<string>>> | undefined) =>
  headers === undefined
    ? Layer.empty
    : Layer.effect(Headers.CurrentRedactedNames)(
        Effect.map(Effect.service(Headers.CurrentRedactedNames), (names) => [...names, ...Object.keys(headers)])
      )

const exposedHeaders = (headers: Readonly<Record<string, Redacted.Redacted<string>>> | undefined) =>
  headers === undefined
    ? undefined
    : Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Redacted.value(value)]))

/**
 * Exports to the endpoints `options` names, and nothing when it names none
 * (or says `disabled`). Reads no variable but the resource's
 * (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`), which Effect's exporter
 * merges in; the service is `wedsync-integrations` when nothing names it. The layer provides the
 * exporters' `Flusher`: `flush` before a serverless instance is suspended.
 *
 * @example
 * ```ts
 * const TelemetryLive = Telemetry.layer({
 *   endpoint: "http://127.0.0.1:4318",
 *   protocol: "http/json",
 *   serviceName: "wedsync-worker"
 * })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<OtlpExporter.Flusher> => {
  const target = Settings.urls(options)
  if (target.traces === undefined && target.metrics === undefined && target.logs === undefined) {
    return OtlpExporter.layerFlusher
  }
  const named = options.serviceName !== undefined || options.attributes?.["service.name"] !== undefined
  return named
    ? exporters(options, target)
    : Layer.unwrap(
        Effect.map(
          Effect.orElseSucceed(Settings.envNamesService, () => false),
          (fromEnv) => exporters(fromEnv ? options : { ...options, serviceName: DEFAULT_SERVICE_NAME }, target)
        )
      )
}

const exporters = (options: Options, target: ReturnType<typeof Settings.urls>): Layer.Layer<OtlpExporter.Flusher> => {
  const resource = {
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    attributes: { ...options.attributes }
  }
  const headers = exposedHeaders(options.headers)
  const common = { resource, headers, shutdownTimeout: options.shutdownTimeout }
  const signals = [
    target.traces === undefined
      ? Layer.empty
      : OtlpTracer.layer({ ...common, url: target.traces, exportInterval: options.exportInterval }),
    target.metrics === undefined
      ? Layer.empty
      : OtlpMetrics.layer({ ...common, url: target.metrics, exportInterval: options.metricsExportInterval }),
    target.logs === undefined
      ? Layer.empty
      : OtlpLogger.layer({
          ...common,
          url: target.logs,
          exportInterval: options.exportInterval,
          mergeWithExisting: true
        })
  ] as const
  return Layer.mergeAll(OtlpExporter.layerFlusher, ...signals).pipe(
    Layer.provide(options.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(redactingHeaders(options.headers))
  )
}

/**
 * {@link layer} configured from the environment ({@link config}), with
 * `options` overriding it field by field. Nothing configured is a no-op;
 * a variable that is set but malformed (an unknown protocol, headers that
 * are not `k=v`) fails with a `ConfigError` naming it, never quoting it.
 *
 * @example
 * ```ts
 * // OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.example.com OTEL_EXPORTER_OTLP_HEADERS=x-api-key=…
 * const TelemetryLive = Telemetry.layerConfig({ serviceVersion: "1.4.0" })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (options: Options = {}): Layer.Layer<OtlpExporter.Flusher, Config.ConfigError> =>
  Layer.unwrap(Effect.map(config, (env: Options) => layer(Settings.merge(env, options))))

/** Options of {@link prometheus} and {@link metricsRoute}. @example `{ path: "/internal/metrics", prefix: "wedsync" }` @since 0.1.0 */
export interface PrometheusOptions extends PrometheusMetrics.FormatOptions {
  /** Where {@link metricsRoute} serves it (default `/metrics`). */
  readonly path?: HttpRouter.PathInput | undefined
}

/** The content type of Prometheus' text exposition format. @example `Telemetry.PROMETHEUS_CONTENT_TYPE` @since 0.1.0 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

const page = (resilience: Option.Option<Resilience.Resilience["Service"]>, options: PrometheusOptions | undefined) =>
  Effect.gen(function* () {
    if (Option.isSome(resilience)) yield* Gauges.record(resilience.value.providers())
    const body = yield* PrometheusMetrics.format(options)
    return HttpServerResponse.text(body, { contentType: PROMETHEUS_CONTENT_TYPE })
  })

/**
 * The metric registry in Prometheus' text format, as an HTTP response:
 * the resilience engine's counters (`wedsync_integration_calls_total`,
 * `…_failures_total`, `…_retries_total`, `wedsync_failovers_total`,
 * `wedsync_breaker_transitions_total`) and, when a `Resilience` is in
 * context, each provider's `wedsync_breaker_state` and
 * `wedsync_provider_health` gauges, read at the scrape.
 *
 * @example
 * ```ts
 * const router = HttpRouter.add("GET", "/metrics", Telemetry.prometheus())
 * ```
 * @since 0.1.0
 */
export const prometheus = (options?: PrometheusOptions): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.flatMap(Effect.serviceOption(Resilience.Resilience), (resilience) => page(resilience, options))

/**
 * `GET /metrics` (or `options.path`) on the `HttpRouter`: {@link prometheus}
 * with the `Resilience` of the layer's context, if any. Mount it next to
 * the admin API, like its `/live` probe it needs no token:
 * `HttpRouter.serve(Layer.mergeAll(Admin.layerConfig(), Telemetry.metricsRoute()))`.
 *
 * @example
 * ```ts
 * const routes = Layer.mergeAll(Admin.layer({ tokens }), Telemetry.metricsRoute({ prefix: "app" }))
 * ```
 * @since 0.1.0
 */
export const metricsRoute = (options?: PrometheusOptions): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const router = yield* HttpRouter.HttpRouter
      const resilience = yield* Effect.serviceOption(Resilience.Resilience)
      const { path, ...format } = options ?? {}
      yield* router.add("GET", path ?? "/metrics", page(resilience, format))
    })
  )

/**
 * Sends what the exporters hold now (spans, metrics, logs), waiting at most
 * `timeout` (default 5 seconds): before a serverless instance is frozen, or
 * in a test.
 *
 * @example
 * ```ts
 * yield* Telemetry.flush()
 * ```
 * @since 0.1.0
 */
export const flush = (timeout: Duration.Input = "5 seconds"): Effect.Effect<void, never, OtlpExporter.Flusher> =>
  Effect.flatMap(Effect.service(OtlpExporter.Flusher), (flusher) =>
    Effect.asVoid(Effect.timeoutOption(flusher.flush, Duration.fromInputUnsafe(timeout)))
  )
