/**
 * Secret scrubbing for what is kept or shown (dead-letter payloads and error
 * chains, audit details, quarantined requests, queue rows of failed work): a
 * secret is found by its name and by its value, and the result is plain JSON
 * data. Every store of the durable tier and every operator view scrubs
 * through here, so one rule decides what a secret looks like.
 *
 * - By name: values under secret-looking keys (`apiKey`, `password`,
 *   `Authorization`, `client_secret`, `cardNumber`…) and `Redacted` values.
 * - By value, in any string (`redactText`): bearer and basic credentials,
 *   the password (or lone user) of a URL or connection string (the rest of
 *   the URL is kept), `password=…` pairs, known key formats (Resend `re_…`,
 *   Stripe `sk_`/`rk_`, `whsec_…`, Twilio `SK…` and the auth token next to
 *   an `AC…` SID, SendGrid, GitHub, Slack, AWS and Google keys), JWTs and
 *   private-key blocks; a UUID or random-looking value next to a key-like
 *   name (a Postmark server token under `postmark`, `signingKey`, `x-auth`).
 *
 * An email address, a wedding id, a UUID on its own, a phone number or a
 * plain URL are left alone.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Redaction } from "@wedsync/core"
 *
 * Redaction.redact({ to: "ana@example.com", apiKey: "re_123", token: Redacted.make("t") })
 * // { to: "ana@example.com", apiKey: "<redacted>", token: "<redacted>" }
 * Redaction.redact({ to: "ana@example.com", note: "via postgres://app:s3cret@db:5432/wedsync" })
 * // { to: "ana@example.com", note: "via postgres://app:<redacted>@db:5432/wedsync" }
 * ```
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"

/** What a scrubbed secret reads as. @since 0.1.0 */
export const REDACTED = "<redacted>"

// "card" covers cardNumber, card_cvc...; api[-_]?key covers apiKey, api_key, x-api-key
const secretKey =
  /secret|token|password|passwd|api[-_]?key|authorization|cookie|card|cvc|cvv|credential|private[-_]?key/i

/**
 * Whether a property name looks like it holds a secret: its value is
 * redacted whatever it is.
 *
 * @example
 * ```ts
 * Redaction.isSecretKey("x-api-key") // true
 * ```
 * @since 0.1.0
 */
export const isSecretKey = (key: string): boolean => secretKey.test(key)

// Words that make a name key-like: its value is a secret when it looks random.
const keyWords = new Set([
  "key",
  "keys",
  "auth",
  "pass",
  "passphrase",
  "pwd",
  "sig",
  "signature",
  "session",
  "private",
  "access",
  "hmac",
  "salt",
  "bearer",
  "jwt",
  "postmark",
  "secret",
  "token",
  "credential",
  "credentials"
])
// Keys that are identifiers, not credentials: an idempotency key must replay unchanged.
const identifierWords = new Set([
  "idempotency",
  "dedupe",
  "dedup",
  "cache",
  "partition",
  "sort",
  "primary",
  "foreign",
  "routing",
  "public",
  "publishable"
])

const isKeyLikeName = (name: string): boolean => {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
  return words.some((word) => keyWords.has(word)) && !words.some((word) => identifierWords.has(word))
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const tokenLike = /^[A-Za-z0-9+/=_.~-]{16,4096}$/

const entropyBits = (value: string): number => {
  const counts = new Map<string, number>()
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1)
  let bits = 0
  for (const count of counts.values()) bits -= (count / value.length) * Math.log2(count / value.length)
  return bits
}

// A UUID, or 16+ token characters mixing letter cases or digits with ~3 bits of entropy per character.
const looksRandom = (value: string): boolean => {
  if (uuid.test(value)) return true
  if (!tokenLike.test(value)) return false
  const classes = Number(/[a-z]/.test(value)) + Number(/[A-Z]/.test(value)) + Number(/[0-9]/.test(value))
  return classes >= 2 && entropyBits(value) >= 3
}

const twilioSid = /^AC[0-9a-fA-F]{32}$/
const hex32 = /^[0-9a-fA-F]{32}$/

// Whole tokens in formats only a secret has.
const knownFormats = new RegExp(
  [
    String.raw`\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`, // JWT: base64url JSON header, payload, signature
    String.raw`\b[sr]k_(?:live|test)_[A-Za-z0-9]{8,}`, // Stripe secret and restricted keys
    String.raw`\bwhsec_[A-Za-z0-9+/=]{8,}`, // webhook signing secrets (Stripe, Svix, Resend)
    String.raw`\bre_(?=[A-Za-z0-9_]{0,64}[0-9])[A-Za-z0-9_]{10,}`, // Resend API keys
    String.raw`\bSK[0-9a-fA-F]{32}\b`, // Twilio API key SID
    String.raw`\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}`, // SendGrid
    String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`, // GitHub
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`, // Slack
    String.raw`\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{35}` // AWS access key id, Google API key
  ].join("|"),
  "g"
)

const pemHeader = /-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----/g

