import { configDefaults, defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.ts"

// The suite under Stryker (`stryker.config.mjs`): without the tests that type-check a copy of src
// with tsc, which would see Stryker's instrumented sources rather than a mutant's behaviour.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, "test/Conformance.test.ts", "test/OpenApiDocument.generators.test.ts"]
    }
  })
)
