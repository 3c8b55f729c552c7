/**
 * `pnpm playground`'s process entry, in plain JavaScript on purpose: Node older
 * than 22.19 cannot load the `.ts` modules at all (`Unknown file extension
 * ".ts"`), so a version check inside main.ts would never run there. This file
 * says which Node is needed and exits 2, then loads the playground.
 *
 * Written without newer syntax (no `?.`, `??` or top-level await) so that an
 * old Node parses it far enough to print the requirement.
 */

/** The oldest Node the workspace supports, as in every package.json's `engines`. */
const REQUIRED = [22, 19]

const [major, minor] = process.versions.node.split(".").map(Number)
if (major < REQUIRED[0] || (major === REQUIRED[0] && minor < REQUIRED[1])) {
  process.stderr.write(`Node ${REQUIRED.join(".")} or newer is required (this is v${process.versions.node})\n`)
  process.exit(2)
}

// The playground keeps its delivery events in embedded SQLite on purpose, and Node 22 prints
// "SQLite is an experimental feature" each time node:sqlite loads: to a newcomer that reads as
// something wrong. Only that one warning is dropped, and only in the playground's own process;
// every other warning (deprecations, other experimental features) is still printed.
const emitWarning = process.emitWarning
process.emitWarning = (warning, ...rest) => {
  // emitWarning(text, type) or emitWarning(text, { type }) or emitWarning(error).
  const option = rest[0]
  const type =
    typeof option === "string" ? option : typeof option === "object" && option !== null ? option.type : undefined
  const isError = warning instanceof Error
  const text = isError ? warning.message : String(warning)
  const isSqlite =
    (isError ? warning.name : type) === "ExperimentalWarning" && text.startsWith("SQLite is an experimental")
  if (!isSqlite) emitWarning.call(process, warning, ...rest)
}

import("./main.ts")