// A private key block, to its END line (or the end of the text when cut short): one pass, no backtracking.
const withoutPrivateKeys = (text: string): string => {
  let out = ""
  let from = 0
  pemHeader.lastIndex = 0
  for (let found = pemHeader.exec(text); found !== null; found = pemHeader.exec(text)) {
    const end = text.indexOf("-----END ", pemHeader.lastIndex)
    const close = end === -1 ? -1 : text.indexOf("-----", end + 9)
    out += `${text.slice(from, found.index)}${REDACTED}`
    from = close === -1 ? text.length : close + 5
    pemHeader.lastIndex = from
  }
  return from === 0 ? text : out + text.slice(from)
}

// scheme://user:password@ or scheme://token@ (greedy to the authority's last "@": passwords hold "@" unescaped)
const urlCredentials = /\b([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/)([^\s/?#"\\]{1,512})@/g

const withoutUrlPassword = (match: string, scheme: string, userinfo: string): string => {
  const colon = userinfo.indexOf(":")
  const secret = colon === -1 ? userinfo : userinfo.slice(colon + 1)
  if (secret === REDACTED || secret === "") return match
  return colon === -1 ? `${scheme}${REDACTED}@` : `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`
}

// An Account SID next to its auth token, either way round, maybe as two fields of JSON text
// (`"sid":"AC…","other":"…"`): the SID is an identifier, the token the secret.
const pairGap = String.raw`[\\"'\s:=,;&|/]{1,8}(?:[A-Za-z_][\w-]{0,30}\\?["']?[ \t]*[:=][ \t]*\\?["']?)?`
const twilioPair = new RegExp(String.raw`\b(AC[0-9a-fA-F]{32})(${pairGap})([0-9a-fA-F]{32})\b`, "g")
const twilioPairReversed = new RegExp(String.raw`\b([0-9a-fA-F]{32})(${pairGap})(AC[0-9a-fA-F]{32})\b`, "g")

const authScheme = /\b(Bearer|bearer|BEARER|Basic|basic|BASIC)([ \t]+)([A-Za-z0-9._~+/-]{6,}=*)/g

const decodesToUserPassword = (token: string): boolean => {
  try {
    return atob(token).includes(":")
  } catch {
    return false
  }
}

// "Bearer instrument" and "Basic Package" are words, not credentials
const isCredential = (scheme: string, token: string): boolean =>
  scheme.toLowerCase() === "basic" ? decodesToUserPassword(token) : !/^[a-z]{1,19}$/.test(token)

// a header line whose whole value is secret (a cookie holds several pairs)
const cookieLine = /^([ \t]*(?:set-)?cookie[ \t]*:[ \t]*)(.+)$/gim

const secretName = String.raw`[\w.-]{0,40}?(?:secret|token|password|passwd|pwd|api[-_ ]?key|authorization|credentials?|private[-_]?key|cookie|cvc|cvv)[\w.-]{0,40}(?: (?:key|token|id|value))?`
const secretPair = new RegExp(
  String.raw`(?<![\w./:@-])(\\?["']?)\b(${secretName})\1([ \t]*[:=][ \t]*)(\\"(?:[^"\\]|\\[^"]){0,4096}\\"|"(?:[^"\\]|\\.){0,4096}"|'[^']{0,4096}'|(?:Bearer|Basic|Token|Bot)[ \t]+[^\s"',;&\\]+|[^\s,;&{}[\]\\][^\s",;&{}[\]\\]*)`,
  "gi"
)

const quoted = (value: string): string =>
  value.startsWith('\\"') ? `\\"${REDACTED}\\"` : /^["']/.test(value) ? `${value[0]}${REDACTED}${value[0]}` : REDACTED

// name: value, name=value or "name" value, kept only when the name is key-like and the value looks random
const keyLikePair =
  /(?<![\w./:@-])(["']?)\b([A-Za-z][\w-]{0,40})\1((?:[ \t]*[:=][ \t]*|[ \t]+)["']?)([A-Za-z0-9+/_.~-]{16,4096}={0,2})(?![A-Za-z0-9+/=_.~-])/g

// Only a plain word names a value it is not joined to by ":" or "=" ("server token <uuid>"), and the
// word before a name can veto it: "idempotency key <uuid>" names an identifier.
const keyLikeValue = (
  match: string,
  quote: string,
  name: string,
  separator: string,
  value: string,
  offset: number,
  text: string
): string => {
  const before = /([A-Za-z]+)[ _-]$/.exec(text.slice(Math.max(0, offset - 24), offset))?.[1] ?? ""
  const named =
    (/[:=]/.test(separator) || /^[A-Za-z]+$/.test(name)) &&
    isKeyLikeName(name) &&
    !identifierWords.has(before.toLowerCase())
  return named && looksRandom(value) ? `${quote}${name}${quote}${separator}${REDACTED}` : match
}

// Each rule behind a cheap test that skips it on text it cannot match.
const rules: ReadonlyArray<readonly [worthTrying: RegExp, apply: (text: string) => string]> = [
  [/PRIVATE KEY/, withoutPrivateKeys],
  [/eyJ|_|SK|SG\.|xox|AKIA|AIza/, (text) => text.replace(knownFormats, REDACTED)],
  [/:\/\/[^@\s/?#]{0,512}@/, (text) => text.replace(urlCredentials, withoutUrlPassword)],
  [
    /AC[0-9a-fA-F]{32}/,
    (text) =>
      text
        .replace(twilioPair, (_: string, sid: string, gap: string) => `${sid}${gap}${REDACTED}`)
        .replace(twilioPairReversed, (_: string, _token: string, gap: string, sid: string) => `${REDACTED}${gap}${sid}`)
  ],
  [
    /bearer|basic/i,
    (text) =>
      text.replace(authScheme, (match: string, scheme: string, space: string, token: string) =>
        isCredential(scheme, token) ? `${scheme}${space}${REDACTED}` : match
      )
  ],
  [/cookie/i, (text) => text.replace(cookieLine, (_: string, name: string) => `${name}${REDACTED}`)],
  [
    /secret|token|passw|pwd|api[-_ ]?key|authorization|credential|private[-_]?key|cookie|cvc|cvv/i,
    (text) =>
      text.replace(
        secretPair,
        (_: string, quote: string, name: string, separator: string, value: string) =>
          `${quote}${name}${quote}${separator}${quoted(value)}`
      )
  ],
  [/[A-Za-z0-9+/_.~-]{16}/, (text) => text.replace(keyLikePair, keyLikeValue)]
]

/**
 * `text` with every secret it holds by value replaced by `"<redacted>"`:
 * for free text, error messages, log lines and stack traces. Idempotent.
 *
 * @example
 * ```ts
 * Redaction.redactText("GET https://app:pw@api.example.com with Authorization: Bearer abc.123")
 * // "GET https://app:<redacted>@api.example.com with Authorization: <redacted>"
 * Redaction.redactText("resend answered 401 for key re_9xK2mQ4v_8bFhT3sLw1nYz")
 * // "resend answered 401 for key <redacted>"
 * Redaction.redactText("ana@example.com, +447700900123, wedding w_123") // unchanged
 * ```
 * @since 0.1.0
 */
export const redactText = (text: string): string => {
  let out = text
  for (const [test, apply] of rules) {
    if (test.test(out)) out = apply(out)
  }
  return out
}

// Siblings of an Account SID that are 32 hex characters are its auth token.
const holdsTwilioSid = (values: ReadonlyArray<unknown>): boolean =>
  values.some((value) => typeof value === "string" && twilioSid.test(value))

const scrubEntry = (key: string | undefined, item: unknown, pairedSid: boolean, seen: WeakSet<object>): unknown => {
  if (key !== undefined && isSecretKey(key)) return REDACTED
  if (typeof item === "string") {
    if (pairedSid && hex32.test(item)) return REDACTED
    if (key !== undefined && isKeyLikeName(key) && looksRandom(item)) return REDACTED
  }
  return scrub(item, seen)
}

const scrub = (value: unknown, seen: WeakSet<object>): unknown => {
  if (Redacted.isRedacted(value)) return REDACTED
  if (value === null || value === undefined) return value
  switch (typeof value) {
    case "string":
      return redactText(value)
    case "bigint":
      return value.toString()
    case "function":
    case "symbol":
      return undefined
    case "object":
      break
    default:
      return value
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (seen.has(value)) return "<circular>"
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      const paired = holdsTwilioSid(value)
      return value.map((item) => scrubEntry(undefined, item, paired, seen) ?? null)
    }
    if (value instanceof Map) return scrub(Object.fromEntries(value), seen)
    if (value instanceof Set) return scrub([...value], seen)
    const entries = Object.entries(value)
    const paired = holdsTwilioSid(entries.map(([, item]) => item))
    const out: Record<string, unknown> = {}
    for (const [key, item] of entries) {
      const scrubbed = scrubEntry(key, item, paired, seen)
      if (scrubbed !== undefined) out[redactText(key)] = scrubbed
    }
    return out
  } finally {
    seen.delete(value)
  }
}

/**
 * A copy of `value` as JSON data with every secret replaced by
 * `"<redacted>"`: by name (values under secret-looking keys, `Redacted`
 * values, random-looking values under key-like names, the auth token beside
 * a Twilio Account SID) and by value (every string and property name goes
 * through {@link redactText}), nested objects and arrays included.
 * Idempotent: redacting a redacted value changes nothing.
 *
 * @example
 * ```ts
 * Redaction.redact({
 *   to: "ana@example.com",
 *   headers: { "x-request": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl" },
 *   webhook: "https://hooks:pa55@example.com/in",
 *   twilio: ["AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"]
 * })
 * // { to: "ana@example.com", headers: { "x-request": "Bearer <redacted>" },
 * //   webhook: "https://hooks:<redacted>@example.com/in",
 * //   twilio: ["AC0123456789abcdef0123456789abcdef", "<redacted>"] }
 * ```
 * @since 0.1.0
 */
export const redact = (value: unknown): unknown => scrub(value, new WeakSet())
export const __rules = rules
