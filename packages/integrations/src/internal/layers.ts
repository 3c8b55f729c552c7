/**
 * The one layer a checked configuration becomes: the store (SQLite or
 * PostgreSQL) with the outbox, dead letters, audit trail and webhook
 * quarantine on it; the resilience engine (memory, or shared through Redis);
 * the notification channels and the payment processor from the adapters, in
 * failover order; the policies; and, unless turned off, the outbox's workers,
 * which run queued sends, queued charges and webhook handlers for as long as
 * the runtime lives.
 *
 * PostgreSQL and Redis are loaded only when configured (`import()`), so a
 * SQLite-only service needs neither `@effect/sql-pg` nor `redis` installed.
 *
 * @internal
 */
import { Postmark, Resend } from "@wedsync/adapter-email"
import { Twilio, Vonage } from "@wedsync/adapter-sms"
import { Stripe } from "@wedsync/adapter-stripe"
import { type EmailProvider, PaymentProvider, Policy, Resilience, type SmsProvider } from "@wedsync/core"
import * as Audit from "@wedsync/durable/Audit"
import * as DeadLetters from "@wedsync/durable/DeadLetters"
import * as Outbox from "@wedsync/durable/Outbox"
import * as QueueStore from "@wedsync/durable/QueueStore"
import * as Sqlite from "@wedsync/durable/Sqlite"
import { Notifications } from "@wedsync/notifications"
import { Payments } from "@wedsync/payments"
import * as Quarantine from "@wedsync/webhooks/Quarantine"
import { Effect, Layer, Option } from "effect"
import { PersistedQueue } from "effect/persistence"
import type { SqlClient } from "effect/sql"
import type { WebhookProvider } from "../Options.ts"
import type { Checked } from "./config.ts"
import * as WebhookJobs from "./webhookJobs.ts"

/** What every runtime holds, whatever is configured. @internal */
export type Services =
  | Outbox.Outbox
  | DeadLetters.DeadLetters
  | Audit.Audit
  | Quarantine.Quarantine
  | SqlClient.SqlClient
  | Resilience.Resilience

type Email = Layer.Layer<EmailProvider.EmailProvider, unknown>
type Sms = Layer.Layer<SmsProvider.SmsProvider, unknown>

const sqlOf = (store: Checked["options"]["store"]): Layer.Layer<SqlClient.SqlClient, unknown> => {
  const postgres = store.postgres
  if (postgres === undefined) return Sqlite.layer({ filename: store.sqlite ?? "" })
  return Layer.unwrap(
    Effect.map(
      Effect.promise(() => import("@wedsync/durable/Postgres")),
      (Postgres) =>
        Postgres.layer({
          url: postgres,
          ...(store.schema === undefined ? {} : { startupParameters: { search_path: store.schema } })
        })
    )
  )
}

const resilienceOf = (checked: Checked): Layer.Layer<Resilience.Resilience> => {
  const redis = checked.options.redis
  if (redis === undefined) return Resilience.layerMemory()
  return Layer.unwrap(
    Effect.map(
      Effect.promise(() => import("@wedsync/durable/RedisConnection")),
      (RedisConnection) =>
        Resilience.layerRedis().pipe(
          Layer.provide(Resilience.redisWhenAvailable(RedisConnection.layer({ url: redis })))
        )
    )
  )
}

const emailOf = (checked: Checked): ReadonlyArray<Email> => {
  const email = checked.options.email
  return checked.emailOrder.flatMap((name): Array<Email> => {
    if (name === "resend" && email?.resend !== undefined) return [Resend.layer(email.resend)]
    if (name === "postmark" && email?.postmark !== undefined) return [Postmark.layer(email.postmark)]
    return []
  })
}

const smsOf = (checked: Checked): ReadonlyArray<Sms> => {
  const sms = checked.options.sms
  return checked.smsOrder.flatMap((name): Array<Sms> => {
    if (name === "twilio" && sms?.twilio !== undefined) return [Twilio.layer(sms.twilio)]
    if (name === "vonage" && sms?.vonage !== undefined) return [Vonage.layer(sms.vonage)]
    return []
  })
}

const nonEmpty = <A>(items: ReadonlyArray<A>): readonly [A, ...Array<A>] | undefined =>
  items.length === 0 ? undefined : (items as readonly [A, ...Array<A>])

const notificationsOf = (
  checked: Checked
): Layer.Layer<Notifications.Notifications, unknown, Resilience.Resilience> => {
  const email = nonEmpty(emailOf(checked))
  const sms = nonEmpty(smsOf(checked))
  if (email === undefined && sms === undefined) return Layer.empty as never
  const from = { email: checked.options.email?.from ?? "", sms: checked.options.sms?.from ?? "" }
  const callback = checked.options.sms?.statusCallbackUrl
  return Notifications.layer({
    ...(email === undefined ? {} : { email: { from: from.email, providers: email } }),
    ...(sms === undefined
      ? {}
      : { sms: { from: from.sms, providers: sms, ...(callback === undefined ? {} : { statusCallbackUrl: callback }) } })
  })
}

/** One worker for every operation: the outbox dead-letters a job whose operation it has no handler for. */
const workersOf = (checked: Checked, handlers: () => WebhookJobs.Handlers) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const notifications = yield* Effect.serviceOption(Notifications.Notifications)
      const payments = yield* Effect.serviceOption(PaymentProvider.PaymentProvider)
      const resilience = yield* Resilience.Resilience
      const all: Record<string, Outbox.Handler> = {
        ...WebhookJobs.outboxHandlers(Object.keys(checked.sources) as Array<WebhookProvider>, handlers)
      }
      if (Option.isSome(notifications)) {
        const send = Notifications.handlers[Notifications.operation]
        all[Notifications.operation] = (job, context) =>
          send(job, context).pipe(Effect.provideService(Notifications.Notifications, notifications.value))
      }
      if (Option.isSome(payments)) {
        const charge = Payments.handlers[Payments.operation]
        all[Payments.operation] = (job, context) =>
          charge(job, context).pipe(
            Effect.provideService(PaymentProvider.PaymentProvider, payments.value),
            Effect.provideService(Resilience.Resilience, resilience)
          )
      }
      yield* Effect.forkScoped(Outbox.worker(all))
    })
  )

/**
 * The layer of a checked configuration; `handlers` is read at each webhook
 * job, so the latest handler functions run.
 *
 * @internal
 */
export const make = (checked: Checked, handlers: () => WebhookJobs.Handlers): Layer.Layer<Services, unknown> => {
  const store = checked.options.store
  const inbox = DeadLetters.layerSql.pipe(
    Layer.provideMerge(Outbox.layer()),
    Layer.provideMerge(Quarantine.layerSql()),
    Layer.provideMerge(Audit.layerSql),
    Layer.provide(PersistedQueue.layer),
    Layer.provide(
      QueueStore.layerSql(store.pollIntervalMillis === undefined ? {} : { pollInterval: store.pollIntervalMillis })
    ),
    Layer.provideMerge(sqlOf(store))
  )
  const stripe = checked.options.stripe
  const providers = Layer.mergeAll(
    notificationsOf(checked),
    stripe === undefined ? Layer.empty : Stripe.layer(stripe)
  ).pipe(Layer.provideMerge(Layer.merge(inbox, resilienceOf(checked))))
  const app =
    checked.options.workers === false ? providers : workersOf(checked, handlers).pipe(Layer.provideMerge(providers))
  return app.pipe(Layer.provideMerge(Policy.layer(checked.policies, { knownProviders: checked.knownProviders })))
}
