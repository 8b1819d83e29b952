import { defineConfig } from "vitest/config"

// Two projects: "testing" (everything, on Node) and "testing-workerd" (the fetch handler inside workerd).
export default defineConfig({
  test: {
    projects: ["./vitest.node.config.ts", "./vitest.workerd.config.ts"]
  }
})
