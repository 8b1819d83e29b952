import { defineConfig } from "vitest/config"

// Two projects: "node" (middleware unit tests, the shared end-to-end suite against the Node server,
// the @logto/api and browser tests) and "workerd" (the same suite against the Workers build).
export default defineConfig({
  test: {
    name: "edge-proxy",
    projects: ["./vitest.node.config.ts", "./vitest.workerd.config.ts"]
  }
})
