/**
 * The options of a Standard Webhooks source, checked once when it is built.
 * They may come from plain JavaScript or an untyped config file, so every
 * field is checked as `unknown`: a missing or empty secret, one that is not a
 * `Redacted`, or not `whsec_` + base64, fails as `Misconfigured` naming the
 * field (never its value), not as a `TypeError` on the first delivery.
 *
 * @internal
 */
import { Duration, Redacted, Result, Schema } from "effect"
import { AdapterConfig, IntegrationError } from "@wedsync/core"
import { decodeSecret } from "./standardWebhooksSignature.ts"

/** The provider named in errors when the options do not name a usable one. */
const UNNAMED = "standard-webhooks"

/** What `describe` answers (the public `StandardWebhooks.Described`). @internal */
export interface Described {
  readonly id?: string | undefined
  readonly type: string
  readonly occurredAt?: number | undefined
}

/** The signed headers given to `describe` (the public `StandardWebhooks.Delivery`). @internal */
export interface Delivery {
  readonly id: string
  readonly timestamp: number
}

/** The options as given (the public `StandardWebhooks.Options`, secrets unchecked). @internal */
export interface Input<A> {
  readonly provider: string
  readonly secret: unknown
  readonly tolerance?: Duration.Input | undefined
  readonly payload?: Schema.Decoder<A> | undefined
  readonly describe?: ((payload: A, delivery: Delivery) => Described | undefined) | undefined
}

/** What a source works with once its options are checked. @internal */
export interface Checked<A> {
  readonly provider: string
  readonly keys: ReadonlyArray<Uint8Array>
  /** The secrets' texts, kept out of any error that describes a thrown value. */
  readonly secrets: ReadonlyArray<string>
  readonly toleranceMillis: number
  readonly payload: Schema.Decoder<A> | undefined
  readonly describe: ((payload: A, delivery: Delivery) => Described | undefined) | undefined
}

const misconfigured = (provider: string, description: string) =>
  IntegrationError.make(provider, "webhook.configure", new IntegrationError.Misconfigured({ description }))

const providerOf = (options: unknown): Result.Result<string, IntegrationError.IntegrationError> => {
  const provider = (options as { readonly provider?: unknown }).provider
  if (typeof provider !== "string") return Result.fail(misconfigured(UNNAMED, "provider is missing"))
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(provider)) {
    return Result.fail(misconfigured(UNNAMED, "provider is not a name of letters, digits, '.', '_' or '-'"))
  }
  return Result.succeed(provider)
}

const keyOf = (
  provider: string,
  secret: unknown,
  name: string
): Result.Result<Uint8Array, IntegrationError.IntegrationError> => {
  if (secret === undefined || secret === null) return Result.fail(misconfigured(provider, `${name} is missing`))
  if (!Redacted.isRedacted(secret)) {
    return Result.fail(misconfigured(provider, `${name} is not a Redacted value (wrap it with Redacted.make)`))
  }
  const text: unknown = Redacted.value(secret)
  if (text === undefined || text === null) return Result.fail(misconfigured(provider, `${name} is missing`))
  if (typeof text !== "string") return Result.fail(misconfigured(provider, `${name} is not text`))
  if (text.trim() === "") return Result.fail(misconfigured(provider, `${name} is empty`))
  const key = decodeSecret(text)
  return key === undefined
    ? Result.fail(misconfigured(provider, `${name} is not whsec_ followed by base64`))
    : Result.succeed(key)
}

/**
 * Checks a source's options; the first problem, as `Misconfigured` under
 * `webhook.configure`.
 *
 * @internal
 */
export const checkOptions = <A>(
  options: Input<A>,
  defaultTolerance: Duration.Duration
): Result.Result<Checked<A>, IntegrationError.IntegrationError> => {
  if (typeof options !== "object" || options === null) return Result.fail(misconfigured(UNNAMED, "options are missing"))
  const provider = providerOf(options)
  if (Result.isFailure(provider)) return Result.fail(provider.failure)
  const name = provider.success
  const given: unknown = options.secret
  const secrets: ReadonlyArray<unknown> = Array.isArray(given) ? given : [given]
  if (secrets.length === 0) return Result.fail(misconfigured(name, "secret is an empty list"))
  const keys: Array<Uint8Array> = []
  for (const [index, secret] of secrets.entries()) {
    const key = keyOf(name, secret, secrets.length === 1 ? "secret" : `secret #${index + 1}`)
    if (Result.isFailure(key)) return Result.fail(key.failure)
    keys.push(key.success)
  }
  const tolerance = AdapterConfig.timeout(name, "tolerance", options.tolerance ?? defaultTolerance)
  if (Result.isFailure(tolerance)) return Result.fail(misconfigured(name, tolerance.failure.reason.message))
  if (options.payload !== undefined && !Schema.isSchema(options.payload)) {
    return Result.fail(misconfigured(name, "payload is not a Schema"))
  }
  if (options.describe !== undefined && typeof options.describe !== "function") {
    return Result.fail(misconfigured(name, "describe is not a function"))
  }
  return Result.succeed({
    provider: name,
    keys,
    secrets: secrets.map((secret) => Redacted.value(secret as Redacted.Redacted<string>)),
    toleranceMillis: Duration.toMillis(tolerance.success),
    payload: options.payload,
    describe: options.describe
  })
}
