/**
 * The cache shared by several Node processes through Redis (`ORGKIT_CACHE_REDIS_URL`): the same
 * read-through logic as the in-memory cache and the Workers build, over the Redis backend.
 */
import type { CacheSettings } from "../../config.ts"
import type { LogSink } from "../../ports.ts"
import { type CacheCounters, makeCounters } from "../metrics.ts"
import { makeReadThrough, type ReadThroughCache } from "../read-through.ts"
import { type RedisBackend, redisBackend, type RedisBackendOptions } from "./redis-backend.ts"

export { type RedisBackend, redisBackend, type RedisBackendOptions } from "./redis-backend.ts"

/** The Redis-backed cache: the `CacheStore` port, its backend and counters. */
export interface RedisCache {
  readonly store: ReadThroughCache
  readonly backend: RedisBackend
  readonly counters: CacheCounters
  readonly settings: CacheSettings
  /** Closes the connections. */
  readonly close: () => Promise<void>
}

/** Options of `redisCache`. */
export interface RedisCacheOptions
  extends Omit<RedisBackendOptions, "maxBytes" | "log">, Partial<Pick<RedisBackendOptions, "log">> {
  readonly now: () => number
  readonly log: LogSink
}

/** Builds the Redis-backed cache (connecting in the background; `backend.ready` tells when it is up). */
export const redisCache = (settings: CacheSettings, options: RedisCacheOptions): RedisCache => {
  const backend = redisBackend({ ...options, maxBytes: settings.maxBytes })
  const counters = makeCounters()
  const store = makeReadThrough({ backend, policy: settings, now: options.now, counters, log: options.log })
  return { store, backend, counters, settings, close: backend.close }
}
