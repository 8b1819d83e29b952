/**
 * The cache in one process's memory (Node): the read-through logic over a `MemoryStore` holding
 * every tag, with a global LRU byte bound. Everything is synchronous underneath; the Node hit path
 * (`node/fast-path.ts`) reads the same store directly.
 */
import type { CacheSettings } from "../config.ts"
import type { LogSink } from "../ports.ts"
import { MemoryStore } from "./memory-store.ts"
import { type CacheCounters, makeCounters } from "./metrics.ts"
import { type Backend, makeReadThrough, type ReadThroughCache } from "./read-through.ts"

/** The in-memory cache: the `CacheStore` port, its store and counters (shared with the hit path). */
export interface MemoryCache {
  readonly store: ReadThroughCache
  readonly memory: MemoryStore
  readonly counters: CacheCounters
  readonly settings: CacheSettings
}

/** Options of `memoryCache`. */
export interface MemoryCacheOptions {
  readonly now: () => number
  readonly log: LogSink
  /** How long concurrent identical misses wait on one fill before another takes over. */
  readonly leaseMs: number
}

/** A `Backend` over one `MemoryStore`. */
export const memoryBackend = (memory: MemoryStore, maxBytes: number): Backend => ({
  lookup: async (tag, key, now, mode) => memory.lookup(tag, key, now, mode),
  complete: async (tag, key, lease, completion, now) => memory.complete(tag, key, lease, completion, now),
  invalidate: async (tags) => memory.invalidate(tags),
  gauges: () => ({ entries: memory.size, bytes: memory.bytes, maxBytes, evictions: memory.evictions })
})

/** Builds the in-memory cache. */
export const memoryCache = (settings: CacheSettings, options: MemoryCacheOptions): MemoryCache => {
  const memory = new MemoryStore({ maxBytes: settings.maxBytes, instance: "memory", leaseMs: options.leaseMs })
  const counters = makeCounters()
  const store = makeReadThrough({
    backend: memoryBackend(memory, settings.maxBytes),
    policy: settings,
    now: options.now,
    counters,
    log: options.log
  })
  return { store, memory, counters, settings }
}
