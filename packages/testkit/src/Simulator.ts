/**
 * The engine every provider simulator runs on: an HTTP server on 127.0.0.1,
 * the provider's routes, credential checks, the fault plan, the ledger and the
 * webhook emitter.
 *
 * A provider module (`simulators/stripe.ts`, …) is a {@link Definition}: its
 * routes answer like the provider (bodies, headers, status codes), its error
 * catalogue holds the provider's real error bodies, each labelled with the
 * `IntegrationError` reason a correct adapter must produce. The server is plain
 * `node:http` on purpose: resets, hangs and ambiguous commits (dropped or hung
 * after the side effect) act on the socket
 * itself, below any framework. Request bodies over `bodyLimitBytes` (1 MiB by
 * default) are answered 413 without being buffered; bad options are refused
 * with {@link InvalidOptions} before anything listens.
 *
 * @example
 * ```ts
 * import { Faults, Simulator } from "@wedsync/testkit"
 * import * as StripeSim from "@wedsync/testkit/simulators/stripe"
 *
 * const sim = await Simulator.start(StripeSim.definition, { seed: 42 })
 * sim.faults.add(Faults.failTimes(2, Faults.error("unavailable")))
 * // new Stripe(key, { host: "127.0.0.1", port: sim.port, protocol: "http", maxNetworkRetries: 0 })
 * await sim.stop()
 * ```
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Effect, type Scope } from "effect"
import { ErrorKind, FaultPlan, type Fault, random } from "./Faults.ts"
import { recordTooLarge, simRequest, writeReply } from "./internal/exchange.ts"
import { BodyTooLarge, compile, DEFAULT_BODY_LIMIT_BYTES, readBody, refuseTooLarge, seededId } from "./internal/http.ts"
import { commonProblems, portProblems, refuseOptions, webhookUrlProblems } from "./internal/options.ts"
import { MAX_TIMER_MILLIS } from "./internal/rules.ts"
import { own } from "./internal/records.ts"
import { Ledger, type RequestEntry } from "./Ledger.ts"
import * as Webhooks from "./Webhooks.ts"

export { BadBody, catalogueEntry } from "./internal/definition.ts"
export { InvalidOptions } from "./internal/options.ts"
export type {
  Definition,
  ErrorEntry,
  Handle,
  HandlerContext,
  Options,
  Reply,
  Route,
  SimRequest
} from "./internal/definition.ts"
import {
  BadBody,
  type Definition,
  type ErrorEntry,
  type Handle,
  type HandlerContext,
  type Options,
  type Reply,
  type Route,
  type SimRequest
} from "./internal/definition.ts"

/**
 * A running simulator.
 *
 * @since 0.1.0
 */
