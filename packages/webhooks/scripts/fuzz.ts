/**
 * The full webhook fuzzing run: the same properties as the CI tests
 * (`test/Fuzz.test.ts`, `test/Fuzz.handler.test.ts`) at 100,000 runs per
 * property and source (a tenth of that through the HTTP handler), or
 * `FUZZ_RUNS` when it is set. fast-check prints the seed, path and shrunk
 * counterexample of any failure.
 *
 * Run from packages/webhooks: `node scripts/fuzz.ts` (or `FUZZ_RUNS=20000 node scripts/fuzz.ts`).
 */
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const runs = process.env.FUZZ_RUNS ?? "100000"
const started = Date.now()
const result = spawnSync("npx", ["vitest", "run", "test/Fuzz.test.ts", "test/Fuzz.handler.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, FUZZ_RUNS: runs }
})
console.log(
  `fuzzing at FUZZ_RUNS=${runs}: ${result.status === 0 ? "passed" : "FAILED"} in ${Math.round((Date.now() - started) / 1000)} s`
)
process.exit(result.status ?? 1)
