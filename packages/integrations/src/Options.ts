/**
 * The configuration `createIntegrations` takes, as a plain object of strings:
 * the store, the providers of each channel (in failover order), Stripe, the
 * webhook sources with their handlers, and optional policy overrides. It is
 * checked once, up front, by an Effect Schema: secrets become `Redacted`
 * values at once and are never printed, and a bad field is a thrown
 * {@link ConfigError} naming it.
 *
 * @example
 * ```ts
 * import type { Options } from "@wedsync/integrations"
 *
 * const options: Options.Options = {
 *   store: { sqlite: "./.data/wedsync.db" },
 *   email: { from: "WedSync <reminders@wedsync.example>", resend: { apiKey: process.env.RESEND_API_KEY ?? "" } }
 * }
 * ```
 *
 * @since 0.1.0
 */
import { EmailProvider, type Policy, SmsProvider, type WebhookSource } from "@wedsync/core"
import { Schema } from "effect"

const nonEmpty = Schema.String.check(Schema.isPattern(/\S/, { message: "must not be empty" }))
/** A secret: any non-empty text, kept as `Redacted` from the moment it is read. */
const Secret = Schema.RedactedFromValue(nonEmpty)
const HttpUrl = Schema.String.check(
  Schema.makeFilter((value: string) =>
    /^https?:\/\/\S+$/.test(value) && URL.canParse(value) ? undefined : "must be an http(s) URL"
  )
)
const urlWith = (schemes: ReadonlyArray<string>) =>
  Schema.RedactedFromValue(
    Schema.String.check(
      Schema.makeFilter((value: string) =>
        URL.canParse(value) && schemes.includes(new URL(value).protocol)
          ? undefined
          : `must be a ${schemes.map((scheme) => `${scheme}//`).join(" or ")} URL`
      )
    )
  )
const Handlers = Schema.Record(
  Schema.String,
  Schema.declare((u: unknown): u is WebhookHandler => typeof u === "function", {
    expected: "a function (event, received) => Promise"
  })
)

/** Where the outbox, its dead letters, the webhook inbox and the quarantine live: one of `sqlite` or `postgres`. */
const Store = Schema.Struct({
  /** A SQLite file (embedded `node:sqlite`, no server); its directory must exist. One process. */
  sqlite: Schema.optional(nonEmpty),
  /** `postgres://user:password@host:5432/database`: several instances share it (needs `@effect/sql-pg`). */
  postgres: Schema.optional(urlWith(["postgres:", "postgresql:"])),
  /** PostgreSQL only: the schema the tables live in (the connections' `search_path`). */
  schema: Schema.optional(
    Schema.String.check(Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an SQL identifier" }))
  ),
  /** How often an idle queue looks for work offered by other processes (default 1000 ms). */
  pollIntervalMillis: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0)))
}).check(
  Schema.makeFilter((store) =>
    (store.sqlite === undefined) === (store.postgres === undefined)
      ? "give sqlite (a file) or postgres (a URL), one of them"
      : store.schema !== undefined && store.postgres === undefined
        ? "schema is for postgres only"
        : undefined
  )
)

const Email = Schema.Struct({
  /** The From address, `reminders@wedsync.example` or `WedSync <reminders@wedsync.example>`. */
  from: EmailProvider.EmailAddress,
  resend: Schema.optional(Schema.Struct({ apiKey: Secret, baseUrl: Schema.optional(HttpUrl) })),
  postmark: Schema.optional(
    Schema.Struct({
      serverToken: Secret,
      baseUrl: Schema.optional(HttpUrl),
      messageStream: Schema.optional(nonEmpty)
    })
  )
}).check(
  Schema.makeFilter((email) =>
    email.resend === undefined && email.postmark === undefined ? "give resend, postmark or both" : undefined
  )
)

const Sms = Schema.Struct({
  /** The sending number, E.164 (`+15005550006`). */
  from: SmsProvider.PhoneNumber,
  twilio: Schema.optional(
    Schema.Struct({ accountSid: nonEmpty, authToken: Secret, baseUrl: Schema.optional(HttpUrl) })
  ),
  vonage: Schema.optional(Schema.Struct({ apiKey: nonEmpty, apiSecret: Secret, baseUrl: Schema.optional(HttpUrl) })),
  /** Where providers post delivery-status callbacks (Twilio `StatusCallback`). */
  statusCallbackUrl: Schema.optional(HttpUrl)
}).check(
  Schema.makeFilter((sms) =>
    sms.twilio === undefined && sms.vonage === undefined ? "give twilio, vonage or both" : undefined
  )
)

const Stripe = Schema.Struct({ secretKey: Secret, baseUrl: Schema.optional(HttpUrl) })

/** What every webhook source accepts besides its secrets. */
const receiving = {
  /** Handlers by event type (`"*"`: every other type), run by the outbox's workers after the 200. */
  on: Schema.optional(Handlers),
  /** Largest body accepted, in bytes (default 1 MiB); past it the answer is 413. */
  maxBytes: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0))),
  /** The URL the provider posts to, when a proxy stands in front (Twilio signs it). */
  publicUrl: Schema.optional(HttpUrl),
  /** Read the public URL and sender from `X-Forwarded-*` (only behind a proxy that sets them). */
  trustForwardedHeaders: Schema.optional(Schema.Boolean)
}

const Secrets = Schema.Union([Secret, Schema.NonEmptyArray(Secret)])

