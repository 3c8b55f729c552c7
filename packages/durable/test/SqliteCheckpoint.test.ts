/**
 * `Sqlite`'s background checkpoints under steady writes: the log starts over
 * once it holds `restartPages`, instead of growing to the backstop whose
 * checkpoint would run inside a COMMIT on the event loop.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as Sqlite from "../src/Sqlite.ts"
import { backstopPages, restartPages } from "../src/internal/sqlite/checkpointer.ts"

const directory = mkdtempSync(join(tmpdir(), "wedsync-checkpoint-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const PAGE = 4096
/** The WAL header's checkpoint sequence number: how many times the log has started over. */
const restarts = (wal: string) => {
  const header = Buffer.alloc(16)
  const fd = openSync(wal, "r")
  try {
    readSync(fd, header, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  return header.readUInt32BE(12)
}

describe("Sqlite background checkpoints", () => {
  it.live(
    "start the log over once it holds restartPages, while commits keep landing every few milliseconds",
    () => {
      const filename = join(directory, "steady.sqlite")
      return Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE inbox (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`
        const body = "x".repeat(3_000)
        let written = 0
        // Rounds of 50 concurrent inserts (one group COMMIT each), as 50 webhooks at a time, until the log
        // has started over or has taken in 90 % of the backstop's worth (where the old thread still had not).
        while (restarts(`${filename}-wal`) === 0 && written < backstopPages * PAGE * 0.9) {
          yield* Effect.forEach(
            Array.from({ length: 50 }, () => body),
            (text) => sql`INSERT INTO inbox (body) VALUES (${text})`,
            { concurrency: "unbounded", discard: true }
          )
          written += 50 * body.length
          yield* Effect.sleep("1 millis")
        }
        assert.isAtLeast(restarts(`${filename}-wal`), 1, `no restart after ${written} bytes`)
        // It started over near restartPages: the file is the longest the log got, far short of the backstop.
        assert.isBelow(statSync(`${filename}-wal`).size, (restartPages * 3 * PAGE + backstopPages * PAGE) / 2)
      }).pipe(Effect.provide(Sqlite.layer({ filename })))
    },
    30_000
  )
})
