/**
 * Sent, not sent, or maybe sent, for each email adapter against its
 * simulator: testkit's `DeliveryContract` runs every catalogue error and
 * every network fault. Resend's SDK folds a refused connection into the same
 * cause-less answer as a reset, so there a refusal is `maybeSent`.
 */
import { type Duration, Effect, type Layer, Redacted } from "effect"
import { EmailProvider, type IntegrationError } from "@wedsync/core"
import { DeliveryContract, Simulator } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { Postmark, Resend } from "../src/index.ts"

const message = new EmailProvider.EmailMessage({
  from: "WedSync <hello@wedsync.example>",
  to: "ana@example.com",
  subject: "Your tasting is tomorrow",
  text: "See you at 3 pm."
})

const failedSend = (layer: Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError>) =>
  Effect.runPromise(
    Effect.flip(
      Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (email) => email.send(message)).pipe(
        Effect.provide(layer)
      )
    )
  )

type Running = Simulator.Running<unknown, unknown>

DeliveryContract.suite({
  name: "Resend",
  start: () => Simulator.start(ResendSim.definition) as Promise<Running>,
  errors: ResendSim.errors,
  failedSend: (sim, baseUrl, timeout: Duration.Duration) =>
    failedSend(
      Resend.layer({ baseUrl, apiKey: Redacted.make((sim.credentials as ResendSim.Credentials).apiKey), timeout })
    )
})

DeliveryContract.suite({
  name: "Postmark",
  start: () => Simulator.start(PostmarkSim.definition, { seed: 5 }) as Promise<Running>,
  errors: PostmarkSim.errors,
  failedSend: (sim, baseUrl, timeout) =>
    failedSend(
      Postmark.layer({
        baseUrl,
        serverToken: Redacted.make((sim.credentials as PostmarkSim.Credentials).serverToken),
        timeout
      })
    )
})
