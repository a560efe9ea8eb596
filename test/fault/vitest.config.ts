// Runs the fault scenarios against the embedded Neo4j on their own:
//   NEO4J_LINES=5.26 vitest run --config test/fault/vitest.config.ts
// (`npm test` runs them in the integration project once its include lists test/fault/**/*.fault.ts.)
import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: { conditions: ["source"] },
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/fault/**/*.fault.ts"],
    globalSetup: ["test/integration/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000
  }
})
