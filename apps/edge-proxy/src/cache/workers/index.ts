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
   * its Durable Object without a fill lease, or within a read lease it granted; `undefined`
   * otherwise (also when the object cannot be reached: the pipeline then answers).
   */
  readonly peekHeld: (key: string, now: number) => Promise<CacheEntry | undefined>
  /** The hit path's confirmations: asked of a Durable Object, or answered within a read lease. */
  readonly checks: { asked: number; leased: number }
}

/** The backend's settings: the shards' limits, and the read lease of a confirmation (0: none). */
export interface DurableLimits extends ShardLimits {
  readonly readLeaseMs: number
}

/** The Durable Object ids an isolate keeps (the oldest goes first). */
const maxIds = 4_096

/**
 * A `Backend` over the cache's Durable Objects. The isolate keeps the fresh entries it was sent (at
 * most `limits.maxBytes`), and names the one it holds on each lookup: a hit on it costs the object a
 * few bytes back instead of the entry (the object still decides freshness every time).
 *
 * The hit path's confirmation is also a read lease (`CacheShard.peek`): for `readLeaseMs` from just
 * before it asked, measured on this isolate's clock, the isolate answers the entry again without
 * asking, while it is fresh. The object waits out every lease it granted before it acknowledges an
 * invalidation, and a lease ends here no later than there, as both count the same span from the
 * isolate's asking or later (the clocks' rates, not their readings, must agree).
 */
export const durableBackend = (env: CacheObjectsEnv, limits: DurableLimits): DurableBackend => {
  const { readLeaseMs } = limits
  const shardLimits: ShardLimits = { maxBytes: limits.maxBytes, leaseMs: limits.leaseMs }
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
  /** When each held entry's read lease ends (`Date.now()`; the manual clocks of tests do not apply). */
  const leasedUntil = new Map<string, number>()
  /** The keys whose lease a request is renewing, and since when. */
  const renewing = new Map<string, number>()
  let heldBytes = 0
  const forget = (key: string) => {
    const entry = held.get(key)
    if (entry === undefined) return
    held.delete(key)
    leasedUntil.delete(key)
    renewing.delete(key)
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
  const checks = { asked: 0, leased: 0 }
  return {
    checks,
    peekHeld: async (key, now) => {
      const known = held.get(key)
      if (known === undefined) return undefined
      const asked = Date.now()
      const until = leasedUntil.get(key)
      if (until !== undefined && asked < until && known.expiresAt > now) {
        // In its second half, one request at a time renews the lease, so that it does not run out
        // under a steady load (and then send every concurrent hit to the object at once).
        const renewal = renewing.get(key)
        if (until - asked > readLeaseMs / 2 || (renewal !== undefined && asked - renewal < readLeaseMs)) {
          checks.leased++
          return known
        }
      }
      checks.asked++
      renewing.set(key, asked)
      let found: CacheEntry | number | undefined
      try {
        found = (await shard(known.tag).peek(key, now, entryIdentity(known), readLeaseMs)) as typeof found
      } catch {
        return undefined
      } finally {
        if (renewing.get(key) === asked) renewing.delete(key)
      }
      // No fresh entry, or an answer this version does not know (an object still running another
      // version of this code during a deployment): the pipeline answers.
      if (found === undefined || (typeof found !== "number" && found.key !== key)) {
        forget(key)
        return undefined
      }
      if (typeof found !== "number") {
        // A newer entry: held without a lease (the next hit asks for one). Only an object of this
        // version answers with an expiry, and only such an object waits out the leases it grants.
        hold(key, found)
        return found
      }
      // The same entry, its freshness perhaps moved by a revalidation; the lease is on it (unless
      // another request replaced it meanwhile).
      known.expiresAt = found
      if (held.get(key) === known) leasedUntil.set(key, Math.max(leasedUntil.get(key) ?? 0, asked + readLeaseMs))
      return known
    },
    lookup: async (tag, key, now, mode) => {
      const known = held.get(key)
      const have = known === undefined ? undefined : entryIdentity(known)
      const found = (await shard(tag).lookup(tag, key, now, mode, shardLimits, have)) as Found | Unchanged
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
          if (tag === allTag) await env.ORGKIT_CACHE_REGISTRY.getByName(registryName).invalidateAll(readLeaseMs)
          else await shard(tag).invalidate([tag], readLeaseMs)
        })
      )
    }
  }
}

const checksHelp =
  "# HELP orgkit_cache_hit_checks_total How the hit path knew a held entry current: asked its Durable Object, or within the read lease of an earlier answer.\n# TYPE orgkit_cache_hit_checks_total counter\n"

/** Options of `durableCache`. */
export interface DurableCacheOptions {
  readonly now: () => number
  readonly log: LogSink
  /** How long concurrent identical misses wait on one fill before another takes over. */
  readonly leaseMs: number
  /** `ORGKIT_CACHE_READ_LEASE_MS`: how long a hit's confirmation stands in this isolate. */
  readonly readLeaseMs: number
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
  const backend = durableBackend(env, {
    maxBytes: settings.maxBytes,
    leaseMs: options.leaseMs,
    readLeaseMs: options.readLeaseMs
  })
  const cache = makeReadThrough({
    backend,
    policy: settings,
    now: options.now,
    counters: makeCounters(),
    log: options.log
  })
  const { checks } = backend
  return {
    ...cache,
    peekHeld: backend.peekHeld,
    metrics: () =>
      cache.metrics() +
      checksHelp +
      `orgkit_cache_hit_checks_total{by="object"} ${checks.asked}\norgkit_cache_hit_checks_total{by="read_lease"} ${checks.leased}\n`
  }
}
