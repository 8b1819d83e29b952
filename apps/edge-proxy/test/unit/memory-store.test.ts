import { describe, expect, it } from "vitest"
import {
  type CacheEntry,
  type Completion,
  entryBytes,
  type Found,
  type Lease,
  MemoryStore,
  type StoredResponse
} from "../../src/cache/memory-store.ts"

const encoder = new TextEncoder()

const response = (body: string, etag?: string): StoredResponse => ({
  status: 200,
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

const store = (maxBytes = 1_000_000) => new MemoryStore({ maxBytes, instance: "test", leaseMs: 60_000 })

const leaseOf = async (found: Found | Promise<Found>): Promise<{ lease: Lease; expired: CacheEntry | undefined }> => {
  const f = await found
  if (f._tag !== "Lease") throw new Error(`expected a lease, got ${f._tag}`)
  return f
}

const storeIt = (body: string, maxAgeMs = 1_000, etag?: string): Completion => ({
  _tag: "Store",
  response: response(body, etag),
  meta,
  maxAgeMs
})

/** Fills `key` under `tag` at `now` through a lookup and a Store completion. */
const fill = async (s: MemoryStore, tag: string, key: string, body: string, now = 0, maxAgeMs = 1_000) => {
  const { lease } = await leaseOf(s.lookup(tag, key, now, "read"))
  return s.complete(tag, key, lease, storeIt(body, maxAgeMs), now)
}

describe("memory store", () => {
  it("answers a stored entry while it is fresh, then hands out a lease with the expired entry", async () => {
    const s = store()
    await fill(s, "org:o1", "/a", "one", 0, 1_000)
    expect(s.peek("/a", 999)?.body).toEqual(encoder.encode("one"))
    expect(s.peek("/a", 1_000)).toBeUndefined()
    const { expired } = await leaseOf(s.lookup("org:o1", "/a", 1_500, "read"))
    expect(expired?.body).toEqual(encoder.encode("one"))
  })

  it("drops a tag's entries on invalidation and leaves other tags alone", async () => {
    const s = store()
    await fill(s, "org:o1", "/o1/a", "a")
    await fill(s, "org:o1", "/o1/b", "b")
    await fill(s, "org:o2", "/o2/a", "c")
    s.invalidate(["org:o1"])
    expect([s.peek("/o1/a", 0), s.peek("/o1/b", 0), s.peek("/o2/a", 0)?.tag]).toEqual([undefined, undefined, "org:o2"])
    s.invalidate(["all"])
    expect([s.size, s.bytes]).toEqual([0, 0])
  })

  it("never stores a fill whose lease predates an invalidation of its tag (or of everything)", async () => {
    const s = store()
    const first = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    s.invalidate(["org:o1"])
    expect(s.complete("org:o1", "/a", first.lease, storeIt("before the write"), 0)).toBeUndefined()
    expect(s.peek("/a", 0)).toBeUndefined()
    const second = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    expect(s.complete("org:o1", "/a", second.lease, storeIt("after the write"), 0)?.body).toEqual(
      encoder.encode("after the write")
    )
    const third = await leaseOf(s.lookup("org:o1", "/b", 0, "bypass"))
    s.invalidate(["all"])
    expect(s.complete("org:o1", "/b", third.lease, storeIt("x"), 0)).toBeUndefined()
  })

  it("rejects leases of another store instance (a restarted Durable Object)", async () => {
    const s = store()
    expect(s.complete("orgs", "/a", { instance: "before-restart", seq: 0 }, storeIt("x"), 0)).toBeUndefined()
  })

  it("makes concurrent identical misses wait on one fill and share its answer", async () => {
    const s = store()
    const filler = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    const waiters = [s.lookup("org:o1", "/a", 0, "read"), s.lookup("org:o1", "/a", 0, "read")]
    expect(waiters.every((w) => w instanceof Promise)).toBe(true)
    s.complete("org:o1", "/a", filler.lease, storeIt("shared"), 0)
    for (const found of await Promise.all(waiters)) {
      expect(found._tag).toBe("Shared")
      expect(found._tag === "Shared" && new TextDecoder().decode(found.response.body)).toBe("shared")
    }
  })

  it("hands waiters the filler's failure, or a new lookup when a write superseded the fill", async () => {
    const s = store()
    const filler = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    const failing = s.lookup("org:o1", "/a", 0, "read")
    s.complete("org:o1", "/a", filler.lease, { _tag: "Fail", failure: { status: 504, body: { message: "t" } } }, 0)
    expect((await failing)._tag).toBe("Failed")

    const next = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    const superseded = s.lookup("org:o1", "/a", 0, "read")
    s.invalidate(["org:o1"])
    const retried = await leaseOf(superseded)
    expect(retried.lease.seq).toBeGreaterThan(next.lease.seq)
    // The old filler's answer is neither stored nor given to the new fill's waiters.
    const waiter = s.lookup("org:o1", "/a", 0, "read")
    expect(s.complete("org:o1", "/a", next.lease, storeIt("stale"), 0)).toBeUndefined()
    s.complete("org:o1", "/a", retried.lease, storeIt("fresh"), 0)
    const shared = await waiter
    expect(shared._tag === "Shared" && new TextDecoder().decode(shared.response.body)).toBe("fresh")
  })

  it("refreshes an expired entry on a 304 to its ETag", async () => {
    const s = store()
    const { lease } = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    s.complete("org:o1", "/a", lease, storeIt("body", 1_000, '"e1"'), 0)
    const again = await leaseOf(s.lookup("org:o1", "/a", 5_000, "read"))
    expect(again.expired?.etag).toBe('"e1"')
    const refreshed = s.complete("org:o1", "/a", again.lease, { _tag: "Refresh", etag: '"e1"', maxAgeMs: 1_000 }, 5_000)
    expect(refreshed?.expiresAt).toBe(6_000)
    expect(s.peek("/a", 5_500)?.body).toEqual(encoder.encode("body"))
  })

  it("evicts the least recently used entries to stay under the byte bound", async () => {
    const body = "x".repeat(1_000)
    const one = entryBytes("/k0", response(body))
    const s = store(one * 3)
    for (const key of ["/k0", "/k1", "/k2"]) await fill(s, "orgs", key, body)
    s.peek("/k0", 0)
    await fill(s, "orgs", "/k3", body)
    expect(["/k0", "/k1", "/k2", "/k3"].map((k) => s.peek(k, 0) !== undefined)).toEqual([true, false, true, true])
    expect(s.bytes).toBeLessThanOrEqual(one * 3)
    expect([s.size, s.evictions]).toEqual([3, 1])
  })

  it("stores nothing larger than the whole bound", async () => {
    const s = store(2_000)
    expect(await fill(s, "orgs", "/big", "x".repeat(5_000))).toBeUndefined()
    expect(s.size).toBe(0)
  })

  it("bounds its invalidation record: past the limit, every older lease is void", async () => {
    const s = store()
    const old = await leaseOf(s.lookup("org:keep", "/keep", 0, "read"))
    for (let i = 0; i < 5_000; i++) s.invalidate([`org:${i}`])
    expect(s.complete("org:keep", "/keep", old.lease, storeIt("x"), 0)).toBeUndefined()
    const fresh = await leaseOf(s.lookup("org:keep", "/keep2", 0, "read"))
    expect(s.complete("org:keep", "/keep2", fresh.lease, storeIt("y"), 0)).toBeDefined()
  })
})
