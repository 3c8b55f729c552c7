/**
 * What a store's driver said, in words an engineer can act on.
 *
 * Drivers wrap the system's reason in a generic message: sql-pg says
 * `PgConnection: Failed to connect` for a closed port and a wrong user alike
 * (the ECONNREFUSED or SQLSTATE sits in the reason's `cause`), node-redis's
 * `RedisError` has an empty message (the reason sits in
 * `cause.originalError`), node:sqlite says `unable to open database file`.
 * `describe` walks down to the root cause and says what it means; it never
 * returns an empty string and never repeats a password written in a URL.
 *
 * @internal
 */
import { StoreError } from "@wedsync/core/StoreError"

const systemCodes: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused: nothing listens on that port",
  ECONNRESET: "connection reset by the server",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed for now",
  EPIPE: "the server closed the connection",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "it is a directory",
  ENOSPC: "disk full",
  EDQUOT: "disk quota exceeded",
  ERR_SOCKET_BAD_PORT: "invalid port",
  ABORT_ERR: "aborted"
}

// PostgreSQL SQLSTATEs a misconfigured or struggling server answers with.
const sqlStates: Readonly<Record<string, string>> = {
  "28P01": "authentication failed: wrong password",
  "28000": "authentication failed: the role does not exist or may not log in",
  "3D000": "unknown database",
  "42501": "permission denied",
  "53100": "disk full",
  "53200": "the server is out of memory",
  "53300": "too many connections",
  "57P01": "the server is shutting down",
  "57P03": "the server is starting up or in recovery",
  "25006": "read-only transaction (a standby?)",
  "57014": "statement canceled (statement timeout)"
}

// SQLite primary result codes (node:sqlite's `errcode` & 0xff).
const sqliteCodes: Readonly<Record<number, string>> = {
  5: "the database is locked by another connection",
  8: "read-only: the file or its directory cannot be written",
  10: "disk I/O error",
  11: "the database file is corrupt",
  13: "disk full"
}

// Redis error replies start with a code word.
const redisReplies: ReadonlyArray<readonly [RegExp, string]> = [
  [/^WRONGPASS/, "authentication failed: wrong user name or password"],
  [/^NOAUTH/, "authentication required: the URL has no password"],
  [/^NOPERM/, "permission denied for this user"],
  [/DB index is out of range/, "unknown database: no such database number"],
  [/^READONLY/, "read-only: connected to a replica"],
  [/^OOM/, "Redis is out of memory (maxmemory)"],
  [/^MISCONF/, "Redis cannot write to disk"],
  [/^LOADING/, "Redis is still loading its data"]
]

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined

const text = (value: unknown): string | undefined => {
  const message = field(value, "message")
  if (typeof message === "string" && message.trim() !== "") return message.trim()
  if (typeof value === "string" && value.trim() !== "") return value.trim()
  return undefined
}

/** The wrapped error one level down: an SqlError's reason, a RedisError's cause, node-redis' original error. */
const inner = (error: unknown): unknown =>
  field(error, "reason") ?? field(error, "originalError") ?? field(error, "cause")

/** The chain from the outermost error to the root cause (cycles cut, 8 levels at most). */
export const chain = (error: unknown): ReadonlyArray<unknown> => {
  const seen: Array<unknown> = []
  let current = error
  while (current !== undefined && current !== null && !seen.includes(current) && seen.length < 8) {
    seen.push(current)
    current = inner(current)
  }
  return seen
}

/** Plain words for the codes found along the chain: errno, SQLSTATE, SQLite result code, Redis reply. */
export const meaning = (error: unknown): string | undefined => {
  for (const link of [...chain(error)].reverse()) {
    const code = field(link, "code")
    if (typeof code === "string") {
      const words = systemCodes[code] ?? sqlStates[code]
      if (words !== undefined) return words
    }
    const errcode = field(link, "errcode")
    if (typeof errcode === "number") {
      const words = sqliteCodes[errcode & 0xff]
      if (words !== undefined) return words
    }
    const message = text(link)
    if (message !== undefined) {
      for (const [pattern, words] of redisReplies) if (pattern.test(message)) return words
    }
  }
  return undefined
}

/** Hides the password of `scheme://user:password@host` wherever a driver repeats a URL. */
export const scrub = (words: string): string => words.replace(/(\b[a-z][\w+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, "$1***@")

/**
 * The driver's message and its root cause with their meaning, e.g.
 * `PgConnection: Failed to connect: connect ECONNREFUSED 127.0.0.1:5 (connection refused: …)`.
 * Never empty.
 */
export const describe = (error: unknown): string => {
  const messages: Array<string> = []
  for (const link of chain(error)) {
    const message = text(link)
    if (message !== undefined && !messages.some((known) => known.includes(message))) messages.push(message)
  }
  const words = meaning(error)
  const said = messages.join(": ")
  const tag = field(error, "_tag")
  const base =
    said !== ""
      ? said
      : `${typeof tag === "string" ? tag : error instanceof Error ? error.name : "error"} without a message`
  return scrub(words === undefined || base.toLowerCase().includes(words.toLowerCase()) ? base : `${base} (${words})`)
}

/** Wraps any store failure as a `StoreError` whose cause is {@link describe}'s words. */
export const storeError =
  (operation: string) =>
  (cause: unknown): StoreError =>
    new StoreError({ operation, cause: describe(cause) })

/** The longest a Node timer can wait (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const maxTimerMillis = 2_147_483_647
