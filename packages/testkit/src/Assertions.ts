/**
 * Assertions the contract suites make, for an adapter's own tests: the same
 * check, so an adapter's extra cases hold it to the suite's standard.
 *
 * @example
 * ```ts
 * import { Assertions } from "@wedsync/testkit"
 *
 * const error = yield* Effect.flip(source.verify(forged))
 * Assertions.expectNoSecrets(error, { secret: "whsec_…" })
 * ```
 *
 * @since 0.1.0
 */
import type { IntegrationError } from "@wedsync/core"
import * as Contract from "./internal/contract.ts"

/**
 * Fails the test when a secret of `credentials` (a string of six or more
 * characters under a secret-looking field name: key, token, secret, password…)
 * appears in `error`: its message, its string form, its JSON or its reason's.
 *
 * @example
 * ```ts
 * Assertions.expectNoSecrets(error, { apiKey: "re_test_123" })
 * ```
 * @since 0.1.0
 */
export const expectNoSecrets: (error: IntegrationError.IntegrationError, credentials: unknown) => void =
  Contract.expectNoSecrets
