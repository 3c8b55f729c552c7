/**
 * WAL checkpoints off the event loop, for `Sqlite.ts`.
 *
 * In WAL mode a commit appends to the log, and a checkpoint copies the log
 * back into the database file, with an fsync of each (`synchronous=NORMAL`
 * included). SQLite runs the checkpoint inside the COMMIT that takes the log
 * past `wal_autocheckpoint` pages (1000 by default); with `node:sqlite` that
 * COMMIT is on the event loop, which then stops for the copy and both fsyncs,
 * every few hundred rows of a busy inbox (about a fifth of its throughput in
 * the webhook ingestion bench).
 *
 * Here a worker thread, with its own connection to the same file and the same
 * `synchronous`, runs a `PASSIVE` checkpoint every `intervalMillis`: it takes
 * no lock that a writer or a reader waits for, and it never waits for one.
 * The loop's connection keeps checkpointing itself only past `backstopPages`,
 * should the worker fall behind or die. What a checkpoint guarantees does not
 * change: the log stays the record until its frames are in the database file.
 *
 * @internal
 */
import { Effect, type Scope } from "effect"
import { Worker } from "node:worker_threads"

/** @internal */
export interface Options {
  readonly filename: string
  readonly synchronous: string
  readonly intervalMillis: number
}

/** Log pages past which the connection on the loop checkpoints anyway (about 40 MB of 4 KB pages). @internal */
export const backstopPages = 10_000

// CommonJS: an `eval` worker. It stops when told to (or when its parent exits: it is unref'd).
const source = `
const { parentPort, workerData } = require("node:worker_threads")
const { DatabaseSync } = require("node:sqlite")
const db = new DatabaseSync(workerData.filename)
db.exec("PRAGMA busy_timeout = 0")
db.exec("PRAGMA synchronous = " + workerData.synchronous)
const checkpoint = () => {
  try {
    db.exec("PRAGMA wal_checkpoint(PASSIVE)")
  } catch {
    // busy or locked: the next tick tries again, and the backstop covers a worker that never can
  }
}
const timer = setInterval(checkpoint, workerData.intervalMillis)
parentPort.once("message", () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/**
 * Starts the checkpointing thread for the scope; closing the scope stops it
 * (a checkpoint under way finishes first). A thread that fails leaves the
 * backstop to checkpoint; `onFailure` is told why.
 *
 * @internal
 */
export const start = (options: Options, onFailure: (cause: unknown) => void): Effect.Effect<void, never, Scope.Scope> =>
  Effect.asVoid(
    Effect.acquireRelease(
      Effect.sync(() => {
        const worker = new Worker(source, {
          eval: true,
          workerData: options,
          // the database's thread needs little: keep its heap small
          resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 }
        })
        worker.on("error", onFailure)
        worker.unref()
        return worker
      }),
      (worker) =>
        Effect.callback<void>((resume) => {
          if (worker.threadId === -1) return resume(Effect.void)
          const timer = setTimeout(() => void worker.terminate(), 5_000)
          worker.once("exit", () => {
            clearTimeout(timer)
            resume(Effect.void)
          })
          worker.postMessage("stop")
        })
    )
  )
