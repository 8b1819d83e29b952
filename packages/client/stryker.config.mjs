// @ts-check
// Mutation testing of the client's retry and pagination (the Node project: the fake over real HTTP).
import { strykerConfig } from "../../stryker.base.mjs"

export default strykerConfig({
  mutate: ["src/Retry.ts", "src/Paginate.ts"],
  vitestConfig: "vitest.node.config.ts"
})
