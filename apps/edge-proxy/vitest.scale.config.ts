import { defineConfig } from "vitest/config"

// Several proxy processes on one Redis and one PostgreSQL: the suites start real servers
// (`test/fixtures/services.ts`; a server that cannot start fails the run, it never skips) and real
// proxy processes (`src/node.ts`) in front of the fake. Files run one at a time: each starts its own servers.
export default defineConfig({
  test: {
    name: "scale",
    include: ["test/scale/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
