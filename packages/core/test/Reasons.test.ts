/**
 * The reason union and its families: every reason's class says the family the
 * table gives its tag, and each family fixes retry and failover the same way.
 * `Disabled` is the operator's family: fails over, never retried, refused unmade.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Schema } from "effect"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"

const everyReason: ReadonlyArray<IntegrationError.Reason> = [
  new IntegrationError.RateLimited({}),
  new IntegrationError.Unavailable({}),
  new IntegrationError.TimedOut({ timeout: Duration.seconds(1) }),
  new IntegrationError.CircuitOpen({ key: "email:resend" }),
  new IntegrationError.BulkheadFull({ key: "email:resend", limit: 1, queue: 0 }),
  new IntegrationError.Unauthorized({}),
  new IntegrationError.Misconfigured({}),
  new IntegrationError.Disabled({ overrideId: "ovr_1", description: "disabled by ana@wedsync: INC-42" }),
  new IntegrationError.Rejected({}),
  new IntegrationError.InvalidRequest({}),
  new IntegrationError.SignatureInvalid({}),
  new IntegrationError.PayloadInvalid({})
]

// What each family means for the call path and failover.
const rules: Record<IntegrationError.Family, { readonly retryable: boolean; readonly failover: boolean }> = {
  transient: { retryable: true, failover: true },
  provider: { retryable: false, failover: true },
  operator: { retryable: false, failover: true },
  request: { retryable: false, failover: false },
  webhook: { retryable: false, failover: false }
}

describe("IntegrationError reasons", () => {
  it("the list above is every reason tag", () => {
    assert.deepStrictEqual(
      everyReason.map((reason) => reason._tag).sort(),
      [...IntegrationError.ReasonTag.literals].sort()
    )
  })

  for (const reason of everyReason) {
    it(`${reason._tag}: its class and familyOf agree, and its family fixes retry and failover`, () => {
      assert.strictEqual(IntegrationError.familyOf(reason._tag), reason.family)
      assert.strictEqual(reason.isRetryable, rules[reason.family].retryable)
      assert.strictEqual(reason.canFailover, rules[reason.family].failover)
    })
  }

  it("Disabled is the operator's family: fails over, not retried, refused before the provider", () => {
    const error = IntegrationError.make(
      "resend",
      "send",
      new IntegrationError.Disabled({ overrideId: "ovr_1", description: "disabled by ana@wedsync: INC-42" })
    )
    assert.strictEqual(error.family, "operator")
    assert.strictEqual(IntegrationError.familyOf("Disabled"), "operator")
    assert.isTrue(error.canFailover)
    assert.isFalse(error.isRetryable)
    assert.isTrue(error.refusedLocally)
    assert.strictEqual(error.message, "resend.send: disabled by ana@wedsync: INC-42")
    assert.strictEqual(new IntegrationError.Disabled({}).message, "disabled by an operator")
  })

  it("Disabled round-trips through the error's schema", () => {
    const error = IntegrationError.make("twilio", "send", new IntegrationError.Disabled({ overrideId: "ovr_2" }), {
      providerCode: "wedsync.override.disabled",
      correlationId: "corr_1"
    })
    const codec = Schema.toCodecJson(IntegrationError.IntegrationError)
    const back = Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(error))
    assert.strictEqual(back.reason._tag, "Disabled")
    assert.strictEqual(back.reason._tag === "Disabled" ? back.reason.overrideId : undefined, "ovr_2")
    assert.strictEqual(back.family, "operator")
  })

  it("the policy's reason schema keeps step with the union: a deferred rule may name Disabled", () => {
    assert.include(Policy.ReasonTag.literals, "Disabled")
    assert.isTrue(Schema.is(IntegrationError.ReasonTag)("Disabled"))
    // No default rule retries it: the outbox holds disabled work instead.
    for (const service of Policy.ServiceType.literals) {
      const covered = Policy.defaults[service].deferred.rules.flatMap((rule) => rule.reasons)
      assert.notInclude(covered, "Disabled")
    }
  })
})
