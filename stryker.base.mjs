// @ts-check
/**
 * StrykerJS settings shared by the packages' `stryker.config.mjs` (run by `npx pnpm test:mutation`):
 * the vitest runner, per-test coverage (each mutant runs only the tests that reach it), one test
 * runner process (the machine has two shared cores), reports under node_modules/.cache/stryker.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL(".", import.meta.url))
const sandboxes = join(tmpdir(), "orgkit-stryker")
// A sandbox is <sandboxes>/<package>/sandbox-*, two levels below <sandboxes> as a package is below the
// root: there ../../tsconfig.base.json points at the real one (vite's transform reads it) and
// ../../node_modules is the root's (tests run ../../node_modules/.bin/tsc), and so is ../../apps
// (core's observed-answers test reads the table the proxy's suite holds).
mkdirSync(sandboxes, { recursive: true })
writeFileSync(join(sandboxes, "tsconfig.base.json"), JSON.stringify({ extends: join(root, "tsconfig.base.json") }))
for (const shared of ["node_modules", "apps"])
  if (!existsSync(join(sandboxes, shared))) symlinkSync(join(root, shared), join(sandboxes, shared))

/**
 * @param {{ mutate: Array<string>, vitestConfig: string, timeoutMS?: number, ignoreStatic?: boolean }} options
 * @returns {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export const strykerConfig = ({ mutate, vitestConfig, timeoutMS = 60_000, ignoreStatic = false }) => ({
  // pnpm keeps the plugin out of Stryker's own node_modules: load it by path.
  plugins: [fileURLToPath(import.meta.resolve("@stryker-mutator/vitest-runner"))],
  testRunner: "vitest",
  vitest: { configFile: vitestConfig, related: true },
  coverageAnalysis: "perTest",
  // Static mutants (module-level code) need every test for each of them: where the suite is large,
  // a package may leave them out (reported as ignored).
  ignoreStatic,
  concurrency: Number(process.env["STRYKER_CONCURRENCY"] ?? 1),
  timeoutMS,
  // TypeScript 7 has no JavaScript API for Stryker's tsconfig rewrite, and vitest needs none.
  tsconfigFile: "no-tsconfig-rewrite.json",
  disableTypeChecks: "{src,test}/**/*.ts",
  // Outside node_modules (vite leaves files there out of its module graph, so no test would be
  // related to a mutant) and outside the work tree.
  tempDirName: join(sandboxes, basename(process.cwd())),
  // Build and run output (Wrangler's bundles come and go while other tests run): not copied.
  ignorePatterns: ["dist", ".turbo", ".wrangler", ".bench", "coverage", "*.sqlite", "*.sqlite-*"],
  cleanTempDir: "always",
  reporters: ["progress-append-only", "clear-text", "json"],
  jsonReporter: { fileName: "node_modules/.cache/stryker/mutation.json" },
  clearTextReporter: { reportScoreTable: true, allowColor: false, logTests: false, reportMutants: true },
  thresholds: { high: 90, low: 80, break: null },
  mutate: process.env["STRYKER_MUTATE"] ? process.env["STRYKER_MUTATE"].split(",") : mutate
})
