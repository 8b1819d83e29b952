/**
 * The in-memory cache store: Node's whole cache, and the state inside each Durable Object on Workers.
 *
 * - Entries are Logto's serialized answers (status, the headers that matter, body bytes), kept in
 *   least-recently-used order under a byte bound; each belongs to one tag (`org:<id>` or `orgs`).
 * - Invalidation deletes a tag's entries at once and records when it happened. A fill holds a
 *   **lease** taken when its lookup missed; its answer is stored only if no invalidation of its tag
 *   (or of everything) happened since, so a fill that raced a write can never store pre-write data.
 * - Concurrent identical misses wait on the first one's fill (coalescing) and get its answer, its
 *   failure, or (when an invalidation superseded the fill) a fresh lookup.
 *
 * Single-threaded by construction (one Node event loop, one Durable Object): no locks.
 */
import type { RouteTable } from "@orgkit/core"

/** An answer as stored: Logto's status, the headers that matter and the body bytes. */
export interface StoredResponse {
  readonly status: number
  /** Lower-case names: `content-type`, `etag`, `total-number`, `link` (Logto's URLs, not yet rewritten). */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: Uint8Array
}

/** What the proxy needs to serve an entry without matching the route again (the Node hit path). */
export interface EntryMeta {
  readonly operationId: RouteTable.OperationId
  /** The organization of the read; `undefined` for ListOrganizations. */
  readonly organizationId: string | undefined
  /** `""`, or the restricted view the entry was filled for (see `keys.ts`). */
  readonly view: string
  /** The path sent upstream (Logto's `Link` URLs carry it). */
  readonly forwardedPath: string
}

/** A cached answer. */
export interface CacheEntry extends StoredResponse {
  readonly key: string
  readonly tag: string
  readonly meta: EntryMeta
  readonly etag: string | undefined
  readonly storedAt: number
  /** Fresh until then (ms since the epoch); a revalidation moves it. */
  expiresAt: number
  /** Estimated memory held. */
  readonly bytes: number
}

/** Permission to store the answer of a fill, valid until its tag is invalidated. */
export interface Lease {
  /** The store instance that issued it (a Durable Object restarted in between rejects it). */
  readonly instance: string
  readonly seq: number
}

/** A fill that ended without a cacheable answer: what its waiters answer (the proxy's 502/504). */
export interface Failure {
  readonly status: number
  readonly body: { readonly code?: string; readonly message: string; readonly data?: unknown }
}

/** What a lookup found. */
export type Found =
  /** A fresh entry. */
  | { readonly _tag: "Fresh"; readonly entry: CacheEntry }
  /** Nothing fresh: the caller fills (with `expired`, if any, for revalidation or stale-if-error). */
  | { readonly _tag: "Lease"; readonly lease: Lease; readonly expired: CacheEntry | undefined }
  /** Waited on a concurrent identical fill: its answer (cached or not). */
  | { readonly _tag: "Shared"; readonly response: StoredResponse; readonly expired: CacheEntry | undefined }
  /** Waited on a concurrent identical fill that got no answer. */
  | { readonly _tag: "Failed"; readonly failure: Failure; readonly expired: CacheEntry | undefined }

/** How a fill ended. */
export type Completion =
  /** A cacheable answer: store it (if the lease is still valid) and share it with the waiters. */
  | {
      readonly _tag: "Store"
      readonly response: StoredResponse
      readonly meta: EntryMeta
      readonly maxAgeMs: number
    }
  /** Logto answered 304 to the expired entry's ETag: it is fresh again. */
  | { readonly _tag: "Refresh"; readonly etag: string; readonly maxAgeMs: number }
  /** An answer not to cache (an error, a too-large body): share it with the waiters only. */
  | { readonly _tag: "Share"; readonly response: StoredResponse }
  /** No answer (timeout, unreachable): the waiters fail the same way, or serve stale. */
  | { readonly _tag: "Fail"; readonly failure: Failure }
  /** Something unexpected: the waiters look up again. */
  | { readonly _tag: "Abandon" }

