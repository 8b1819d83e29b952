/**
 * The test Worker: the proxy-shaped harness with the Workers audit store (AuditLog Durable Object
 * + D1) in front of a stub Logto, and the `AuditLog` class exported as the proxy's entry must.
 */
import { makeRecorder } from "../../../src/audit/recorder.ts"
import { AuditLog, type AuditBindings, workersAuditStore } from "../../../src/audit/workers/index.ts"
import { harness } from "../support/harness.ts"
import { stubUpstream } from "../support/requests.ts"

export { AuditLog }

/** The test Worker's bindings. */
export interface Env extends AuditBindings {
  readonly TEST_MIGRATIONS: Array<{ name: string; queries: Array<string> }>
}

/** What the stub Logto received (per isolate). */
export const upstream = stubUpstream()

export default {
  fetch: (request, env, ctx) => {
    const recorder = makeRecorder({ store: workersAuditStore(env), log: (line) => console.log(JSON.stringify(line)) })
    return harness({ recorder, upstream: upstream.fetch }).fetch(request, env, ctx)
  }
} satisfies ExportedHandler<Env>
