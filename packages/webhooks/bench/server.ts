/**
 * One server of the ingestion bench, in its own process (forked by
 * `inbound.bench.ts` with a {@link Spec} as its argument): it listens on a
 * free port of 127.0.0.1, sends `{ port }` to its parent, answers the
 * message `"cpu"` with `{ cpuMicros }` (the process's CPU time so far, every
 * thread) and the event loop's delay p99 and max since the last `"cpu"`, and on `"stop"` closes (the inbox flushed and its connection
 * closed) and exits.
 *
 * - `bare`: `node:http`, reads the body and answers 200, nothing else;
 * - `effect`: the bare server's work on Effect's `HttpRouter` over
 *   `NodeHttpServer` (reads the body, answers 200): the platform's own cost;
 * - `route`: `Inbound.route` on Effect's `HttpRouter`, served by
 *   `@effect/platform-node`'s `NodeHttpServer` (request logger off);
 *
 * The pipeline rows get `StripeWebhooks` as it is, a two-step source
 * (`identify` before the 2xx, `decode` in the worker), or, with
 * `oneStep`, only its `verify` (the whole decode before the 2xx).
 * - `web`: `Inbound.webHandler` behind `node:http`, each request turned into
 *   a Web `Request` and the `Response` written back, as a Next.js server does.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { HttpRouter, HttpServer, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { PersistedQueue } from "effect/persistence"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Audit, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { Inbound, Quarantine } from "../src/index.ts"

/** Where the inbox is written. */
export type Store =
  | { readonly _tag: "sqlite"; readonly filename: string; readonly sqlite?: Omit<Sqlite.Options, "filename"> }
  | { readonly _tag: "postgres"; readonly url: string; readonly schema: string }
  | { readonly _tag: "memory" }

/** What the child serves. */
export interface Spec {
  readonly kind: "bare" | "effect" | "route" | "web"
  readonly store?: Store | undefined
  readonly secret: string
  readonly path: string
  /** Give the pipeline only the source's `verify`, as a one-step source. */
  readonly oneStep?: boolean | undefined
}

/** The Stripe source of a pipeline row. */
const stripeOf = (spec: Spec): Inbound.Source =>
  spec.oneStep
    ? Effect.map(StripeWebhooks.make({ secret: Redacted.make(spec.secret) }), ({ provider, verify }) => ({
        provider,
        verify
      }))
    : StripeWebhooks.make({ secret: Redacted.make(spec.secret) })

/**
 * The outbox the pipeline writes to, and the quarantine it holds refused
 * deliveries in (never touched here: every delivery is genuine), on one store.
 */
const inboxOf = (store: Store): Layer.Layer<Outbox.Outbox | Quarantine.Quarantine, unknown> => {
  const queues = Outbox.layer().pipe(Layer.provide(PersistedQueue.layer))
  if (store._tag === "memory")
    return Layer.mergeAll(
      queues.pipe(Layer.provide(PersistedQueue.layerStoreMemory)),
      Quarantine.layerMemory().pipe(Layer.provide(Audit.layerMemory))
    )
  const sql =
    store._tag === "sqlite"
      ? Sqlite.layer({ filename: store.filename, ...store.sqlite })
      : PgClient.layer({ url: Redacted.make(store.url), startupParameters: { search_path: store.schema } })
  return Layer.mergeAll(
    queues.pipe(Layer.provide(QueueStore.layerSql())),
    Quarantine.layerSql().pipe(Layer.provide(Audit.layerSql))
  ).pipe(Layer.provide(sql))
}

const listen = (server: Server) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
  })

const closeNode = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

const bare = async () => {
  const server = createServer((request, response) => {
    request.on("data", () => {})
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" })
      response.end('{"received":true}')
    })
  })
  return { port: await listen(server), close: () => closeNode(server) }
}

const serve = async (routes: Layer.Layer<never, unknown, HttpRouter.HttpRouter>) => {
  const app = HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )
  const scope = await Effect.runPromise(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(app, scope))
  const address = Context.get(context, HttpServer.HttpServer).address
  if (address._tag === "UnixPathAddress") throw new Error("the server is not on TCP")
  return { port: address.port, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const effect = (spec: Spec) =>
  serve(
    HttpRouter.add("POST", spec.path as HttpRouter.PathInput, (request: HttpServerRequest.HttpServerRequest) =>
      Effect.as(Effect.orDie(request.arrayBuffer), HttpServerResponse.jsonUnsafe({ received: true }))
    )
  )

const route = (spec: Spec, store: Store) =>
  serve(
    Inbound.route(stripeOf(spec), {
      path: spec.path as HttpRouter.PathInput,
      twoStep: spec.oneStep !== true
    }).pipe(Layer.provide(inboxOf(store)))
  )

/** Writes a Web `Response` to a Node response. */
const answer = async (response: Response, to: ServerResponse) => {
  const body = Buffer.from(await response.arrayBuffer())
  to.writeHead(response.status, Object.fromEntries(response.headers))
  to.end(body)
}

/** A Node request as a Web `Request`: what a Next.js server hands a route handler. */
const toRequest = (request: IncomingMessage, body: Uint8Array<ArrayBuffer>) => {
  const headers = new Headers()
  for (let index = 0; index < request.rawHeaders.length; index += 2)
    headers.append(request.rawHeaders[index]!, request.rawHeaders[index + 1]!)
  return new Request(`http://${request.headers.host ?? "localhost"}${request.url ?? "/"}`, {
    method: request.method ?? "POST",
    headers,
    body
  })
}

const web = async (spec: Spec, store: Store) => {
  const stripe = Inbound.webHandler(stripeOf(spec), inboxOf(store), { twoStep: spec.oneStep !== true })
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      stripe
        .handler(toRequest(request, new Uint8Array(Buffer.concat(chunks))))
        .then((result) => answer(result, response))
        .catch(() => {
          response.writeHead(500)
          response.end()
        })
    })
  })
  return {
    port: await listen(server),
    close: async () => {
      await closeNode(server)
      await stripe.dispose()
    }
  }
}

const spec = JSON.parse(process.argv[2] ?? "{}") as Spec
const started =
  spec.kind === "bare"
    ? await bare()
    : spec.kind === "effect"
      ? await effect(spec)
      : spec.store === undefined
        ? undefined
        : spec.kind === "route"
          ? await route(spec, spec.store)
          : await web(spec, spec.store)
if (started === undefined) throw new Error(`no store for the ${spec.kind} server`)
// How long the event loop was held up (GC pauses, synchronous SQLite, long tasks): a floor under the p99.
const loop = monitorEventLoopDelay({ resolution: 1 })
loop.enable()
process.on("message", (message) => {
  if (message === "cpu") {
    const { user, system } = process.cpuUsage()
    process.send?.({
      cpuMicros: user + system,
      loopP99Millis: loop.percentile(99) / 1e6,
      loopMaxMillis: loop.max / 1e6
    })
    loop.reset()
  }
  if (message === "stop") {
    started.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
})
process.send?.({ port: started.port })
