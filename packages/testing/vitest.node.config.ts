import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    name: "testing",
    include: ["test/**/*.test.ts"],
    exclude: ["test/workerd/**"],
    testTimeout: 30_000
  }
})
