/**
 * The near tier (`ORGKIT_CACHE_MODE=near`): hits answered where the caller is, without the Durable
 * Object round trip, within a stated staleness bound.
 *
 * In front of the strict cache (the Durable Objects, `index.ts`) sit two copies of what the objects
 * answered, each stamped with `readAt`, the time just before the object was asked:
 *
 * - the isolate's own memory (a `Map`, at most `maxBytes`), which the Worker entry also reads before
 *   Hono (`hitPath.ts`);
 * - Cloudflare's Cache API (`caches.default`), shared by the isolates of one data centre.
 *
 * A copy is served only while `now - readAt <= boundMs` (`ORGKIT_CACHE_NEAR_MAX_STALE_MS`). A write is
 * acknowledged only after its Durable Objects dropped the entries it affects, so every copy read from
 * an object after that acknowledgement has the write: **any caller sees an acknowledged write at most
 * `boundMs` later** (plus the clock difference between two machines of one data centre, for copies in
 * the Cache API), webhooks alike.
 *
 * The writer itself gets more: a write's answer carries `Orgkit-Consistency: <ms>` (when it was
 * acknowledged); a read sending it back skips both copies and asks the Durable Object (strict, so it
 * sees the write) until the bound has passed since that time, after which no copy older than the
 * write can be served anyway. `@orgkit/client` sends back the latest token it received by itself.
 *
 * A copy is keyed like the strict entry (the request target, plus the view of a restricted key's
 * ListOrganizations) and reached only after authentication and authorization (or, on the hit path,
 * the same `permits` decision), so a restricted key reads no more than it does in strict mode.
 */
import { RouteTable } from "@orgkit/core"
import { settings } from "../../config.ts"
import { type Env, expecting, Integer, setting } from "../../internal/setting.ts"
import { consistencyHeader, tokenOf } from "../consistency.ts"
import type { CacheLookup, CacheRead, LoadOptions, UpstreamResponse } from "../../ports.ts"
import { readTag, writeTags } from "../dependencies.ts"
import { cacheKey, requestTarget, viewOf } from "../keys.ts"
import type { EntryMeta, StoredResponse } from "../memory-store.ts"
import { answer, bypassDirective, type ReadThroughCache, toStored } from "../read-through.ts"

export { consistencyHeader, tokenOf }

/** `strict` (every hit asks the organization's Durable Object) or `near` (this file). */
export type CacheMode = "strict" | "near"

/** The Workers cache's settings: the mode, the near tier's bound, the strict hit's read lease. */
export interface NearSettings {
  readonly mode: CacheMode
  /** How old a copy may be, in ms (`ORGKIT_CACHE_NEAR_MAX_STALE_MS`). */
  readonly boundMs: number
  /**
   * How long a hit's confirmation by its Durable Object stands in the isolate, in ms
   * (`ORGKIT_CACHE_READ_LEASE_MS`, see `durableBackend`); a write waits out at most this long.
   */
  readonly readLeaseMs: number
}

/** Defaults: strict with a 10 ms read lease, and a 5 s bound once `near` is chosen. */
export const nearDefaults: NearSettings = { mode: "strict", boundMs: 5_000, readLeaseMs: 10 }

const Mode = expecting('"strict" or "near"', (s) => s === "strict" || s === "near")

/**
 * Decodes the Workers cache's settings (`ORGKIT_CACHE_MODE`, `ORGKIT_CACHE_NEAR_MAX_STALE_MS`,
 * `ORGKIT_CACHE_READ_LEASE_MS`), or names what is wrong with them.
 */
export const decodeNearSettings = (
  env: Env
): { readonly settings: NearSettings } | { readonly problems: ReadonlyArray<string> } => {
  const problems: Array<string> = []
  const mode = setting(problems, env, settings.cacheMode, Mode, nearDefaults.mode)
  const bound = setting(problems, env, settings.cacheNearMaxStale, Integer(0, 300_000), String(nearDefaults.boundMs))
  const lease = setting(problems, env, settings.cacheReadLease, Integer(0, 1_000), String(nearDefaults.readLeaseMs))
  return problems.length > 0
    ? { problems }
    : { settings: { mode: mode as CacheMode, boundMs: Number(bound), readLeaseMs: Number(lease) } }
}

/** A copy of an entry the strict cache answered. */
export interface NearCopy extends StoredResponse {
  readonly key: string
  readonly tag: string
  readonly meta: EntryMeta
  /** Just before the Durable Object was asked (ms since the epoch). */
  readonly readAt: number
  readonly bytes: number
}

