import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin"
import { defineConfig } from "vitest/config"

// Keep Miniflare offline: no Request.cf download, no metrics, no update check.
process.env["CLOUDFLARE_CF_FETCH_ENABLED"] ??= "false"
process.env["WRANGLER_SEND_METRICS"] ??= "false"
process.env["WRANGLER_HIDE_BANNER"] ??= "true"

// The audit trail inside workerd: the AuditLog Durable Object in front of a real (Miniflare) D1,
// migrated from migrations/ as `wrangler d1 migrations apply` would.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations")
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./test/audit/workerd/wrangler.jsonc" },
        miniflare: { bindings: { TEST_MIGRATIONS: migrations } }
      })
    ],
    test: {
      name: "audit-workerd",
      include: ["test/audit/workerd/**/*.test.ts"],
      setupFiles: ["./test/audit/workerd/setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000
    }
  }
})
