/**
 * Every provider simulator at once (each entry of `SimulatorRegistry`), plus
 * one HTTP control endpoint to inject faults, read ledgers and send webhooks
 * from outside the process (`pnpm --filter @wedsync/testkit sim` uses it).
 *
 * Control API (JSON). Bad input is a 400 whose `error` names the field and
 * the problem (`latency.min: must not be greater than max (500 > 100)`); an
 * unknown provider is a 404 that lists the providers; a body over the limit
 * (1 MiB by default, `bodyLimitBytes`) is a 413, here and on every simulator.
 *
 * | method | path | does |
 * |---|---|---|
 * | GET | `/` | the simulators: port, base URL, accepted test credentials, operations, error catalogue |
 * | GET | `/providers/:provider/faults` | the rules in force |
 * | POST | `/providers/:provider/faults` | adds a {@link Faults.Rule} |
 * | POST | `/providers/:provider/script` | adds a {@link Faults.Script} |
 * | DELETE | `/providers/:provider/faults` | removes every rule and script |
 * | GET | `/providers/:provider/ledger` | requests (`?operation=`) and side effects |
 * | GET | `/providers/:provider/deliveries` | webhook deliveries and their answers |
 * | PUT | `/providers/:provider/webhook-url` | `{ "url": … }` where webhooks go (`null` to stop) |
 * | POST | `/providers/:provider/reset` | forgets rules, ledger and state |
 * | POST | `/reset` | resets every simulator |
 *
 * @example
 * ```ts
 * const hub = await SimulatorHub.start({ seed: 42 })
 * await fetch(`${hub.controlUrl}/providers/resend/faults`, {
 *   method: "POST",
 *   body: JSON.stringify({ operation: "emails.send", fault: { _tag: "Error", error: "rateLimited" }, times: 3 })
 * })
 * await hub.stop()
 * ```
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Schema } from "effect"
import * as Faults from "./Faults.ts"
import { BodyTooLarge, DEFAULT_BODY_LIMIT_BYTES, decodePathSegment, readBody, refuseTooLarge } from "./internal/http.ts"
import { portProblems, refuseOptions, webhookUrlProblems } from "./internal/options.ts"
import { decodeOrThrow, describe as describeProblems, type Problem } from "./internal/problems.ts"
import { own, recordOf } from "./internal/records.ts"
import * as Simulator from "./Simulator.ts"
import * as SimulatorRegistry from "./SimulatorRegistry.ts"

/** A provider the hub runs: every entry of {@link SimulatorRegistry.providers}. @since 0.1.0 */
export type ProviderName = SimulatorRegistry.Name

/** The running simulator of each provider, with its own state and credential types. @since 0.1.0 */
export type Simulators = SimulatorRegistry.Running

/** Options for {@link start}. @since 0.1.0 */
export interface Options {
  /** Seed for every simulator (each gets `seed + its index`). Default 1. */
  readonly seed?: number
  /** Port of the control endpoint; 0 (default) picks a free one. */
  readonly controlPort?: number
  /** Fixed ports per provider; free ones otherwise. */
  readonly ports?: Partial<Record<ProviderName, number>>
  /** Where every simulator sends its webhooks: an http:// or https:// URL. */
  readonly webhookUrl?: string
  /**
   * The largest request body the control endpoint and each simulator read, in
   * bytes (default 1 MiB); a larger one is answered 413 and never buffered.
   */
  readonly bodyLimitBytes?: number
}

/** The running simulators and their control endpoint. @since 0.1.0 */
export interface Hub {
  readonly simulators: Simulators
  readonly controlUrl: string
  /** Base URL per provider. */
  readonly urls: Readonly<Record<ProviderName, string>>
  readonly stop: () => Promise<void>
}

const json = (response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, body === undefined ? headers : { ...headers, "content-type": "application/json" })
  response.end(body === undefined ? "" : JSON.stringify(body, null, 2))
}

/** Bad input to the control endpoint: answered 400 with the problems in words. */
class BadRequest extends Error {
  readonly problems: ReadonlyArray<Problem>
  constructor(problems: ReadonlyArray<Problem>) {
    super(describeProblems(problems))
    this.problems = problems
  }
}

const readJson = async (request: IncomingMessage, limitBytes: number): Promise<unknown> => {
  const text = await readBody(request, limitBytes)
  if (text.trim().length === 0) throw new BadRequest([{ field: "", problem: "the body is empty; send JSON" }])
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new BadRequest([{ field: "", problem: "the body is not JSON" }])
  }
}

const WebhookUrlBody = Schema.Struct({ url: Schema.NullOr(Schema.String) }).annotate({ title: "a webhook URL change" })

const describe = (name: ProviderName, simulator: Simulator.Handle) => ({
  port: SimulatorRegistry.providers[name].port,
  url: simulator.url,
  credentials: SimulatorRegistry.providers[name].credentials,
  operations: simulator.operations,
  errors: Object.fromEntries(
    Object.entries(simulator.catalogue).map(([name, entry]) => [
      name,
      { kind: entry.kind, reason: entry.reason, description: entry.description }
    ])
  ),
  webhookUrl: simulator.webhookUrl ?? null
})

