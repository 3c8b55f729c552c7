/**
 * Every provider simulator at once (each entry of `SimulatorRegistry`), plus
 * one HTTP control endpoint to inject faults, read ledgers and send webhooks
 * from outside the process (`pnpm --filter @wedsync/testkit sim` uses it).
 *
 * Control API (JSON; bad input is a 400 that says what is wrong):
 *
 * | method | path | does |
 * |---|---|---|
 * | GET | `/` | the simulators: port, base URL, operations, error catalogue names |
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
import type * as Simulator from "./Simulator.ts"
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
  /** Where every simulator sends its webhooks. */
  readonly webhookUrl?: string
}

/** The running simulators and their control endpoint. @since 0.1.0 */
export interface Hub {
  readonly simulators: Simulators
  readonly controlUrl: string
  /** Base URL per provider. */
  readonly urls: Readonly<Record<ProviderName, string>>
  readonly stop: () => Promise<void>
}

const json = (response: ServerResponse, status: number, body?: unknown) => {
  response.writeHead(status, body === undefined ? {} : { "content-type": "application/json" })
  response.end(body === undefined ? "" : JSON.stringify(body, null, 2))
}

class BadRequest extends Error {}

const readJson = (request: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("error", reject)
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      try {
        resolve(text.length === 0 ? undefined : JSON.parse(text))
      } catch {
        reject(new BadRequest("the body is not JSON"))
      }
    })
  })

const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, input: unknown): S["Type"] => {
  try {
    return Schema.decodeUnknownSync(schema)(input)
  } catch (cause) {
    throw new BadRequest(cause instanceof Error ? cause.message : String(cause))
  }
}

/** Checks that every error a fault names exists in the simulator's catalogue. */
const checkFault = (simulator: Simulator.Handle, fault: Faults.Fault | undefined) => {
  if (fault?._tag !== "Error") return
  try {
    simulator.errorEntry(fault.error)
  } catch (cause) {
    throw new BadRequest(cause instanceof Error ? cause.message : String(cause))
  }
}

const WebhookUrl = Schema.Struct({ url: Schema.NullOr(Schema.String) })

const describe = (name: ProviderName, simulator: Simulator.Handle) => ({
  port: SimulatorRegistry.providers[name].port,
  url: simulator.url,
  operations: simulator.operations,
  errors: Object.fromEntries(
    Object.entries(simulator.catalogue).map(([name, entry]) => [
      name,
      { kind: entry.kind, reason: entry.reason, description: entry.description }
    ])
  ),
  webhookUrl: simulator.webhookUrl ?? null
})

const route = async (
  simulators: Readonly<Record<ProviderName, Simulator.Handle>>,
  request: IncomingMessage,
  response: ServerResponse
) => {
  const url = new URL(request.url ?? "/", "http://127.0.0.1")
  const method = request.method ?? "GET"
  if (method === "GET" && url.pathname === "/") {
    return json(response, 200, {
      providers: Object.fromEntries(
        Object.entries(simulators).map(([name, sim]) => [name, describe(name as ProviderName, sim)])
      )
    })
  }
  if (method === "POST" && url.pathname === "/reset") {
    for (const simulator of Object.values(simulators)) simulator.reset()
    return json(response, 204)
  }
  const match = /^\/providers\/([^/]+)\/([a-z-]+)$/.exec(url.pathname)
  const name = match?.[1] as ProviderName
  const simulator = match === null || !Object.hasOwn(simulators, name) ? undefined : simulators[name]
  if (match === null || simulator === undefined) {
    return json(response, 404, { error: `unknown path ${url.pathname}`, providers: Object.keys(simulators) })
  }
  switch (`${method} ${match[2]}`) {
    case "GET faults":
      return json(response, 200, { rules: simulator.faults.rules })
    case "POST faults": {
      const rule = decode(Faults.Rule, await readJson(request))
      checkFault(simulator, rule.fault)
      simulator.faults.add(rule)
      return json(response, 201, { rules: simulator.faults.rules })
    }
    case "POST script": {
      const script = decode(Faults.Script, await readJson(request))
      for (const step of script.steps) checkFault(simulator, step)
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
      const { url: webhookUrl } = decode(WebhookUrl, await readJson(request))
      simulator.webhookUrl = webhookUrl ?? undefined
      return json(response, 200, describe(name, simulator))
    }
    case "POST reset":
      simulator.reset()
      return json(response, 204)
    default:
      return json(response, 405, { error: `${method} is not allowed on ${url.pathname}` })
  }
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
  })

/**
 * Starts every simulator of {@link SimulatorRegistry.providers} and the control endpoint.
 *
 * @since 0.1.0
 */
export const start = async (options: Options = {}): Promise<Hub> => {
  const simulators = await SimulatorRegistry.start(SimulatorRegistry.names, options)
  const server = createServer((request, response) => {
    route(simulators, request, response).catch((cause: unknown) =>
      cause instanceof BadRequest
        ? json(response, 400, { error: cause.message })
        : json(response, 500, { error: String(cause) })
    )
  })
  const controlPort = await listen(server, options.controlPort ?? 0).catch(async (cause: unknown) => {
    await SimulatorRegistry.stop(simulators)
    throw cause
  })
  const handles: ReadonlyArray<readonly [ProviderName, Simulator.Handle]> = Object.entries(simulators) as never
  return {
    simulators,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    urls: Object.fromEntries(handles.map(([name, running]) => [name, running.url])) as Record<ProviderName, string>,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await SimulatorRegistry.stop(simulators)
    }
  }
}
