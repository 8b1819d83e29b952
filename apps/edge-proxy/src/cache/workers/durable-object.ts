/**
 * The cache's Durable Objects on Workers.
 *
 * - `CacheShard`, one per tag (named `org:<id>` or `orgs`): that tag's entries, its invalidation
 *   record and its in-flight fills, in memory (`MemoryStore`, LRU under `ORGKIT_CACHE_MAX_BYTES`).
 *   Durable Objects are globally unique and single-threaded, so every isolate in every data centre
 *   sees the same entries, and an invalidation completed before a write is answered is seen by every
 *   later read. A read is one call; concurrent identical misses from any isolate wait inside it on one
 *   fill. A restarted object starts empty with a new lease id, so no fill leased before can store.
 *   A hit path's confirmation (`peek`) is also a read lease: the isolate may answer the entry again
 *   without asking for `readLeaseMs` from just before it asked. An invalidation drops the entries at
 *   once and then waits out the read leases it granted before (and, in a new instance, those its
 *   predecessor may have granted), so that no read that begins after a write is acknowledged is
 *   answered from an entry the write made stale.
 * - `CacheRegistry`, one (named `registry`): the names of the shards that issued leases, so an event
 *   that affects everything (a webhook about a role, a user or an application) reaches each of them.
 *   Only those rare invalidations touch it; reads never do (a global object would cap every read at
 *   one object's throughput).
 *
 * The Worker entry re-exports both classes (see `worker.ts` and `wrangler.jsonc`).
 */
import { DurableObject } from "cloudflare:workers"
import {
  type CacheEntry,
  type Completion,
  type Found,
  type Lease,
  type LookupMode,
  MemoryStore
} from "../memory-store.ts"

/** The bindings the cache objects use. */
export interface CacheObjectsEnv {
  readonly ORGKIT_CACHE_SHARDS: DurableObjectNamespace<CacheShard>
  readonly ORGKIT_CACHE_REGISTRY: DurableObjectNamespace<CacheRegistry>
}

/** The fresh entry is the one the isolate said it holds. */
export interface Unchanged {
  readonly _tag: "Unchanged"
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const unchanged: Unchanged = { _tag: "Unchanged" }

/**
 * What identifies an entry's content across the Durable Object boundary: its ETag (Logto's hash of
 * the body) with when it was stored and its size; `undefined` without an ETag (always sent whole).
 */
export const entryIdentity = (entry: CacheEntry): string | undefined =>
  entry.etag === undefined ? undefined : `${entry.storedAt}:${entry.bytes}:${entry.etag}`

/** The registry's name. */
export const registryName = "registry"

/** Limits a shard applies (the Worker's settings, sent with each lookup). */
export interface ShardLimits {
  readonly maxBytes: number
  readonly leaseMs: number
}

/** One tag's cache. */
export class CacheShard extends DurableObject<CacheObjectsEnv> {
  #memory: MemoryStore | undefined
  #registered: Promise<void> | undefined
  /** When this instance started, and when the last read lease it granted ends (its clock). */
  readonly #started = Date.now()
  #leasedUntil = 0

