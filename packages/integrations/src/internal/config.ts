/**
 * Checking a configuration once, up front: the Schema decode (secrets become
 * `Redacted`), the policy overrides against the providers configured, and
 * the webhook sources' own checks. Every problem becomes a `ConfigError`
 * whose words never carry a secret: values found under secret fields (and
 * the passwords of URLs) are scrubbed from every message.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { Policy } from "@wedsync/core"
import { Cause, Effect, Exit, Option, Result, Schema, SchemaIssue } from "effect"
import {
  ConfigError,
  type Decoded,
  type Options,
  OptionsSchema,
  type WebhookHandler,
  type WebhookProvider
} from "../Options.ts"
import * as Sources from "./sources.ts"

const SECRET_KEYS = new Set([
  "apiKey",
  "serverToken",
  "authToken",
  "apiSecret",
  "secretKey",
  "secrets",
  "password",
  "value",
  "signatureSecret"
])
const URL_KEYS = new Set(["postgres", "redis"])

/** Every secret text in the raw input, so no message can repeat one. */
const secretsIn = (input: unknown, found: Array<string> = [], key?: string): Array<string> => {
  if (typeof input === "string") {
    if (key !== undefined && SECRET_KEYS.has(key) && input !== "") found.push(input)
    if (key !== undefined && URL_KEYS.has(key) && URL.canParse(input)) {
      const url = new URL(input)
      if (url.password !== "") found.push(url.password, decodeURIComponent(url.password))
      if (url.password === "" && url.username !== "") found.push(url.username)
    }
  } else if (Array.isArray(input)) {
    for (const item of input) secretsIn(item, found, key)
  } else if (typeof input === "object" && input !== null) {
    for (const [name, value] of Object.entries(input)) secretsIn(value, found, name)
  }
  return found
}

const scrub = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets.reduce((out, secret) => (secret.length < 3 ? out : out.split(secret).join("<redacted>")), text)

const pathOf = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`),
    ""
  )

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const wordsOf = (message: string): string => {
  if (message.startsWith("Unexpected key") || message === "Expected no excess property") return "is not a known field"
  if (message === "Missing key") return "is missing"
  return message
}

const fail = (issues: ReadonlyArray<{ field: string; message: string }>, secrets: ReadonlyArray<string>): never => {
  const clean = issues.map((issue) => ({ field: issue.field, message: scrub(issue.message, secrets) }))
  throw new ConfigError({ field: clean[0]?.field ?? "", issues: clean })
}

/** Handlers by provider, taken out before the decode: functions are not configuration to compare. */
const handlersOf = (input: Options): Partial<Record<WebhookProvider, Readonly<Record<string, WebhookHandler>>>> =>
  Object.fromEntries(
    Sources.providers.flatMap((provider) => {
      const on = (input.webhooks?.[provider] as { on?: Readonly<Record<string, WebhookHandler>> } | undefined)?.on
      return on === undefined ? [] : [[provider, on]]
    })
  )

/** A configuration once checked. @internal */
export interface Checked {
  readonly name: string
  readonly options: Decoded
  readonly policies: Policy.PolicyOverrides | undefined
  readonly knownProviders: ReadonlyArray<string>
  readonly emailOrder: ReadonlyArray<"resend" | "postmark">
  readonly smsOrder: ReadonlyArray<"twilio" | "vonage">
  readonly sources: Partial<Record<WebhookProvider, Sources.Built>>
  readonly handlers: Partial<Record<WebhookProvider, Readonly<Record<string, WebhookHandler>>>>
  /** Removes every secret of the configuration from a text (for messages built from causes). */
  readonly scrub: (text: string) => string
  /** A hash of everything but the handlers: the same configuration re-evaluated has the same one. */
  readonly fingerprint: string
}

const orderOf = <K extends string>(given: object | undefined, names: ReadonlyArray<K>): ReadonlyArray<K> =>
  given === undefined
    ? []
    : Object.keys(given).filter((key): key is K => (names as ReadonlyArray<string>).includes(key))

/**
 * Checks a configuration, or throws a `ConfigError` naming every bad field.
 *
 * @internal
 */
export const check = (input: Options): Checked => {
  const secrets = secretsIn(input)
  if (typeof input !== "object" || input === null) {
    return fail([{ field: "", message: "the configuration must be an object" }], secrets)
  }
  const exit = Schema.decodeUnknownExit(OptionsSchema, { onExcessProperty: "error", errors: "all" })(input)
  if (Exit.isFailure(exit)) {
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    const issues =
      error === undefined
        ? [{ field: "", message: "the configuration could not be read" }]
        : formatter(error.issue).issues.map((issue) => {
            const field = pathOf(
              issue.path?.map((segment) => (typeof segment === "object" ? segment.key : segment)) ?? []
            )
            return { field, message: wordsOf(issue.message) }
          })
    return fail(issues, secrets)
  }
  const options = exit.value
  const emailOrder = orderOf(input.email, ["resend", "postmark"] as const)
  const smsOrder = orderOf(input.sms, ["twilio", "vonage"] as const)
  const knownProviders = [...emailOrder, ...smsOrder, ...(options.stripe === undefined ? [] : ["stripe"])]
  let policies: Policy.PolicyOverrides | undefined
  if (options.policies !== undefined) {
    const decoded = Effect.runSync(
      Effect.result(
        Effect.flatMap(Policy.decodeOverrides(options.policies), (overrides) =>
          Effect.as(Policy.make(overrides, { knownProviders }), overrides)
        )
      )
    )
    if (Result.isFailure(decoded)) {
      return fail(
        decoded.failure.issues.map((issue) => ({
          field: issue.path === "" ? "policies" : `policies.${issue.path}`,
          message: issue.message
        })),
        secrets
      )
    }
    policies = decoded.success
  }
  const { sources, problems } = Sources.build(options)
  if (problems.length > 0) {
    return fail(
      problems.map(([field, message]) => ({ field, message })),
      secrets
    )
  }
  const fingerprint = createHash("sha256")
    .update(
      JSON.stringify(input, function (this: unknown, key: string, value: unknown) {
        return typeof value === "function" || (this === input && key === "name") ? undefined : value
      })
    )
    .digest("hex")
  return {
    name: options.name ?? "default",
    options,
    policies,
    knownProviders,
    emailOrder,
    smsOrder,
    sources,
    handlers: handlersOf(input),
    scrub: (text) => scrub(text, secrets),
    fingerprint
  }
}