/** `read`: a normal lookup; `bypass`: a lease only, never an entry and never waiting (Cache-Control: no-cache). */
export type LookupMode = "read" | "bypass"

type Outcome =
  | { readonly _tag: "Shared"; readonly response: StoredResponse }
  | { readonly _tag: "Failed"; readonly failure: Failure }
  | { readonly _tag: "Retry" }

interface Fill {
  readonly tag: string
  readonly lease: Lease
  readonly waiters: Array<(outcome: Outcome) => void>
  readonly timer: ReturnType<typeof setTimeout>
}

/** Options of `MemoryStore`. */
export interface MemoryStoreOptions {
  /** The most bytes all entries may hold; least recently used entries are evicted beyond it. */
  readonly maxBytes: number
  /** Identifies this store's leases (a random id per Durable Object instance). */
  readonly instance: string
  /** How long waiters wait for a fill before one of them takes over (a filler that died). */
  readonly leaseMs: number
}

/** Bytes charged per entry beyond its body, headers and key (objects, map slots). */
const entryOverhead = 256

const utf16Bytes = (s: string) => s.length * 2

/** The memory an answer would take as an entry under `key`. */
export const entryBytes = (key: string, response: StoredResponse): number => {
  let bytes = entryOverhead + response.body.byteLength + utf16Bytes(key) * 2
  for (const [name, value] of response.headers) bytes += utf16Bytes(name) + utf16Bytes(value)
  return bytes
}

/** Tags invalidated since this many leases are tracked individually; beyond that, every older lease is void. */
const maxTrackedInvalidations = 4096

/** The store. */
export class MemoryStore {
  readonly #options: MemoryStoreOptions
  /** In least-recently-used order: the first key is the next to evict. */
  readonly #entries = new Map<string, CacheEntry>()
  readonly #byTag = new Map<string, Set<string>>()
  readonly #fills = new Map<string, Fill>()
  /** Tag → the sequence number of its last invalidation; leases older than that are void. */
  readonly #invalidatedAt = new Map<string, number>()
  #seq = 0
  /** Leases older than this are void (everything was invalidated, or the per-tag record overflowed). */
  #allAt = 0
  #bytes = 0
  #evictions = 0

  constructor(options: MemoryStoreOptions) {
    this.#options = options
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size
  }

  /** Bytes held (estimated). */
  get bytes(): number {
    return this.#bytes
  }

  /** Entries evicted for room so far. */
  get evictions(): number {
    return this.#evictions
  }

  /** Whether any entry or fill belongs to the store (a Durable Object with nothing can be forgotten). */
  get empty(): boolean {
    return this.#entries.size === 0 && this.#fills.size === 0
  }

