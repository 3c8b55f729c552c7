/**
 * Fuzzing every source's verifier and decoder (Stripe, Resend, Postmark,
 * Twilio, Vonage, Google Calendar, Standard Webhooks) with fast-check:
 * - every genuine delivery (signed by the provider's simulator signer, or the
 *   `standardwebhooks` library, with arbitrary unicode and parameters named
 *   `__proto__`, `constructor`, `toString`) is accepted;
 * - a delivery changed after signing (its body, signature headers, or the
 *   URL where the URL is signed) is refused, or accepted as exactly the same
 *   event (a change the scheme does not see, such as a repeated parameter);
 * - garbage bodies and header sets are never accepted;
 * - nothing crashes (no defect, no thrown error), hangs, or shows a secret;
 * - the adapters' delivery-event decoders take any payload without a defect.
 *
 * `FUZZ_RUNS` sets the runs per property (default 2,000 here; the full run,
 * `node scripts/fuzz.ts`, uses 100,000).
 */
import { Cause, Effect, Exit, Option } from "effect"
import type { IntegrationError, WebhookSource } from "@wedsync/core"
import { Webhooks } from "@wedsync/testkit"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { canonical, cases, type FuzzCase, garbage, mutations, runs, type Sent } from "../scripts/fuzzCases.ts"

const RUNS = runs()
/** Longest one verification may take before it counts as a hang (generous: CI machines are loaded). */
const HANG_MS = 2_000
const TIMEOUT = 60_000 + RUNS * 10

interface Outcome {
  readonly event?: WebhookSource.WebhookEvent
  readonly error?: IntegrationError.IntegrationError
}

/** Verifies one delivery; throws on a defect, a hang or a secret in the refusal. */
const verify = (each: FuzzCase, sent: Sent, receivedAt: number): Outcome => {
  const request = Webhooks.toRequest(sent, { receivedAt })
  const started = performance.now()
  let exit: Exit.Exit<WebhookSource.WebhookEvent, IntegrationError.IntegrationError>
  try {
    exit = Effect.runSyncExit(each.source.verify(request))
  } catch (thrown) {
    throw new Error(`${each.provider}: verify threw ${String(thrown)}`)
  }
  const elapsed = performance.now() - started
  if (elapsed > HANG_MS) throw new Error(`${each.provider}: one verification took ${Math.round(elapsed)} ms`)
  if (Exit.isSuccess(exit)) return { event: exit.value }
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  if (error === undefined) throw new Error(`${each.provider}: a defect: ${Cause.pretty(exit.cause)}`)
  const shown = `${error.message}\n${JSON.stringify(error)}`
  for (const secret of each.secrets)
    if (shown.includes(secret)) throw new Error(`${each.provider}: a secret in a refusal`)
  return { error }
}

/** Runs the adapter's decoder; throws on a defect. */
const decodeWith = (each: FuzzCase, event: WebhookSource.WebhookEvent) => {
  if (each.decoder === undefined) return
  const exit = Effect.runSyncExit(each.decoder(event))
  if (Exit.isFailure(exit) && Option.isNone(Cause.findErrorOption(exit.cause))) {
    throw new Error(`${each.provider}: the decoder crashed: ${Cause.pretty(exit.cause)}`)
  }
}

const same = (left: WebhookSource.WebhookEvent, right: WebhookSource.WebhookEvent) =>
  canonical({ ...left, payload: left.payload }) === canonical({ ...right, payload: right.payload })

describe.each(cases())("fuzzing the $provider source", (each) => {
  it(
    `accepts every genuine delivery (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(each.genuine, (sent) => {
          const outcome = verify(each, sent, Date.now())
          if (outcome.event === undefined) throw new Error(`genuine refused: ${outcome.error?.message}`)
          decodeWith(each, outcome.event)
        }),
        { numRuns: RUNS }
      )
    },
    TIMEOUT
  )

  it(
    `refuses a delivery changed after signing, or accepts it as the very same event (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(each.genuine, mutations(each), (sent, changes) => {
          const receivedAt = Date.now()
          const original = verify(each, sent, receivedAt).event
          expect(original).toBeDefined()
          const changed = changes.reduce((delivery, change) => change(delivery), sent)
          const outcome = verify(each, changed, receivedAt)
          if (outcome.event !== undefined && !(each.same ?? same)(outcome.event, original!)) {
            throw new Error(
              `a changed delivery was accepted as another event: ${canonical(outcome.event).slice(0, 300)}`
            )
          }
        }),
        { numRuns: RUNS }
      )
    },
    TIMEOUT
  )

  it(
    `never accepts garbage bodies and header sets (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(garbage(each), (sent) => {
          const outcome = verify(each, sent, Date.now())
          if (outcome.event !== undefined)
            throw new Error(`garbage accepted: ${canonical(outcome.event).slice(0, 300)}`)
        }),
        { numRuns: RUNS }
      )
    },
    TIMEOUT
  )

  // Only the sources that decode delivery events have a decoder to fuzz (no test registered, none skipped).
  if (each.decoder !== undefined)
    it(
      `the decoder takes any payload without a defect (${RUNS} runs)`,
      () => {
        const event = fc.record({
          type: fc.string({ maxLength: 30 }),
          occurredAt: fc.option(fc.nat(), { nil: undefined }),
          payload: fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true, maxDepth: 3 }))
        })
        fc.assert(
          fc.property(event, ({ type, occurredAt, payload }) =>
            decodeWith(each, {
              provider: each.provider,
              id: "fuzz",
              type,
              ...(occurredAt === undefined ? {} : { occurredAt }),
              payload
            })
          ),
          { numRuns: RUNS }
        )
      },
      TIMEOUT
    )
})

describe("the fuzzing properties have teeth", () => {
  // A source that only checks that a signature header is there: the properties must catch it.
  const lax = (inner: FuzzCase): FuzzCase => ({
    ...inner,
    source: {
      provider: inner.provider,
      verify: (request) => {
        const id = request.headers["webhook-id"] ?? request.headers["svix-id"]
        const signed = request.headers["webhook-signature"] ?? request.headers["svix-signature"]
        if (id === undefined || signed === undefined) return inner.source.verify(request)
        let payload: unknown = null
        try {
          payload = JSON.parse(request.body)
        } catch {
          // a lax source takes any body
        }
        return Effect.succeed({ provider: inner.provider, id, type: "lax", payload })
      }
    }
  })

  it("a source that does not check the signature fails the changed-delivery property", () => {
    const standard = cases().find((each) => each.provider === "standard")!
    const broken = lax(standard)
    const result = fc.check(
      fc.property(broken.genuine, mutations(broken), (sent, changes) => {
        const receivedAt = Date.now()
        const original = verify(broken, sent, receivedAt).event!
        const outcome = verify(
          broken,
          changes.reduce((delivery, change) => change(delivery), sent),
          receivedAt
        )
        return outcome.event === undefined || same(outcome.event, original)
      }),
      { numRuns: 500 }
    )
    expect(result.failed).toBe(true)
  })
})
