import { defineConfig } from "vitest/config"

// The proxy's projects: "node" (middleware unit tests, the shared end-to-end suite against the Node
// server, the @logto/api and browser tests, the cache across two Workers in one Miniflare), "workerd"
// (the same suite against the Workers build), the audit trail on Node (SQLite) and in workerd (the
// AuditLog Durable Object + D1), the short bad-input reliability suite (the full one:
// `pnpm --filter @orgkit/edge-proxy run test:reliability`), and several proxy processes on one
// Redis and one PostgreSQL ("scale": real servers, started by the suite; it fails if they cannot start).
export default defineConfig({
  test: {
    name: "edge-proxy",
    // The proxy logs one JSON line per request (the Node server through console.log, the Worker in
    // workerd): shown for failing tests only. `silent` applies to the whole run, so it is set here,
    // not per project.
    silent: "passed-only",
    projects: [
      "./vitest.node.config.ts",
      "./vitest.workerd.config.ts",
      "./vitest.audit.config.ts",
      "./vitest.audit-workers.config.ts",
      "./vitest.reliability.config.ts",
      "./vitest.scale.config.ts"
    ]
  }
})
