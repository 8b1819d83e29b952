import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin"
import { defineConfig } from "vitest/config"
import { generateKeyPair } from "./src/audit/keys.ts"
import { proxyEnv } from "./test/fixtures/e2e.ts"

// Keep Miniflare offline: no Request.cf download, no metrics, no update check.
process.env["CLOUDFLARE_CF_FETCH_ENABLED"] ??= "false"
process.env["WRANGLER_SEND_METRICS"] ??= "false"
process.env["WRANGLER_HIDE_BANNER"] ??= "true"

// The audit trail inside workerd: the AuditLog Durable Object in front of a real (Miniflare) D1,
// migrated from migrations/ as `wrangler d1 migrations apply` would; the test Worker's `fetch` is
// the proxy's own `src/worker.ts`, configured like the end-to-end suite (the fake Logto on loopback,
// started by the global setup) with a checkpoint signing key made for this run.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations")
  const signing = await generateKeyPair()
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./test/audit/workerd/wrangler.jsonc" },
        miniflare: {
          bindings: {
            ...proxyEnv(inject("fakeUrl")),
            ORGKIT_CACHE: "off",
            ORGKIT_AUDIT_SIGNING_KEY: signing.privatePem,
            ORGKIT_AUDIT_CHECKPOINT_EVERY: "4",
            TEST_PUBLIC_KEY: signing.publicPem,
            TEST_MIGRATIONS: migrations
          }
        }
      }))
    ],
    test: {
      name: "audit-workerd",
      include: ["test/audit/workerd/**/*.test.ts"],
      setupFiles: ["./test/audit/workerd/setup.ts"],
      globalSetup: ["./test/global-setup.ts"],
      silent: "passed-only" as const,
      testTimeout: 60_000,
      hookTimeout: 60_000
    }
  }
})