export class Running<State, Credentials> implements Handle {
  readonly definition: Definition<State, Credentials>
  readonly credentials: Credentials
  readonly ledger: Ledger
  readonly faults: FaultPlan
  readonly random: () => number
  readonly deliveries: Array<Webhooks.DeliveryRecord> = []
  /** The largest request body it reads, in bytes; a larger one is answered 413. */
  readonly bodyLimitBytes: number
  state: State
  #webhookUrl: string | undefined
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #routes: ReadonlyArray<{
    readonly route: Route<State, Credentials>
    readonly match: ReturnType<typeof compile>
  }>
  readonly #pending = new Set<Promise<unknown>>()

  constructor(definition: Definition<State, Credentials>, options: Options<Credentials>, server: Server) {
    this.definition = definition
    this.credentials = { ...definition.credentials, ...options.credentials }
    this.ledger = new Ledger(definition.provider)
    this.random = random(options.seed ?? 1)
    this.bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES
    this.#routes = definition.routes.map((route) => ({ route, match: compile(route.path) }))
    this.faults = new FaultPlan(this.random, {
      provider: definition.provider,
      operations: this.operations,
      errors: [
        ...Object.keys(definition.errors),
        ...ErrorKind.literals.filter((kind) => Object.hasOwn(definition.errors, definition.defaultErrors[kind]))
      ]
    })
    this.state = definition.state()
    this.#webhookUrl = options.webhookUrl
    this.#server = server
    server.on("connection", (socket) => {
      this.#sockets.add(socket)
      socket.on("close", () => this.#sockets.delete(socket))
    })
  }

  /** The port the simulator listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  /** `http://127.0.0.1:<port>`, the base URL to point an SDK at. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** The provider's name. */
  get provider(): string {
    return this.definition.provider
  }

  /** The provider's error catalogue. */
  get catalogue(): Readonly<Record<string, ErrorEntry>> {
    return this.definition.errors
  }

  /** The operation names this simulator's faults can target. */
  get operations(): ReadonlyArray<string> {
    return [...new Set(this.#routes.map(({ route }) => route.operation))]
  }

  /** Where webhooks go (`undefined`: nowhere); setting anything but an http(s) URL throws `InvalidOptions`. */
  get webhookUrl(): string | undefined {
    return this.#webhookUrl
  }
  set webhookUrl(url: string | undefined) {
    refuseOptions(webhookUrlProblems(url, "webhookUrl"))
    this.#webhookUrl = url
  }

  /** Forgets rules, requests, side effects, deliveries and provider state. */
  reset(): void {
    this.faults.clear()
    this.ledger.clear()
    this.deliveries.length = 0
    this.state = this.definition.state()
  }

  /** Resolves a fault's error name (an entry or a kind) to a catalogue entry; throws on an unknown name. */
  errorEntry(name: string): ErrorEntry {
    const errors = this.definition.errors
    const entry = own(errors, name) ?? own(errors, own(this.definition.defaultErrors, name) ?? "")
    if (entry === undefined) {
      throw new Error(
        `${this.provider} has no error "${name}"; known: ${Object.keys(this.definition.errors).join(", ")}`
      )
    }
    return entry
  }

  /** Builds a signed (or deliberately wrong) delivery of a provider event. */
  buildWebhook(event: Webhooks.WebhookEvent, options: Webhooks.BuildOptions = {}): Webhooks.WebhookDelivery {
    const signer = this.definition.signer
    if (signer === undefined) throw new Error(`${this.provider} sends no webhooks`)
    const url = options.url ?? event.url ?? this.webhookUrl
    if (url === undefined) throw new Error(`no webhook URL for ${this.provider}: pass one or start with webhookUrl`)
    return Webhooks.build(signer, this.credentials, event, url, options)
  }

  /** POSTs deliveries in order (each `times` times, for duplicates) and records the answers. */
  async deliver(
    deliveries: Webhooks.WebhookDelivery | ReadonlyArray<Webhooks.WebhookDelivery>,
    options: { readonly times?: number; readonly order?: "asIs" | "reversed" | "shuffled" } = {}
  ): Promise<ReadonlyArray<Webhooks.DeliveryRecord>> {
    const list = Webhooks.reorder("url" in deliveries ? [deliveries] : deliveries, options.order ?? "asIs", this.random)
    const records: Array<Webhooks.DeliveryRecord> = []
    for (const delivery of list) {
      for (let i = 0; i < (options.times ?? 1); i++) {
        const record = await Webhooks.post(delivery)
        this.deliveries.push(record)
        records.push(record)
      }
    }
    return records
  }

  /** Waits for background webhook deliveries to finish. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
  }

  /** Stops listening and drops every open connection (hung requests included). */
  async stop(): Promise<void> {
    await this.settle()
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve())
      for (const socket of this.#sockets) socket.destroy()
    })
  }

  #context(): HandlerContext<State, Credentials> {
    return {
      state: this.state,
      ledger: this.ledger,
      credentials: this.credentials,
      baseUrl: this.url,
      random: this.random,
      id: (prefix, length = 24) => seededId(this.random, prefix, length),
      emit: (event) => {
        if (event.url === undefined && this.webhookUrl === undefined) return
        const pending = this.deliver(this.buildWebhook(event)).finally(() => this.#pending.delete(pending))
        this.#pending.add(pending)
      }
    }
  }

  /** Handles one HTTP exchange. @internal */
  async handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? "/", "http://127.0.0.1")
    const found = this.#find(incoming.method ?? "GET", url.pathname)
    const rawBody = await readBody(incoming, this.bodyLimitBytes).catch((cause: unknown) => {
      if (!(cause instanceof BodyTooLarge)) throw cause
      recordTooLarge(this.ledger, incoming, url, found?.route.operation ?? "unknown")
      refuseTooLarge(outgoing, cause)
      return undefined
    })
    if (rawBody === undefined) return
    const request = simRequest(
      incoming,
      url,
      rawBody,
      found === undefined ? undefined : { operation: found.route.operation, params: found.params }
    )
    const decision = this.faults.decide(request.operation, Date.now())
    const entry = this.ledger.record({
      at: Date.now(),
      method: request.method,
      path: request.path,
      query: url.search,
      operation: request.operation,
      headers: incoming.headers,
      body: rawBody,
      fault: decision.fault,
      delayMillis: decision.delayMillis
    })
    outgoing.on("close", () => {
      if (!outgoing.writableFinished && (entry.outcome === "pending" || entry.outcome === "hung")) {
        entry.outcome = "clientAborted"
      }
    })
    // Several rules' latencies add up; past what a timer holds, setTimeout would fire at once.
    const delay = Math.min(decision.delayMillis, MAX_TIMER_MILLIS)
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    if (outgoing.destroyed) return
    await this.#answer(request, decision.fault, found?.route, entry, incoming, outgoing)
  }

  #find(method: string, path: string) {
    for (const candidate of this.#routes) {
      if (candidate.route.method !== method) continue
      const params = candidate.match(path)
      if (params !== undefined) return { route: candidate.route, params }
    }
    return undefined
  }

  async #answer(
    request: SimRequest,
    fault: Fault,
    route: Route<State, Credentials> | undefined,
    entry: RequestEntry,
    incoming: IncomingMessage,
    outgoing: ServerResponse
  ): Promise<void> {
    const context = this.#context()
    const send = (reply: Reply) => {
      entry.outcome = "answered"
      entry.status = reply.status
      writeReply(outgoing, reply, this.definition.responseHeaders?.(request, context))
    }
    const drop = () => {
      entry.outcome = "reset"
      incoming.socket.destroy()
    }
    switch (fault._tag) {
      case "Hang":
        entry.outcome = "hung"
        return
      case "Reset":
        return drop()
      case "Malformed":
        return send({ status: 200, headers: { "content-type": "application/json" }, body: '{"id": "trunc' })
      case "Error":
        return send(this.errorEntry(fault.error).reply(request, { retryAfterSeconds: fault.retryAfterSeconds ?? 1 }))
      case "CommitThenHang":
        await this.#route(request, route, context)
        entry.outcome = outgoing.destroyed ? "clientAborted" : "hung"
        return
      case "Pass":
      case "AmbiguousCommit": {
        const reply = await this.#route(request, route, context)
        return fault._tag === "AmbiguousCommit" ? drop() : send(reply)
      }
    }
  }

  async #route(
    request: SimRequest,
    route: Route<State, Credentials> | undefined,
    context: HandlerContext<State, Credentials>
  ): Promise<Reply> {
    const refused = this.definition.authenticate(request, this.credentials)
    if (refused !== undefined) return refused
    if (route === undefined) return this.definition.notFound(request)
    try {
      return await route.handle(request, context)
    } catch (cause) {
      if (cause instanceof BadBody) return this.definition.invalidBody(request)
      throw cause
    }
  }
}

