/**
 * The Node hit path: answers cache hits in the raw `node:http` request listener, before Hono.
 *
 * Per request it costs a few `Map` lookups and one `writeHead`: the `Authorization` header resolves
 * to a principal through the key store's memo (no hashing), `req.url` is the cache key, and the
 * entry holds Logto's body bytes and a pre-rendered header list. It serves only what the full
 * pipeline would answer the same way, and otherwise returns `false` so the request goes to Hono:
 * a GET with a memoized key holding scope `read`, no `Cache-Control: no-cache`/`no-store`, a fresh
 * entry the key may see (its organization is on the key's list; ListOrganizations only in the key's
 * own view), and a `Host` for which the entry's `Link` URLs were rendered. A matching
 * `If-None-Match` gets Logto's 304 (ETag, Total-Number, Link; no body).
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { freshFor } from "../../middleware/forward/etag.ts"
import { callerLink } from "../../middleware/forward/headers.ts"
import type { KeyStore } from "../../middleware/authenticate/key-store.ts"
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
  /** Takes the request line as JSON text; `undefined` when info lines are not logged. */
  readonly logLine: ((json: string) => void) | undefined
}

interface Rendered {
  /** The `Host` the `Link` URLs were rendered for; `undefined` when the entry has no `Link`. */
  readonly host: string | undefined
  /** `writeHead`'s flat header list; the last value is the request id, set per request. */
  readonly head: Array<string>
}

const bypass = /no-cache|no-store/i
const usableRequestId = /^[\x21-\x7e]{1,200}$/
// Printable ASCII without `"` and `\\`: nothing to escape in a JSON string.
const plain = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
const maxPathInLog = 2048

/** A JSON string literal, without `JSON.stringify` for the usual plain ASCII. */
const quote = (s: string): string => (plain.test(s) ? `"${s}"` : JSON.stringify(s))

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
  const { memory, counters, keys, now, randomId, logLine } = options
  const rendered = new WeakMap<CacheEntry, Rendered>()
  let isoAt = Number.NaN
  let iso = ""
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET") return false
    const headers = req.headers
    const authorization = headers.authorization
    if (authorization === undefined) return false
    const principal = keys.cached(authorization)
    if (principal === undefined || !principal.scopes.has("read")) return false
    const cacheControl = headers["cache-control"]
    if (cacheControl !== undefined && bypass.test(cacheControl)) return false
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
    const noneMatch = headers["if-none-match"]
    const status =
      noneMatch !== undefined && entry.etag !== undefined && freshFor(noneMatch, cacheControl, entry.etag) ? 304 : 200
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
    if (logLine !== undefined) {
      // The same line the request log writes, preformatted: no object, no JSON.stringify, one
      // timestamp string per millisecond.
      if (at !== isoAt) {
        isoAt = at
        iso = new Date(at).toISOString()
      }
      const query = url.indexOf("?")
      const path = query === -1 ? url : url.slice(0, query)
      logLine(
        `{"time":"${iso}","level":"info","msg":"request","requestId":${quote(requestId)},"method":"GET","path":${quote(
          path.length > maxPathInLog ? `${path.slice(0, maxPathInLog)}…` : path
        )},"operationId":"${entry.meta.operationId}","keyId":${quote(principal.id)},"status":${status},"cache":"HIT","durationMs":0}`
      )
    }
    return true
  }
}
