import { fileURLToPath } from "node:url"
import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// The README's Next.js example imports "@/lib/…" as a Next.js app does.
export default mergeConfig(shared, {
  resolve: { alias: { "@/": fileURLToPath(new URL("./examples/nextjs/", import.meta.url)) } }
})