const Webhooks = Schema.Struct({
  stripe: Schema.optional(Schema.Struct({ secrets: Secrets, ...receiving })),
  resend: Schema.optional(Schema.Struct({ secrets: Secrets, ...receiving })),
  postmark: Schema.optional(
    Schema.Struct({
      basicAuth: Schema.optional(Schema.Struct({ username: nonEmpty, password: Secret })),
      header: Schema.optional(Schema.Struct({ name: nonEmpty, value: Secret })),
      allowedIps: Schema.optional(Schema.NonEmptyArray(nonEmpty)),
      ...receiving
    }).check(
      Schema.makeFilter((postmark) =>
        postmark.basicAuth === undefined && postmark.header === undefined
          ? "Postmark signs nothing: give basicAuth, header, or both"
          : undefined
      )
    )
  ),
  twilio: Schema.optional(
    Schema.Struct({
      /** Default: `sms.twilio.authToken`. */
      authToken: Schema.optional(Secret),
      ...receiving
    })
  ),
  vonage: Schema.optional(Schema.Struct({ signatureSecret: Secret, ...receiving }))
})

/**
 * The schema of {@link Options}: decoding it is the check `createIntegrations`
 * makes (excess keys are errors, so a typo is caught).
 *
 * @example
 * ```ts
 * Schema.decodeUnknownExit(Options.OptionsSchema)({ store: { sqlite: "wedsync.db" } })
 * ```
 * @since 0.1.0
 */
export const OptionsSchema = Schema.Struct({
  /** The per-process registry key (default `"default"`): one runtime per name. */
  name: Schema.optional(nonEmpty),
  store: Store,
  /** `redis://…`: circuit breakers and health shared across instances; in memory when omitted. */
  redis: Schema.optional(urlWith(["redis:", "rediss:"])),
  email: Schema.optional(Email),
  sms: Schema.optional(Sms),
  stripe: Schema.optional(Stripe),
  webhooks: Schema.optional(Webhooks),
  /** Overrides of core's policies (`Policy.PolicyOverrides`), checked against the providers configured. */
  policies: Schema.optional(Schema.Unknown),
  /** Run the outbox's workers (queued sends, charges, webhook handlers) in this process (default true). */
  workers: Schema.optional(Schema.Boolean)
})

/**
 * A webhook event handler: runs after the delivery was stored and answered,
 * on the outbox's workers. A throw (or a rejected promise) is retried by the
 * `webhook` policy (3 times from 60 s; a payment processor's events at least
 * 8 times) and then kept as a dead letter; return normally when done.
 *
 * @example
 * ```ts
 * const onPaid: Options.WebhookHandler = async (event) => {
 *   await markDepositPaid((event.payload as { data: { object: { id: string } } }).data.object.id)
 * }
 * ```
 * @since 0.1.0
 */
export type WebhookHandler = (
  event: WebhookSource.WebhookEvent,
  received: { readonly receivedAt: number; readonly url: string }
) => unknown

/**
 * The configuration of `createIntegrations`, as written in code: plain
 * strings, secrets included (read them from `process.env`).
 *
 * @example
 * ```ts
 * const options: Options.Options = {
 *   store: { sqlite: "./.data/wedsync.db" },
 *   stripe: { secretKey: process.env.STRIPE_SECRET_KEY ?? "" },
 *   webhooks: { stripe: { secrets: [process.env.STRIPE_WEBHOOK_SECRET ?? ""] } }
 * }
 * ```
 * @since 0.1.0
 */
export type Options = Omit<typeof OptionsSchema.Encoded, "policies"> & {
  /** Overrides of core's policies, e.g. `{ services: { email: { timeoutMillis: 8_000 } }, providers: { stripe: { … } } }`. */
  readonly policies?: typeof Policy.PolicyOverrides.Encoded | undefined
}

/**
 * The configuration once checked: secrets are `Redacted`.
 *
 * @example
 * ```ts
 * const apiKey = (options: Options.Decoded) => options.email?.resend?.apiKey // Redacted<string>
 * ```
 * @since 0.1.0
 */
export type Decoded = typeof OptionsSchema.Type

/** The webhook sources a configuration can name. @example `const provider: Options.WebhookProvider = "stripe"` @since 0.1.0 */
export type WebhookProvider = keyof NonNullable<Options["webhooks"]>

/**
 * One bad field of the configuration: where and what, never its value.
 *
 * @example
 * ```ts
 * const issue: Options.Issue = { field: "email.resend.apiKey", message: "is missing" }
 * ```
 * @since 0.1.0
 */
export interface Issue {
  readonly field: string
  readonly message: string
}

/**
 * The configuration is invalid: thrown by `createIntegrations` (and by
 * `webhookHandler` for a source that is not configured). `field` is the path
 * of the first bad field (`email.resend.apiKey`), `issues` every one. No
 * message ever contains a secret.
 *
 * @example
 * ```ts
 * try {
 *   createIntegrations({ store: { sqlite: "" } })
 * } catch (error) {
 *   if (error instanceof Options.ConfigError) console.error(error.field) // "store.sqlite"
 * }
 * ```
 * @since 0.1.0
 */
export class ConfigError extends Schema.TaggedError<ConfigError>("@wedsync/integrations/Options/ConfigError")(
  "IntegrationsConfigError",
  {
    field: Schema.String,
    issues: Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String }))
  }
) {
  override get message(): string {
    return `invalid integrations configuration: ${this.issues
      .map((issue) => (issue.field === "" ? issue.message : `${issue.field}: ${issue.message}`))
      .join("; ")}`
  }
}
