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
import {
  type CacheObjectsEnv,
  entryIdentity,
  registryName,
  type ShardLimits,
  type Unchanged
} from "./durable-object.ts"

export { CacheRegistry, type CacheObjectsEnv, CacheShard, registryName } from "./durable-object.ts"

/** The Workers backend, plus the hit path's lookup of entries this isolate holds. */
export interface DurableBackend extends Backend {
  /**
   * The fresh entry for `key` if this isolate holds one (it was answered here before), confirmed by
   * its Durable Object without a lease; `undefined` otherwise.
   */
  readonly peekHeld: (key: string, now: number) => Promise<CacheEntry | undefined>
}

/** The Durable Object ids an isolate keeps (the oldest goes first). */
const maxIds = 4_096

/**
 * A `Backend` over the cache's Durable Objects. The isolate keeps the fresh entries it was sent (at
 * most `limits.maxBytes`), and names the one it holds on each lookup: a hit on it costs the object a
 * few bytes back instead of the entry (the object still decides freshness every time).
 */
export const durableBackend = (env: CacheObjectsEnv, limits: ShardLimits): DurableBackend => {
  const namespace = env.ORGKIT_CACHE_SHARDS
  // A stub belongs to the request that made it (workerd refuses it in another), so each call gets a
  // new one; the object's id is plain data and is kept, so a hit does not hash the tag again.
  const ids = new Map<string, DurableObjectId>()
  const shard = (tag: string) => {
    let id = ids.get(tag)
    if (id === undefined) {
      id = namespace.idFromName(tag)
      if (ids.size >= maxIds) ids.delete(ids.keys().next().value!)
      ids.set(tag, id)
    }
    return namespace.get(id)
  }
  const held = new Map<string, CacheEntry>()
  let heldBytes = 0
  const forget = (key: string) => {
    const entry = held.get(key)
    if (entry === undefined) return
    held.delete(key)
    heldBytes -= entry.bytes
  }
  const hold = (key: string, entry: CacheEntry) => {
    forget(key)
    if (entryIdentity(entry) === undefined || entry.bytes > limits.maxBytes) return
    held.set(key, entry)
    heldBytes += entry.bytes
    for (const oldest of held.keys()) {
      if (heldBytes <= limits.maxBytes) break
      forget(oldest)
    }
  }
  return {
    peekHeld: async (key, now) => {
      const known = held.get(key)
      if (known === undefined) return undefined
      const found = (await shard(known.tag).peek(key, now, entryIdentity(known))) as CacheEntry | Unchanged | undefined
      if (found === undefined) {
        forget(key)
        return undefined
      }
      if ("_tag" in found) return known
      hold(key, found)
      return found
    },
    lookup: async (tag, key, now, mode) => {
      const known = held.get(key)
      const have = known === undefined ? undefined : entryIdentity(known)
      const found = (await shard(tag).lookup(tag, key, now, mode, limits, have)) as Found | Unchanged
      if (found._tag === "Unchanged") return { _tag: "Fresh", entry: known! }
      if (found._tag === "Fresh") hold(key, found.entry)
      else forget(key)
      return found
    },
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

/** The strict cache on Workers, with the hit path's lookup (`DurableBackend.peekHeld`). */
export interface DurableCache extends ReadThroughCache {
  readonly peekHeld: DurableBackend["peekHeld"]
}

/** The cache over the Durable Object bindings `ORGKIT_CACHE_SHARDS` and `ORGKIT_CACHE_REGISTRY`. */
export const durableCache = (
  env: CacheObjectsEnv,
  settings: CacheSettings,
  options: DurableCacheOptions
): DurableCache => {
  const backend = durableBackend(env, { maxBytes: settings.maxBytes, leaseMs: options.leaseMs })
  const cache = makeReadThrough({
    backend,
    policy: settings,
    now: options.now,
    counters: makeCounters(),
    log: options.log
  })
  return { ...cache, peekHeld: backend.peekHeld }
}
