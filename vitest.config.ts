import { defineConfig } from "vitest/config"

// Two projects: `unit` needs nothing; `integration` gets real Neo4j servers from the global setup
// (NEO4J_URI, a container runtime, or the embedded launcher, in that order).
export default defineConfig({
  resolve: { conditions: ["source"] },
  test: {
    reporters: ["default", "./test/support/summaryReporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**"]
        }
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/fault/**/*.fault.ts"],
          globalSetup: ["test/integration/globalSetup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000
        }
      }
    ]
  }
})
