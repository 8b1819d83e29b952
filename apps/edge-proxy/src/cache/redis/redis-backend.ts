/**
 * The cache's `Backend` on Redis, for several Node processes sharing one cache: the same entries,
 * leases, coalescing, invalidation and byte bound as `MemoryStore`, kept in Redis, each step one Lua
 * script (`lua/*.lua`) so that it is atomic across processes.
 *
 * - `lookup` answers a fresh entry, or takes the key's fill (a lease, valid until its tag is
 *   invalidated), or, when another process (or this one) is filling the key, waits for that fill's
 *   outcome: announced on a pub/sub channel, and polled as well so a lost message only costs a poll.
 *   A filler that dies lets its fill expire after the lease time; a waiter then takes it over.
 * - `complete` stores the fill's answer only if no invalidation of its tag (or of everything) came
 *   since its lease, and only within the byte bound (least recently used entries are evicted), and
 *   leaves the outcome for the waiters.
 * - `invalidate` resolves once the entries are gone from Redis, i.e. for every process: a write is
 *   answered after it, so no process serves data from before an acknowledged write. It waits a short
 *   while for a connection being re-established; if Redis stays unreachable, the tags are kept and
 *   applied before this process's next lookup or fill, and until then its lookups fail (its reads go to
 *   Logto, `BYPASS`) — a fill that raced the write can never store pre-write data.
 * - Redis down: every call fails at once (no offline queue), so reads go to Logto; `/metrics` shows
 *   `orgkit_cache_redis_up 0` and counts the errors. Redis restarted empty has a new instance id, so
 *   leases taken before are void. Run the cache's Redis without persistence: a restart must not bring
 *   back entries whose invalidation it lost.
 */
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Redis } from "ioredis"
import type { LogSink } from "../../ports.ts"
import {
  type CacheEntry,
  type Completion,
  type EntryMeta,
  entryBytes,
  type Failure,
  type Found,
  type Lease,
  type LookupMode,
  type StoredResponse
} from "../memory-store.ts"
import type { RemoteGauges, StoreGauges } from "../metrics.ts"
import type { Backend } from "../read-through.ts"

/** Options of `redisBackend`. */
export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (`ORGKIT_CACHE_REDIS_URL`). */
  readonly url: string
  /** The most bytes all entries may hold, across every process. */
  readonly maxBytes: number
  /** How long waiters wait on a fill before it is considered dead and taken over. */
  readonly leaseMs: number
  readonly log: LogSink
  /** Every key and the channel start with this. Default `orgkit:cache:`. */
  readonly prefix?: string
  /** A command (or a connection attempt) fails after this long. Default 1000 ms. */
  readonly timeoutMs?: number
  /** How long after losing the connection invalidations wait for it to come back before they fail. Default 3000 ms. */
  readonly invalidationWaitMs?: number
  /** How often a waiter polls its fill's outcome besides listening for it. Default 100 ms. */
  readonly pollMs?: number
  /**
   * The largest uncached answer (an error, a body over the entry size limit) handed to waiters through
   * Redis; waiters on a larger one look up again. Default 1 MiB.
   */
  readonly maxSharedBytes?: number
}

/** The Redis backend: a `Backend`, its connection state and `close`. */
export interface RedisBackend extends Backend {
  readonly gauges: () => StoreGauges
  /** Reads the totals from Redis now (the gauges show the last ones read). */
  readonly totals: () => Promise<{ readonly entries: number; readonly bytes: number; readonly evictions: number }>
  /** Resolves once connected, or after `timeoutMs` (the backend works as soon as Redis is reachable). */
  readonly ready: Promise<void>
  readonly close: () => Promise<void>
}

/** A lease from Redis: the instance and sequence number, and the fill it holds (`""` for a bypass). */
interface RedisLease extends Lease {
  readonly fill: string
}

const scripts = (() => {
  const read = (name: string) => readFileSync(fileURLToPath(new URL(`./lua/${name}.lua`, import.meta.url)), "utf8")
  const common = read("common")
  return {
    lookup: common + read("lookup"),
    complete: common + read("complete"),
    invalidate: common + read("invalidate"),
    outcome: common + read("outcome")
  }
})()

