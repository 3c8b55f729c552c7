/**
 * The engine builds open-circuit rejections without the Schema constructor
 * (src/internal/trusted.ts). What it builds must be indistinguishable, to every
 * caller, from an `IntegrationError` constructed the ordinary way.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Equal, Hash, Schema } from "effect"
import * as IntegrationError from "../src/IntegrationError.ts"
import { circuitOpen } from "../src/internal/trusted.ts"

const constructed = (retryAfterMillis: number, correlationId: string | undefined) =>
  new IntegrationError.IntegrationError({
    provider: "resend",
    operation: "send",
    reason: new IntegrationError.CircuitOpen({ key: "email:resend", retryAfter: Duration.millis(retryAfterMillis) }),
    ...(correlationId === undefined ? {} : { correlationId })
  })

const encode = Schema.encodeUnknownSync(IntegrationError.IntegrationError)

describe("circuitOpen (trusted construction)", () => {
  for (const correlationId of ["corr_42", undefined]) {
    describe(correlationId === undefined ? "without a correlation id" : "with a correlation id", () => {
      const trusted = circuitOpen("resend", "send", "email:resend", 1_500, correlationId)
      const expected = constructed(1_500, correlationId)

      it("is structurally equal to a constructed error, and hashes the same", () => {
        assert.isTrue(Equal.equals(trusted, expected))
        assert.isTrue(Equal.equals(expected, trusted))
        assert.isTrue(Equal.equals(trusted.reason, expected.reason))
        assert.strictEqual(Hash.hash(trusted), Hash.hash(expected))
      })

      it("is not equal to one with a different retryAfter or key", () => {
        assert.isFalse(Equal.equals(trusted, constructed(1_501, correlationId)))
        assert.isFalse(Equal.equals(trusted, circuitOpen("resend", "send", "email:postmark", 1_500, correlationId)))
      })

      it("encodes exactly as a constructed error", () => {
        assert.deepStrictEqual(encode(trusted), encode(expected))
      })

      it("is an instance of both classes and an Error", () => {
        assert.instanceOf(trusted, IntegrationError.IntegrationError)
        assert.instanceOf(trusted, Error)
        assert.instanceOf(trusted.reason, IntegrationError.CircuitOpen)
        assert.isTrue(IntegrationError.isIntegrationError(trusted))
        assert.strictEqual(trusted._tag, "IntegrationError")
        assert.strictEqual(trusted.reason._tag, "CircuitOpen")
      })

      it("answers the same fields, getters and message", () => {
        assert.strictEqual(trusted.provider, "resend")
        assert.strictEqual(trusted.operation, "send")
        assert.strictEqual(trusted.correlationId, correlationId)
        assert.strictEqual(trusted.status, undefined)
        assert.isTrue(trusted.isRetryable)
        assert.isTrue(trusted.canFailover)
        assert.strictEqual(trusted.family, "transient")
        assert.strictEqual(trusted.isRetryable, expected.isRetryable)
        assert.strictEqual(trusted.canFailover, expected.canFailover)
        assert.strictEqual(trusted.message, expected.message)
        assert.strictEqual(trusted.message, "resend.send: circuit email:resend is open")
        assert.strictEqual(trusted.name, expected.name)
        assert.strictEqual(Duration.toMillis(trusted.retryAfter!), 1_500)
        assert.include(trusted.stack ?? "", "circuit email:resend is open")
      })

      // `stack` must stay non-enumerable as on a constructed Error, or it leaks into logs and spreads
      it("has the same enumerable own fields, so it serializes like a constructed error", () => {
        assert.deepStrictEqual(Object.keys(trusted).sort(), Object.keys(expected).sort())
        assert.deepStrictEqual(Object.keys(trusted.reason).sort(), Object.keys(expected.reason).sort())
        assert.strictEqual(JSON.stringify(trusted), JSON.stringify(expected))
      })
    })
  }
})
