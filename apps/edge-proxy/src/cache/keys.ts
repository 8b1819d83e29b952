/**
 * Cache keys. A read is keyed by its request target exactly as received (path and query), so the
 * Node hit path can look it up with `req.url` and nothing else; the one answer that depends on who
 * asks, ListOrganizations for an organization-restricted key, also carries the key's view.
 */
import type { RouteTable } from "@orgkit/core"
import { origin } from "../internal/url.ts"
import type { Principal } from "../principal.ts"

/** Path and query of an absolute URL, exactly as the caller sent them (what Node calls `req.url`). */
export const requestTarget = (url: string): string => url.slice(origin(url).length)

const views = new WeakMap<Principal, string>()

/**
 * What a principal sees of ListOrganizations: `""` for a key without an organization list, else its
 * organizations (sorted, JSON). Keys with the same organizations share a view; computed once per key.
 */
export const viewOf = (principal: Principal): string => {
  if (principal.organizations === undefined) return ""
  let view = views.get(principal)
  if (view === undefined) {
    view = JSON.stringify([...principal.organizations].sort())
    views.set(principal, view)
  }
  return view
}

/** Whether the answer of this read depends on the caller's view. */
export const dependsOnView = (route: RouteTable.Route): boolean => route.subject === "organizations"

/**
 * The key of a read whose answer depends on the caller's view: the request target, `"\n"` and the
 * view (a request target never holds a line feed). The hit paths, which do not know the route
 * before the lookup, try it after the target alone for a restricted key.
 */
export const viewedKey = (target: string, principal: Principal): string => `${target}\n${viewOf(principal)}`

/** The cache key of a read: the request target, or `viewedKey` for a restricted key's ListOrganizations. */
export const cacheKey = (target: string, route: RouteTable.Route, principal: Principal): string =>
  dependsOnView(route) && principal.organizations !== undefined ? viewedKey(target, principal) : target
