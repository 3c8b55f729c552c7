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
 *
 * A passive checkpoint alone never lets the log start over under steady
 * writes: SQLite rewinds the log only for a write that begins when every frame
 * is already in the database file, and with commits every few milliseconds a
 * checkpoint never finishes before the next one lands. The log then grew to
 * the backstop, whose checkpoint ran inside a COMMIT on the loop for 20–36 ms
 * about once a second (the webhook ingestion bench's p99). So once the log
 * holds `restartPages` the thread follows its passive pass with a `RESTART`
 * checkpoint: it waits (off the loop, up to `restartWaitMillis`) for a gap
 * between two of the loop's transactions, copies the few frames written since
 * the passive pass and syncs, holding the write lock for a millisecond or two,
 * so that the next write starts the log over. A loop connection that meets
 * the held lock waits a moment on its thread and then on its fiber
 * (`connection.ts`). Should the thread fall behind or die, the loop's
 * connection still checkpoints itself past `backstopPages`. What a checkpoint
 * guarantees does not change: the log stays the record until its frames are
 * in the database file.
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

/** Log pages past which the thread makes the log start over (about 8 MB of 4 KB pages). @internal */
export const restartPages = 2_000

/** How long the thread waits for a gap between the loop's transactions to restart the log. @internal */
export const restartWaitMillis = 50

/** Log pages past which the connection on the loop checkpoints anyway (about 40 MB of 4 KB pages). @internal */
export const backstopPages = 10_000

// CommonJS: an `eval` worker. It stops when told to (or when its parent exits: it is unref'd).
const source = `
const { parentPort, workerData } = require("node:worker_threads")
const { DatabaseSync } = require("node:sqlite")
const db = new DatabaseSync(workerData.filename)
// Only RESTART waits on it: a PASSIVE checkpoint never calls the busy handler.
db.exec("PRAGMA busy_timeout = " + workerData.restartWaitMillis)
db.exec("PRAGMA synchronous = " + workerData.synchronous)
const passive = db.prepare("PRAGMA wal_checkpoint(PASSIVE)")
const restart = db.prepare("PRAGMA wal_checkpoint(RESTART)")
const checkpoint = () => {
  try {
    // { busy, log, checkpointed }: frames in the log and how many of them are in the database now
    if (passive.get().log >= workerData.restartPages) restart.get()
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
          workerData: { ...options, restartPages, restartWaitMillis },
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
