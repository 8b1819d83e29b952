import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    name: "client-node",
    include: ["test/**/*.test.ts"],
    exclude: ["test/workers/**"],
    testTimeout: 60_000
  }
})
