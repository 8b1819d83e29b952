/**
 * The Workers hit path: answers a hit in the Worker's `fetch`, before Hono, as the Node hit path does
 * in its request listener. Its entries come from a `HitSource`: in `near` mode the isolate's copies
 * within the bound (no I/O); in `strict` mode an entry this isolate was answered before, confirmed
 * fresh by its Durable Object (`peekHeld`: one call, no fill lease, the entry's expiry instead of the
 * entry) or within the read lease of such a confirmation (no I/O).
 *
 * It serves only what the full pipeline would answer the same way, and otherwise returns `undefined`
 * so the request goes on to Hono: a bodiless GET with a memoized key without a quota, no
 * `Cache-Control: no-cache`/`no-store`, no consistency token within the near bound, and an entry that
 * the key may read. It decides nothing of its own: the caller is the key store's memo, the
 * permission is the authorization step's `permits` and the request id `request-id`'s rule (both
 * through `../hit-rules.ts`), freshness is core's `Etag.isFresh`, the headers are `respond`'s
 * (`passedResponseHeaders`, `callerLink`), and the log line is the request log's `requestRecord`,
 * counted in the same metrics registry (at levels that drop it, the registry counts the hit without
 * a line, as the Node hit path does).
 */
import { Etag } from "@orgkit/core"
import type { KeyStore } from "../../middleware/authenticate/key-store.ts"
import { callerLink } from "../../middleware/forward/headers.ts"
import type { MetricsRegistry } from "../../middleware/metrics/registry.ts"
import { requestRecord } from "../../middleware/request-log/index.ts"
import type { Rate } from "../../limits/index.ts"
import type { LogSink } from "../../ports.ts"
import type { Principal } from "../../principal.ts"
import type { EntryMeta, StoredResponse } from "../memory-store.ts"
import type { CacheCounters } from "../metrics.ts"
import { origin, rawPath } from "../../internal/url.ts"
import { mayRead, mentionsBypass, usableRequestId } from "../hit-rules.ts"
import { requestTarget, viewedKey } from "../keys.ts"
import { tokenOf } from "./near.ts"

/** An answer the hit path can serve: Logto's stored 200 and what the pipeline knew of it. */
export interface Servable extends StoredResponse {
  readonly meta: EntryMeta
}

/** Where the hit path finds entries. */
export interface HitSource {
  readonly counters: CacheCounters
  /** Near mode: reads with a consistency token within this bound go through the pipeline. */
  readonly tokenBoundMs: number | undefined
  /** The entry for a cache key, if this source can serve it now. */
  readonly find: (key: string, now: number) => Servable | undefined | Promise<Servable | undefined>
}

/** Options of `hitPath`. */
export interface HitPathOptions {
  readonly source: HitSource
  readonly keys: KeyStore
  readonly now: () => number
  readonly randomId: () => string
  /**
   * The request log; `undefined` when info lines are not logged (a hit's line is then built only
   * when the metrics need its time).
   */
  readonly log: LogSink | undefined
  /** Counts every hit, logged or not. */
  readonly metrics: MetricsRegistry
  /** `ORGKIT_RATE_LIMIT`: with a quota, every request is counted by the quota step, in Hono. */
  readonly defaultRateLimit: Rate | undefined
}

/** The header list of a copy's 200 for callers on `origin` (the `Link` depends on it). */
interface Rendered {
  readonly origin: string
  readonly ok: ReadonlyArray<readonly [string, string]>
  readonly notModified: ReadonlyArray<readonly [string, string]>
}

const render = (copy: Servable, url: string, origin: string): Rendered => {
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
 * const hit = hitPath({ source, keys, now, randomId, log, metrics, defaultRateLimit })
 * fetch: async (request) => (await hit(request)) ?? app.fetch(request)
 */
export const hitPath = (options: HitPathOptions) => {
  const { source, keys, now, randomId, log, metrics } = options
  const rendered = new WeakMap<Servable, Rendered>()

  /** The entry `principal` may read for `target` (a restricted key's list is keyed by its view). */
  const lookup = async (target: string, principal: Principal, at: number): Promise<Servable | undefined> => {
    let copy = await source.find(target, at)
    if (copy !== undefined && !mayRead(copy.meta, principal)) copy = undefined
    if (copy === undefined && principal.organizations !== undefined) {
      copy = await source.find(viewedKey(target, principal), at)
      if (copy !== undefined && !mayRead(copy.meta, principal)) copy = undefined
    }
    return copy
  }

  return async (request: Request): Promise<Response | undefined> => {
    if (request.method !== "GET" || request.body !== null) return undefined
    const headers = request.headers
    const authorization = headers.get("authorization")
    if (authorization === null) return undefined
    const principal = keys.cached(authorization)
    if (principal === undefined || (principal.rateLimit ?? options.defaultRateLimit) !== undefined) return undefined
    const cacheControl = headers.get("cache-control")
    if (cacheControl !== null && mentionsBypass.test(cacheControl)) return undefined
    const at = now()
    if (source.tokenBoundMs !== undefined) {
      const token = tokenOf(headers)
      if (token !== undefined && at <= token + source.tokenBoundMs) return undefined
    }
    const url = request.url
    const target = requestTarget(url)
    const copy = await lookup(target, principal, at)
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
    // One header list, turned into headers once (by `Response`).
    const out = [...(notModified ? view.notModified : view.ok), ["x-request-id", requestId] as const]
    const response = new Response(notModified ? null : (copy.body as Uint8Array<ArrayBuffer>), {
      status,
      headers: out as Array<[string, string]>
    })
    source.counters.hits++
    const durationMs = now() - at
    // No line to log and no time to count (no I/O since the request came in, or under a millisecond):
    // the registry counts the hit as it would count its line.
    if (log === undefined && durationMs === 0) {
      metrics.hit(copy.meta.operationId, status)
      return response
    }
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
      durationMs
    })
    metrics.observe(line)
    log?.(line)
    return response
  }
}
