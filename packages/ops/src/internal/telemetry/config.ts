/**
 * What `Telemetry.layerConfig` reads: the OpenTelemetry SDK's own variables
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, the per-signal `…_TRACES_ENDPOINT` and
 * `…_METRICS_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`,
 * `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER`/`OTEL_METRICS_EXPORTER`
 * `none`), through Effect `Config`, so a `ConfigProvider` can stand in for
 * the environment. The headers (an API key, usually) are read redacted and
 * stay so until the exporter sends them.
 *
 * @internal
 */
import { Config, ConfigProvider, Effect, Option, Redacted } from "effect"

/** Where and how telemetry is exported; every field optional. @internal */
export interface Settings {
  readonly disabled?: boolean | undefined
  /** Base URL: traces go to `<endpoint>/v1/traces`, metrics to `<endpoint>/v1/metrics`. */
  readonly endpoint?: string | undefined
  /** The full traces URL, used as is (wins over `endpoint`). */
  readonly tracesEndpoint?: string | undefined
  /** The full metrics URL, used as is (wins over `endpoint`). */
  readonly metricsEndpoint?: string | undefined
  readonly headers?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
  readonly serviceName?: string | undefined
  readonly serviceVersion?: string | undefined
  /** Whether traces are exported (false for `OTEL_TRACES_EXPORTER=none`). */
  readonly traces?: boolean | undefined
  /** Whether metrics are exported (false for `OTEL_METRICS_EXPORTER=none`). */
  readonly metrics?: boolean | undefined
  /** Whether logs are exported (false for `OTEL_LOGS_EXPORTER=none`). */
  readonly logs?: boolean | undefined
  /** The full logs URL, used as is (wins over `endpoint`). */
  readonly logsEndpoint?: string | undefined
  /** The body encoding: `http/protobuf` (the OpenTelemetry default) or `http/json`. */
  readonly protocol?: Protocol | undefined
}

/** The OTLP/HTTP encodings Effect's exporter speaks (`grpc` is not one). @internal */
export type Protocol = "http/protobuf" | "http/json"

/** The protocols, as `OTEL_EXPORTER_OTLP_PROTOCOL` spells them. @internal */
export const PROTOCOLS: ReadonlyArray<Protocol> = ["http/protobuf", "http/json"]

/** The name a service reports when neither the options nor the environment name it. @internal */
export const DEFAULT_SERVICE_NAME = "wedsync-integrations"

/** Why `OTEL_EXPORTER_OTLP_HEADERS` does not parse; the value itself is never quoted. @internal */
export const headersProblem = (text: string): string | undefined => {
  for (const entry of text.split(",")) {
    if (entry.trim() === "") continue
    const at = entry.indexOf("=")
    if (at <= 0 || entry.slice(0, at).trim() === "") return "each entry must be key=value"
    try {
      decodeURIComponent(entry.slice(at + 1))
    } catch {
      return "a value is not valid percent-encoding"
    }
  }
  return undefined
}

/**
 * `k=v,k2=v2` (W3C baggage style, values percent-decoded) as redacted
 * values by lower-cased name; empty entries are skipped.
 *
 * @internal
 */
export const parseHeaders = (text: string): Record<string, Redacted.Redacted<string>> => {
  const headers: Record<string, Redacted.Redacted<string>> = {}
  for (const entry of text.split(",")) {
    const at = entry.indexOf("=")
    if (at <= 0) continue
    const name = entry.slice(0, at).trim().toLowerCase()
    if (name === "") continue
    headers[name] = Redacted.make(decodeURIComponent(entry.slice(at + 1).trim()), { label: name })
  }
  return headers
}

const optionalString = (name: string) =>
  Config.option(Config.String(name)).pipe(
    Config.map((value) => Option.getOrUndefined(Option.filter(value, (text) => text.trim() !== "")))
  )

const headersConfig = Config.option(Config.Redacted("OTEL_EXPORTER_OTLP_HEADERS")).pipe(
  Config.mapEffect((value) => {
    if (Option.isNone(value)) return Effect.succeed(undefined)
    const problem = headersProblem(Redacted.value(value.value))
    return problem === undefined
      ? Effect.succeed(parseHeaders(Redacted.value(value.value)))
      : Effect.fail(
          new Config.ConfigError(new ConfigProvider.SourceError({ message: `OTEL_EXPORTER_OTLP_HEADERS: ${problem}` }))
        )
  })
)

const exporterOn = (name: string) =>
  Config.option(Config.String(name)).pipe(
    Config.map((value) =>
      Option.match(value, {
        onNone: () => undefined,
        // Only "none" turns a signal off: "otlp" is what this exports, and other exporters are not ours to run.
        onSome: (text) => !text.split(",").some((entry) => entry.trim().toLowerCase() === "none")
      })
    )
  )

/**
 * The settings the environment gives (absent variables are absent fields).
 *
 * @internal
 */
export const fromEnv: Config.Config<Settings> = Config.all({
  disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
  endpoint: optionalString("OTEL_EXPORTER_OTLP_ENDPOINT"),
  tracesEndpoint: optionalString("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
  metricsEndpoint: optionalString("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
  logsEndpoint: optionalString("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"),
  protocol: Config.Literals(PROTOCOLS, "OTEL_EXPORTER_OTLP_PROTOCOL").pipe(Config.withDefault(undefined)),
  headers: headersConfig,
  serviceName: optionalString("OTEL_SERVICE_NAME"),
  serviceVersion: optionalString("OTEL_SERVICE_VERSION"),
  traces: exporterOn("OTEL_TRACES_EXPORTER"),
  metrics: exporterOn("OTEL_METRICS_EXPORTER"),
  logs: exporterOn("OTEL_LOGS_EXPORTER")
})

const namesService = (attributes: string | undefined) =>
  attributes?.split(",").some((entry) => entry.split("=")[0]?.trim() === "service.name") === true

/**
 * Whether the environment names the service (`OTEL_SERVICE_NAME`, or
 * `service.name` in `OTEL_RESOURCE_ATTRIBUTES`), which Effect's exporter
 * then reads itself; when it does not, the default name is given.
 *
 * @internal
 */
export const envNamesService: Config.Config<boolean> = Config.all({
  name: optionalString("OTEL_SERVICE_NAME"),
  attributes: optionalString("OTEL_RESOURCE_ATTRIBUTES")
}).pipe(Config.map(({ name, attributes }) => name !== undefined || namesService(attributes)))

/** Options over the environment: a field given in `options` wins. @internal */
export const merge = <A extends Settings>(env: Settings, options: A): A => {
  const merged: Record<string, unknown> = { ...env }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value
  return merged as A
}

type Signal = "traces" | "metrics" | "logs"

const signalUrl = (base: string, signal: Signal) => `${base.endsWith("/") ? base : `${base}/`}v1/${signal}`

/**
 * Where each signal goes, or no entry when it is not exported: disabled,
 * turned off, or no endpoint at all.
 *
 * @internal
 */
export const urls = (settings: Settings): Partial<Record<Signal, string>> => {
  if (settings.disabled === true) return {}
  const pick = (signal: Signal, own: string | undefined, on: boolean | undefined) => {
    if (on === false) return {}
    const url = own ?? (settings.endpoint === undefined ? undefined : signalUrl(settings.endpoint, signal))
    return url === undefined ? {} : { [signal]: url }
  }
  return {
    ...pick("traces", settings.tracesEndpoint, settings.traces),
    ...pick("metrics", settings.metricsEndpoint, settings.metrics),
    ...pick("logs", settings.logsEndpoint, settings.logs)
  }
}
