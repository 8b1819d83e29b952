import { Pagination, RouteTable } from "@orgkit/core"
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { respond } from "../../internal/respond.ts"
import { rawQuery } from "../../internal/url.ts"
import type { Platform } from "../../ports.ts"
import { type Exchange, newTrace } from "./exchange.ts"
import { filteredOrganizations } from "./filtered-list.ts"
import { cacheRequestHeaders, requestHeaders } from "./headers.ts"

/** Options of `forward`. */
export interface ForwardOptions {
  readonly exchange: Exchange
  readonly platform: Platform
}

/**
 * The last step: sends the request to Logto and answers with Logto's status, body bytes and
 * `Content-Type`, `Total-Number`, `Link` (URLs moved to the proxy), `ETag` and rate-limit headers.
 * Logto's answer as received is also left in `answer` for the steps around it (the cache stores and
 * invalidates from it, the audit trail reads a created id from it).
 *
 * The upstream URL is the configured origin plus a path rebuilt with core's `RouteTable.buildPath`
 * from the matched parameters, so no request can leave the 36 routes; the caller's query string is
 * passed on unchanged and only the headers in `forwardedRequestHeaders` cross. A read asked for by
 * the cache (`load`) carries the cache's validators instead of the caller's. ListOrganizations for
 * an organization-restricted key answers with the key's organizations only (`filteredOrganizations`).
 *
 * @param options.exchange sends one request to Logto with the proxy's token
 * @param options.platform digests (the filtered list's ETag)
 * @example
 * app.all("*", forward({ exchange, platform }))
 */
export const forward =
  (options: ForwardOptions): MiddlewareHandler<AppEnv> =>
  async (c) => {
    const route = c.get("route")
    const principal = c.get("principal")
    const trace = newTrace()
    c.set("upstream", trace)
    const query = rawQuery(c.req.url)
    const path = RouteTable.buildPath(route, c.get("params"))
    const target = query === "" ? path : `${path}?${query}`
    const callerHeaders = c.req.raw.headers
    const body = c.get("body")
    let answer
    if (route.kind === "write") {
      answer = await options.exchange(trace, {
        method: c.req.method,
        target,
        headers: requestHeaders(callerHeaders, { withBody: body !== undefined }),
        body,
        idempotent: route.idempotent,
        keyId: principal.id
      })
    } else {
      const load = c.get("load")
      const ifNoneMatch = load?.ifNoneMatch
      const forCache = load?.forCache === true
      const headers = forCache
        ? cacheRequestHeaders(callerHeaders, ifNoneMatch)
        : requestHeaders(callerHeaders, { withBody: false, ifNoneMatch })
      if (route.subject === "organizations" && principal.organizations !== undefined) {
        // The caller's validators are for the filtered list: the pages asked from Logto carry none
        // (a 304 for a full-list page would leak that list's Total-Number).
        delete headers["if-none-match"]
        if (forCache) delete headers["cache-control"]
        const pagination = c.get("valid")?.pagination
        answer = await filteredOrganizations(options.exchange, trace, {
          url: c.req.url,
          headers,
          // A cache revalidates the filtered list against its own ETag.
          callerHeaders: forCache
            ? new Headers(ifNoneMatch === undefined ? {} : { "if-none-match": ifNoneMatch })
            : callerHeaders,
          page: pagination?._tag === "Page" ? pagination : { offset: 0, pageSize: Pagination.defaultPageSize },
          allowed: principal.organizations,
          keyId: principal.id
        })
      } else {
        answer = await options.exchange(trace, {
          method: c.req.method,
          target,
          headers,
          idempotent: true,
          keyId: principal.id
        })
      }
    }
    c.set("answer", answer)
    return respond(c, answer, path)
  }
