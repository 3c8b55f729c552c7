/**
 * `Redaction`: secrets found by name and by value. Each known format on its
 * own; then properties over generated secrets (every format, in text, in JSON
 * text, in nested objects, under innocuous names) — none survives, the parts
 * around it do, and redacting twice changes nothing — and over innocuous
 * values (emails, wedding ids, UUIDs, phone numbers, dates, plain URLs) that
 * must come through unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import * as fc from "fast-check"
import * as Redaction from "../src/Redaction.ts"

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const HEX = "0123456789abcdef"
const B64URL = `${ALNUM}-_`
// what a URL's userinfo may hold unescaped besides letters and digits (RFC 3986), ":" and "@" included
const USERINFO = `${ALNUM}-._~!$&'()*+,;=%:@`
const PASSWORD = `${ALNUM}!@#$%^*()-_+=.~:/?'`

/** `length` characters of `alphabet` from a seeded generator: random-looking even when fast-check shrinks. */
const seeded = (alphabet: string, min: number, max = min) =>
  fc.tuple(fc.integer(), fc.integer({ min, max })).map(([seed, length]) => {
    let state = seed | 0
    let out = ""
    for (let i = 0; i < length; i++) {
      state = (state + 0x6d2b79f5) | 0
      let t = Math.imul(state ^ (state >>> 15), 1 | state)
      t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
      out += alphabet[((t ^ (t >>> 14)) >>> 0) % alphabet.length]
    }
    return out
  })

/** A random token that mixes cases and digits, as issued keys do. */
const token = (min: number, max = min) =>
  seeded(ALNUM, min - 2, max - 2).map((body) => `${body.slice(0, 3)}7Q${body.slice(3)}`)

const b64url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "")

/** A secret as it appears (`text`, or `entries` of one object), what must vanish and what must stay. */
interface Case {
  readonly kind: string
  readonly secret: string
  readonly text: string
  readonly entries?: Readonly<Record<string, string>>
  readonly kept?: ReadonlyArray<string>
}

const url = fc
  .record({
    scheme: fc.constantFrom("https", "http", "postgres", "postgresql", "redis", "rediss", "amqps", "mongodb+srv"),
    user: seeded(ALNUM, 3, 12),
    password: seeded(USERINFO, 12, 40),
    host: fc.constantFrom("db.internal:5432", "api.example.com", "10.0.0.7", "[::1]:6379"),
    path: fc.constantFrom("", "/", "/wedsync?sslmode=require", "/hooks/in#top")
  })
  .map(
    ({ scheme, user, password, host, path }): Case => ({
      kind: "url",
      secret: password,
      text: `${scheme}://${user}:${password}@${host}${path}`,
      kept: [`${scheme}://${user}:`, `@${host}${path}`]
    })
  )

