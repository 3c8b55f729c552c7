/**
 * Why SQLite could not open a file, and which file names it must never get.
 *
 * node:sqlite reports only SQLite's code (`unable to open database file`) and
 * not the system's errno, so a missing directory, a directory the process
 * may not write into and a path that is a directory all read the same.
 * `whyNot` asks the file system the questions SQLite asked, in the same order,
 * and returns the first refusal in words. `refuse` rejects file names that
 * make SQLite open a database that silently is not durable.
 *
 * @internal
 */
import { accessSync, closeSync, constants, openSync, statSync, unlinkSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { meaning } from "../storeCauses.ts"

const said = (error: unknown): string => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined
  const words = meaning(error) ?? (error instanceof Error ? error.message : String(error))
  return code === undefined ? words : `${words}, ${code}`
}

const attempt = (check: () => void): unknown => {
  try {
    check()
    return undefined
  } catch (error) {
    return error
  }
}

const codeOf = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "code" in error ? error.code : undefined

/** Whether new files can be made in `directory`; asks the kernel itself when `access` cannot know (root, special file systems). */
const unwritable = (directory: string, path: string): string | undefined => {
  const refused =
    attempt(() => accessSync(directory, constants.W_OK | constants.X_OK)) ??
    attempt(() => {
      // SQLite creates the file (and, in WAL mode, -wal and -shm next to it): try what it tried
      const probe = `${path}.wedsync-probe-${process.pid}`
      closeSync(openSync(probe, "wx"))
      unlinkSync(probe)
    })
  return refused === undefined ? undefined : `the directory ${directory} is not writable (${said(refused)})`
}

/**
 * The system's reason why `filename` cannot be opened (read-write unless
 * `readonly`), or `undefined` when the file system sees no obstacle.
 *
 * @internal
 */
export const whyNot = (filename: string, readonly: boolean): string | undefined => {
  const path = resolve(filename)
  const directory = dirname(path)
  let stat: ReturnType<typeof statSync> | undefined
  const missing = attempt(() => {
    stat = statSync(path)
  })
  if (stat !== undefined) {
    if (stat.isDirectory()) return `${path} is a directory`
    const refused = attempt(() => accessSync(path, readonly ? constants.R_OK : constants.R_OK | constants.W_OK))
    if (refused !== undefined) return `${path} cannot be ${readonly ? "read" : "written"} (${said(refused)})`
    return readonly ? undefined : unwritable(directory, path)
  }
  if (codeOf(missing) !== "ENOENT") return `${path}: ${said(missing)}`
  if (readonly) return `${path} does not exist (a read-only database is never created)`
  let parent: ReturnType<typeof statSync> | undefined
  const noDirectory = attempt(() => {
    parent = statSync(directory)
  })
  if (parent === undefined) {
    return codeOf(noDirectory) === "ENOENT"
      ? `the directory ${directory} does not exist (no such directory, ENOENT)`
      : `the directory ${directory}: ${said(noDirectory)}`
  }
  if (!parent.isDirectory()) return `${directory} is not a directory`
  return unwritable(directory, path)
}

/**
 * The problem with `filename` as a durable database, or `undefined`: an empty
 * name makes SQLite open a temporary database deleted on close, `":memory:"`
 * (or a `file:` URI with `mode=memory`) one that lives in memory.
 *
 * @internal
 */
export const refuse = (filename: string): string | undefined => {
  if (filename.trim() === "") {
    return (
      "filename is empty: SQLite would open a temporary database that is deleted when it closes, so nothing " +
      "would be durable. Give a file path, or use Sqlite.layerMemory for a database in memory"
    )
  }
  const memory =
    filename === ":memory:" || (filename.startsWith("file:") && /[?&]mode=memory(&|$)|^file::memory:/.test(filename))
  if (memory) {
    return (
      `filename "${filename}" opens a database in memory, lost when it closes. ` +
      "Use Sqlite.layerMemory to ask for one, or give a file path"
    )
  }
  return undefined
}
