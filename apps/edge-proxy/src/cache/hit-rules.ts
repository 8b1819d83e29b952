/**
 * What the two hit paths (Node's `node/fast-path.ts`, Workers' `workers/hit-path.ts`) decide before
 * they answer a hit without the pipeline, each the pipeline's own rule: the authorization step's
 * decision for the read an entry holds, and the request id the caller may set. Anything they leave
 * undecided goes to the pipeline.
 */
import { RouteTable } from "@orgkit/core"
import { permits } from "../middleware/authenticate/index.ts"
import type { Principal } from "../principal.ts"
import { dependsOnView, viewOf } from "./keys.ts"
import type { EntryMeta } from "./memory-store.ts"

export { usableRequestId } from "../middleware/request-id/index.ts"

/**
 * A `Cache-Control` the hit paths leave to the pipeline: any mention of `no-cache` or `no-store`
 * (the pipeline then reads the directives exactly, see `bypassDirective`).
 */
export const mentionsBypass = /no-cache|no-store/i

/** The authorization step's own decision (`permits`) for the read an entry holds, and its view. */
export const mayRead = (meta: EntryMeta, principal: Principal): boolean => {
  const route = RouteTable.byOperationId.get(meta.operationId)!
  // The path parameter `permits` reads on an organization's route (an entry of one holds its id).
  const params = route.organizationParam === undefined ? {} : { [route.organizationParam]: meta.organizationId! }
  if (!permits(principal, "read", route, params)) return false
  return dependsOnView(route) ? meta.view === viewOf(principal) : true
}