type Reply = Buffer | number | null | Array<Reply>

interface Commands {
  orgkitLookupBuffer: (...args: Array<string | Buffer | number>) => Promise<Array<Reply>>
  orgkitCompleteBuffer: (...args: Array<string | Buffer | number>) => Promise<Reply>
  orgkitInvalidate: (...args: Array<string | number>) => Promise<number>
  orgkitOutcomeBuffer: (...args: Array<string | number>) => Promise<Array<Reply>>
}

/** What an entry's `m` field holds (the body is the `b` field; freshness the `x` field). */
interface StoredMeta {
  readonly status: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly meta?: EntryMeta
  readonly etag?: string
  readonly storedAt?: number
  readonly tag?: string
}

const text = (reply: Reply | undefined): string => (Buffer.isBuffer(reply) ? reply.toString("utf8") : String(reply))

const bytes = (reply: Reply | undefined): Uint8Array =>
  Buffer.isBuffer(reply) ? new Uint8Array(reply.buffer, reply.byteOffset, reply.byteLength) : new Uint8Array(0)

const responseOf = (m: Reply | undefined, b: Reply | undefined): StoredResponse => {
  const meta = JSON.parse(text(m)) as StoredMeta
  return { status: meta.status, headers: meta.headers, body: bytes(b) }
}

const entryOf = (key: string, m: Reply | undefined, b: Reply | undefined, x: Reply | undefined): CacheEntry => {
  const meta = JSON.parse(text(m)) as Required<StoredMeta>
  const body = bytes(b)
  const response = { status: meta.status, headers: meta.headers, body }
  return {
    key,
    tag: meta.tag,
    meta: meta.meta,
    status: meta.status,
    headers: meta.headers,
    body,
    etag: meta.etag === "" ? undefined : meta.etag,
    storedAt: meta.storedAt,
    expiresAt: Number(text(x)),
    bytes: entryBytes(key, response)
  }
}

const etagOf = (response: StoredResponse): string => {
  for (const [name, value] of response.headers) if (name === "etag") return value
  return ""
}

const isRedisLease = (lease: Lease): lease is RedisLease => typeof (lease as Partial<RedisLease>).fill === "string"