const cases: fc.Arbitrary<Case> = fc.oneof(
  fc
    .tuple(token(16, 64), fc.constantFrom("Bearer ", "bearer ", "Authorization: Bearer "))
    .map(([value, prefix]): Case => ({ kind: "bearer", secret: value, text: `${prefix}${value}` })),
  fc.tuple(seeded(ALNUM, 3, 12), seeded(PASSWORD, 10, 30)).map(([user, password]): Case => {
    const encoded = btoa(`${user}:${password}`)
    return { kind: "basic", secret: encoded, text: `Authorization: Basic ${encoded}` }
  }),
  url,
  token(20, 40).map(
    (value): Case => ({
      kind: "url token",
      secret: value,
      text: `https://${value}@github.com/wedsync/app.git`,
      kept: ["@github.com/wedsync/app.git"]
    })
  ),
  seeded(PASSWORD, 12, 30).map(
    (password): Case => ({
      kind: "connection string",
      secret: password,
      text: `Host=db;Port=5432;Username=app;Password=${password};SSL Mode=Require`,
      kept: ["Username=app;Password="]
    })
  ),
  fc.tuple(token(20, 40), fc.constantFrom("api_key", "access_token", "client_secret", "pwd")).map(
    ([value, name]): Case => ({
      kind: "query",
      secret: value,
      text: `https://api.example.com/v1/send?${name}=${value}&to=ana`,
      kept: ["https://api.example.com/v1/send?", "&to=ana"]
    })
  ),
  fc.tuple(token(12, 30), seeded(HEX, 8, 8), seeded(ALNUM, 24, 24)).map(([body, a, b]): Case => {
    const value = `re_${a.slice(0, 7)}1_${b}`
    return { kind: "resend", secret: value, text: `resend key ${value} was refused ${body.length}` }
  }),
  fc
    .tuple(fc.constantFrom("sk_live_", "sk_test_", "rk_live_", "rk_test_"), token(24, 99))
    .map(([prefix, body]): Case => ({ kind: "stripe", secret: `${prefix}${body}`, text: `${prefix}${body}` })),
  seeded(`${ALNUM}+/`, 32, 44).map((body): Case => ({ kind: "whsec", secret: body, text: `whsec_${body}` })),
  seeded(HEX, 32).map((body): Case => ({ kind: "twilio SK", secret: `SK${body}`, text: `SK${body}` })),
  fc
    .tuple(seeded(HEX, 32), seeded(HEX, 32), fc.boolean())
    .filter(([sid, secret]) => sid !== secret)
    .map(
      ([sid, secret, tokenFirst]): Case => ({
        kind: "twilio pair",
        secret,
        text: tokenFirst ? `${secret}, AC${sid}` : `AC${sid}:${secret}`,
        entries: tokenFirst ? { value: secret, account: `AC${sid}` } : { account: `AC${sid}`, value: secret },
        kept: [`AC${sid}`]
      })
    ),
  fc.tuple(fc.uuid(), fc.constantFrom("X-Postmark-Server-Token: ", "postmark server token ", "serverToken=")).map(
    ([uuid, prefix]): Case => ({
      kind: "postmark",
      secret: uuid,
      text: `${prefix}${uuid}`,
      entries: { postmark: uuid }
    })
  ),
  fc
    .tuple(seeded(ALNUM, 3, 20), fc.integer({ min: 0, max: 2 ** 31 }), seeded(B64URL, 20, 86))
    .map(([subject, issued, signature]): Case => {
      const value = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify({ sub: subject, iat: issued }))}.${signature}`
      return { kind: "jwt", secret: value, text: value }
    }),
  fc.tuple(fc.constantFrom("signingKey", "x-auth", "sessionKey", "accessKey", "hmac_salt"), token(20, 64)).map(
    ([name, value]): Case => ({
      kind: "key-like",
      secret: value,
      text: `${name}=${value}`,
      entries: { [name]: value }
    })
  ),
  seeded(`${ALNUM}+/`, 64, 200).map(
    (body): Case => ({
      kind: "pem",
      secret: body,
      text: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`
    })
  ),
  fc
    .tuple(fc.constantFrom("ghp_", "github_pat_", "xoxb-", "AIza", "SG."), seeded(ALNUM, 35), seeded(ALNUM, 22))
    .map(([prefix, body, more]): Case => {
      const value = prefix === "SG." ? `SG.${more}.${body}` : `${prefix}${body}`
      return { kind: "vendor", secret: value, text: value }
    })
)

const prose = fc.constantFrom(
  "Ceremony at 3pm",
  "ana@example.com",
  "+447700900123",
  "wedding w_123",
  "resend answered 401",
  "see https://wedsync.example/help",
  "3fa85f64-5717-4562-b3fc-2c963f66afa6"
)
const separator = fc.constantFrom(" ", ", ", "; ", "\n", " | ", "\t")

/** Where a secret is put, and which of the parts around it the result must still show. */
type Place = (item: Case) => fc.Arbitrary<{ readonly value: unknown; readonly kept: ReadonlyArray<string> }>
const places: ReadonlyArray<Place> = [
  (item) =>
    fc
      .tuple(prose, separator, prose)
      .map(([a, s, b]) => ({ value: `${a}${s}${item.text}${s}${b}`, kept: item.kept ?? [] })),
  (item) => fc.constant({ value: JSON.stringify({ request: { note: item.text, to: "ana@example.com" } }), kept: [] }),
  (item) => fc.constant({ value: item.text, kept: item.kept ?? [] }),
  (item) =>
    fc.constant(
      item.entries === undefined
        ? { value: { note: item.text }, kept: item.kept ?? [] }
        : {
            value: item.entries,
            kept: (item.kept ?? []).filter((part) => Object.values(item.entries ?? {}).includes(part))
          }
    ),
  (item) => fc.constant({ value: { apiKey: item.secret }, kept: [] })
]
const wraps: ReadonlyArray<(value: unknown) => unknown> = [
  (value) => value,
  (value) => ({ meta: value }),
  (value) => [value],
  (value) => ({ lines: [{ n: 1, text: value }] }),
  (value) => new Map([["extra", value]])
]

const placed = cases.chain((item) =>
  fc
    .tuple(fc.constantFrom(...places), fc.constantFrom(...wraps))
    .chain(([place, wrap]) => place(item).map(({ value, kept }) => ({ item, kept, value: wrap(value) })))
)

