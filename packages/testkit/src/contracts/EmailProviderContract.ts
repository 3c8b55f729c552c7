/**
 * The contract every `EmailProvider` adapter must keep, run against its real
 * SDK pointed at the provider's simulator: sends and batches succeed with the
 * provider's message ids; every error in the simulator's catalogue (the
 * provider's real error bodies) is classified to its reason; Retry-After is
 * surfaced; a hang is a `TimedOut` within the policy's timeout and the request
 * is really aborted; resets, refusals and garbled answers are `Unavailable`;
 * one HTTP request per attempt; no secret in any error; an idempotency key is
 * passed through where the provider takes one; attachments arrive with their
 * names, types and exact bytes.
 *
 * @example
 * ```ts
 * import { EmailProviderContract } from "@wedsync/testkit"
 * import * as ResendSim from "@wedsync/testkit/simulators/resend"
 * import { Resend } from "@wedsync/adapter-email"
 *
 * EmailProviderContract.suite("Resend", {
 *   simulator: ResendSim.definition,
 *   layer: ({ baseUrl, credentials }) => Resend.layer({ apiKey: Redacted.make(credentials.apiKey), baseUrl }),
 *   wrongCredentials: { ...ResendSim.definition.credentials, apiKey: "re_wrong_key_canary" }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { EmailProvider } from "@wedsync/core"
import { expect } from "vitest"
import {
  type Check,
  type CheckResult,
  commonChecks,
  type Environment,
  register,
  type SuiteOptions,
  successOf,
  verify as verifyChecks
} from "../internal/contract.ts"

type Port = (typeof EmailProvider.EmailProvider)["Service"]

/** Options of the email contract. @since 0.1.0 */
export interface Options<State, Credentials> extends SuiteOptions<State, Credentials, EmailProvider.EmailProvider> {
  /** The message the checks send; its sender must be accepted by the simulator's default credentials. */
  readonly message?: EmailProvider.EmailMessage
  /** Whether the provider honours idempotency keys on sends (Resend does, Postmark does not). */
  readonly idempotencyKeys?: boolean
}

/** The message the checks send unless the options give another. @since 0.1.0 */
export const defaultMessage = new EmailProvider.EmailMessage({
  from: "planner@wedsync.test",
  to: "couple@example.com",
  subject: "Your final headcount is due Friday",
  text: "Please confirm the headcount for Saturday.",
  html: "<p>Please confirm the headcount for Saturday.</p>",
  metadata: { weddingId: "w_contract" }
})

const send = (message: EmailProvider.EmailMessage) => (adapter: Port) => adapter.send(message)

const invite = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"

/**
 * The attachments the attachment check sends: an .ics given as bytes and a
 * small binary file given as base64 (bytes 0–255, which no text encoding
 * survives). The simulator must record each as `{ filename, contentType,
 * content }` with `content` in base64.
 *
 * @since 0.1.0
 */
export const sampleAttachments: ReadonlyArray<EmailProvider.Attachment> = [
  { filename: "wedding.ics", content: new TextEncoder().encode(invite), contentType: "text/calendar; method=REQUEST" },
  {
    filename: "seating plan (v2).bin",
    content: Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)).toString("base64"),
    contentType: "application/octet-stream"
  }
]

/**
 * The checks of the email contract.
 *
 * @since 0.1.0
 */
export const checks = <State, Credentials>(
  options: Options<State, Credentials>
): ReadonlyArray<Check<State, Credentials, EmailProvider.EmailProvider>> => {
  const message = options.message ?? defaultMessage
  const service = Effect.service(EmailProvider.EmailProvider)
  return [
    {
      name: "sends a message and returns the provider's message id",
      run: async (environment) => {
        const receipt = successOf(await environment.run(Effect.flatMap(service, send(message))))
        const effects = environment.sim.ledger.sideEffects()
        expect(effects).toHaveLength(1)
        expect(receipt.messageId).toBe(effects[0]?.id)
        expect(receipt.provider).toBe(successOf(await environment.run(service)).provider)
        expect(receipt.acceptedAt).toBeGreaterThan(Date.now() - 60_000)
        expect(environment.sim.ledger.requests()).toHaveLength(1)
      }
    },
    {
      name: "sends a batch and returns one receipt per message, in order",
      run: async (environment) => {
        const second = new EmailProvider.EmailMessage({ ...message, to: "guest@example.com" })
        const batch = successOf(
          await environment.run(Effect.flatMap(service, (adapter) => adapter.sendBatch([message, second])))
        )
        expect(batch.results.map((result) => result._tag)).toEqual(["Accepted", "Accepted"])
        const ids = batch.results.map((result) => (result._tag === "Accepted" ? result.receipt.messageId : ""))
        expect(ids).toEqual(environment.sim.ledger.sideEffects().map((effect) => effect.id))
      }
    },
    {
      name: "sends attachments with their names, types and exact bytes",
      run: async (environment) => {
        const attached = new EmailProvider.EmailMessage({ ...message, attachments: sampleAttachments })
        successOf(await environment.run(Effect.flatMap(service, send(attached))))
        const [effect] = environment.sim.ledger.sideEffects()
        const recorded = (effect?.data as { readonly attachments?: unknown } | undefined)?.attachments
        expect(recorded).toEqual(
          sampleAttachments.map((attachment) => ({
            filename: attachment.filename,
            contentType: attachment.contentType,
            content: EmailProvider.attachmentBase64(attachment)
          }))
        )
        const bytes = Buffer.from(EmailProvider.attachmentBase64(sampleAttachments[0]!), "base64").toString("utf8")
        expect(bytes).toBe(invite)
      }
    },
    ...(options.idempotencyKeys
      ? [
          {
            name: "passes the idempotency key, so a repeated send is accepted once",
            run: async (environment: Environment<State, Credentials, EmailProvider.EmailProvider>) => {
              const keyed = new EmailProvider.EmailMessage({ ...message, idempotencyKey: "reminder-w_contract-1" })
              const first = successOf(await environment.run(Effect.flatMap(service, send(keyed))))
              const again = successOf(await environment.run(Effect.flatMap(service, send(keyed))))
              expect(again.messageId).toBe(first.messageId)
              expect(environment.sim.ledger.sideEffects()).toHaveLength(1)
            }
          }
        ]
      : []),
    ...commonChecks<State, Credentials, EmailProvider.EmailProvider, Port>(
      (adapter) => adapter.provider,
      EmailProvider.EmailProvider,
      send(message),
      options.simulator.errors
    )
  ]
}

/**
 * Registers the email contract as vitest tests, one per check.
 *
 * @since 0.1.0
 */
export const suite = <State, Credentials>(name: string, options: Options<State, Credentials>): void =>
  register(name, "email", options, checks(options))

/**
 * Runs the email contract outside vitest's registration and reports each
 * check: how a suite is shown to fail against a wrong adapter.
 *
 * @since 0.1.0
 */
export const verify = <State, Credentials>(options: Options<State, Credentials>): Promise<ReadonlyArray<CheckResult>> =>
  verifyChecks("email", options, checks(options))