const ACTIONS = recordOf<ReadonlyArray<string>>({
  faults: ["GET", "POST", "DELETE"],
  script: ["POST"],
  ledger: ["GET"],
  deliveries: ["GET"],
  "webhook-url": ["PUT"],
  reset: ["POST"]
})

/** The control endpoint's routes over the running simulators. */
const control = (simulators: ReadonlyMap<string, Simulator.Handle>, limitBytes: number) => {
  const providers = [...simulators.keys()]
  const action = async (
    simulator: Simulator.Handle,
    name: ProviderName,
    route: string,
    request: IncomingMessage,
    url: URL,
    response: ServerResponse
  ) => {
    switch (route) {
      case "GET faults":
        return json(response, 200, { rules: simulator.faults.rules })
      case "POST faults": {
        simulator.faults.add(Faults.decodeRule(await readJson(request, limitBytes)))
        return json(response, 201, { rules: simulator.faults.rules })
      }
      case "POST script": {
        const script = Faults.decodeScript(await readJson(request, limitBytes))
        simulator.faults.script(script.operation, script.steps)
        return json(response, 201, { operation: script.operation, steps: script.steps.length })
      }
      case "DELETE faults":
        simulator.faults.clear()
        return json(response, 204)
      case "GET ledger": {
        const operation = url.searchParams.get("operation")
        return json(response, 200, {
          requests: simulator.ledger.requests(operation === null ? {} : { operation }),
          sideEffects: simulator.ledger.sideEffects()
        })
      }
      case "GET deliveries":
        return json(response, 200, { deliveries: simulator.deliveries })
      case "PUT webhook-url": {
        const change = decodeOrThrow(
          WebhookUrlBody,
          await readJson(request, limitBytes),
          (problems) => new BadRequest(problems)
        )
        const problems = webhookUrlProblems(change.url ?? undefined, "url")
        if (problems.length > 0) throw new BadRequest(problems)
        simulator.webhookUrl = change.url ?? undefined
        return json(response, 200, describe(name, simulator))
      }
      default: // POST reset, the one action left
        simulator.reset()
        return json(response, 204)
    }
  }
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const method = request.method ?? "GET"
    if (method === "GET" && url.pathname === "/") {
      return json(response, 200, {
        providers: Object.fromEntries([...simulators].map(([name, sim]) => [name, describe(name as ProviderName, sim)]))
      })
    }
    if (method === "POST" && url.pathname === "/reset") {
      for (const simulator of simulators.values()) simulator.reset()
      return json(response, 204)
    }
    const match = /^\/providers\/([^/]+)\/([^/]+)$/.exec(url.pathname)
    if (match === null) return json(response, 404, { error: `unknown path ${url.pathname}`, providers })
    const segment = match[1] ?? ""
    const name = decodePathSegment(segment) ?? segment
    const simulator = simulators.get(name)
    if (simulator === undefined) {
      return json(response, 404, {
        error: `no simulator is called ${JSON.stringify(name)}; the providers are ${providers.join(", ")}`,
        providers
      })
    }
    const methods = own(ACTIONS, match[2] ?? "")
    if (methods === undefined) {
      return json(response, 404, {
        error: `unknown path ${url.pathname}; a provider's paths are ${Object.keys(ACTIONS).join(", ")}`
      })
    }
    if (!methods.includes(method)) {
      const allow = methods.join(", ")
      return json(response, 405, { error: `${method} is not allowed on ${url.pathname}; use ${allow}` }, { allow })
    }
    return action(simulator, name as ProviderName, `${method} ${match[2]}`, request, url, response)
  }
}

const answerFailure = (response: ServerResponse, cause: unknown): void => {
  if (cause instanceof BodyTooLarge) refuseTooLarge(response, cause)
  else if (response.headersSent) response.destroy()
  else if (
    cause instanceof BadRequest ||
    cause instanceof Faults.InvalidRule ||
    cause instanceof Simulator.InvalidOptions
  ) {
    json(response, 400, { error: cause.message, problems: cause.problems })
  } else json(response, 500, { error: String(cause) })
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
  })

/**
 * Starts every simulator of {@link SimulatorRegistry.providers} and the
 * control endpoint. Bad options (a port out of range, an unknown provider in
 * `ports`, a webhook URL that is not http(s), a body limit under 1 byte) are
 * refused with `Simulator.InvalidOptions` before anything listens.
 *
 * @since 0.1.0
 */
export const start = async (options: Options = {}): Promise<Hub> => {
  refuseOptions(portProblems(options.controlPort, "controlPort"))
  const simulators = await SimulatorRegistry.start(SimulatorRegistry.names, options)
  const handles = new Map<string, Simulator.Handle>(Object.entries(simulators))
  const handle = control(handles, options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES)
  const server = createServer((request, response) => {
    handle(request, response).catch((cause: unknown) => answerFailure(response, cause))
  })
  const controlPort = await listen(server, options.controlPort ?? 0).catch(async (cause: unknown) => {
    await SimulatorRegistry.stop(simulators)
    throw cause
  })
  return {
    simulators,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    urls: Object.fromEntries([...handles].map(([name, running]) => [name, running.url])) as Record<
      ProviderName,
      string
    >,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await SimulatorRegistry.stop(simulators)
    }
  }
}
