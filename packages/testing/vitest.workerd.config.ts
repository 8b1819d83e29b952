import { cloudflareTest } from "@cloudflare/vitest-plugin"
import { defineConfig } from "vitest/config"

// Keep Miniflare offline: no Request.cf download, no metrics, no update check.
process.env["CLOUDFLARE_CF_FETCH_ENABLED"] ??= "false"
process.env["WRANGLER_SEND_METRICS"] ??= "false"
process.env["WRANGLER_HIDE_BANNER"] ??= "true"

// The fetch handler inside workerd, without nodejs_compat: the test files themselves run there.
export default defineConfig({
  plugins: [cloudflareTest({ miniflare: { compatibilityDate: "2026-11-01", compatibilityFlags: [] } })],
  test: {
    name: "testing-workerd",
    include: ["test/workerd/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
