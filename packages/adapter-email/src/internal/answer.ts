/**
 * What both email adapters read from an HTTP answer the same way: the
 * Retry-After header (core's `RetryAfter.parse`), and text that must not
 * carry a secret.
 *
 * @internal
 */
import { Redaction, RetryAfter } from "@wedsync/core"

/**
 * Retry-After as delta seconds or an HTTP date: core's one reading of it.
 *
 * @internal
 */
export const parseRetryAfter: typeof RetryAfter.parse = RetryAfter.parse

/**
 * `text` with every secret replaced — the adapter's own, and anything
 * `Redaction` knows as one — so a provider that echoes a key back cannot leak
 * it into an error.
 *
 * @internal
 */
export const scrub = (text: string | undefined, secrets: ReadonlyArray<string>): string | undefined =>
  text === undefined
    ? undefined
    : Redaction.redactText(
        secrets.reduce(
          (result, secret) => (secret.length === 0 ? result : result.split(secret).join(Redaction.REDACTED)),
          text
        )
      )
