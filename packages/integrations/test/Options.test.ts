/**
 * The configuration is checked up front: a bad field is a thrown
 * `ConfigError` (`_tag`, `field`, every issue) whose words never carry a
 * secret, whether the field is missing, mistyped, misspelt, refused by an
 * adapter's own check (a Stripe webhook secret without `whsec_`) or by
 * core's policy rules.
 */
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import { ConfigError, createIntegrations, type Options } from "../src/index.ts"

const SECRET = "sk_test_51SuperSecretValue0000"

const thrown = (options: unknown): ConfigError => {
  try {
    createIntegrations(options as Options.Options)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error("createIntegrations did not throw")
}

const expectClean = (error: ConfigError, ...secrets: ReadonlyArray<string>) => {
  const printed = `${error.message}\n${JSON.stringify(error)}\n${inspect(error)}\n${String(error)}`
  for (const secret of secrets) expect(printed).not.toContain(secret)
}

describe("createIntegrations refuses a bad configuration", () => {
  it("names a missing store", () => {
    const error = thrown({ stripe: { secretKey: SECRET } })
    expect(error._tag).toBe("IntegrationsConfigError")
    expect(error.field).toBe("store")
    expectClean(error, SECRET)
  })

  it("names an empty secret and every other bad field", () => {
    const error = thrown({
      store: { sqlite: "x.db" },
      email: { from: "not an address", resend: { apiKey: "  " } },
      stripe: { secretKey: SECRET, baseUrl: "ftp://stripe" }
    })
    expect(error.issues.map((issue) => issue.field)).toEqual(["email.from", "email.resend.apiKey", "stripe.baseUrl"])
    expect(error.message).toContain("email.resend.apiKey: must not be empty")
    expectClean(error, SECRET)
  })

  it("names a misspelt field without printing its value", () => {
    const error = thrown({ store: { sqlite: "x.db" }, stripe: { secretKey: SECRET, secretkey: SECRET } })
    expect(error.field).toBe("stripe.secretkey")
    expectClean(error, SECRET)
  })

  it("names a secret given as something other than text without printing it", () => {
    const error = thrown({ store: { sqlite: "x.db" }, stripe: { secretKey: 4_242_424_242 } })
    expect(error.field).toBe("stripe.secretKey")
    expect(error.message).not.toContain("4242424242")
  })

  it("needs a provider for a channel", () => {
    expect(thrown({ store: { sqlite: "x.db" }, sms: { from: "+15005550006" } }).message).toContain(
      "give twilio, vonage or both"
    )
  })

  it("names a webhook secret the adapter refuses, without printing it", () => {
    const error = thrown({ store: { sqlite: "x.db" }, webhooks: { stripe: { secrets: [SECRET] } } })
    expect(error.field).toBe("webhooks.stripe")
    expect(error.message).toContain("whsec_")
    expectClean(error, SECRET)
  })

  it("names a password in a store URL never", () => {
    const error = thrown({ store: { postgres: "mysql://app:hunter2secret@db/wedsync" } })
    expect(error.field).toBe("store.postgres")
    expect(error.issues).toHaveLength(1)
    expectClean(error, "hunter2secret")
  })

  it("checks policy overrides against the providers configured", () => {
    const error = thrown({
      store: { sqlite: "x.db" },
      stripe: { secretKey: SECRET },
      policies: { providers: { strpe: { timeoutMillis: 5_000 } } }
    })
    expect(error.field).toBe("policies.providers.strpe")
    expect(error.message).toContain('did you mean "stripe"')
  })

  it("refuses a webhook handler that is not a function", () => {
    const error = thrown({
      store: { sqlite: "x.db" },
      webhooks: { stripe: { secrets: ["whsec_abc"], on: { "payment_intent.succeeded": "confirm" } } }
    })
    expect(error.field).toBe("webhooks.stripe.on.payment_intent.succeeded")
  })
})
