/**
 * The Redis cache backend against a real Redis, with two backends standing for two processes: the
 * `MemoryStore` semantics (fresh entries, leases voided by invalidation, coalescing, the byte bound,
 * revalidation, a dead filler taken over) across them, and Redis down and back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { CacheEntry, Completion, Found, Lease, StoredResponse } from "../../src/cache/memory-store.ts"
import { entryBytes } from "../../src/cache/memory-store.ts"
import { type RedisBackend, redisBackend } from "../../src/cache/redis/index.ts"
import { type Service, startRedis } from "../fixtures/services.ts"

let redis: Service
let prefixNo = 0
const backends: Array<RedisBackend> = []
const lines: Array<Record<string, unknown>> = []

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.close()
})
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close()
})

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const response = (body: string, etag?: string, status = 200): StoredResponse => ({
  status,
  headers:
    etag === undefined
      ? [["content-type", "application/json"]]
      : [
          ["content-type", "application/json"],
          ["etag", etag]
        ],
  body: encoder.encode(body)
})

const meta = {
  operationId: "GetOrganization" as const,
  organizationId: "o1",
  view: "",
  forwardedPath: "/api/organizations/o1"
}

const storeIt = (body: string, maxAgeMs = 1_000, etag?: string): Completion => ({
  _tag: "Store",
  response: response(body, etag),
  meta,
  maxAgeMs
})

/** Two (or more) backends on one prefix of their own: two processes sharing one cache. */
const processes = async (n = 2, options: { maxBytes?: number; leaseMs?: number; timeoutMs?: number } = {}) => {
  const prefix = `test${++prefixNo}:`
  const made = Array.from({ length: n }, () =>
    redisBackend({
      url: redis.url,
      prefix,
      maxBytes: options.maxBytes ?? 1_000_000,
      leaseMs: options.leaseMs ?? 10_000,
      log: (line) => void lines.push(line),
      ...(options.timeoutMs === undefined
        ? {}
        : { timeoutMs: options.timeoutMs, invalidationWaitMs: options.timeoutMs })
    })
  )
  backends.push(...made)
  await Promise.all(made.map((b) => b.ready))
  return made
}

const leaseOf = (found: Found): { lease: Lease; expired: CacheEntry | undefined } => {
  if (found._tag !== "Lease") throw new Error(`expected a lease, got ${found._tag}`)
  return found
}

const bodyOf = (found: Found): string => {
  if (found._tag === "Fresh") return decoder.decode(found.entry.body)
  if (found._tag === "Shared") return decoder.decode(found.response.body)
  throw new Error(`expected an answer, got ${found._tag}`)
}

/**
 * Resolves once every call `b` made before has run in Redis: a call after them on the same connection
 * has been answered (a bypass lookup, which changes nothing).
 */
const barrier = (b: RedisBackend) => b.lookup("barrier", "/barrier", 0, "bypass")

const fill = async (b: RedisBackend, tag: string, key: string, body: string, now = 0, maxAgeMs = 1_000) => {
  const { lease } = leaseOf(await b.lookup(tag, key, now, "read"))
  return b.complete(tag, key, lease, storeIt(body, maxAgeMs), now)
}

