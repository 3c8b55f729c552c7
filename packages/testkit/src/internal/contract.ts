/**
 * The machinery the contract suites share: a simulator per suite, the
 * adapter's layer built against it (or against a closed port, or with wrong
 * credentials), calls run bare or through `Resilience.protect` with a short
 * policy, and the checks every port has in common (error catalogue, timeouts,
 * network failures, one request per attempt, no leaked secrets).
 *
 * A suite is a list of named checks. `register` turns them into vitest tests;
 * `verify` runs them and returns which passed, so a suite can be shown to fail
 * against a deliberately wrong adapter.
 *
 * @internal
 */
import { Cause, type Context, Duration, Effect, Exit, Layer, Option } from "effect"
import { IntegrationError, Policy, Resilience } from "@wedsync/core"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../Faults.ts"
import * as Simulator from "../Simulator.ts"

/** Where the adapter under test must point its SDK. @internal */
export interface Target<Credentials> {
  readonly baseUrl: string
  readonly credentials: Credentials
  /** The policy timeout the suite uses; an adapter may set its SDK timeout from it. */
  readonly timeoutMillis: number
}

/** What every contract suite takes. @internal */
export interface SuiteOptions<State, Credentials, Service> {
  /** The simulator of the provider the adapter wraps. */
  readonly simulator: Simulator.Definition<State, Credentials>
  /** The adapter's layer, built for a target. */
  readonly layer: (target: Target<Credentials>) => Layer.Layer<Service, unknown>
  /** Credentials the provider refuses; none of their secret values may appear in an error. */
  readonly wrongCredentials: Credentials
  /** The policy timeout for the hang checks (default 500 ms). */
  readonly timeoutMillis?: number
  /** Simulator options, e.g. a seed. */
  readonly simulatorOptions?: Simulator.Options<Credentials>
}

/** The environment a check runs in. @internal */
export interface Environment<State, Credentials, Service> {
  readonly sim: Simulator.Running<State, Credentials>
  readonly options: SuiteOptions<State, Credentials, Service>
  /** The policy service type the suite's calls run under. */
  readonly service: Policy.ServiceType
  readonly timeoutMillis: number
  /** Runs `effect` against the adapter built for the simulator (or `target`). */
  readonly run: <A, E>(
    effect: Effect.Effect<A, E, Service | Resilience.Resilience>,
    target?: Partial<Target<Credentials>>,
    policy?: Policy.PolicyPatch
  ) => Promise<Exit.Exit<A, E | unknown>>
}

/** One named check of a suite, run in an environment `E`. @internal */
export interface NamedCheck<E> {
  readonly name: string
  readonly run: (environment: E) => Promise<void>
}

/** One check of a port suite. @internal */
export type Check<State, Credentials, Service> = NamedCheck<Environment<State, Credentials, Service>>

/** An environment opened for a suite: reset before each check, closed after the last. @internal */
export interface Opened<E> {
  readonly environment: E
  readonly reset: () => void
  readonly close: () => Promise<void>
}

/** The outcome of one check under {@link verify}. @internal */
export interface CheckResult {
  readonly name: string
  readonly passed: boolean
  readonly failure?: string
}

/**
 * Waits until `read()` gives `expected`, checking every 20 ms, or throws naming
 * what it last read. A plain loop rather than `expect.poll`, which needs a
 * running Vitest: `verify` runs the checks with no test runner at all (the
 * consumer test runs them against the installed packages from plain Node).
 *
 * @internal
 */
