// The vitest settings every package shares; each package's vitest.config.ts re-exports them.
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // Tests fail providers on purpose, so Effect's logger writes an INFO line for each failure;
    // those are noise in a run's output. Warnings, errors and a test's own prints still show.
    onConsoleLog: (log) => (/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] (INFO|DEBUG|TRACE) /.test(log) ? false : undefined),
    // The JSON report feeds the one-line total that scripts/test-summary.mjs prints.
    reporters: ["default", "json"],
    outputFile: { json: ".data/vitest-results.json" }
  }
})
