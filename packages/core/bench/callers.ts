/**
 * The callers both benchmarks put behind the engine: a provider whose call is
 * a plain async function, failing as the adapters do (`Unavailable`).
 */
import { Effect } from "effect"
import { IntegrationError } from "../src/index.ts"

export const fn = async () => 1

export interface Caller {
  readonly provider: string
  readonly call: Effect.Effect<number, IntegrationError.IntegrationError>
}

export const caller = (provider: string, body: () => Promise<number>): Caller => ({
  provider,
  call: Effect.tryPromise({
    try: body,
    catch: () => IntegrationError.make(provider, "call", new IntegrationError.Unavailable({}))
  })
})