describe("redis backend", () => {
  it("serves an entry stored by one process to the other while it is fresh, then leases with the expired one", async () => {
    const [a, b] = await processes()
    const entry = await fill(a!, "org:o1", "/a", "one", 0, 1_000)
    expect(entry?.bytes).toBe(entryBytes("/a", response("one")))
    const found = await b!.lookup("org:o1", "/a", 999, "read")
    expect(found._tag).toBe("Fresh")
    expect(bodyOf(found)).toBe("one")
    const { expired } = leaseOf(await b!.lookup("org:o1", "/a", 1_000, "read"))
    expect(expired === undefined ? undefined : decoder.decode(expired.body)).toBe("one")
    expect(expired?.meta).toEqual(meta)
  })

  it("coalesces a miss across processes: the second waits for the first one's fill and gets its answer", async () => {
    const [a, b] = await processes()
    const { lease } = leaseOf(await a!.lookup("org:o1", "/a", 0, "read"))
    const waiting = b!.lookup("org:o1", "/a", 0, "read")
    await barrier(b!)
    await a!.complete("org:o1", "/a", lease, storeIt("filled"), 0)
    const found = await waiting
    expect([found._tag, bodyOf(found)]).toEqual(["Shared", "filled"])
  })

  it("shares an uncacheable answer and a failure with the waiters without storing them", async () => {
    const [a, b] = await processes()
    const first = leaseOf(await a!.lookup("org:o1", "/404", 0, "read"))
    const waiting = b!.lookup("org:o1", "/404", 0, "read")
    await barrier(b!)
    await a!.complete("org:o1", "/404", first.lease, { _tag: "Share", response: response("{}", undefined, 404) }, 0)
    const shared = await waiting
    expect(shared._tag === "Shared" ? shared.response.status : shared._tag).toBe(404)
    const failure = { status: 504, body: { code: "proxy.upstream_timeout", message: "late" } }
    const second = leaseOf(await a!.lookup("org:o1", "/504", 0, "read"))
    const failing = b!.lookup("org:o1", "/504", 0, "read")
    await barrier(b!)
    await a!.complete("org:o1", "/504", second.lease, { _tag: "Fail", failure }, 0)
    expect(await failing).toEqual({ _tag: "Failed", failure, expired: undefined })
    expect((await b!.lookup("org:o1", "/404", 0, "read"))._tag).toBe("Lease")
  })

  it("sends the waiters of an uncached answer too large to hand over through Redis back to look up", async () => {
    const [a, b] = await processes()
    const { lease } = leaseOf(await a!.lookup("orgs", "/huge", 0, "read"))
    const waiting = b!.lookup("orgs", "/huge", 0, "read")
    await barrier(b!)
    const huge = response("x".repeat(1_048_577), undefined, 200)
    await a!.complete("orgs", "/huge", lease, { _tag: "Share", response: huge }, 0)
    expect((await waiting)._tag).toBe("Lease")
  })

  it("never stores a fill whose lease an invalidation through another process voided; its waiters look up again", async () => {
    const [a, b] = await processes()
    const { lease } = leaseOf(await a!.lookup("org:o1", "/a", 0, "read"))
    const waiting = b!.lookup("org:o1", "/a", 0, "read")
    await barrier(b!)
    await b!.invalidate(["org:o1"])
    // The waiter looked up again after the invalidation and now holds the fill itself.
    const retried = leaseOf(await waiting)
    expect(await a!.complete("org:o1", "/a", lease, storeIt("pre-write"), 0)).toBeUndefined()
    expect(await b!.complete("org:o1", "/a", retried.lease, storeIt("post-write"), 0)).toBeDefined()
    expect(bodyOf(await a!.lookup("org:o1", "/a", 1, "read"))).toBe("post-write")
  })

  it("drops a tag's entries and, with `all`, every entry; other tags' leases stay valid", async () => {
    const [a, b] = await processes()
    await fill(a!, "org:o1", "/o1", "one")
    await fill(a!, "org:o2", "/o2", "two")
    await fill(a!, "orgs", "/list", "list")
    const { lease } = leaseOf(await a!.lookup("org:o2", "/o2b", 0, "read"))
    await b!.invalidate(["org:o1"])
    expect((await a!.lookup("org:o1", "/o1", 1, "read"))._tag).toBe("Lease")
    expect((await a!.lookup("org:o2", "/o2", 1, "read"))._tag).toBe("Fresh")
    expect(await a!.complete("org:o2", "/o2b", lease, storeIt("still valid"), 0)).toBeDefined()
    await b!.invalidate(["all"])
    expect((await a!.lookup("orgs", "/list", 1, "read"))._tag).toBe("Lease")
    expect((await a!.lookup("org:o2", "/o2", 1, "read"))._tag).toBe("Lease")
  })

  it("keeps every process's entries within the byte bound, evicting the least recently used", async () => {
    const one = entryBytes("/k0", response("x".repeat(1_000)))
    const [a, b] = await processes(2, { maxBytes: one * 3 })
    await fill(a!, "orgs", "/k0", "x".repeat(1_000))
    await fill(b!, "orgs", "/k1", "x".repeat(1_000))
    await fill(a!, "orgs", "/k2", "x".repeat(1_000))
    expect((await b!.lookup("orgs", "/k0", 1, "read"))._tag).toBe("Fresh") // /k0 used: /k1 is now the oldest
    await fill(b!, "orgs", "/k3", "x".repeat(1_000))
    expect((await a!.lookup("orgs", "/k1", 1, "read"))._tag).toBe("Lease")
    expect((await a!.lookup("orgs", "/k0", 1, "read"))._tag).toBe("Fresh")
    const totals = await a!.totals()
    expect(totals.bytes).toBeLessThanOrEqual(one * 3)
    expect([totals.entries, totals.evictions]).toEqual([3, 1])
    expect(a!.gauges()).toMatchObject({ bytes: totals.bytes, evictions: 1, maxBytes: one * 3 })
  })

  it("refreshes an expired entry that Logto confirmed (304), for every process", async () => {
    const [a, b] = await processes()
    const { lease } = leaseOf(await a!.lookup("org:o1", "/a", 0, "read"))
    await a!.complete("org:o1", "/a", lease, storeIt("one", 1_000, '"v1"'), 0)
    const expired = leaseOf(await b!.lookup("org:o1", "/a", 2_000, "read"))
    expect(expired.expired?.etag).toBe('"v1"')
    const refreshed = await b!.complete(
      "org:o1",
      "/a",
      expired.lease,
      { _tag: "Refresh", etag: '"v1"', maxAgeMs: 1_000 },
      2_000
    )
    expect(refreshed?.expiresAt).toBe(3_000)
    expect((await a!.lookup("org:o1", "/a", 2_500, "read"))._tag).toBe("Fresh")
  })

  it("lets a waiter take over the fill of a process that died (the lease expires)", async () => {
    const [a, b] = await processes(2, { leaseMs: 300 })
    leaseOf(await a!.lookup("org:o1", "/a", 0, "read")) // and never completed
    const taken = await b!.lookup("org:o1", "/a", 0, "read")
    expect(taken._tag).toBe("Lease")
  })

  it("fails at once while Redis is down, keeps an invalidation it could not apply, and applies it first when back", async () => {
    const [a, b] = await processes(2, { timeoutMs: 300 })
    await fill(a!, "org:o1", "/a", "pre-write", 0, 60_000)
    await redis.kill()
    try {
      await expect(a!.lookup("org:o1", "/a", 1, "read")).rejects.toThrow(/writeable|closed|ECONNREFUSED/)
      await expect(a!.invalidate(["org:o1"])).rejects.toThrow(/writeable|closed|ECONNREFUSED/)
      const down = a!.gauges().remote!
      expect(down.up).toBe(false)
      expect(down.pendingInvalidations).toBe(1)
      expect(down.errors).toBeGreaterThan(0)
    } finally {
      await redis.start()
    }
    // A Redis restarted empty has a new instance: nothing from before is served, and old leases are void.
    while (!(a!.gauges().remote!.up && b!.gauges().remote!.up)) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect((await b!.lookup("org:o1", "/a", 2, "read"))._tag).toBe("Lease")
    // Its next lookup applies the kept invalidation first.
    expect((await a!.lookup("org:o1", "/b", 2, "read"))._tag).toBe("Lease")
    expect(a!.gauges().remote).toMatchObject({ up: true, pendingInvalidations: 0 })
  })
})
