/**
 * The one end-to-end suite, run against the Workers build in workerd and the Node server.
 */
import { describeAuth } from "./auth.ts"
import { describeDocs } from "./docs.ts"
import type { Target } from "./harness.ts"
import { describeObserved } from "./observed.ts"
import { describeOperations } from "./operations.ts"
import { describeRouting } from "./routing.ts"
import { describeUpstream } from "./upstream.ts"
import { describeValidation } from "./validation.ts"

export type { Target } from "./harness.ts"

/** Registers the whole suite for a target (resolved lazily, once the proxy is up). */
export const proxySuite = (target: () => Target) => {
  describeOperations(target)
  describeRouting(target)
  describeValidation(target)
  describeObserved(target)
  describeAuth(target)
  describeUpstream(target)
  describeDocs(target)
}
