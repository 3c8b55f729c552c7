/**
 * What the telemetry tests read with: a local OTLP/HTTP receiver (node:http
 * on port 0 taking `POST /v1/traces`, `/v1/metrics` and `/v1/logs` in
 * OTLP/JSON, as a collector would) that keeps the spans it was sent and the
 * headers they came with, and a Prometheus text-format parser
 * (`parse-prometheus-text-format`, a dev dependency) with the name checks a
 * Prometheus server applies.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import { createRequire } from "node:module"

/** One span as the receiver got it, its attributes flattened to values. */
export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  /** OTLP's enum: 2 server, 3 client, 1 internal. */
  readonly kind: number
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly status: number
  readonly attributes: Readonly<Record<string, unknown>>
  readonly serviceName: unknown
}

interface AnyValue {
  readonly stringValue?: string
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly boolValue?: boolean
}
interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}
interface TraceData {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource: { readonly attributes: ReadonlyArray<KeyValue> }
    readonly scopeSpans: ReadonlyArray<{
      readonly spans: ReadonlyArray<{
        readonly traceId: string
        readonly spanId: string
        readonly parentSpanId?: string
        readonly name: string
        readonly kind: number
        readonly status: { readonly code: number }
        readonly attributes: ReadonlyArray<KeyValue>
      }>
    }>
  }>
}

const attributeValue = (value: AnyValue): unknown =>
  value.stringValue ??
  (value.intValue === undefined ? undefined : Number(value.intValue)) ??
  value.doubleValue ??
  value.boolValue

const attributesOf = (list: ReadonlyArray<KeyValue>) =>
  Object.fromEntries(list.map((attribute) => [attribute.key, attributeValue(attribute.value)]))

const spansOf = (data: TraceData): Array<ReceivedSpan> =>
  data.resourceSpans.flatMap((resource) => {
    const serviceName = attributesOf(resource.resource.attributes)["service.name"]
    return resource.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId === "" ? undefined : span.parentSpanId,
        name: span.name,
        kind: span.kind,
        status: span.status.code,
        attributes: attributesOf(span.attributes),
        serviceName
      }))
    )
  })

/** A running receiver: what it got so far, and `close`. */
export interface Receiver {
  readonly url: string
  readonly spans: Array<ReceivedSpan>
  /** Requests by path, with their content type and headers. */
  readonly requests: Array<{ readonly path: string; readonly headers: IncomingHttpHeaders; readonly body: unknown }>
  readonly close: () => Promise<void>
}

/** Starts an OTLP/HTTP JSON receiver on a free local port. */
export const startReceiver = async (): Promise<Receiver> => {
  const spans: Array<ReceivedSpan> = []
  const requests: Array<{ path: string; headers: IncomingHttpHeaders; body: unknown }> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const path = request.url ?? "/"
      const known = ["/v1/traces", "/v1/metrics", "/v1/logs"].includes(path)
      if (request.method !== "POST" || !known || request.headers["content-type"] !== "application/json") {
        response.writeHead(known ? 415 : 404).end()
        return
      }
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      requests.push({ path, headers: request.headers, body })
      if (path === "/v1/traces") spans.push(...spansOf(body as TraceData))
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the receiver is not on TCP")
  return {
    url: `http://127.0.0.1:${address.port}`,
    spans,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** Polls `check` until it returns a value, at most `millis`. */
export const eventually = async <A>(check: () => Promise<A | undefined>, millis = 10_000): Promise<A> => {
  const until = Date.now() + millis
  for (;;) {
    const found = await check()
    if (found !== undefined) return found
    if (Date.now() > until) throw new Error(`not seen within ${millis} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** One metric family as `parse-prometheus-text-format` gives it (prom2json's shape). */
export interface MetricFamily {
  readonly name: string
  readonly help?: string
  readonly type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED"
  readonly metrics: ReadonlyArray<{ readonly value?: string; readonly labels?: Readonly<Record<string, string>> }>
}

// The package ships CommonJS without types: loaded through require, typed here once.
const parsePrometheusText = createRequire(import.meta.url)("parse-prometheus-text-format") as (
  text: string
) => ReadonlyArray<MetricFamily>

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/**
 * Parses a `/metrics` page, throwing on a line the parser rejects, on a
 * family without a `# TYPE`, or on a metric or label name Prometheus would
 * refuse.
 */
export const parsePrometheus = (text: string): ReadonlyArray<MetricFamily> => {
  const families = parsePrometheusText(text)
  const typed = new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((match) => match[1]))
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name: ${family.name}`)
    if (!typed.has(family.name)) throw new Error(`no # TYPE for ${family.name}`)
    for (const metric of family.metrics) {
      for (const label of Object.keys(metric.labels ?? {})) {
        if (!LABEL_NAME.test(label)) throw new Error(`invalid label name ${label} on ${family.name}`)
      }
    }
  }
  return families
}
