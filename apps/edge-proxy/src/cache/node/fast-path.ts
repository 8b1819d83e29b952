/**
 * The Node hit path: answers cache hits in the raw `node:http` request listener, before Hono.
 *
 * Per request it costs a few `Map` lookups and one `writeHead`: the `Authorization` header resolves
 * to a principal through the key store's memo (no hashing), `req.url` is the cache key, and the
 * entry holds Logto's body bytes and a pre-rendered header list. It serves only what the full
 * pipeline would answer the same way, and otherwise returns `false` so the request goes to Hono:
 * a GET with a memoized key, no `Cache-Control: no-cache`/`no-store`, and a fresh entry the key may
 * read. It decides nothing of its own: the caller is the key store's memo, the permission is the
 * authorization step's `permits` and the request id `request-id`'s rule (both through
 * `../hit-rules.ts`), freshness is core's `Etag.fresh` (Logto's 304: ETag,
 * Total-Number, Link; no body), and the log line is the request log's `requestRecord`.
 */
import { Etag } from "@orgkit/core"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { KeyStore } from "../../middleware/authenticate/key-store.ts"
import { callerLink } from "../../middleware/forward/headers.ts"
import type { MetricsRegistry } from "../../middleware/metrics/index.ts"
import { requestRecord } from "../../middleware/request-log/index.ts"
import type { Rate } from "../../limits/index.ts"
import type { LogSink } from "../../ports.ts"
import { mayRead, mentionsBypass, usableRequestId } from "../hit-rules.ts"
import { viewedKey } from "../keys.ts"
import type { CacheEntry, MemoryStore } from "../memory-store.ts"
import type { CacheCounters } from "../metrics.ts"

/** Options of `fastPath`. */
export interface FastPathOptions {
  readonly memory: MemoryStore
  readonly counters: CacheCounters
  /** The app's key store (its memo of headers that matched). */
  readonly keys: KeyStore
  readonly now: () => number
  readonly randomId: () => string
  /** The request log; `undefined` when info lines are not logged (no line is built then). */
  readonly log: LogSink | undefined
  /** Counts every hit, logged or not. */
  readonly metrics: MetricsRegistry
  /** `ORGKIT_RATE_LIMIT`: with a quota, every request is counted by the quota step, in Hono. */
  readonly defaultRateLimit: Rate | undefined
}

interface Rendered {
  /** The `Host` the `Link` URLs were rendered for; `undefined` when the entry has no `Link`. */
  readonly host: string | undefined
  /** `writeHead`'s flat header list; the last value is the request id, set per request. */
  readonly head: Array<string>
}

const render = (entry: CacheEntry, host: string, url: string): Rendered => {
  const head: Array<string> = []
  let linked = false
  for (const [name, value] of entry.headers) {
    if (name === "link") {
      linked = true
      head.push(name, callerLink(value, entry.meta.forwardedPath, `http://${host}${url}`))
    } else head.push(name, value)
  }
  head.push("x-cache", "HIT", "content-length", String(entry.body.byteLength), "x-request-id", "")
  return { host: linked ? host : undefined, head }
}

/**
 * The hit path: `true` when it answered the request, `false` when the request must go on to Hono.
 *
 * @example
 * const hit = fastPath({ memory, counters, keys, now: Date.now, randomId, log, metrics, defaultRateLimit })
 * http.createServer((req, res) => hit(req, res) || honoListener(req, res))
 */
export const fastPath = (options: FastPathOptions) => {
  const { memory, counters, keys, now, randomId, log, metrics } = options
  const rendered = new WeakMap<CacheEntry, Rendered>()
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET") return false
    const headers = req.headers
    const authorization = headers.authorization
    if (authorization === undefined) return false
    const principal = keys.cached(authorization)
    // A key with a quota goes through the pipeline's quota step (counted, RateLimit headers).
    if (principal === undefined || (principal.rateLimit ?? options.defaultRateLimit) !== undefined) return false
    const cacheControl = headers["cache-control"]
    if (cacheControl !== undefined && mentionsBypass.test(cacheControl)) return false
    const host = headers.host
    const url = req.url
    if (host === undefined || url === undefined) return false
    const at = now()
    let entry = memory.peek(url, at)
    if (entry !== undefined && !mayRead(entry.meta, principal)) entry = undefined
    if (entry === undefined && principal.organizations !== undefined) {
      entry = memory.peek(viewedKey(url, principal), at)
      if (entry !== undefined && !mayRead(entry.meta, principal)) entry = undefined
    }
    if (entry === undefined) return false
    let view = rendered.get(entry)
    if (view === undefined || (view.host !== undefined && view.host !== host)) {
      view = render(entry, host, url)
      rendered.set(entry, view)
    }
    const given = headers["x-request-id"]
    const requestId = typeof given === "string" && usableRequestId.test(given) ? given : randomId()
    const head = view.head
    head[head.length - 1] = requestId
    const fresh =
      entry.etag !== undefined &&
      Etag.fresh(
        { ifNoneMatch: headers["if-none-match"], ifModifiedSince: headers["if-modified-since"], cacheControl },
        entry.etag
      )
    const status = fresh ? 304 : 200
    if (status === 304) {
      const notModified: Array<string> = []
      for (let i = 0; i < head.length; i += 2) {
        if (head[i] !== "content-type" && head[i] !== "content-length") notModified.push(head[i]!, head[i + 1]!)
      }
      res.writeHead(304, notModified)
      res.end()
    } else {
      res.writeHead(200, head)
      res.end(entry.body)
    }
    counters.hits++
    metrics.hit(entry.meta.operationId, status)
    if (log !== undefined) {
      const query = url.indexOf("?")
      log(
        requestRecord({
          startedAt: at,
          requestId,
          method: "GET",
          path: query === -1 ? url : url.slice(0, query),
          operationId: entry.meta.operationId,
          keyId: principal.id,
          status,
          code: undefined,
          cache: "HIT",
          upstream: undefined,
          durationMs: 0
        })
      )
    }
    return true
  }
}
