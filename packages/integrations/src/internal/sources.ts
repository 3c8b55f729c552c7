/**
 * The webhook sources a configuration names, built from the adapters'
 * `make` (each checks its own secrets: Stripe's must start `whsec_`), plus
 * the options `Inbound` takes for each.
 *
 * @internal
 */
import { PostmarkWebhooks, ResendWebhooks } from "@wedsync/adapter-email"
import { TwilioWebhooks, VonageWebhooks } from "@wedsync/adapter-sms"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import type { IntegrationError, WebhookSource } from "@wedsync/core"
import { Effect, type Redacted, Result } from "effect"
import type { Decoded, WebhookProvider } from "../Options.ts"

type Service = WebhookSource.WebhookSource["Service"]

/** A built source with the options of its pipeline. @internal */
export interface Built {
  readonly source: Service
  readonly options: {
    readonly maxBytes?: number
    readonly publicUrl?: string
    readonly trustForwardedHeaders?: boolean
  }
}

const listOf = (secrets: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>) =>
  Array.isArray(secrets)
    ? (secrets as ReadonlyArray<Redacted.Redacted<string>>)
    : [secrets as Redacted.Redacted<string>]

const makeOne = (
  provider: WebhookProvider,
  options: Decoded
): Effect.Effect<Service, IntegrationError.IntegrationError> | undefined => {
  const webhooks = options.webhooks
  switch (provider) {
    case "stripe":
      return webhooks?.stripe && StripeWebhooks.make({ secret: listOf(webhooks.stripe.secrets) })
    case "resend":
      return webhooks?.resend && ResendWebhooks.make({ secret: listOf(webhooks.resend.secrets) })
    case "postmark": {
      const postmark = webhooks?.postmark
      if (postmark === undefined) return undefined
      const common = {
        ...(postmark.allowedIps === undefined ? {} : { allowedIps: postmark.allowedIps }),
        ...(postmark.trustForwardedHeaders === undefined ? {} : { trustForwardedFor: postmark.trustForwardedHeaders })
      }
      if (postmark.basicAuth !== undefined) {
        return PostmarkWebhooks.make({ ...common, basicAuth: postmark.basicAuth, header: postmark.header })
      }
      if (postmark.header !== undefined) return PostmarkWebhooks.make({ ...common, header: postmark.header })
      return undefined
    }
    case "twilio": {
      const twilio = webhooks?.twilio
      const authToken = twilio?.authToken ?? options.sms?.twilio?.authToken
      if (twilio === undefined || authToken === undefined) return undefined
      return Effect.succeed(
        TwilioWebhooks.make({
          authToken,
          ...(twilio.trustForwardedHeaders === undefined ? {} : { trustForwardedHeaders: twilio.trustForwardedHeaders })
        })
      )
    }
    case "vonage":
      return (
        webhooks?.vonage && Effect.succeed(VonageWebhooks.make({ signatureSecret: webhooks.vonage.signatureSecret }))
      )
  }
}

/** Every provider a configuration can receive webhooks from. @internal */
export const providers: ReadonlyArray<WebhookProvider> = ["stripe", "resend", "postmark", "twilio", "vonage"]

/**
 * Builds each configured source now (they are pure: secrets are checked, no
 * I/O), so a bad secret is a configuration error naming the field.
 *
 * @internal
 */
export const build = (
  options: Decoded
): {
  readonly sources: Partial<Record<WebhookProvider, Built>>
  readonly problems: ReadonlyArray<[string, string]>
} => {
  const sources: Partial<Record<WebhookProvider, Built>> = {}
  const problems: Array<[string, string]> = []
  for (const provider of providers) {
    const made = makeOne(provider, options)
    const given = options.webhooks?.[provider]
    if (given === undefined) continue
    if (made === undefined) {
      problems.push([`webhooks.${provider}.authToken`, "is missing (and sms.twilio.authToken is not set)"])
      continue
    }
    const result = Effect.runSync(Effect.result(made))
    if (Result.isFailure(result)) {
      problems.push([`webhooks.${provider}`, result.failure.reason.message])
      continue
    }
    sources[provider] = {
      source: result.success,
      options: {
        ...(given.maxBytes === undefined ? {} : { maxBytes: given.maxBytes }),
        ...(given.publicUrl === undefined ? {} : { publicUrl: given.publicUrl }),
        ...(given.trustForwardedHeaders === undefined ? {} : { trustForwardedHeaders: given.trustForwardedHeaders })
      }
    }
  }
  return { sources, problems }
}
