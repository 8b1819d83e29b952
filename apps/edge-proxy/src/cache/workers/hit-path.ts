/**
 * The Workers hit path (`ORGKIT_CACHE_MODE=near`): answers a hit from the isolate's near copies in
 * the Worker's `fetch`, before Hono, as the Node hit path does in its request listener.
 *
 * It serves only what the full pipeline would answer the same way, and otherwise returns `undefined`
 * so the request goes on to Hono: a bodiless GET with a memoized key without a quota, no
 * `Cache-Control: no-cache`/`no-store`, no consistency token within the bound, and a copy within the
 * bound that the key may read. It decides nothing of its own: the caller is the key store's memo, the
 * permission is the authorization step's `permits`, freshness is core's `Etag.isFresh`, the headers
 * are `respond`'s (`passedResponseHeaders`, `callerLink`), the request id follows `request-id`'s rule,
 * and the log line is the request log's `requestRecord`, counted in the same metrics registry.
 */
import { Etag, RouteTable } from "@orgkit/core"
import type { KeyStore } from "../../middleware/authenticate/key-store.ts"
import { permits } from "../../middleware/authenticate/index.ts"
import { callerLink } from "../../middleware/forward/headers.ts"
import type { MetricsRegistry } from "../../middleware/metrics/registry.ts"
import { requestRecord } from "../../middleware/request-log/index.ts"
import type { Rate } from "../../limits/index.ts"
import type { LogSink } from "../../ports.ts"
import type { Principal } from "../../principal.ts"
import { origin, rawPath } from "../../internal/url.ts"
import { requestTarget, viewOf } from "../keys.ts"
import { type NearCache, type NearCopy, tokenOf } from "./near.ts"

/** Options of `hitPath`. */
export interface HitPathOptions {
  readonly cache: NearCache
  readonly keys: KeyStore
  readonly now: () => number
  readonly randomId: () => string
  readonly log: LogSink
  readonly metrics: MetricsRegistry
  /** `ORGKIT_RATE_LIMIT`: with a quota, every request is counted by the quota step, in Hono. */
  readonly defaultRateLimit: Rate | undefined
}

const bypass = /no-cache|no-store/i
const usableRequestId = /^[\x21-\x7e]{1,200}$/

/** The authorization step's own decision (`permits`) for the read a copy holds. */
const mayRead = (copy: NearCopy, principal: Principal): boolean => {
  const route = RouteTable.byOperationId.get(copy.meta.operationId)!
  const organization = copy.meta.organizationId
  const params =
    route.organizationParam === undefined || organization === undefined
      ? {}
      : { [route.organizationParam]: organization }
  if (!permits(principal, "read", route, params)) return false
  return route.subject === "organizations" ? copy.meta.view === viewOf(principal) : true
}

/** The header list of a copy's 200 for callers on `origin` (the `Link` depends on it). */
interface Rendered {
  readonly origin: string
  readonly ok: ReadonlyArray<readonly [string, string]>
  readonly notModified: ReadonlyArray<readonly [string, string]>
}

const render = (copy: NearCopy, url: string, origin: string): Rendered => {
  const ok: Array<readonly [string, string]> = []
  for (const [name, value] of copy.headers) {
    ok.push([name, name === "link" ? callerLink(value, copy.meta.forwardedPath, url) : value])
  }
  ok.push(["x-cache", "HIT"])
  // Logto's 304 (and the pipeline's): ETag, Total-Number, Link; no Content-Type.
  return { origin, ok, notModified: ok.filter(([name]) => name !== "content-type") }
}

/**
 * The hit path: the response, or `undefined` when the request must go on to the pipeline.
 *
 * @example
 * const hit = hitPath({ cache, keys, now, randomId, log, metrics, defaultRateLimit })
 * fetch: (request) => hit(request) ?? app.fetch(request)
 */
export const hitPath = (options: HitPathOptions) => {
  const { cache, keys, now, randomId, log, metrics } = options
  const rendered = new WeakMap<NearCopy, Rendered>()
  return (request: Request): Response | undefined => {
    if (request.method !== "GET" || request.body !== null) return undefined
    const headers = request.headers
    const authorization = headers.get("authorization")
    if (authorization === null) return undefined
    const principal = keys.cached(authorization)
    if (principal === undefined || (principal.rateLimit ?? options.defaultRateLimit) !== undefined) return undefined
    const cacheControl = headers.get("cache-control")
    if (cacheControl !== null && bypass.test(cacheControl)) return undefined
    const at = now()
    const token = tokenOf(headers)
    if (token !== undefined && at <= token + cache.boundMs) return undefined
    const url = request.url
    const target = requestTarget(url)
    let copy = cache.memory.fresh(target, at, cache.boundMs)
    if (copy !== undefined && !mayRead(copy, principal)) copy = undefined
    if (copy === undefined && principal.organizations !== undefined) {
      copy = cache.memory.fresh(`${target}\n${viewOf(principal)}`, at, cache.boundMs)
      if (copy !== undefined && !mayRead(copy, principal)) copy = undefined
    }
    if (copy === undefined) return undefined
    const from = origin(url)
    let view = rendered.get(copy)
    if (view === undefined || view.origin !== from) {
      view = render(copy, url, from)
      rendered.set(copy, view)
    }
    const given = headers.get("x-request-id")
    const requestId = given !== null && usableRequestId.test(given) ? given : randomId()
    const notModified = copy.headers.some(([name, value]) => name === "etag" && Etag.isFresh(headers, value))
    const status = notModified ? 304 : 200
    const out = new Headers(notModified ? view.notModified : view.ok)
    out.set("x-request-id", requestId)
    const response = new Response(notModified ? null : (copy.body as Uint8Array<ArrayBuffer>), { status, headers: out })
    cache.counters.hits++
    cache.near.memoryHits++
    const line = requestRecord({
      startedAt: at,
      requestId,
      method: "GET",
      path: rawPath(url),
      operationId: copy.meta.operationId,
      keyId: principal.id,
      status,
      code: undefined,
      cache: "HIT",
      upstream: undefined,
      durationMs: now() - at
    })
    metrics.observe(line)
    log(line)
    return response
  }
}