const payload = fc.array(placed, { minLength: 1, maxLength: 4 }).map((items) => ({
  items: items.map(({ item, kept }) => ({ ...item, kept })),
  payload: {
    to: "ana@example.com",
    phone: "+447700900123",
    weddingId: "w_123",
    body: Object.fromEntries(items.map(({ value }, index) => [`field${index}`, value]))
  }
}))

describe("Redaction.redactText", () => {
  const examples: ReadonlyArray<readonly [string, string]> = [
    [
      "GET https://app:pw@api.example.com with Authorization: Bearer abc.123",
      "GET https://app:<redacted>@api.example.com with Authorization: <redacted>"
    ],
    ["resend answered 401 for key re_9xK2mQ4v_8bFhT3sLw1nYz", "resend answered 401 for key <redacted>"],
    ["postgres://u:p@ss@db:5432/x?password=zz", "postgres://u:<redacted>@db:5432/x?password=<redacted>"],
    ["redis://:s3cret@cache:6379/0", "redis://:<redacted>@cache:6379/0"],
    ["Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: <redacted>"],
    ["sent with bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "sent with bearer <redacted>"],
    [
      '{"apiKey":"abc","to":"x","client_secret":"p q"}',
      '{"apiKey":"<redacted>","to":"x","client_secret":"<redacted>"}'
    ],
    ['body {\\"password\\":\\"hunter2\\",\\"ok\\":1}', 'body {\\"password\\":\\"<redacted>\\",\\"ok\\":1}'],
    ["X-Postmark-Server-Token: 3fa85f64-5717-4562-b3fc-2c963f66afa6", "X-Postmark-Server-Token: <redacted>"],
    [
      "AC0123456789abcdef0123456789abcdef:0123456789abcdef0123456789abcdef",
      "AC0123456789abcdef0123456789abcdef:<redacted>"
    ],
    [
      '{\\"account\\":\\"AC0123456789abcdef0123456789abcdef\\",\\"other\\":\\"0123456789abcdef0123456789abcdef\\"}',
      '{\\"account\\":\\"AC0123456789abcdef0123456789abcdef\\",\\"other\\":\\"<redacted>\\"}'
    ],
    [
      "sid=AC0123456789abcdef0123456789abcdef&auth=0123456789abcdef0123456789abcdef",
      "sid=AC0123456789abcdef0123456789abcdef&auth=<redacted>"
    ],
    ["sk_live_51HxYzABCDEFG and whsec_abcdefghijk12345", "<redacted> and <redacted>"],
    ["key SK0123456789abcdef0123456789abcdef", "key <redacted>"],
    ["Cookie: a=b; c=d\nnext line", "Cookie: <redacted>\nnext line"],
    ["signingKey=Zx81kLm2Qp93Vb7Rt5Wy", "signingKey=<redacted>"]
  ]
  it.each(examples)("%s", (text, expected) => {
    assert.strictEqual(Redaction.redactText(text), expected)
    assert.strictEqual(Redaction.redactText(expected), expected)
  })

  it("leaves words and identifiers that only resemble credentials", () => {
    const innocuous = [
      "ana@example.com, +447700900123, wedding w_123, 3fa85f64-5717-4562-b3fc-2c963f66afa6",
      "Basic information about the Basic Package; the bearer instrument",
      "mailto:ana@example.com https://example.com/?u=ana@example.com https://api.resend.com/emails",
      "AC0123456789abcdef0123456789abcdef sent 0123456789abcdef0123456789abcdef (a hash)",
      "idempotency key 3fa85f64-5717-4562-b3fc-2c963f66afa6 at 2026-06-12T09:00:00.000Z",
      "pk_live_51HxYzABCDEFG is publishable; re_send was retried"
    ]
    for (const text of innocuous) assert.strictEqual(Redaction.redactText(text), text)
  })

  it("takes time linear in the text, whatever it holds", () => {
    const units = ["a.", "a-", "a=", "a: ", '"key" ', "eyJa.", '\\"token', "token=", "Cookie: ", "Bearer ", "re_1"]
    units.push("https://", "x://a@", "a:a@", "-----BEGIN PRIVATE KEY-----", "AC0123456789abcdef0123456789abcdef:")
    for (const unit of units) {
      const text = unit.repeat(Math.ceil(100_000 / unit.length))
      const started = performance.now()
      Redaction.redactText(text)
      assert.isBelow(performance.now() - started, 1_000, `${JSON.stringify(unit)} repeated`)
    }
  })
})

describe("Redaction.redact", () => {
  it("scrubs by value in every string, keeping the rest of each", () => {
    assert.deepStrictEqual(
      Redaction.redact({
        to: "ana@example.com",
        headers: { "x-request": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl" },
        webhook: "https://hooks:pa55@example.com/in",
        twilio: ["AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"],
        note: "via postgres://app:s3cret@db:5432/wedsync"
      }),
      {
        to: "ana@example.com",
        headers: { "x-request": "Bearer <redacted>" },
        webhook: "https://hooks:<redacted>@example.com/in",
        twilio: ["AC0123456789abcdef0123456789abcdef", "<redacted>"],
        note: "via postgres://app:<redacted>@db:5432/wedsync"
      }
    )
  })

  it("redacts random values under key-like names, identifiers and plain values stay", () => {
    const uuid = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert.deepStrictEqual(
      Redaction.redact({
        signingKey: "Zx81kLm2Qp93Vb7Rt5Wy",
        postmark: uuid,
        sessionKey: uuid,
        idempotencyKey: uuid,
        id: uuid,
        weddingId: "w_123",
        publicKey: "Zx81kLm2Qp93Vb7Rt5Wy",
        keyboard: "qwertyuiopasdfghjkl",
        accessLevel: "admin",
        sid: "AC0123456789abcdef0123456789abcdef",
        digest: "0123456789abcdef0123456789abcdef"
      }),
      {
        signingKey: "<redacted>",
        postmark: "<redacted>",
        sessionKey: "<redacted>",
        idempotencyKey: uuid,
        id: uuid,
        weddingId: "w_123",
        publicKey: "Zx81kLm2Qp93Vb7Rt5Wy",
        keyboard: "qwertyuiopasdfghjkl",
        accessLevel: "admin",
        sid: "AC0123456789abcdef0123456789abcdef",
        digest: "<redacted>"
      }
    )
  })

  it("still redacts by name: Redacted values and secret keys", () => {
    assert.deepStrictEqual(Redaction.redact({ apiKey: "re_123", token: Redacted.make("t"), to: "ana@example.com" }), {
      apiKey: "<redacted>",
      token: "<redacted>",
      to: "ana@example.com"
    })
    assert.deepStrictEqual(Redaction.redact({ "Bearer abcdef123456": 1 }), { "Bearer <redacted>": 1 })
  })

  it("no generated secret survives, wherever it is put; what surrounds it does; twice is once", () => {
    fc.assert(
      fc.property(payload, ({ items, payload }) => {
        const redacted = Redaction.redact(payload)
        const kept = JSON.stringify(redacted)
        for (const item of items) {
          assert.notInclude(kept, item.secret, item.kind)
          for (const part of item.kept ?? []) assert.include(kept, JSON.stringify(part).slice(1, -1), item.kind)
          assert.notInclude(Redaction.redactText(item.text), item.secret, item.kind)
        }
        assert.deepInclude(redacted, { to: "ana@example.com", phone: "+447700900123", weddingId: "w_123" })
        assert.deepStrictEqual(Redaction.redact(redacted), redacted)
      }),
      { numRuns: 500 }
    )
  })

  it("emails, wedding ids, UUIDs, phone numbers, dates and plain URLs come through unchanged", () => {
    const innocuous = fc.oneof(
      fc
        .tuple(seeded(`${ALNUM}.+-`, 1, 20), fc.constantFrom("example.com", "wedsync.co.uk"))
        .map(([l, d]) => `${l}@${d}`),
      fc.integer({ min: 1, max: 10 ** 9 }).map((n) => `w_${n}`),
      seeded("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26).map((ulid) => `wed_${ulid}`),
      fc.uuid(),
      fc.tuple(fc.integer({ min: 1, max: 9 }), seeded("0123456789", 7, 13)).map(([c, n]) => `+${c}${n}`),
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      fc.webUrl(),
      fc.constantFrom("Ceremony at 3pm", "£1,250.00 deposit", "Table 7: Ana & Bo", "reminder.email")
    )
    const names = fc.constantFrom("to", "id", "weddingId", "idempotencyKey", "correlationId", "phone", "url", "note")
    fc.assert(
      fc.property(
        fc.dictionary(names, innocuous, { maxKeys: 6 }),
        fc.array(innocuous, { maxLength: 6 }),
        (record, list) => {
          assert.deepStrictEqual(Redaction.redact(record), record)
          assert.deepStrictEqual(Redaction.redact(list), list)
          const text = list.join(" ")
          assert.strictEqual(Redaction.redactText(text), text)
        }
      ),
      { numRuns: 500 }
    )
  })
})
