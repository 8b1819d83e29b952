import { Pagination, RouteTable } from "@orgkit/core"
import type { Context, MiddlewareHandler } from "hono"
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status"
import type { AppEnv } from "../../env.ts"
import { proxyCodes, ProxyError } from "../../errors.ts"
import { rawQuery } from "../../internal/url.ts"
import { auditAttempt } from "../../internal/audit-attempt.ts"
import type { AuditSink, CacheStore, Loader, Platform, UpstreamResponse } from "../../ports.ts"
import { UpstreamFailure } from "../../ports.ts"
import { type Exchange, newTrace } from "./exchange.ts"
import { filteredOrganizations } from "./filtered-list.ts"
import { cacheRequestHeaders, callerLink, passedResponseHeaders, requestHeaders } from "./headers.ts"

/** Options of `forward`. */
export interface ForwardOptions {
  readonly exchange: Exchange
  readonly cache: CacheStore
  readonly audit: AuditSink
  readonly platform: Platform
}

const decoder = new TextDecoder()

const errorCodeOf = (response: UpstreamResponse): string | undefined => {
  if (response.status < 400 || !(response.headers.get("content-type") ?? "").includes("json")) return undefined
  try {
    const code = (JSON.parse(decoder.decode(response.body)) as { code?: unknown }).code
    return typeof code === "string" ? code : undefined
  } catch {
    return undefined
  }
}

/** Turns Logto's answer into the caller's: status, body bytes and the headers that matter. */
const respond = (
  c: Context<AppEnv>,
  response: UpstreamResponse,
  forwardedPath: string,
  xCache?: string,
  warning?: string
): Response => {
  const headers: Record<string, string> = {}
  for (const name of passedResponseHeaders) {
    const value = response.headers.get(name)
    if (value !== null) headers[name] = value
  }
  const link = response.headers.get("link")
  if (link !== null) {
    headers["link"] = callerLink(link, forwardedPath, c.req.url)
  }
  if (c.req.method === "HEAD") {
    const length = response.headers.get("content-length")
    if (length !== null) headers["content-length"] = length
  }
  if (xCache !== undefined) headers["x-cache"] = xCache
  if (warning !== undefined) headers["warning"] = warning
  c.set("errorCode", errorCodeOf(response))
  const empty = response.status === 204 || response.status === 304 || c.req.method === "HEAD"
  return empty
    ? c.body(null, response.status as StatusCode, headers)
    : c.body(response.body as Uint8Array<ArrayBuffer>, response.status as ContentfulStatusCode, headers)
}

/**
 * The final handler: sends the validated request to Logto and answers with Logto's status, body
 * bytes and `Content-Type`, `Total-Number`, `Link` (URLs rewritten to the proxy) and `ETag`.
 *
 * The upstream URL is the configured origin plus a path rebuilt with core's `RouteTable.buildPath`
 * from the decoded parameters, so no request can leave the 36 routes; the caller's query string is
 * passed on unchanged and only the headers in `forwardedRequestHeaders` cross. Reads go through the
 * `CacheStore` (its `X-Cache` is sent back); writes are first accepted by the `AuditSink` and reported
 * to the cache once Logto has answered (or failed to), before the caller gets the answer.
 * ListOrganizations for an organization-restricted key answers with the key's organizations only
 * (see `filteredOrganizations`).
 *
 * @param options.exchange sends one request to Logto with the proxy's token
 * @param options.cache the read-through cache
 * @param options.audit the audit sink
 * @param options.platform clock and digests
 * @example
 * app.all("*", forward({ exchange, cache: passThroughCache, audit: noAudit, platform }))
 */
export const forward =
  (options: ForwardOptions): MiddlewareHandler<AppEnv> =>
  async (c) => {
    const route = c.get("route")
    const params = c.get("params")
    const principal = c.get("principal")
    const trace = newTrace()
    c.set("upstream", trace)
    const query = rawQuery(c.req.url)
    const path = RouteTable.buildPath(route, params)
    const target = query === "" ? path : `${path}?${query}`
    const callerHeaders = c.req.raw.headers
    const body = c.get("body")

    if (route.kind === "read") {
      const restricted = route.operationId === "ListOrganizations" && principal.organizations !== undefined
      const load: Loader = (loadOptions) => {
        const ifNoneMatch = loadOptions?.ifNoneMatch
        const forCache = loadOptions?.forCache === true
        const headers = forCache
          ? cacheRequestHeaders(callerHeaders, ifNoneMatch)
          : requestHeaders(callerHeaders, { withBody: false, ifNoneMatch })
        if (restricted) {
          // The caller's validators are for the filtered list: the pages asked from Logto carry none
          // (a 304 for a full-list page would leak that list's Total-Number).
          delete headers["if-none-match"]
          if (forCache) delete headers["cache-control"]
          const pagination = c.get("valid").pagination
          return filteredOrganizations(options.exchange, trace, {
            url: c.req.url,
            headers,
            // A cache revalidates the filtered list against its own ETag.
            callerHeaders: forCache
              ? new Headers(ifNoneMatch === undefined ? {} : { "if-none-match": ifNoneMatch })
              : callerHeaders,
            page: pagination._tag === "Page" ? pagination : { offset: 0, pageSize: Pagination.defaultPageSize },
            allowed: principal.organizations!,
            digest: options.platform.digest
          })
        }
        return options.exchange(trace, { method: c.req.method, target, headers })
      }
      const read = await options.cache.read(
        { method: c.req.method, url: c.req.url, route, params, query, principal, headers: callerHeaders },
        load
      )
      c.set("cache", read.xCache)
      return respond(c, read.response, path, read.xCache, read.warning)
    }

    const receipt = await options.audit.accept(auditAttempt(c, options.platform.now())).catch((cause: unknown) => {
      throw new ProxyError(
        503,
        { code: proxyCodes.auditUnavailable, message: "The audit trail is unavailable; the write was not forwarded." },
        { cause }
      )
    })
    c.set("auditReceipt", receipt)
    const written = (status: number | undefined, answer?: Uint8Array) =>
      options.cache.written({ route, params, payload: c.get("valid").payload, status, body: answer })
    let response: UpstreamResponse
    try {
      response = await options.exchange(trace, {
        method: c.req.method,
        target,
        headers: requestHeaders(callerHeaders, { withBody: body !== undefined }),
        body
      })
    } catch (error) {
      // Without an answer the write may or may not have happened: the cache must assume it did.
      if (error instanceof UpstreamFailure) await written(undefined)
      throw error
    }
    await written(response.status, response.body)
    return respond(c, response, path)
  }
