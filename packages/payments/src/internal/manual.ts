/**
 * A wedding-day charge that cannot complete now goes to an operator: it is
 * written straight into the dead letters (reason `ManualProcessingRequired`),
 * never into the outbox, so nothing charges it behind the operator's back.
 *
 * @internal
 */
import { Effect } from "effect"
import * as Correlation from "@wedsync/core/Correlation"
import type * as IntegrationError from "@wedsync/core/IntegrationError"
import type * as WeddingContext from "@wedsync/core/WeddingContext"
import * as DeadLetters from "@wedsync/durable/DeadLetters"

/**
 * Puts the charge straight into the dead letters, for an operator to process
 * by hand or replay under its key.
 *
 * @internal
 */
export const manual = (
  operation: string,
  key: string,
  provider: string,
  error: IntegrationError.IntegrationError,
  payload: unknown,
  wedding: WeddingContext.ResolvedWedding,
  now: number
) =>
  Effect.gen(function* () {
    const letters = yield* DeadLetters.DeadLetters
    const correlationId = (yield* Correlation.current) ?? key
    yield* letters.add(
      new DeadLetters.DeadLetter({
        id: key,
        service: "payment",
        operation,
        provider,
        providersTried: [provider],
        reason: "ManualProcessingRequired",
        errors: [DeadLetters.recordOf(error, now)],
        attempts: 1,
        payload,
        wedding: {
          weddingId: wedding.weddingId,
          weddingDate: wedding.weddingDate,
          vendorType: wedding.vendorType,
          criticality: wedding.criticality
        },
        correlationId,
        firstFailureAt: now,
        lastFailureAt: now,
        deadAt: now,
        status: "dead",
        replays: 0
      })
    )
  })
