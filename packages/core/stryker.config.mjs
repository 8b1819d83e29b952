// @ts-check
// Mutation testing of Logto's rules as core states them: validation, body parsing and pagination. `STRYKER_MUTATE=src/…` runs one module.
import { strykerConfig } from "../../stryker.base.mjs"

export default strykerConfig({
  mutate: ["src/Validation.ts", "src/ZodIssues.ts", "src/Body.ts", "src/Pagination.ts"],
  vitestConfig: "vitest.mutation.config.ts"
})
