import { defineConfig } from "vitest/config"

// The audit trail on Node: SQLite files in a temp dir, the write path through a small Hono app and
// through the proxy's own app, chaos, the audit API. (`vitest.audit-workers.config.ts`: workerd.)
export default defineConfig({
  test: {
    name: "audit-node",
    include: ["test/audit/node/**/*.test.ts"],
    testTimeout: 60_000
  }
})
