import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    name: "node",
    include: ["src/**/*.test.ts", "test/unit/**/*.test.ts", "test/node/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The proxy logs one JSON line per request: shown for failing tests only.
    silent: "passed-only"
  }
})
