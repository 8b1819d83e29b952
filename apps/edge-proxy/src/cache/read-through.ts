/**
 * The read-through cache: the `CacheStore` port over a `Backend` (Node: the in-memory store;
 * Workers: one Durable Object per tag). The same decisions on both runtimes:
 *
 * - a fresh entry is a HIT (a matching `If-None-Match` gets 304 from the cache, as Logto would);
 * - otherwise one fill asks Logto (concurrent identical misses wait on it), revalidating an expired
 *   entry with `If-None-Match` when it has an ETag; only 200s within the entry size limit are stored;
 * - when Logto fails (no answer, 5xx, 429), an expired entry within the stale-if-error bound is
 *   served as STALE; otherwise the failure stands (the proxy's 502/504, or Logto's answer);
 * - `Cache-Control: no-cache` (or `no-store`) from the caller bypasses the cache and refreshes it
 *   (`no-store`: without storing); HEAD is always passed through;
 * - every write invalidates the tags of the dependency map before its answer is sent.
 */
import { fromUpstreamFailure, ProxyError } from "../errors.ts"
import { Etag } from "@orgkit/core"
import { RouteTable } from "@orgkit/core"
import type { CacheLookup, CacheRead, CacheStore, LoadOptions, LogSink, UpstreamResponse } from "../ports.ts"
import { UpstreamFailure } from "../ports.ts"
import { readTag, writeTags } from "./dependencies.ts"
import { cacheKey, requestTarget, viewOf } from "./keys.ts"
import type {
  CacheEntry,
  Completion,
  EntryMeta,
  Failure,
  Found,
  Lease,
  LookupMode,
  StoredResponse
} from "./memory-store.ts"
import { type CacheCounters, renderMetrics, type StoreGauges } from "./metrics.ts"

/** Where entries live: the in-memory store, or Durable Objects. Every call may fail on Workers. */
export interface Backend {
  readonly lookup: (tag: string, key: string, now: number, mode: LookupMode) => Promise<Found>
  readonly complete: (
    tag: string,
    key: string,
    lease: Lease,
    completion: Completion,
    now: number
  ) => Promise<CacheEntry | undefined>
  /** Resolves once every tag is invalidated everywhere (`all` included). */
  readonly invalidate: (tags: ReadonlyArray<string>) => Promise<void>
  /** Gauges of entries held in this process, if they are. */
  readonly gauges?: () => StoreGauges
}

/** The cache's settings (see README.md, Caching). */
export interface CachePolicy {
  /** An entry is fresh for this long. */
  readonly maxAgeMs: number
  /** An expired entry may still be served this long after expiry when Logto fails. */
  readonly staleIfErrorMs: number
  /** Larger answers are not stored. */
  readonly maxEntryBytes: number
}

/** Options of `makeReadThrough`. */
export interface ReadThroughOptions {
  readonly backend: Backend
  readonly policy: CachePolicy
  readonly now: () => number
  readonly counters: CacheCounters
  readonly log: LogSink
}

/** A `CacheStore` with its counters. */
export interface ReadThroughCache extends CacheStore {
  readonly counters: CacheCounters
}

/** The `Warning` a stale answer carries (RFC 7234 §5.5.1). */
export const staleWarning = '110 - "Response is Stale"'

const storedHeaders = ["content-type", "etag", "total-number", "link"] as const

/** Logto's answer as stored: status, the headers that matter, the body. */
export const toStored = (response: UpstreamResponse): StoredResponse => {
  const headers: Array<readonly [string, string]> = []
  for (const name of storedHeaders) {
    const value = response.headers.get(name)
    if (value !== null) headers.push([name, value])
  }
  return { status: response.status, headers, body: response.body }
}

// The full answer of a stored response, built once per entry (a hit on the same entry reuses it;
// nothing downstream changes an `UpstreamResponse`).
const answers = new WeakMap<StoredResponse, UpstreamResponse>()

const fromStored = (stored: StoredResponse, status = stored.status, withBody = true): UpstreamResponse => {
  if (status === stored.status && withBody) {
    let full = answers.get(stored)
    if (full === undefined) answers.set(stored, (full = build(stored, status, withBody)))
    return full
  }
  return build(stored, status, withBody)
}

