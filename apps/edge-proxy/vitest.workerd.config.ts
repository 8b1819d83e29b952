import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin"
import { defineConfig } from "vitest/config"
import { writeDocsAssets } from "./scripts/docs-assets.ts"
import { proxyEnv } from "./test/fixtures/e2e.ts"

// Keep Miniflare offline: no Request.cf download, no metrics, no update check.
process.env["CLOUDFLARE_CF_FETCH_ENABLED"] ??= "false"
process.env["WRANGLER_SEND_METRICS"] ??= "false"
process.env["WRANGLER_HIDE_BANNER"] ??= "true"

// The shared suite against the Workers build (wrangler.jsonc) inside workerd; the fake runs as a
// loopback server started by the global setup, and the worker gets its URL as LOGTO_ENDPOINT.
export default defineConfig(async () => {
  // wrangler.jsonc's static assets (the API reference), as `run dev` and the deploy write them.
  writeDocsAssets()
  const migrations = await readD1Migrations("./migrations")
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: { bindings: { ...proxyEnv(inject("fakeUrl")), TEST_MIGRATIONS: migrations } }
      }))
    ],
    test: {
      setupFiles: ["./test/workerd/setup.ts"],
      name: "workerd",
      include: ["test/workerd/**/*.test.ts"],
      globalSetup: ["./test/global-setup.ts"],
      // The worker logs one JSON line per request to stdout; show it for failing tests only.
      silent: "passed-only" as const,
      testTimeout: 30_000,
      hookTimeout: 60_000
    }
  }
})
