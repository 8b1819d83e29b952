import { cloudflareTest } from "@cloudflare/vitest-plugin"
import { defineConfig } from "vitest/config"

// Keep Miniflare offline: no Request.cf download, no metrics, no update check.
process.env["CLOUDFLARE_CF_FETCH_ENABLED"] ??= "false"
process.env["WRANGLER_SEND_METRICS"] ??= "false"
process.env["WRANGLER_HIDE_BANNER"] ??= "true"

// The client inside workerd (test/workers): the Promise and Effect APIs against the fake's fetch
// handler in the isolate and, over real loopback HTTP, against the fake started by the global setup.
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./test/workers/wrangler.jsonc" } })],
  test: {
    name: "client-workerd",
    include: ["test/workers/**/*.test.ts"],
    globalSetup: ["./test/workers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