const build = (stored: StoredResponse, status: number, withBody: boolean): UpstreamResponse => {
  const headers = new Headers()
  for (const [name, value] of stored.headers) if (withBody || name !== "content-type") headers.append(name, value)
  return { status, headers, body: withBody ? stored.body : new Uint8Array(0) }
}

const etagOf = (stored: StoredResponse): string | undefined => {
  for (const [name, value] of stored.headers) if (name === "etag") return value
  return undefined
}

/**
 * The caller's answer from a stored 200: 304 (ETag, Total-Number, Link; no body, no Content-Type)
 * when its `If-None-Match` matches and it sent no `Cache-Control: no-cache`, as Logto decides.
 */
export const answer = (stored: StoredResponse, callerHeaders: Headers): UpstreamResponse => {
  const etag = stored.status === 200 ? etagOf(stored) : undefined
  return etag !== undefined && Etag.isFresh(callerHeaders, etag) ? fromStored(stored, 304, false) : fromStored(stored)
}

/** `no-cache` or `no-store` in the caller's `Cache-Control`, if any. */
export const bypassDirective = (headers: Headers): "no-cache" | "no-store" | undefined => {
  const value = headers.get("cache-control")
  if (value === null) return undefined
  let found: "no-cache" | "no-store" | undefined
  for (const part of value.split(",")) {
    const directive = part.trim().toLowerCase()
    if (directive === "no-store") return "no-store"
    if (directive === "no-cache") found = "no-cache"
  }
  return found
}

/** Whether Logto's answer counts as a failure that a stale entry may cover. */
const failed = (status: number) => status >= 500 || status === 429

/** The proxy's own answer for a failure without a response (timeout, unreachable, its own credentials). */
const failureOf = (error: unknown): Failure | undefined => {
  if (error instanceof UpstreamFailure) {
    const mapped = fromUpstreamFailure(error)
    return {
      status: mapped.status,
      body: {
        code: mapped.body.code!,
        message: mapped.body.message,
        ...(mapped.body.data === undefined ? {} : { data: mapped.body.data })
      }
    }
  }
  if (error instanceof ProxyError && error.status >= 500) {
    return { status: error.status, body: { code: error.body.code!, message: error.body.message } }
  }
  return undefined
}

