import { describe, expect, it, vi } from "vitest"
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

describe("memory store: leases, waiters and accounting", () => {
  const text = (found: Found) =>
    found._tag === "Shared" ? new TextDecoder().decode(found.response.body) : `<${found._tag}>`

  it("is empty only with neither an entry nor a fill in progress", async () => {
    const s = store()
    expect(s.empty).toBe(true)
    const { lease } = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    expect(s.empty).toBe(false)
    s.complete("org:o1", "/a", lease, { _tag: "Share", response: response("not stored") }, 0)
    expect([s.empty, s.size]).toEqual([true, 0])
    await fill(s, "org:o1", "/a", "stored")
    expect(s.empty).toBe(false)
  })

  it("gives a no-cache bypass a lease only: never the fresh entry, never a wait on a fill", async () => {
    const s = store()
    await fill(s, "org:o1", "/a", "cached", 0, 10_000)
    const bypass = s.lookup("org:o1", "/a", 0, "bypass")
    expect(bypass).toEqual({ _tag: "Lease", lease: { instance: "test", seq: 0 }, expired: undefined })
    const filler = await leaseOf(s.lookup("org:o1", "/b", 0, "read"))
    const during = s.lookup("org:o1", "/b", 0, "bypass")
    expect(during instanceof Promise).toBe(false)
    // The bypass's refresh stores what Logto answered meanwhile; the fill in progress stores after it.
    expect(s.complete("org:o1", "/b", (await leaseOf(during)).lease, storeIt("refreshed"), 0)?.body).toEqual(
      encoder.encode("refreshed")
    )
    s.complete("org:o1", "/b", filler.lease, storeIt("filled"), 0)
    expect(s.peek("/b", 0)?.body).toEqual(encoder.encode("filled"))
  })

  it("hands a waiter the expired entry with the filler's answer, failure or a 304's refreshed entry", async () => {
    const s = store()
    await fill(s, "org:o1", "/a", "old", 0, 1_000)
    const first = await leaseOf(s.lookup("org:o1", "/a", 2_000, "read"))
    expect(first.expired?.body).toEqual(encoder.encode("old"))
    const failing = s.lookup("org:o1", "/a", 2_000, "read")
    s.complete(
      "org:o1",
      "/a",
      first.lease,
      { _tag: "Fail", failure: { status: 502, body: { message: "down" } } },
      2_000
    )
    const failed = await failing
    expect(failed).toMatchObject({ _tag: "Failed", failure: { status: 502, body: { message: "down" } } })
    expect(failed._tag === "Failed" && failed.expired?.body).toEqual(encoder.encode("old"))

    const second = await leaseOf(s.lookup("org:o1", "/a", 2_000, "read"))
    const erroring = s.lookup("org:o1", "/a", 2_000, "read")
    s.complete("org:o1", "/a", second.lease, { _tag: "Share", response: { ...response("busy"), status: 503 } }, 2_000)
    const shared = await erroring
    expect([shared._tag, text(shared), shared._tag === "Shared" && shared.response.status]).toEqual([
      "Shared",
      "busy",
      503
    ])
    expect(shared._tag === "Shared" && shared.expired?.body).toEqual(encoder.encode("old"))
    // A shared answer that is not cacheable is not stored.
    expect(s.peek("/a", 2_000)).toBeUndefined()
  })

  it("sends waiters to look up again when the fill is abandoned, and they then share one new fill", async () => {
    const s = store()
    const first = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    const waiters = [s.lookup("org:o1", "/a", 0, "read"), s.lookup("org:o1", "/a", 0, "read")]
    s.complete("org:o1", "/a", first.lease, { _tag: "Abandon" }, 0)
    const [taker, other] = waiters
    const retaken = await leaseOf(taker!)
    s.complete("org:o1", "/a", retaken.lease, storeIt("second fill"), 0)
    expect(text(await other!)).toBe("second fill")
    expect(s.peek("/a", 0)?.body).toEqual(encoder.encode("second fill"))
  })

  it("lets a waiter take over after leaseMs when the filler never completes (one that died)", async () => {
    vi.useFakeTimers()
    try {
      const s = new MemoryStore({ maxBytes: 1_000_000, instance: "test", leaseMs: 5_000 })
      const dead = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
      let settled: Found | undefined
      const waiter = Promise.resolve(s.lookup("org:o1", "/a", 0, "read")).then((f) => (settled = f))
      await vi.advanceTimersByTimeAsync(4_999)
      expect(settled).toBeUndefined()
      await vi.advanceTimersByTimeAsync(1)
      await waiter
      const takeover = settled!
      expect(takeover._tag).toBe("Lease")
      // The dead filler's late answer may still be stored (no write happened), but wakes nobody twice.
      const late = takeover._tag === "Lease" ? takeover.lease : dead.lease
      s.complete("org:o1", "/a", late, storeIt("taken over"), 0)
      expect(s.peek("/a", 0)?.body).toEqual(encoder.encode("taken over"))
      // A completed fill's timer is cleared: it cannot end a later fill of the same key early.
      const { lease } = await leaseOf(s.lookup("org:o1", "/b", 0, "read"))
      s.complete("org:o1", "/b", lease, { _tag: "Share", response: response("b") }, 0)
      expect(vi.getTimerCount()).toBe(0)
      await vi.advanceTimersByTimeAsync(3_000)
      const again = await leaseOf(s.lookup("org:o1", "/b", 0, "read"))
      let waited: Found | undefined
      const waiting = Promise.resolve(s.lookup("org:o1", "/b", 0, "read")).then((f) => (waited = f))
      await vi.advanceTimersByTimeAsync(2_500)
      expect(waited).toBeUndefined()
      s.complete("org:o1", "/b", again.lease, storeIt("b, again"), 0)
      await waiting
      expect(text(waited!)).toBe("b, again")
    } finally {
      vi.useRealTimers()
    }
  })

  it("answers a read of a fresh entry from the entry: no lease, no fill", async () => {
    const s = store()
    await fill(s, "org:o1", "/a", "cached", 0, 1_000)
    const found = await s.lookup("org:o1", "/a", 500, "read")
    expect([found._tag, found._tag === "Fresh" && new TextDecoder().decode(found.entry.body)]).toEqual([
      "Fresh",
      "cached"
    ])
    expect(s.empty).toBe(false)
    // No fill was started: a lookup after expiry gets the lease at once.
    expect((await s.lookup("org:o1", "/a", 1_000, "read"))._tag).toBe("Lease")
  })

  it("refreshes nothing for a lease of another instance, or when the entry is gone (evicted meanwhile)", async () => {
    const s = store()
    const { lease } = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    s.complete("org:o1", "/a", lease, storeIt("v1", 1_000, '"e1"'), 0)
    const refresh = { _tag: "Refresh", etag: '"e1"', maxAgeMs: 1_000 } as const
    expect(s.complete("org:o1", "/a", { instance: "before-restart", seq: 0 }, refresh, 2_000)).toBeUndefined()
    expect(s.peek("/a", 2_000)).toBeUndefined()
    const gone = await leaseOf(s.lookup("org:o1", "/gone", 2_000, "read"))
    const waiter = s.lookup("org:o1", "/gone", 2_000, "read")
    expect(s.complete("org:o1", "/gone", gone.lease, refresh, 2_000)).toBeUndefined()
    expect((await waiter)._tag).toBe("Lease")
  })

  it("starts the invalidation record over after invalidating everything", async () => {
    const s = store()
    for (let i = 0; i < 4_000; i++) s.invalidate([`org:${i}`])
    s.invalidateAll()
    const kept = await leaseOf(s.lookup("org:keep", "/keep", 0, "read"))
    for (let i = 0; i < 100; i++) s.invalidate([`org:more-${i}`])
    // 100 tags tracked since, far below the bound: a lease of another tag is still valid.
    expect(s.complete("org:keep", "/keep", kept.lease, storeIt("x"), 0)).toBeDefined()
  })

  it("ends only the fill its lease belongs to: a stale lease of the same key neither stores nor wakes", async () => {
    const s = store()
    const old = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    s.invalidate(["org:o2"])
    s.complete("org:o1", "/a", old.lease, { _tag: "Abandon" }, 0)
    const current = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    expect(current.lease.seq).toBe(1)
    const waiter = s.lookup("org:o1", "/a", 0, "read")
    // The old lease (seq 0) completing again must not settle the current fill (seq 1).
    s.complete("org:o1", "/a", old.lease, { _tag: "Share", response: response("old filler") }, 0)
    // Nor may a lease of another instance with the current seq.
    s.complete("org:o1", "/a", { instance: "other", seq: 1 }, { _tag: "Share", response: response("other") }, 0)
    s.complete("org:o1", "/a", current.lease, storeIt("current"), 0)
    expect(text(await waiter)).toBe("current")
  })

  it("voids a lease taken before its tag's invalidation but keeps those of other tags and later ones", async () => {
    const s = store()
    const o1 = await leaseOf(s.lookup("org:o1", "/o1", 0, "read"))
    const o2 = await leaseOf(s.lookup("org:o2", "/o2", 0, "read"))
    const waitO1 = s.lookup("org:o1", "/o1", 0, "read")
    const waitO2 = s.lookup("org:o2", "/o2", 0, "read")
    s.invalidate(["org:o1"])
    // The o1 fill's waiters look up again at once; the o2 fill goes on.
    const retried = await leaseOf(waitO1)
    expect(s.complete("org:o2", "/o2", o2.lease, storeIt("o2"), 0)?.body).toEqual(encoder.encode("o2"))
    expect(text(await waitO2)).toBe("o2")
    expect(s.complete("org:o1", "/o1", o1.lease, storeIt("pre-write"), 0)).toBeUndefined()
    expect(s.complete("org:o1", "/o1", retried.lease, storeIt("post-write"), 0)?.body).toEqual(
      encoder.encode("post-write")
    )
  })

  it("refreshes on a 304 only the entry with that ETag, under a valid lease; otherwise waiters look up again", async () => {
    const s = store()
    const stored = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    s.complete("org:o1", "/a", stored.lease, storeIt("v1", 1_000, '"e1"'), 0)
    // Another ETag: nothing refreshed, the waiter is sent back.
    const mismatch = await leaseOf(s.lookup("org:o1", "/a", 2_000, "read"))
    const waiter = s.lookup("org:o1", "/a", 2_000, "read")
    expect(
      s.complete("org:o1", "/a", mismatch.lease, { _tag: "Refresh", etag: '"e2"', maxAgeMs: 1_000 }, 2_000)
    ).toBeUndefined()
    const again = await leaseOf(waiter)
    expect(s.peek("/a", 2_000)).toBeUndefined()
    // A write in between: nothing refreshed either.
    s.invalidate(["org:o1"])
    expect(
      s.complete("org:o1", "/a", again.lease, { _tag: "Refresh", etag: '"e1"', maxAgeMs: 1_000 }, 2_000)
    ).toBeUndefined()
    // The matching ETag under a valid lease: the waiter shares the refreshed entry.
    const filled = await leaseOf(s.lookup("org:o1", "/b", 0, "read"))
    s.complete("org:o1", "/b", filled.lease, storeIt("v1", 1_000, '"e1"'), 0)
    const refresh = await leaseOf(s.lookup("org:o1", "/b", 2_000, "read"))
    const sharing = s.lookup("org:o1", "/b", 2_000, "read")
    s.complete("org:o1", "/b", refresh.lease, { _tag: "Refresh", etag: '"e1"', maxAgeMs: 1_000 }, 2_000)
    expect(text(await sharing)).toBe("v1")
    expect([s.peek("/b", 2_999)?.etag, s.peek("/b", 3_000)]).toEqual(['"e1"', undefined])
  })

  it("counts a refreshed entry as recently used", async () => {
    const body = "x".repeat(1_000)
    const s = store(entryBytes("/k0", response(body, '"e"')) * 2)
    const first = await leaseOf(s.lookup("orgs", "/k0", 0, "read"))
    s.complete("orgs", "/k0", first.lease, storeIt(body, 1_000, '"e"'), 0)
    const second = await leaseOf(s.lookup("orgs", "/k1", 0, "read"))
    s.complete("orgs", "/k1", second.lease, storeIt(body, 10_000, '"e"'), 0)
    const refresh = await leaseOf(s.lookup("orgs", "/k0", 2_000, "read"))
    s.complete("orgs", "/k0", refresh.lease, { _tag: "Refresh", etag: '"e"', maxAgeMs: 10_000 }, 2_000)
    const third = await leaseOf(s.lookup("orgs", "/k2", 2_000, "read"))
    s.complete("orgs", "/k2", third.lease, storeIt(body, 10_000, '"e"'), 2_000)
    expect(["/k0", "/k1", "/k2"].map((k) => s.peek(k, 2_000) !== undefined)).toEqual([true, false, true])
  })

  it("records the ETag, the meta, the time and the bytes of a stored entry", async () => {
    const s = store()
    const { lease } = await leaseOf(s.lookup("org:o1", "/a", 0, "read"))
    const stored = s.complete("org:o1", "/a", lease, storeIt("body", 1_000, '"e1"'), 500)!
    expect(stored).toMatchObject({ key: "/a", tag: "org:o1", meta, status: 200, etag: '"e1"', storedAt: 500 })
    expect([stored.expiresAt, stored.bytes]).toEqual([1_500, entryBytes("/a", response("body", '"e1"'))])
    expect((await fill(s, "org:o1", "/b", "no etag"))?.etag).toBeUndefined()
  })

  it("estimates an entry's memory from its body, key and headers (two bytes a character)", () => {
    const base = entryBytes("/k", { status: 200, headers: [], body: new Uint8Array(0) })
    expect(base).toBeGreaterThan(0)
    expect(entryBytes("/k", { status: 200, headers: [], body: new Uint8Array(100) })).toBe(base + 100)
    // The key is held twice (entries and the tag's set).
    expect(entryBytes("/k12", { status: 200, headers: [], body: new Uint8Array(0) })).toBe(base + 8)
    expect(entryBytes("/k", { status: 200, headers: [["etag", '"1"']], body: new Uint8Array(0) })).toBe(base + 14)
  })

  it("keeps its byte count exact through replacement, invalidation and eviction", async () => {
    const s = store()
    const sum = (...entries: Array<[string, string]>) =>
      entries.reduce((n, [key, body]) => n + entryBytes(key, response(body)), 0)
    await fill(s, "org:o1", "/a", "one")
    await fill(s, "org:o1", "/b", "two")
    await fill(s, "org:o2", "/c", "three")
    expect(s.bytes).toBe(sum(["/a", "one"], ["/b", "two"], ["/c", "three"]))
    const replace = await leaseOf(s.lookup("org:o1", "/a", 0, "bypass"))
    s.complete("org:o1", "/a", replace.lease, storeIt("one, replaced"), 0)
    expect([s.size, s.bytes]).toEqual([3, sum(["/a", "one, replaced"], ["/b", "two"], ["/c", "three"])])
    s.invalidate(["org:o1"])
    expect([s.size, s.bytes]).toEqual([1, sum(["/c", "three"])])
    // The tag's record is gone with its last entry: a new entry of it is dropped by the next invalidation.
    await fill(s, "org:o1", "/d", "four")
    s.invalidate(["org:o1"])
    expect([s.size, s.peek("/d", 0)]).toEqual([1, undefined])
    s.invalidateAll()
    expect([s.size, s.bytes, s.empty]).toEqual([0, 0, true])
  })

  it("stores an entry exactly as large as the bound, and evicts down to the bound, not below it", async () => {
    const one = entryBytes("/k0", response("x".repeat(100)))
    const s = store(one * 2)
    await fill(s, "orgs", "/k0", "x".repeat(100))
    await fill(s, "orgs", "/k1", "x".repeat(100))
    expect([s.size, s.bytes, s.evictions]).toEqual([2, one * 2, 0])
    await fill(s, "orgs", "/k2", "x".repeat(100))
    expect([s.size, s.evictions, s.peek("/k0", 0)]).toEqual([2, 1, undefined])
    const exact = store(one)
    expect(await fill(exact, "orgs", "/k0", "x".repeat(100))).toBeDefined()
    expect(await fill(store(one - 1), "orgs", "/k0", "x".repeat(100))).toBeUndefined()
  })

  it("invalidates everything for the tag all, with other tags in the same call", async () => {
    const s = store()
    await fill(s, "org:o1", "/a", "a")
    await fill(s, "orgs", "/list", "l")
    const pending = await leaseOf(s.lookup("org:o2", "/b", 0, "read"))
    const waiter = s.lookup("org:o2", "/b", 0, "read")
    s.invalidate(["org:o9", "all"])
    expect([s.size, s.bytes]).toEqual([0, 0])
    expect((await waiter)._tag).toBe("Lease")
    expect(s.complete("org:o2", "/b", pending.lease, storeIt("x"), 0)).toBeUndefined()
  })

  it("tracks up to 4096 invalidated tags individually; only beyond that is every older lease void", async () => {
    const s = store()
    const old = await leaseOf(s.lookup("org:keep", "/keep", 0, "read"))
    for (let i = 0; i < 4_096; i++) s.invalidate([`org:${i}`])
    expect(s.complete("org:keep", "/keep", old.lease, storeIt("x"), 0)).toBeDefined()
    const older = await leaseOf(s.lookup("org:keep", "/keep2", 0, "read"))
    s.invalidate(["org:4096"])
    expect(s.complete("org:keep", "/keep2", older.lease, storeIt("y"), 0)).toBeUndefined()
    // The record starts over: a lease taken after, of a tag invalidated before, is valid.
    const after = await leaseOf(s.lookup("org:1", "/one", 0, "read"))
    expect(s.complete("org:1", "/one", after.lease, storeIt("z"), 0)).toBeDefined()
  })
})