export const eventually = async <A>(
  read: () => A,
  expected: A,
  options: { readonly timeoutMillis: number }
): Promise<void> => {
  const until = Date.now() + options.timeoutMillis
  let last = read()
  while (last !== expected) {
    if (Date.now() >= until) {
      throw new Error(`expected ${String(expected)} within ${options.timeoutMillis} ms, last saw ${String(last)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
    last = read()
  }
}

/** The error an exit failed with, when it is an `IntegrationError`. @internal */
export const failureOf = (exit: Exit.Exit<unknown, unknown>): IntegrationError.IntegrationError => {
  expect(Exit.isFailure(exit), "expected the call to fail").toBe(true)
  if (Exit.isSuccess(exit)) throw new Error("unreachable")
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  expect(
    IntegrationError.isIntegrationError(error),
    `expected an IntegrationError, got ${Cause.pretty(exit.cause)}`
  ).toBe(true)
  return error as IntegrationError.IntegrationError
}

/** The value an exit succeeded with, or a readable failure. @internal */
export const successOf = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}

/** A short policy: one attempt, the suite's timeout, a breaker that never trips within a check. */
const policyFor = (service: Policy.ServiceType, timeoutMillis: number, patch: Policy.PolicyPatch = {}) =>
  Policy.layer({
    services: {
      [service]: {
        timeoutMillis,
        inCall: { maxAttempts: 1, baseDelayMillis: 10, maxDelayMillis: 50 },
        breaker: { windowSize: 1000, minimumCalls: 1000 },
        ...patch
      }
    }
  })

const makeEnvironment = async <State, Credentials, Service>(
  service: Policy.ServiceType,
  options: SuiteOptions<State, Credentials, Service>
): Promise<Environment<State, Credentials, Service>> => {
  const sim = await Simulator.start(options.simulator, options.simulatorOptions)
  const timeoutMillis = options.timeoutMillis ?? 500
  return {
    sim,
    options,
    service,
    timeoutMillis,
    run: (effect, target = {}, policy) => {
      const adapter = options.layer({ baseUrl: sim.url, credentials: sim.credentials, timeoutMillis, ...target })
      const policies = policyFor(service, timeoutMillis, policy)
      const layers = Layer.mergeAll(adapter, Resilience.layerMemory().pipe(Layer.provide(policies)), policies)
      return Effect.runPromiseExit(Effect.provide(effect, layers))
    }
  }
}

/** Registers each check as a vitest test, in one environment for the whole suite. @internal */
export const registerChecks = <E>(
  name: string,
  open: () => Promise<Opened<E>>,
  checks: ReadonlyArray<NamedCheck<E>>
): void => {
  describe(name, () => {
    let opened: Opened<E>
    beforeAll(async () => {
      opened = await open()
    })
    afterAll(() => opened.close())
    beforeEach(() => opened.reset())
    for (const check of checks) it(check.name, () => check.run(opened.environment))
  })
}

/** Runs every check and reports which passed. @internal */
export const verifyChecks = async <E>(
  open: () => Promise<Opened<E>>,
  checks: ReadonlyArray<NamedCheck<E>>
): Promise<ReadonlyArray<CheckResult>> => {
  const opened = await open()
  const results: Array<CheckResult> = []
  try {
    for (const check of checks) {
      opened.reset()
      try {
        await check.run(opened.environment)
        results.push({ name: check.name, passed: true })
      } catch (cause) {
        results.push({
          name: check.name,
          passed: false,
          failure: cause instanceof Error ? cause.message : String(cause)
        })
      }
    }
  } finally {
    await opened.close()
  }
  return results
}

const openPort =
  <State, Credentials, Service>(service: Policy.ServiceType, options: SuiteOptions<State, Credentials, Service>) =>
  async (): Promise<Opened<Environment<State, Credentials, Service>>> => {
    const environment = await makeEnvironment(service, options)
    return { environment, reset: () => environment.sim.reset(), close: () => environment.sim.stop() }
  }

/** Registers a port suite's checks as vitest tests, against one simulator for the whole suite. @internal */
export const register = <State, Credentials, Service>(
  name: string,
  service: Policy.ServiceType,
  options: SuiteOptions<State, Credentials, Service>,
  checks: ReadonlyArray<Check<State, Credentials, Service>>
): void => registerChecks(name, openPort(service, options), checks)

/** Runs a port suite's checks and reports which passed. @internal */
export const verify = <State, Credentials, Service>(
  service: Policy.ServiceType,
  options: SuiteOptions<State, Credentials, Service>,
  checks: ReadonlyArray<Check<State, Credentials, Service>>
): Promise<ReadonlyArray<CheckResult>> => verifyChecks(openPort(service, options), checks)

const SECRET_FIELD = /key|token|secret|password/i

/** The secret values of a credentials record: fields named like a key, token, secret or password. */
const secretsOf = (credentials: unknown): Array<string> =>
  Object.entries(credentials as Record<string, unknown>).flatMap(([name, value]) =>
    SECRET_FIELD.test(name) && typeof value === "string" && value.length >= 6 ? [value] : []
  )

/** Asserts that none of the secrets appears anywhere in the error. @internal */
export const expectNoSecrets = (error: IntegrationError.IntegrationError, credentials: unknown): void => {
  const rendered = [error.message, String(error), JSON.stringify(error), JSON.stringify(error.reason)].join("\n")
  for (const secret of secretsOf(credentials)) {
    expect(rendered.includes(secret), "a credential appears in the error").toBe(false)
  }
}

/** The Retry-After (seconds) a catalogue entry's reply carries, if any. */
const retryAfterOf = (entry: Simulator.ErrorEntry, seconds: number): number | undefined => {
  const headers = entry.reply({} as Simulator.SimRequest, { retryAfterSeconds: seconds }).headers ?? {}
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === "retry-after")?.[1]
  return value === undefined ? undefined : Number(value)
}

/**
 * The checks every port shares, for one representative call of the port
 * (`call` must make exactly one HTTP request when it succeeds).
 *
 * @internal
 */
export const commonChecks = <State, Credentials, Service, Shape>(
  providerOf: (service: Shape) => string,
  serviceTag: Context.Key<Service, Shape>,
  call: (service: Shape) => Effect.Effect<unknown, IntegrationError.IntegrationError>,
  catalogue: Readonly<Record<string, Simulator.ErrorEntry>>
): ReadonlyArray<Check<State, Credentials, Service>> => {
  const invoke = Effect.flatMap(Effect.service(serviceTag), call)
  const protectedCall = (service: Policy.ServiceType) =>
    Effect.flatMap(Effect.service(serviceTag), (adapter) =>
      call(adapter).pipe(Resilience.protect({ service, provider: providerOf(adapter), operation: "contract" }))
    )
  const failsWith = async (
    environment: Environment<State, Credentials, Service>,
    expected: IntegrationError.ReasonTag,
    target?: Partial<Target<Credentials>>
  ) => {
    const error = failureOf(await environment.run(invoke, target))
    expect(error.reason._tag).toBe(expected)
    expectNoSecrets(error, environment.sim.credentials)
    return error
  }
  const entries: Array<Check<State, Credentials, Service>> = Object.entries(catalogue).map(([name, entry]) => ({
    name: `classifies ${name} (${entry.kind}) as ${entry.reason}, in one request`,
    run: async (environment) => {
      environment.sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 7 })))
      const error = await failsWith(environment, entry.reason)
      const service = await environment.run(Effect.service(serviceTag))
      expect(error.provider).toBe(providerOf(successOf(service)))
      const status = entry.reply({} as Simulator.SimRequest, { retryAfterSeconds: 7 }).status
      if (status !== 200) expect(error.status).toBe(status)
      const retryAfter = retryAfterOf(entry, 7)
      if (retryAfter !== undefined && (entry.reason === "RateLimited" || entry.reason === "Unavailable")) {
        expect(error.retryAfter && Duration.toSeconds(error.retryAfter)).toBe(retryAfter)
      }
      expect(environment.sim.ledger.requests()).toHaveLength(1)
    }
  }))
  return [
    ...entries,
    {
      name: "wrong credentials fail as Unauthorized, without any secret in the error",
      run: async (environment) => {
        const error = await failsWith(environment, "Unauthorized", {
          credentials: environment.options.wrongCredentials
        })
        expectNoSecrets(error, environment.options.wrongCredentials)
      }
    },
    {
      name: "a hung request fails as TimedOut within the policy's timeout",
      run: async (environment) => {
        environment.sim.faults.add(Faults.rule(Faults.hang))
        const started = Date.now()
        const error = failureOf(await environment.run(protectedCall(environment.service)))
        expect(error.reason._tag).toBe("TimedOut")
        expect(Date.now() - started).toBeLessThan(environment.timeoutMillis + 1_000)
      }
    },
    {
      name: "the timeout aborts the HTTP request",
      run: async (environment) => {
        environment.sim.faults.add(Faults.rule(Faults.hang))
        await environment.run(protectedCall(environment.service))
        await eventually(() => environment.sim.ledger.requests()[0]?.outcome, "clientAborted", {
          timeoutMillis: environment.timeoutMillis + 2_000
        })
      }
    },
    {
      name: "a reset connection fails as Unavailable",
      run: async (environment) => {
        environment.sim.faults.add(Faults.rule(Faults.reset))
        await failsWith(environment, "Unavailable")
      }
    },
    {
      name: "a refused connection fails as Unavailable",
      run: async (environment) => {
        await failsWith(environment, "Unavailable", { baseUrl: `http://127.0.0.1:${await Simulator.closedPort()}` })
      }
    },
    {
      name: "a malformed answer fails as Unavailable",
      run: async (environment) => {
        environment.sim.faults.add(Faults.rule(Faults.malformed))
        await failsWith(environment, "Unavailable")
      }
    },
    {
      name: "sends exactly one HTTP request per attempt (the SDK's own retries are off)",
      run: async (environment) => {
        for (const kind of ["unavailable", "rateLimited"] as const) {
          environment.sim.ledger.clear()
          environment.sim.faults.clear()
          environment.sim.faults.add(Faults.rule(Faults.error(kind, { retryAfterSeconds: 0 })))
          failureOf(await environment.run(invoke))
          expect([kind, environment.sim.ledger.requests().length]).toEqual([kind, 1])
        }
      }
    }
  ]
}
