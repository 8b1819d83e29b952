// @ts-check
// Mutation testing of the proxy's security- and data-critical modules: authentication and
// authorization, the Node hit path, read-through and the store's leases, invalidation, webhooks,
// the audit recorder, journal, reader and verification. `STRYKER_MUTATE=src/…` runs one module;
// `STRYKER_TESTS=…` (see vitest.mutation.config.ts) runs it against its focused tests only:
//   read-through.ts           test/unit/read-through.test.ts
//   memory-store.ts           test/unit/memory-store.test.ts
//   dependencies.ts, cache/webhooks.ts   test/unit/dependencies.test.ts
//   middleware/webhooks/webhooks.ts      test/unit/webhooks.test.ts,src/middleware/webhooks/index.test.ts
//   cache/node/fast-path.ts, cache/hit-rules.ts   test/node/fast-path.test.ts,test/node/hit-path.test.ts
//   key-store.ts, principal.ts           test/unit/key-store.test.ts
// Those tests run in milliseconds: `--timeoutMS 15000` (or 30000 for the hit path's) ends a hanging
// mutant sooner than the 120 s the end-to-end suite needs.
import { strykerConfig } from "../../stryker.base.mjs"

export default strykerConfig({
  mutate: [
    "src/middleware/authenticate/authenticate.ts",
    "src/middleware/authenticate/key-store.ts",
    "src/principal.ts",
    "src/cache/node/fast-path.ts",
    "src/cache/hit-rules.ts",
    "src/cache/read-through.ts",
    "src/cache/memory-store.ts",
    "src/cache/dependencies.ts",
    "src/cache/webhooks.ts",
    "src/middleware/webhooks/webhooks.ts",
    "src/audit/recorder.ts",
    "src/audit/journal.ts",
    "src/audit/reader.ts",
    "src/audit/verify.ts"
  ],
  vitestConfig: "vitest.mutation.config.ts",
  timeoutMS: 120_000,
  ignoreStatic: true
})