  #store(limits: ShardLimits): MemoryStore {
    return (this.#memory ??= new MemoryStore({
      maxBytes: limits.maxBytes,
      instance: crypto.randomUUID(),
      leaseMs: limits.leaseMs
    }))
  }

  /** Makes sure the registry knows this shard before it hands out a lease (so `all` reaches the fill). */
  #register(name: string): Promise<void> {
    if (this.#registered === undefined) {
      const registering = this.env.ORGKIT_CACHE_REGISTRY.getByName(registryName).register(name)
      this.#registered = registering.catch((error: unknown) => {
        this.#registered = undefined
        throw error
      })
    }
    return this.#registered
  }

  /**
   * Looks a read up (see `MemoryStore.lookup`). `have` is the identity (`entryIdentity`) of the entry
   * the calling isolate already holds for this key: when the fresh entry is that one, only
   * `Unchanged` crosses back instead of the entry's body and headers.
   */
  async lookup(
    tag: string,
    key: string,
    now: number,
    mode: LookupMode,
    limits: ShardLimits,
    have?: string
  ): Promise<Found | Unchanged> {
    const found = await this.#store(limits).lookup(tag, key, now, mode)
    if (found._tag === "Lease") await this.#register(tag)
    if (found._tag === "Fresh" && have !== undefined && entryIdentity(found.entry) === have) return unchanged
    return found
  }

  /**
   * The hit path's lookup, taking no fill lease: `undefined` when there is no fresh entry (the request
   * then goes through the pipeline); otherwise a read lease of `readLeaseMs`, with the entry, or only
   * its `expiresAt` when it is the one the isolate holds (`have`, see `lookup`). A caller that sends
   * no `readLeaseMs` runs the version before read leases (a Worker not yet updated, during a gradual
   * deployment, calls the objects' new code): it gets no lease, and `Unchanged` as it expects.
   */
  async peek(
    key: string,
    now: number,
    have: string | undefined,
    readLeaseMs?: number
  ): Promise<CacheEntry | number | Unchanged | undefined> {
    const entry = this.#memory?.peek(key, now)
    if (entry === undefined) return undefined
    const same = have !== undefined && entryIdentity(entry) === have
    if (readLeaseMs === undefined) return same ? unchanged : entry
    this.#leasedUntil = Math.max(this.#leasedUntil, Date.now() + readLeaseMs)
    return same ? entry.expiresAt : entry
  }

  /** Waits out the read leases granted until now (a new instance: also its predecessor's). */
  async #leasesEnded(readLeaseMs: number): Promise<void> {
    const wait = Math.max(this.#leasedUntil, this.#started + readLeaseMs) - Date.now()
    if (wait > 0) await sleep(wait)
  }

  /** Ends a fill (see `MemoryStore.complete`). */
  async complete(
    tag: string,
    key: string,
    lease: Lease,
    completion: Completion,
    now: number
  ): Promise<CacheEntry | undefined> {
    return this.#memory?.complete(tag, key, lease, completion, now)
  }

  /**
   * Drops the tag's entries and voids its fill leases, then waits out its read leases (`readLeaseMs`:
   * the caller's setting, for the leases a predecessor of this instance may have granted).
   */
  async invalidate(tags: ReadonlyArray<string>, readLeaseMs = 0): Promise<void> {
    this.#memory?.invalidate(tags)
    await this.#leasesEnded(readLeaseMs)
  }

  /**
   * Drops everything (an `all` invalidation from the registry), then waits out the read leases. When
   * nothing is left in flight, the shard forgets its registration and says so, and the registry may
   * forget it too.
   */
  async invalidateAll(readLeaseMs = 0): Promise<{ readonly empty: boolean }> {
    this.#memory?.invalidateAll()
    const empty = this.#memory === undefined || this.#memory.empty
    if (empty) this.#registered = undefined
    await this.#leasesEnded(readLeaseMs)
    return { empty }
  }

  /** Entries and bytes held (tests and diagnostics). */
  async stats(): Promise<{ readonly entries: number; readonly bytes: number }> {
    return { entries: this.#memory?.size ?? 0, bytes: this.#memory?.bytes ?? 0 }
  }
}

const prefix = "shard:"
const page = 512
const parallel = 32

/** The shards that may hold entries, for invalidating everything. */
export class CacheRegistry extends DurableObject<CacheObjectsEnv> {
  #seq = 0

  constructor(ctx: DurableObjectState, env: CacheObjectsEnv) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      this.#seq = (await ctx.storage.get<number>("seq")) ?? 0
    })
  }

  /** Records a shard (again); each registration gets a new sequence number. */
  async register(name: string): Promise<void> {
    const seq = ++this.#seq
    await this.ctx.storage.put({ seq, [prefix + name]: seq })
  }

  /**
   * Invalidates every registered shard, `parallel` at a time, and forgets those that were empty
   * (unless they registered again meanwhile). Resolves once every shard has dropped its entries and
   * waited out its read leases (`readLeaseMs`, see `CacheShard.invalidate`).
   */
  async invalidateAll(readLeaseMs = 0): Promise<{ readonly shards: number; readonly forgotten: number }> {
    let shards = 0
    let forgotten = 0
    let start: string | undefined
    for (;;) {
      const listed: Map<string, number> = await this.ctx.storage.list<number>({
        prefix,
        limit: page,
        ...(start === undefined ? {} : { startAfter: start })
      })
      if (listed.size === 0) break
      const names = [...listed.keys()]
      start = names[names.length - 1]
      for (let i = 0; i < names.length; i += parallel) {
        const batch = names.slice(i, i + parallel)
        const results = await Promise.all(
          batch.map((entry) =>
            this.env.ORGKIT_CACHE_SHARDS.getByName(entry.slice(prefix.length)).invalidateAll(readLeaseMs)
          )
        )
        shards += batch.length
        for (let j = 0; j < batch.length; j++) {
          const entry = batch[j]!
          if (!results[j]!.empty) continue
          if ((await this.ctx.storage.get<number>(entry)) !== listed.get(entry)) continue
          await this.ctx.storage.delete(entry)
          forgotten++
        }
      }
      if (listed.size < page) break
    }
    return { shards, forgotten }
  }
}
