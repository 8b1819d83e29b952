/** Which headers cross the proxy, in each direction. */
import { origin, rawPath } from "../../internal/url.ts"

/**
 * Request headers forwarded to Logto: only those that change its answer. Everything else stays at
 * the proxy, in particular the caller's `Authorization`, `Cookie`, `Host`, `X-Forwarded-*` and the
 * hop-by-hop headers (`Connection`, `Keep-Alive`, `TE`, `Transfer-Encoding`, `Upgrade`, `Proxy-*`).
 */
export const forwardedRequestHeaders = ["accept", "accept-language", "cache-control", "if-none-match"] as const

/** Response headers passed back from Logto (`Link` with its URLs rewritten to the proxy). */
export const passedResponseHeaders = [
  "content-type",
  "etag",
  "total-number",
  // Logto Cloud's rate limit is shared by every team: its answers about it reach the caller.
  "retry-after",
  "ratelimit",
  "ratelimit-policy",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset"
] as const

/** The request headers to send upstream. */
export const requestHeaders = (
  incoming: Headers,
  options: { readonly withBody: boolean; readonly ifNoneMatch?: string | undefined }
): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const name of forwardedRequestHeaders) {
    const value = incoming.get(name)
    if (value !== null) headers[name] = value
  }
  if (options.ifNoneMatch !== undefined) headers["if-none-match"] = options.ifNoneMatch
  if (options.withBody) {
    const type = incoming.get("content-type")
    if (type !== null) headers["content-type"] = type
  }
  return headers
}

/**
 * The request headers to send upstream when the answer is for the cache: the caller's, without its
 * validators (`If-None-Match`, `Cache-Control`); with `ifNoneMatch` for a revalidation, sent next to
 * `Cache-Control: max-age=0` because Logto (Koa) never answers 304 to a request carrying
 * `Cache-Control: no-cache`, which WHATWG `fetch` adds by itself when it sees `If-None-Match` alone.
 */
export const cacheRequestHeaders = (incoming: Headers, ifNoneMatch: string | undefined): Record<string, string> => {
  const headers: Record<string, string> = {}
  const accept = incoming.get("accept")
  if (accept !== null) headers["accept"] = accept
  const language = incoming.get("accept-language")
  if (language !== null) headers["accept-language"] = language
  if (ifNoneMatch !== undefined) {
    headers["if-none-match"] = ifNoneMatch
    headers["cache-control"] = "max-age=0"
  }
  return headers
}

/**
 * Rewrites the URLs of Logto's `Link` header, built from the upstream origin and the forwarded path
 * (without `/api`), to the caller's origin and path, so pagination links point at the proxy.
 * Links that do not have the forwarded path are left as they are.
 */
export const rewriteLinks = (
  value: string,
  from: { readonly path: string },
  to: { readonly origin: string; readonly path: string }
): string =>
  value.replace(/<([^>]*)>/g, (whole, url: string) => {
    const scheme = url.indexOf("://")
    if (scheme === -1) return whole
    const pathStart = url.indexOf("/", scheme + 3)
    if (pathStart === -1) return whole
    const rest = url.slice(pathStart)
    if (!rest.startsWith(from.path)) return whole
    const after = rest.slice(from.path.length)
    if (after !== "" && !after.startsWith("?")) return whole
    return `<${to.origin}${to.path}${after}>`
  })

/** A path as Logto writes it in `Link` URLs: without the `/api` prefix. */
export const linkPath = (path: string): string => path.replace(/^\/api(?=\/)/, "")

/** Logto's `Link` value as the caller must see it: URLs on the caller's origin and path (`callerUrl`). */
export const callerLink = (link: string, forwardedPath: string, callerUrl: string): string =>
  rewriteLinks(
    link,
    { path: linkPath(forwardedPath) },
    { origin: origin(callerUrl), path: linkPath(rawPath(callerUrl)) }
  )
