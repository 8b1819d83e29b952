import { configDefaults, defineConfig, mergeConfig } from "vitest/config"
import node from "./vitest.node.config.ts"

// The suite under Stryker (`stryker.config.mjs`): the Node project and the audit trail on Node, in
// one project (Stryker instruments Node code; what runs inside workerd is out of its reach), without
// the tests that start workerd or a browser, or run the CLI from the repository's root.
// `STRYKER_TESTS=test/unit/x.test.ts,…` runs only those tests (a module whose focused tests kill its
// mutants need not wait for the end-to-end suite's dry run).
const suite = mergeConfig(
  node,
  defineConfig({
    test: {
      name: "mutation",
      include: ["test/audit/node/**/*.test.ts"],
      exclude: [
        ...configDefaults.exclude,
        "test/node/miniflare-*.test.ts",
        "test/node/deploy.test.ts",
        "test/node/readme-workers.test.ts",
        "test/node/docs-browser.test.ts",
        "test/audit/node/page-browser.test.ts",
        // Runs `pnpm orgkit` at the repository's root: the real sources, never the sandbox's.
        "test/audit/node/cli.test.ts"
      ],
      testTimeout: 60_000
    }
  })
)

const only = process.env["STRYKER_TESTS"]?.split(",")
export default only === undefined ? suite : { ...suite, test: { ...suite.test, include: only } }
