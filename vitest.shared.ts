// The vitest settings every package shares; each package's vitest.config.ts re-exports them.
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The JSON report feeds the one-line total that scripts/test-summary.mjs prints.
    reporters: ["default", "json"],
    outputFile: { json: ".data/vitest-results.json" }
  }
})
