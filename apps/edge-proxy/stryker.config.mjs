// @ts-check
// Mutation testing of the proxy's security- and data-critical modules: authentication and
// authorization, the Node hit path, read-through and the store's leases, invalidation, webhooks,
// the audit recorder, journal, reader and verification. `STRYKER_MUTATE=src/…` runs one module.
import { strykerConfig } from "../../stryker.base.mjs"

export default strykerConfig({
  mutate: [
    "src/middleware/authenticate/authenticate.ts",
    "src/middleware/authenticate/key-store.ts",
    "src/principal.ts",
    "src/cache/node/fast-path.ts",
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