/** Connects to Redis and returns the backend. */
export const redisBackend = (options: RedisBackendOptions): RedisBackend => {
  const prefix = options.prefix ?? "orgkit:cache:"
  const timeoutMs = options.timeoutMs ?? 1_000
  const pollMs = options.pollMs ?? 100
  const invalidationWaitMs = options.invalidationWaitMs ?? 3_000
  const maxSharedBytes = options.maxSharedBytes ?? 1_048_576
  // Outcomes outlive their fill long enough for every waiter's next poll.
  const outcomeTtlMs = Math.max(10 * pollMs, 5_000)
  const remote: { up: boolean; errors: number; pending: number } = { up: false, errors: 0, pending: 0 }
  const redis = new Redis(options.url, {
    // Fail at once while disconnected: a read then goes to Logto instead of queueing behind a dead link.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(50 * times, 500),
    enableAutoPipelining: true,
    lazyConnect: false
  })
  const subscriber = redis.duplicate({
    enableOfflineQueue: true,
    commandTimeout: undefined,
    enableAutoPipelining: false
  })
  redis.defineCommand("orgkitLookup", { numberOfKeys: 0, lua: scripts.lookup })
  redis.defineCommand("orgkitComplete", { numberOfKeys: 0, lua: scripts.complete })
  redis.defineCommand("orgkitInvalidate", { numberOfKeys: 0, lua: scripts.invalidate })
  redis.defineCommand("orgkitOutcome", { numberOfKeys: 0, lua: scripts.outcome })
  const commands = redis as unknown as Commands

  let lastError = ""
  const onError = (error: Error) => {
    // ioredis reports every failed reconnection attempt: log a change, not each retry.
    if (error.message !== lastError) options.log({ level: "error", msg: "cache redis error", error: error.message })
    lastError = error.message
  }
  redis.on("error", onError)
  subscriber.on("error", () => undefined)
  redis.on("ready", () => {
    remote.up = true
    lastError = ""
    void flushPending().catch(() => undefined)
  })
  // When the connection was lost: invalidations wait for it only within `invalidationWaitMs` of that.
  let downSince = 0
  redis.on("close", () => {
    if (remote.up || downSince === 0) downSince = Date.now()
    remote.up = false
  })

  /** Counts a failed Redis call and passes its error on. */
  const counted = async <A>(call: () => Promise<A>): Promise<A> => {
    try {
      return await call()
    } catch (error) {
      remote.errors++
      throw error
    }
  }

  // Waiters on a fill, by fill id: woken by the channel, or by their poll.
  const wakers = new Map<string, Set<() => void>>()
  void subscriber.subscribe(`${prefix}fills`).catch(() => undefined)
  subscriber.on("message", (_channel: string, fill: string) => {
    const set = wakers.get(fill)
    if (set === undefined) return
    wakers.delete(fill)
    for (const wake of set) wake()
  })
  const nap = (fill: string) =>
    new Promise<void>((resolve) => {
      let set = wakers.get(fill)
      if (set === undefined) wakers.set(fill, (set = new Set()))
      const wake = () => {
        clearTimeout(timer)
        set.delete(wake)
        if (set.size === 0 && wakers.get(fill) === set) wakers.delete(fill)
        resolve()
      }
      const timer = setTimeout(wake, pollMs)
      set.add(wake)
    })

  /**
   * Invalidations that failed (Redis unreachable), kept until they reach Redis, each tag with the
   * number of its latest failure: a success clears a tag only if it did not fail again meanwhile.
   * Lookups and fills of this process apply them first, and fail while they cannot.
   */
  const pending = new Map<string, number>()
  let failures = 0
  const apply = async (tags: ReadonlyArray<string>) => {
    const kept = [...pending]
    const all = new Set([...tags, ...kept.map(([tag]) => tag)])
    await counted(() => commands.orgkitInvalidate(prefix, outcomeTtlMs, ...all))
    for (const [tag, failure] of kept) if (pending.get(tag) === failure) pending.delete(tag)
    remote.pending = pending.size
  }
  const flushPending = () => (pending.size === 0 ? Promise.resolve() : apply([]))

  const untilReady = (ms: number) =>
    new Promise<void>((resolve) => {
      if (redis.status === "ready") return resolve()
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        redis.off("ready", done)
        resolve()
      }
      redis.once("ready", done)
    })

  const fullEntry = async (key: string): Promise<CacheEntry | undefined> => {
    const [m, b, x] = (await counted(() => redis.hmgetBuffer(`${prefix}e:${key}`, "m", "b", "x"))) as Array<Reply>
    return m === null || m === undefined ? undefined : entryOf(key, m, b, x)
  }

  /** Waits for a fill's outcome: its answer, its failure, or a fresh lookup. */
  const awaitFill = async (tag: string, key: string, fill: string, now: number, mode: LookupMode): Promise<Found> => {
    for (;;) {
      const napping = nap(fill)
      const [kind, m, b] = await counted(() => commands.orgkitOutcomeBuffer(prefix, key, fill))
      switch (text(kind)) {
        case "pending":
          await napping
          continue
        case "shared": {
          const response = responseOf(m, b)
          const expired = response.status >= 500 || response.status === 429 ? await fullEntry(key) : undefined
          return { _tag: "Shared", response, expired }
        }
        case "failed":
          return { _tag: "Failed", failure: JSON.parse(text(m)) as Failure, expired: await fullEntry(key) }
        default:
          return lookup(tag, key, now, mode)
      }
    }
  }

  const lookup = async (tag: string, key: string, now: number, mode: LookupMode): Promise<Found> => {
    await flushPending()
    const reply = await counted(() =>
      commands.orgkitLookupBuffer(prefix, key, tag, now, mode, randomUUID(), options.leaseMs, randomUUID())
    )
    switch (text(reply[0])) {
      case "fresh":
        return { _tag: "Fresh", entry: entryOf(key, reply[1], reply[2], reply[3]) }
      case "wait":
        return awaitFill(tag, key, text(reply[1]), now, mode)
      default: {
        const lease: RedisLease = { instance: text(reply[1]), seq: Number(text(reply[2])), fill: text(reply[3]) }
        const expired = reply[4] === undefined ? undefined : entryOf(key, reply[4], reply[5], reply[6])
        return { _tag: "Lease", lease, expired }
      }
    }
  }

  const complete = async (
    tag: string,
    key: string,
    lease: Lease,
    completion: Completion,
    now: number
  ): Promise<CacheEntry | undefined> => {
    if (!isRedisLease(lease)) return undefined
    await flushPending()
    const head = [prefix, key, tag, lease.instance, lease.seq, lease.fill, completion._tag.toLowerCase(), outcomeTtlMs]
    switch (completion._tag) {
      case "Store": {
        const { response } = completion
        const etag = etagOf(response)
        const stored: StoredMeta = {
          status: response.status,
          headers: response.headers,
          meta: completion.meta,
          etag,
          storedAt: now,
          tag
        }
        const expiresAt = now + completion.maxAgeMs
        const n = entryBytes(key, response)
        const body = Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength)
        const done = await counted(() =>
          commands.orgkitCompleteBuffer(...head, JSON.stringify(stored), body, expiresAt, n, etag, options.maxBytes)
        )
        if (done !== 1) return undefined
        return {
          key,
          tag,
          meta: completion.meta,
          ...response,
          etag: etag === "" ? undefined : etag,
          storedAt: now,
          expiresAt,
          bytes: n
        }
      }
      case "Refresh": {
        const reply = await counted(() =>
          commands.orgkitCompleteBuffer(...head, completion.etag, now + completion.maxAgeMs)
        )
        return Array.isArray(reply) ? entryOf(key, reply[0], reply[1], reply[2]) : undefined
      }
      case "Share": {
        const { response } = completion
        if (response.body.byteLength > maxSharedBytes) {
          await counted(() => commands.orgkitCompleteBuffer(...head.slice(0, 6), "abandon", outcomeTtlMs))
          return undefined
        }
        const body = Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength)
        const m = JSON.stringify({ status: response.status, headers: response.headers } satisfies StoredMeta)
        await counted(() => commands.orgkitCompleteBuffer(...head, m, body))
        return undefined
      }
      case "Fail":
        await counted(() => commands.orgkitCompleteBuffer(...head, JSON.stringify(completion.failure)))
        return undefined
      case "Abandon":
        await counted(() => commands.orgkitCompleteBuffer(...head))
        return undefined
    }
  }

  const invalidate = async (tags: ReadonlyArray<string>): Promise<void> => {
    // A restart or a failover in progress is ridden out; a Redis down for longer is not waited for.
    const deadline = redis.status === "ready" ? Date.now() + invalidationWaitMs : downSince + invalidationWaitMs
    for (;;) {
      try {
        return await apply(tags)
      } catch (error) {
        const left = deadline - Date.now()
        if (left <= 0) {
          for (const tag of tags) pending.set(tag, ++failures)
          remote.pending = pending.size
          throw error
        }
        await untilReady(Math.min(left, 200))
      }
    }
  }

  const snapshot = { entries: 0, bytes: 0, evictions: 0 }
  const totals = async () => {
    const [entries, [total, evictions]] = await Promise.all([
      redis.zcard(`${prefix}lru`),
      redis.mget(`${prefix}bytes`, `${prefix}ev`)
    ])
    snapshot.entries = entries
    snapshot.bytes = Number(total ?? 0)
    snapshot.evictions = Number(evictions ?? 0)
    return { ...snapshot }
  }
  const refresh = () => void totals().catch(() => undefined)

  const gauges = (): StoreGauges => {
    // The totals as of the previous scrape (a scrape does not wait on Redis).
    refresh()
    const redisGauges: RemoteGauges = {
      kind: "redis",
      up: remote.up,
      errors: remote.errors,
      pendingInvalidations: remote.pending
    }
    return { ...snapshot, maxBytes: options.maxBytes, remote: redisGauges }
  }

  const ready = untilReady(timeoutMs).then(refresh)

  return {
    lookup,
    complete,
    invalidate,
    gauges,
    totals,
    ready,
    close: async () => {
      redis.disconnect()
      subscriber.disconnect()
    }
  }
}
