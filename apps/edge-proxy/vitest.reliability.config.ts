import { defineConfig } from "vitest/config"

// Reliability suites over real loopback HTTP (the Node server in front of the fake Logto).
// `ORGKIT_RELIABILITY=full` runs the full sizes (`pnpm test:reliability`); otherwise the short
// versions run, as part of the normal test command.
const full = process.env["ORGKIT_RELIABILITY"] === "full"

export default defineConfig({
  test: {
    name: "edge-proxy-reliability",
    include: ["test/reliability/**/*.test.ts"],
    testTimeout: full ? 20 * 60_000 : 120_000,
    hookTimeout: 60_000,
    // The proxy logs one JSON line per request: shown for failing tests only.
    silent: "passed-only"
  }
})
