import { defineConfig } from "vitest/config"

// Two projects: the Node one (middleware unit tests, then the shared end-to-end suite against the
// Node server and the browser test) and the workerd one (the same suite against the Workers build).
export default defineConfig({
  test: {
    name: "edge-proxy",
    projects: ["./vitest.node.config.ts"]
  }
})
