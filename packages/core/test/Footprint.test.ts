/**
 * What installing `@wedsync/core` brings: nothing but `effect`. A service that
 * only wants `protect` and `Failover` must not install an SQL driver, a Redis
 * client or queue code, nor load `node:sqlite` (durable work is
 * `@wedsync/durable`). Checked on the manifest and on every import in src/.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
}

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

// Comments are dropped first: TSDoc examples import what the caller provides (e.g. NodeRedis).
const specifiers = (file: string): Array<string> => {
  const code = readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")
  return [...code.matchAll(/\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']/g)].map(
    (match) => (match[1] ?? match[2])!
  )
}

const storage =
  /^(node:sqlite|effect\/(unstable\/)?sql|@effect\/sql|@effect\/platform|redis|ioredis|bullmq|pg|postgres)(\/|-|$)/

describe("@wedsync/core's footprint", () => {
  it("depends on effect alone", () => {
    expect(Object.keys(manifest.dependencies ?? {})).toEqual([])
    expect(Object.keys(manifest.optionalDependencies ?? {})).toEqual([])
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(["effect"])
  })

  it("imports no SQL, Redis client, queue or platform code from its sources", () => {
    const files = sources(join(root, "src"))
    expect(files.length).toBeGreaterThan(20)
    const offending = files.flatMap((file) =>
      specifiers(file)
        .filter((specifier) => storage.test(specifier))
        .map((specifier) => `${file.slice(root.length)}: ${specifier}`)
    )
    expect(offending).toEqual([])
  })

  it("the check would catch one", () => {
    expect(storage.test("node:sqlite")).toBe(true)
    expect(storage.test("effect/sql")).toBe(true)
    expect(storage.test("@effect/sql-pg")).toBe(true)
    expect(storage.test("redis")).toBe(true)
    expect(storage.test("bullmq")).toBe(true)
    expect(storage.test("effect/persistence")).toBe(false)
    expect(specifiers(join(root, "src", "Resilience.ts"))).toContain("effect/persistence")
  })
})
