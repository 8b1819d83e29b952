/**
 * The Node hit path: answers cache hits in the raw `node:http` request listener, before Hono.
 *
 * Per request it costs a few `Map` lookups and one `writeHead`: the `Authorization` header resolves
 * to a principal through the key store's memo (no hashing), `req.url` is the cache key, and the
 * entry holds Logto's body bytes and a pre-rendered header list. It serves only what the full
 * pipeline would answer the same way, and otherwise returns `false` so the request goes to Hono:
 * a GET with a memoized key holding scope `read`, no `If-None-Match` or `Cache-Control`, a fresh
 * entry the key may see (its organization is on the key's list; ListOrganizations only in the key's
 * own view), and a `Host` for which the entry's `Link` URLs were rendered.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { callerLink } from "../../middleware/forward/headers.ts"
import type { KeyStore } from "../../middleware/authenticate/key-store.ts"
import type { LogSink } from "../../ports.ts"
import type { Principal } from "../../principal.ts"
import { viewOf } from "../keys.ts"
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
  /** Where the request line goes; `undefined` when info lines are not logged. */
  readonly log: LogSink | undefined
}

interface Rendered {
  /** The `Host` the `Link` URLs were rendered for; `undefined` when the entry has no `Link`. */
  readonly host: string | undefined
  /** `writeHead`'s flat header list; the last value is the request id, set per request. */
  readonly head: Array<string>
}

const usableRequestId = /^[\x21-\x7e]{1,200}$/

const mayRead = (entry: CacheEntry, principal: Principal): boolean => {
  const organization = entry.meta.organizationId
  if (organization !== undefined)
    return principal.organizations === undefined || principal.organizations.has(organization)
  return entry.meta.view === viewOf(principal)
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
 * const hit = fastPath({ memory, counters, keys, now: Date.now, randomId, log })
 * http.createServer((req, res) => hit(req, res) || honoListener(req, res))
 */
export const fastPath = (options: FastPathOptions) => {
  const { memory, counters, keys, now, randomId, log } = options
  const rendered = new WeakMap<CacheEntry, Rendered>()
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET") return false
    const headers = req.headers
    const authorization = headers.authorization
    if (authorization === undefined) return false
    const principal = keys.cached(authorization)
    if (principal === undefined || !principal.scopes.has("read")) return false
    if (headers["if-none-match"] !== undefined || headers["cache-control"] !== undefined) return false
    const host = headers.host
    const url = req.url
    if (host === undefined || url === undefined) return false
    const at = now()
    let entry = memory.peek(url, at)
    if (entry !== undefined && !mayRead(entry, principal)) entry = undefined
    if (entry === undefined && principal.organizations !== undefined) {
      entry = memory.peek(`${url}\n${viewOf(principal)}`, at)
      if (entry !== undefined && !mayRead(entry, principal)) entry = undefined
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
    res.writeHead(200, head)
    res.end(entry.body)
    counters.hits++
    if (log !== undefined) {
      const query = url.indexOf("?")
      log({
        time: new Date(at).toISOString(),
        level: "info",
        msg: "request",
        requestId,
        method: "GET",
        path: query === -1 ? url : url.slice(0, query),
        operationId: entry.meta.operationId,
        keyId: principal.id,
        status: 200,
        cache: "HIT",
        durationMs: 0
      })
    }
    return true
  }
}