/** The cache as the app sees it. */
export const makeReadThrough = (options: ReadThroughOptions): ReadThroughCache => {
  const { backend, policy, counters, log } = options

  const usable = (expired: CacheEntry | undefined, now: number): expired is CacheEntry =>
    expired !== undefined && expired.status === 200 && now <= expired.expiresAt + policy.staleIfErrorMs

  const stale = (entry: CacheEntry, lookup: CacheLookup): CacheRead => {
    counters.stale++
    return { response: answer(entry, lookup.headers), xCache: "STALE", warning: staleWarning }
  }

  const meta = (lookup: CacheLookup): EntryMeta => ({
    operationId: lookup.route.operationId,
    organizationId:
      lookup.route.organizationParam === undefined ? undefined : lookup.params[lookup.route.organizationParam],
    view: lookup.route.organizationParam === undefined ? viewOf(lookup.principal) : "",
    forwardedPath: RouteTable.buildPath(lookup.route, lookup.params)
  })

  const completion = (response: StoredResponse, key: string, lookup: CacheLookup): Completion =>
    response.status === 200 && response.body.byteLength + key.length <= policy.maxEntryBytes
      ? { _tag: "Store", response, meta: meta(lookup), maxAgeMs: policy.maxAgeMs }
      : { _tag: "Share", response }

  const complete = (tag: string, key: string, lease: Lease, done: Completion, now: number) =>
    backend.complete(tag, key, lease, done, now).catch((error: unknown) => {
      counters.errors++
      log({ level: "error", msg: "cache store failed", key, error: String(error) })
      return undefined
    })

  /** Cache-Control: no-cache / no-store, or HEAD: Logto answers; no-cache refreshes the entry. */
  const bypass = async (
    lookup: CacheLookup,
    load: (options?: LoadOptions) => Promise<UpstreamResponse>,
    refresh: { tag: string; key: string; now: number } | undefined
  ): Promise<CacheRead> => {
    counters.bypass++
    let lease: Lease | undefined
    if (refresh !== undefined) {
      const found = await backend.lookup(refresh.tag, refresh.key, refresh.now, "bypass").catch(() => undefined)
      if (found?._tag === "Lease") lease = found.lease
    }
    const response = await load()
    if (refresh !== undefined && lease !== undefined && response.status === 200) {
      const done = completion(toStored(response), refresh.key, lookup)
      if (done._tag === "Store") await complete(refresh.tag, refresh.key, lease, done, refresh.now)
    }
    return { response, xCache: "BYPASS" }
  }

  const fill = async (
    lookup: CacheLookup,
    load: (options?: LoadOptions) => Promise<UpstreamResponse>,
    at: { tag: string; key: string; now: number },
    lease: Lease,
    expired: CacheEntry | undefined
  ): Promise<CacheRead> => {
    const { tag, key, now } = at
    const validator = expired?.status === 200 ? expired.etag : undefined
    let response: UpstreamResponse
    try {
      response = await load(validator === undefined ? { forCache: true } : { forCache: true, ifNoneMatch: validator })
    } catch (error) {
      const failure = failureOf(error)
      await complete(tag, key, lease, failure === undefined ? { _tag: "Abandon" } : { _tag: "Fail", failure }, now)
      if (failure !== undefined && usable(expired, now)) {
        if (error instanceof UpstreamFailure && error.reason === "budget") counters.staleForBudget++
        return stale(expired, lookup)
      }
      throw error
    }
    if (response.status === 304 && validator !== undefined && expired !== undefined) {
      counters.misses++
      counters.revalidated++
      const refreshed = await complete(
        tag,
        key,
        lease,
        { _tag: "Refresh", etag: validator, maxAgeMs: policy.maxAgeMs },
        now
      )
      // Logto confirmed the body just now; if a write voided the lease meanwhile, the answer is still
      // as of this request (it began before that write was answered) but is no longer stored.
      return { response: answer(refreshed ?? expired, lookup.headers), xCache: "MISS" }
    }
    const stored = toStored(response)
    await complete(tag, key, lease, completion(stored, key, lookup), now)
    if (failed(response.status) && usable(expired, now)) return stale(expired, lookup)
    counters.misses++
    return { response: answer(stored, lookup.headers), xCache: "MISS" }
  }

  const read = async (
    lookup: CacheLookup,
    load: (options?: LoadOptions) => Promise<UpstreamResponse>
  ): Promise<CacheRead> => {
    if (lookup.method !== "GET") return bypass(lookup, load, undefined)
    const tag = readTag(lookup.route, lookup.params)
    const key = cacheKey(requestTarget(lookup.url), lookup.route, lookup.principal)
    const now = options.now()
    const directive = bypassDirective(lookup.headers)
    if (directive !== undefined) return bypass(lookup, load, directive === "no-cache" ? { tag, key, now } : undefined)
    let found: Found
    try {
      found = await backend.lookup(tag, key, now, "read")
    } catch (error) {
      // The cache itself is unreachable (Workers: the Durable Object): answer from Logto.
      counters.errors++
      log({ level: "error", msg: "cache lookup failed", key, error: String(error) })
      counters.bypass++
      return { response: await load(), xCache: "BYPASS" }
    }
    switch (found._tag) {
      case "Fresh":
        counters.hits++
        return { response: answer(found.entry, lookup.headers), xCache: "HIT" }
      case "Shared":
        counters.coalesced++
        if (failed(found.response.status) && usable(found.expired, now)) return stale(found.expired, lookup)
        return { response: answer(found.response, lookup.headers), xCache: "MISS" }
      case "Failed":
        counters.coalesced++
        if (usable(found.expired, now)) return stale(found.expired, lookup)
        throw new ProxyError(found.failure.status, found.failure.body)
      case "Lease":
        return fill(lookup, load, { tag, key, now }, found.lease, found.expired)
    }
  }

  const invalidate = async (tags: ReadonlyArray<string>): Promise<void> => {
    if (tags.length === 0) return
    counters.invalidations += tags.length
    for (let attempt = 1; ; attempt++) {
      try {
        return await backend.invalidate(tags)
      } catch (error) {
        if (attempt < 3) continue
        counters.invalidationFailures++
        log({ level: "error", msg: "cache invalidation failed", tags, error: String(error) })
        return
      }
    }
  }

  return {
    counters,
    read,
    written: (write) => invalidate(writeTags(write.route, write.params, write.body)),
    invalidate,
    metrics: () => renderMetrics(counters, backend.gauges?.())
  }
}
