/**
 * Turns Logto's answer (from Logto or from the cache) into the caller's: status, body bytes and
 * the headers that matter (`Content-Type`, `ETag`, `Total-Number`, `Link` with its URLs moved to
 * the proxy's origin), plus the cache's `X-Cache` and `Warning`. Used by `forward` and `cache`.
 */
import { LogtoError } from "@orgkit/core"
import type { Context } from "hono"
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status"
import type { AppEnv } from "../env.ts"
import { callerLink, passedResponseHeaders } from "../middleware/forward/headers.ts"
import type { CacheRead, UpstreamResponse } from "../ports.ts"

/**
 * The caller's response for Logto's answer `response` to the request forwarded to `forwardedPath`.
 *
 * @example
 * return respond(c, await exchange(trace, request), path)
 */
export const respond = (
  c: Context<AppEnv>,
  response: UpstreamResponse,
  forwardedPath: string,
  cached?: Omit<CacheRead, "response">
): Response => {
  const headers: Record<string, string> = {}
  for (const name of passedResponseHeaders) {
    const value = response.headers.get(name)
    if (value !== null) headers[name] = value
  }
  const link = response.headers.get("link")
  if (link !== null) headers["link"] = callerLink(link, forwardedPath, c.req.url)
  if (c.req.method === "HEAD") {
    const length = response.headers.get("content-length")
    if (length !== null) headers["content-length"] = length
  }
  if (cached?.xCache !== undefined) headers["x-cache"] = cached.xCache
  if (cached?.warning !== undefined) headers["warning"] = cached.warning
  c.set("errorCode", LogtoError.codeOf(response.status, response.headers.get("content-type"), response.body))
  const empty = response.status === 204 || response.status === 304 || c.req.method === "HEAD"
  return empty
    ? c.body(null, response.status as StatusCode, headers)
    : c.body(response.body as Uint8Array<ArrayBuffer>, response.status as ContentfulStatusCode, headers)
}