  /** A fresh entry, marked as recently used; the hit path's only call. */
  peek(key: string, now: number): CacheEntry | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined || entry.expiresAt <= now) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry
  }

  /** Looks a read up; waits on a concurrent identical fill instead of starting another. */
  lookup(tag: string, key: string, now: number, mode: LookupMode): Found | Promise<Found> {
    if (mode === "bypass") return { _tag: "Lease", lease: this.#lease(), expired: undefined }
    const entry = this.peek(key, now)
    if (entry !== undefined) return { _tag: "Fresh", entry }
    const fill = this.#fills.get(key)
    if (fill !== undefined) {
      return new Promise<Outcome>((resolve) => fill.waiters.push(resolve)).then((outcome) =>
        outcome._tag === "Retry" ? this.lookup(tag, key, now, mode) : { ...outcome, expired: this.#entries.get(key) }
      )
    }
    const lease = this.#lease()
    const timer = setTimeout(() => this.#settle(key, lease, { _tag: "Retry" }), this.#options.leaseMs)
    ;(timer as { unref?: () => void }).unref?.()
    this.#fills.set(key, { tag, lease, waiters: [], timer })
    return { _tag: "Lease", lease, expired: this.#entries.get(key) }
  }

  /** Ends a fill: stores or refreshes its answer if the lease is still valid, and wakes its waiters. */
  complete(tag: string, key: string, lease: Lease, completion: Completion, now: number): CacheEntry | undefined {
    const valid = this.#valid(tag, lease)
    switch (completion._tag) {
      case "Store": {
        const entry = valid ? this.#store(tag, key, completion, now) : undefined
        this.#settle(key, lease, { _tag: "Shared", response: completion.response })
        return entry
      }
      case "Refresh": {
        const entry = this.#entries.get(key)
        const refreshed = valid && entry !== undefined && entry.etag === completion.etag ? entry : undefined
        if (refreshed !== undefined) {
          refreshed.expiresAt = now + completion.maxAgeMs
          this.peek(key, now)
        }
        this.#settle(key, lease, refreshed === undefined ? { _tag: "Retry" } : { _tag: "Shared", response: refreshed })
        return refreshed
      }
      case "Share":
        this.#settle(key, lease, { _tag: "Shared", response: completion.response })
        return undefined
      case "Fail":
        this.#settle(key, lease, { _tag: "Failed", failure: completion.failure })
        return undefined
      case "Abandon":
        this.#settle(key, lease, { _tag: "Retry" })
        return undefined
    }
  }

  /** Drops every entry of these tags (`all`: everything) and voids the leases taken before. */
  invalidate(tags: ReadonlyArray<string>): void {
    for (const tag of tags) {
      if (tag === "all") {
        this.invalidateAll()
        continue
      }
      this.#invalidatedAt.set(tag, ++this.#seq)
      const keys = this.#byTag.get(tag)
      if (keys !== undefined) for (const key of keys) this.#delete(key)
      for (const [key, fill] of this.#fills) if (fill.tag === tag) this.#settle(key, fill.lease, { _tag: "Retry" })
    }
    if (this.#invalidatedAt.size > maxTrackedInvalidations) {
      this.#allAt = this.#seq
      this.#invalidatedAt.clear()
    }
  }

  /** Drops everything and voids every lease taken before. */
  invalidateAll(): void {
    this.#allAt = ++this.#seq
    this.#invalidatedAt.clear()
    this.#entries.clear()
    this.#byTag.clear()
    this.#bytes = 0
    for (const [key, fill] of this.#fills) this.#settle(key, fill.lease, { _tag: "Retry" })
  }

  #lease(): Lease {
    return { instance: this.#options.instance, seq: this.#seq }
  }

  #valid(tag: string, lease: Lease): boolean {
    return (
      lease.instance === this.#options.instance &&
      lease.seq >= this.#allAt &&
      lease.seq >= (this.#invalidatedAt.get(tag) ?? 0)
    )
  }

  #settle(key: string, lease: Lease, outcome: Outcome): void {
    const fill = this.#fills.get(key)
    if (fill === undefined || fill.lease.seq !== lease.seq || fill.lease.instance !== lease.instance) return
    this.#fills.delete(key)
    clearTimeout(fill.timer)
    for (const wake of fill.waiters) wake(outcome)
  }

  #store(
    tag: string,
    key: string,
    completion: Extract<Completion, { _tag: "Store" }>,
    now: number
  ): CacheEntry | undefined {
    const { response } = completion
    const bytes = entryBytes(key, response)
    if (bytes > this.#options.maxBytes) return undefined
    let etag: string | undefined
    for (const [name, value] of response.headers) if (name === "etag") etag = value
    const entry: CacheEntry = {
      key,
      tag,
      meta: completion.meta,
      status: response.status,
      headers: response.headers,
      body: response.body,
      etag,
      storedAt: now,
      expiresAt: now + completion.maxAgeMs,
      bytes
    }
    this.#delete(key)
    this.#entries.set(key, entry)
    let keys = this.#byTag.get(tag)
    if (keys === undefined) this.#byTag.set(tag, (keys = new Set()))
    keys.add(key)
    this.#bytes += bytes
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#options.maxBytes) break
      this.#delete(oldest)
      this.#evictions++
    }
    return entry
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
    const keys = this.#byTag.get(entry.tag)
    keys?.delete(key)
    if (keys?.size === 0) this.#byTag.delete(entry.tag)
  }
}
