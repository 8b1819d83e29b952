/**
 * The test Worker: its `fetch` is the proxy's own Worker entry (`src/worker.ts`, with the Durable
 * Objects it re-exports), so `exports.default.fetch` runs what production runs. The store-level and
 * `createApp` suites use the bindings directly.
 */
import worker from "../../../src/worker.ts"
import type { AuditBindings } from "../../../src/audit/workers/index.ts"

export { AuditLog, CacheRegistry, CacheShard } from "../../../src/worker.ts"

/** The test Worker's bindings. */
export interface Env extends AuditBindings {
  readonly TEST_MIGRATIONS: Array<{ name: string; queries: Array<string> }>
  /** The public half of the run's ORGKIT_AUDIT_SIGNING_KEY. */
  readonly TEST_PUBLIC_KEY: string
}

export default worker