/** The isolate's copies, oldest first, at most `maxBytes`. */
export class NearMemory {
  readonly #copies = new Map<string, NearCopy>()
  readonly #maxBytes: number
  #bytes = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** The copy for `key` if it is within the bound at `now`. */
  fresh(key: string, now: number, boundMs: number): NearCopy | undefined {
    const copy = this.#copies.get(key)
    if (copy === undefined) return undefined
    if (now - copy.readAt > boundMs || now < copy.readAt - boundMs) {
      this.#remove(copy)
      return undefined
    }
    return copy
  }

  put(copy: NearCopy): void {
    const previous = this.#copies.get(copy.key)
    if (previous !== undefined && previous.readAt > copy.readAt) return
    if (previous !== undefined) this.#remove(previous)
    if (copy.bytes > this.#maxBytes) return
    this.#copies.set(copy.key, copy)
    this.#bytes += copy.bytes
    for (const oldest of this.#copies.values()) {
      if (this.#bytes <= this.#maxBytes) break
      this.#remove(oldest)
    }
  }

  /** Drops this isolate's copies of these tags (`all`: every copy) and returns their keys. */
  drop(tags: ReadonlyArray<string>): Array<string> {
    const dropped: Array<string> = []
    const all = tags.includes("all")
    for (const copy of [...this.#copies.values()]) {
      if (all || tags.includes(copy.tag)) {
        dropped.push(copy.key)
        this.#remove(copy)
      }
    }
    return dropped
  }

  get size(): number {
    return this.#copies.size
  }

  #remove(copy: NearCopy): void {
    if (this.#copies.get(copy.key) === copy) {
      this.#copies.delete(copy.key)
      this.#bytes -= copy.bytes
    }
  }
}

/** The data centre's copies: `caches.default` (or a named cache in tests). */
export interface EdgeCache {
  readonly match: (request: Request) => Promise<Response | undefined>
  readonly put: (request: Request, response: Response) => Promise<void>
  readonly delete: (request: Request) => Promise<boolean>
}

const edgeOrigin = "https://orgkit-near.invalid/"
const edgeRequest = (key: string) => new Request(edgeOrigin + encodeURIComponent(key))

const metaHeader = "x-orgkit-near"

/** A copy as a Cache API response: the body, the stored headers and the copy's own fields. */
const toEdge = (copy: NearCopy, boundMs: number): Response => {
  const headers = new Headers()
  for (const [name, value] of copy.headers) headers.append(name, value)
  headers.set(metaHeader, JSON.stringify({ tag: copy.tag, meta: copy.meta, readAt: copy.readAt, status: copy.status }))
  // Cloudflare evicts it once no isolate may serve it any longer (whole seconds, at least one).
  headers.set("cache-control", `max-age=${Math.max(1, Math.ceil(boundMs / 1000))}`)
  return new Response(copy.body as Uint8Array<ArrayBuffer>, { status: 200, headers })
}

const fromEdge = async (key: string, response: Response): Promise<NearCopy | undefined> => {
  const own = response.headers.get(metaHeader)
  if (own === null) return undefined
  const { tag, meta, readAt, status } = JSON.parse(own) as {
    tag: string
    meta: EntryMeta
    readAt: number
    status: number
  }
  const headers: Array<readonly [string, string]> = []
  for (const name of ["content-type", "etag", "total-number", "link"]) {
    const value = response.headers.get(name)
    if (value !== null) headers.push([name, value])
  }
  const body = new Uint8Array(await response.arrayBuffer())
  return { key, tag, meta, readAt, status, headers, body, bytes: body.byteLength + key.length * 2 + 512 }
}

/** Counters of the near tier (per isolate). */
export interface NearCounters {
  /** Hits answered from the isolate's memory (the hit path's included). */
  memoryHits: number
  /** Hits answered from the data centre's Cache API. */
  edgeHits: number
  /** Reads that carried a consistency token within the bound, and so asked the Durable Object. */
  tokenReads: number
}

/** Options of `nearCache`. */
export interface NearCacheOptions {
  readonly strict: ReadThroughCache
  readonly settings: NearSettings
  readonly now: () => number
  readonly memory: NearMemory
  /** `caches.default` on Workers; `undefined`: the isolate's memory only. */
  readonly edge: EdgeCache | undefined
}

/** The near cache: a `CacheStore` that also issues consistency tokens on writes. */
export interface NearCache extends ReadThroughCache {
  readonly near: NearCounters
  readonly memory: NearMemory
  readonly boundMs: number
  /** The token for a write acknowledged now. */
  readonly consistencyToken: () => string
}

/** Whether a read must skip the copies: HEAD, a caller's no-cache/no-store, or a recent write's token. */
const mustAskStrict = (lookup: CacheLookup, now: number, boundMs: number): "token" | boolean => {
  if (lookup.method !== "GET" || bypassDirective(lookup.headers) !== undefined) return true
  const token = tokenOf(lookup.headers)
  return token !== undefined && now <= token + boundMs ? "token" : false
}

/**
 * The near tier over the strict cache (see the top of this file).
 *
 * @example
 * const cache = nearCache({ strict: durableCache(env, ...), settings, now, memory: new NearMemory(8 << 20), edge: caches.default })
 */
export const nearCache = (options: NearCacheOptions): NearCache => {
  const { strict, settings, now, memory, edge } = options
  const boundMs = settings.boundMs
  const near: NearCounters = { memoryHits: 0, edgeHits: 0, tokenReads: 0 }

  const hit = (copy: NearCopy, lookup: CacheLookup): CacheRead => {
    strict.counters.hits++
    return { response: answer(copy, lookup.headers), xCache: "HIT" }
  }

  const read = async (
    lookup: CacheLookup,
    load: (options?: LoadOptions) => Promise<UpstreamResponse>
  ): Promise<CacheRead> => {
    const at = now()
    const skip = mustAskStrict(lookup, at, boundMs)
    if (skip === "token") near.tokenReads++
    if (skip !== false || boundMs === 0) return strict.read(lookup, load)
    const key = cacheKey(requestTarget(lookup.url), lookup.route, lookup.principal)
    const local = memory.fresh(key, at, boundMs)
    if (local !== undefined) {
      near.memoryHits++
      return hit(local, lookup)
    }
    if (edge !== undefined) {
      const found = await edge.match(edgeRequest(key)).catch(() => undefined)
      const copy = found === undefined ? undefined : await fromEdge(key, found).catch(() => undefined)
      if (copy !== undefined && at - copy.readAt <= boundMs && at >= copy.readAt - boundMs) {
        memory.put(copy)
        near.edgeHits++
        return hit(copy, lookup)
      }
    }
    const readAt = now()
    const result = await strict.read(lookup, load)
    // Only what the strict cache holds (a HIT, or a MISS it stored) is copied: a 200 with its body.
    if ((result.xCache === "HIT" || result.xCache === "MISS") && result.response.status === 200) {
      const stored = toStored(result.response)
      const copy: NearCopy = {
        ...stored,
        key,
        tag: readTag(lookup.route, lookup.params),
        meta: {
          operationId: lookup.route.operationId,
          organizationId:
            lookup.route.organizationParam === undefined ? undefined : lookup.params[lookup.route.organizationParam],
          view: lookup.route.organizationParam === undefined ? viewOf(lookup.principal) : "",
          forwardedPath: RouteTable.buildPath(lookup.route, lookup.params)
        },
        readAt,
        bytes: stored.body.byteLength + key.length * 2 + 512
      }
      memory.put(copy)
      if (edge !== undefined) await edge.put(edgeRequest(key), toEdge(copy, boundMs)).catch(() => undefined)
    }
    return result
  }

  /**
   * Drops the copies this isolate holds of these tags, here and in its data centre's cache (a
   * courtesy to the writer's neighbours, not a promise: copies other isolates put stay until the bound).
   */
  const drop = async (tags: ReadonlyArray<string>) => {
    const keys = memory.drop(tags)
    if (edge !== undefined) await Promise.all(keys.map((key) => edge.delete(edgeRequest(key)).catch(() => false)))
  }

  const invalidate = async (tags: ReadonlyArray<string>) => {
    await drop(tags)
    await strict.invalidate(tags)
  }

  return {
    counters: strict.counters,
    near,
    memory,
    boundMs,
    read,
    written: async (write) => {
      await drop(writeTags(write.route, write.params, write.body))
      await strict.written(write)
    },
    invalidate,
    consistencyToken: () => String(now()),
    metrics: () =>
      strict.metrics() +
      `# HELP orgkit_cache_near_hits_total Hits answered by the near tier, by where.\n# TYPE orgkit_cache_near_hits_total counter\n` +
      `orgkit_cache_near_hits_total{tier="memory"} ${near.memoryHits}\norgkit_cache_near_hits_total{tier="edge"} ${near.edgeHits}\n` +
      `# HELP orgkit_cache_near_token_reads_total Reads sent to the Durable Object because of a recent write's token.\n# TYPE orgkit_cache_near_token_reads_total counter\n` +
      `orgkit_cache_near_token_reads_total ${near.tokenReads}\n`
  }
}
