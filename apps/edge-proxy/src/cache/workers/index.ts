/**
 * The cache on Workers: the read-through logic over Durable Objects, one per tag (`CacheShard`),
 * plus the registry that fans out `all` invalidations (`CacheRegistry`). The Worker entry must
 * re-export both classes: `export { CacheRegistry, CacheShard } from "./cache/workers/index.ts"`.
 */
import type { CacheSettings } from "../../config.ts"
import type { LogSink } from "../../ports.ts"
import { allTag } from "../dependencies.ts"
import type { CacheEntry, Found } from "../memory-store.ts"
import { makeCounters } from "../metrics.ts"
import { type Backend, makeReadThrough, type ReadThroughCache } from "../read-through.ts"
import { type CacheObjectsEnv, registryName, type ShardLimits } from "./durable-object.ts"

export { CacheRegistry, type CacheObjectsEnv, CacheShard, registryName } from "./durable-object.ts"

/** A `Backend` over the cache's Durable Objects. */
export const durableBackend = (env: CacheObjectsEnv, limits: ShardLimits): Backend => {
  const shard = (tag: string) => env.ORGKIT_CACHE_SHARDS.getByName(tag)
  return {
    lookup: async (tag, key, now, mode) => (await shard(tag).lookup(tag, key, now, mode, limits)) as Found,
    complete: async (tag, key, lease, completion, now) =>
      (await shard(tag).complete(tag, key, lease, completion, now)) as CacheEntry | undefined,
    invalidate: async (tags) => {
      await Promise.all(
        tags.map(async (tag) => {
          if (tag === allTag) await env.ORGKIT_CACHE_REGISTRY.getByName(registryName).invalidateAll()
          else await shard(tag).invalidate([tag])
        })
      )
    }
  }
}

/** Options of `durableCache`. */
export interface DurableCacheOptions {
  readonly now: () => number
  readonly log: LogSink
  /** How long concurrent identical misses wait on one fill before another takes over. */
  readonly leaseMs: number
}

/** The cache over the Durable Object bindings `ORGKIT_CACHE_SHARDS` and `ORGKIT_CACHE_REGISTRY`. */
export const durableCache = (
  env: CacheObjectsEnv,
  settings: CacheSettings,
  options: DurableCacheOptions
): ReadThroughCache =>
  makeReadThrough({
    backend: durableBackend(env, { maxBytes: settings.maxBytes, leaseMs: options.leaseMs }),
    policy: settings,
    now: options.now,
    counters: makeCounters(),
    log: options.log
  })