/**
 * Starts a simulator; resolves once it listens.
 *
 * @since 0.1.0
 */
export const start = <State, Credentials>(
  definition: Definition<State, Credentials>,
  options: Options<Credentials> = {}
): Promise<Running<State, Credentials>> => {
  try {
    refuseOptions([...portProblems(options.port, "port"), ...commonProblems(options)])
  } catch (invalid) {
    return Promise.reject(invalid)
  }
  const server = createServer()
  const running = new Running(definition, options, server)
  server.on("request", (incoming, outgoing) => {
    running.handle(incoming, outgoing).catch((cause: unknown) => {
      if (!outgoing.headersSent) {
        outgoing.writeHead(500, { "content-type": "text/plain" })
        outgoing.end(`simulator error: ${String(cause)}`)
      }
    })
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve(running))
  })
}

/**
 * A simulator for the life of a scope, for Effect tests and layers.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const sim = yield* Simulator.scoped(Resend.definition)
 *   // point the adapter at sim.url
 * }).pipe(Effect.scoped)
 * ```
 * @since 0.1.0
 */
export const scoped = <State, Credentials>(
  definition: Definition<State, Credentials>,
  options: Options<Credentials> = {}
): Effect.Effect<Running<State, Credentials>, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(definition, options)),
    (running) => Effect.promise(() => running.stop())
  )

/**
 * A free TCP port with nothing listening on it, for "connection refused" tests
 * (fetch refuses port 1, so a real closed port is needed).
 *
 * @since 0.1.0
 */
export const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
