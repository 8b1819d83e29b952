import { defineConfig } from "vitest/config"

// Two projects: "client-node" (everything in test/ against the fake over real HTTP) and
// "client-workerd" (test/workers, inside workerd with @cloudflare/vitest-plugin).
export default defineConfig({
  test: {
    name: "client",
    projects: ["./vitest.node.config.ts", "./vitest.workers.config.ts"]
  }
})
