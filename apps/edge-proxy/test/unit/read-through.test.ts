/**
 * The read-through cache through the app (`app.request`), over the in-memory store, a scripted
 * upstream that answers like Logto (ETag, 304 to a matching If-None-Match unless no-cache) and a
 * manual clock.
 */
import { describe, expect, it } from "vitest"
import { memoryBackend, memoryCache } from "../../src/cache/memory-cache.ts"
import { MemoryStore } from "../../src/cache/memory-store.ts"
import { makeCounters } from "../../src/cache/metrics.ts"
import { bypassDirective, makeReadThrough } from "../../src/cache/read-through.ts"
import type { CacheSettings } from "../../src/config.ts"
import { UpstreamFailure, type UpstreamRequest, type UpstreamResponse } from "../../src/ports.ts"
import { answer, at, bearer, collectingLog, keys, scriptedUpstream, testApp, testPlatform } from "../fixtures/ports.ts"

const settings: CacheSettings = {
  enabled: true,
  maxAgeMs: 30_000,
  staleIfErrorMs: 60_000,
  maxEntryBytes: 4_096,
  maxBytes: 1_000_000
}

/** A Logto-like upstream over a mutable body per path; `fail` replaces the next answers. */
const logtoLike = () => {
  const bodies = new Map<string, string>()
  const failures: Array<UpstreamResponse | UpstreamFailure> = []
  const etag = (body: string) => `"${body.length.toString(16)}-${body.length}"`
  const upstream = scriptedUpstream((request: UpstreamRequest) => {
    const next = failures.shift()
    if (next instanceof UpstreamFailure) throw next
    if (next !== undefined) return next
    const path = request.target.split("?")[0]!
    if (request.method !== "GET" && request.method !== "HEAD") {
      bodies.set(path, JSON.stringify({ written: request.method }))
      return answer(204, undefined)
    }
    const body = bodies.get(path) ?? JSON.stringify({ path })
    const tag = etag(body)
    const conditional = request.headers["if-none-match"]
    if (conditional === tag && request.headers["cache-control"] !== "no-cache")
      return answer(304, undefined, { etag: tag })
    return answer(200, body, { "content-type": "application/json; charset=utf-8", etag: tag })
  })
  return { upstream, bodies, failures }
}

const setup = (overrides: Partial<CacheSettings> = {}) => {
  const platform = testPlatform()
  const log = collectingLog()
  const cache = memoryCache({ ...settings, ...overrides }, { now: platform.now, log, leaseMs: 10_000 })
  const logto = logtoLike()
  const { app } = testApp({ cache: cache.store, upstream: logto.upstream, platform, log })
  const get = (path: string, headers: Record<string, string> = {}, key: { key: string } = keys.admin) =>
    app.request(at(path), { headers: { ...bearer(key), ...headers } })
  return { app, get, cache, platform, logto, upstream: logto.upstream }
}

const o1 = "/api/organizations/o1"

/** The read-through cache over a backend whose every call fails (a Durable Object out of reach). */
const unreachableCache = () => {
  const platform = testPlatform()
  const log = collectingLog()
  const down = () => Promise.reject(new Error("Durable Object unreachable"))
  const cache = makeReadThrough({
    backend: { lookup: down, complete: down, invalidate: down },
    policy: settings,
    now: platform.now,
    counters: makeCounters(),
    log
  })
  return { platform, log, cache }
}

describe("read-through cache", () => {
  it("answers a repeated read from the cache with X-Cache HIT and Logto's bytes and headers", async () => {
    const { get, upstream } = setup()
    const first = await get(o1)
    const second = await get(o1)
    expect([first.headers.get("x-cache"), second.headers.get("x-cache")]).toEqual(["MISS", "HIT"])
    expect(await second.text()).toBe(await first.text())
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"))
    expect(second.headers.get("content-type")).toBe("application/json; charset=utf-8")
    expect(upstream.requests).toHaveLength(1)
    // The fill asks Logto without the caller's validators.
    expect(upstream.requests[0]!.headers).toEqual({ authorization: "Bearer upstream-token" })
  })

  it("answers a matching If-None-Match with 304 from the cache, and no-cache with 200 (as Logto does)", async () => {
    const { get, upstream } = setup()
    const etag = (await get(o1)).headers.get("etag")!
    const notModified = await get(o1, { "if-none-match": `W/${etag}`, "cache-control": "max-age=0" })
    expect([notModified.status, await notModified.text(), notModified.headers.get("etag")]).toEqual([304, "", etag])
    expect(notModified.headers.get("content-type")).toBeNull()
    const fresh = await get(o1, { "if-none-match": etag, "cache-control": "no-cache" })
    expect([fresh.status, fresh.headers.get("x-cache")]).toEqual([200, "BYPASS"])
    expect(upstream.requests).toHaveLength(2)
  })

  it("fills for a caller's If-None-Match without sending it, then answers it 304", async () => {
    const { get, upstream } = setup()
    const etag = (await setup().get(o1)).headers.get("etag")!
    const response = await get(o1, { "if-none-match": etag })
    expect([response.status, response.headers.get("x-cache")]).toEqual([304, "MISS"])
    expect(upstream.requests[0]!.headers["if-none-match"]).toBeUndefined()
    expect((await get(o1)).status).toBe(200)
  })

  it("revalidates an expired entry with If-None-Match and Cache-Control: max-age=0, and keeps it on 304", async () => {
    const { get, platform, upstream, cache } = setup()
    const first = await get(o1)
    platform.advance(30_000)
    const revalidated = await get(o1)
    expect([revalidated.status, revalidated.headers.get("x-cache"), await revalidated.text()]).toEqual([
      200,
      "MISS",
      await first.text()
    ])
    expect(upstream.requests[1]!.headers).toMatchObject({
      "if-none-match": first.headers.get("etag"),
      "cache-control": "max-age=0"
    })
    expect((await get(o1)).headers.get("x-cache")).toBe("HIT")
    expect([cache.counters.revalidated, upstream.requests.length]).toEqual([1, 2])
  })

  it("replaces an expired entry when Logto's answer changed", async () => {
    const { get, platform, logto } = setup()
    await get(o1)
    logto.bodies.set(o1, '{"changed":true}')
    expect(await (await get(o1)).text()).not.toBe('{"changed":true}')
    platform.advance(30_001)
    expect(await (await get(o1)).text()).toBe('{"changed":true}')
    expect((await get(o1)).headers.get("x-cache")).toBe("HIT")
  })

  it("serves a stale entry, marked, when Logto fails within the stale-if-error bound", async () => {
    const { get, platform, logto } = setup()
    const body = await (await get(o1)).text()
    platform.advance(40_000)
    logto.failures.push(
      new UpstreamFailure("timeout", "slow"),
      new UpstreamFailure("unavailable", "down"),
      answer(503, "Service Unavailable", { "content-type": "text/plain" }),
      answer(429, "Too Many Requests", { "retry-after": "1" })
    )
    for (let i = 0; i < 4; i++) {
      const response = await get(o1)
      expect([response.status, response.headers.get("x-cache"), response.headers.get("warning")]).toEqual([
        200,
        "STALE",
        '110 - "Response is Stale"'
      ])
      expect(await response.text()).toBe(body)
    }
  })

  it("answers the failure when the stale entry is past the bound, or there is none", async () => {
    const { get, platform, logto } = setup()
    await get(o1)
    platform.advance(30_000 + 60_001)
    logto.failures.push(new UpstreamFailure("timeout", "slow"), new UpstreamFailure("unavailable", "down"))
    expect((await get(o1)).status).toBe(504)
    expect((await get("/api/organizations/o2")).status).toBe(502)
    logto.failures.push(answer(503, "Service Unavailable"))
    const passed = await get("/api/organizations/o3")
    expect([passed.status, passed.headers.get("x-cache"), await passed.text()]).toEqual([
      503,
      "MISS",
      "Service Unavailable"
    ])
  })

  it("never serves stale data to Cache-Control: no-cache (it asked for Logto's answer)", async () => {
    const { get, platform, logto } = setup()
    await get(o1)
    platform.advance(40_000)
    logto.failures.push(new UpstreamFailure("unavailable", "down"))
    expect((await get(o1, { "cache-control": "no-cache" })).status).toBe(502)
  })

  it("bypasses on Cache-Control: no-cache and refreshes the entry; no-store does not store", async () => {
    const { get, logto, upstream } = setup()
    await get(o1)
    logto.bodies.set(o1, '{"v":2}')
    const bypassed = await get(o1, { "cache-control": "no-cache" })
    expect([bypassed.headers.get("x-cache"), await bypassed.text()]).toEqual(["BYPASS", '{"v":2}'])
    const after = await get(o1)
    expect([after.headers.get("x-cache"), await after.text()]).toEqual(["HIT", '{"v":2}'])
    logto.bodies.set(o1, '{"v":3}')
    expect(await (await get(o1, { "cache-control": "no-store" })).text()).toBe('{"v":3}')
    expect(await (await get(o1)).text()).toBe('{"v":2}')
    expect(upstream.requests).toHaveLength(3)
  })

  it("passes HEAD through and never caches errors", async () => {
    const { app, get, logto, upstream } = setup()
    const head = await app.request(at(o1), { method: "HEAD", headers: bearer(keys.admin) })
    expect(head.headers.get("x-cache")).toBe("BYPASS")
    logto.failures.push(answer(404, { code: "entity.not_exists_with_id", message: "x" }))
    expect((await get("/api/organizations/gone")).status).toBe(404)
    expect((await get("/api/organizations/gone")).headers.get("x-cache")).toBe("MISS")
    expect(upstream.requests).toHaveLength(3)
  })

  it("does not store an answer over the entry size limit", async () => {
    const { get, logto } = setup({ maxEntryBytes: 2_048 })
    logto.bodies.set(o1, JSON.stringify({ big: "x".repeat(3_000) }))
    await get(o1)
    expect((await get(o1)).headers.get("x-cache")).toBe("MISS")
  })

  it("invalidates a write's tags before answering it, also when Logto gave no answer", async () => {
    const { app, get, logto, cache } = setup()
    const list = "/api/organizations?showFeatured=1"
    await get(o1)
    await get(list)
    await get("/api/organizations/o2")
    const post = (path: string) =>
      app.request(at(path), {
        method: "POST",
        headers: { ...bearer(keys.admin), "content-type": "application/json" },
        body: '{"userIds":["u1"]}'
      })
    await post(`${o1}/users`)
    expect([(await get(o1)).headers.get("x-cache"), (await get(list)).headers.get("x-cache")]).toEqual(["MISS", "MISS"])
    expect((await get("/api/organizations/o2")).headers.get("x-cache")).toBe("HIT")
    logto.failures.push(new UpstreamFailure("timeout", "t"))
    expect((await post(`${o1}/users`)).status).toBe(504)
    expect((await get(o1)).headers.get("x-cache")).toBe("MISS")
    expect(cache.counters.invalidations).toBe(4)
  })

  it("makes concurrent identical misses one upstream request", async () => {
    const { get, upstream } = setup()
    const responses = await Promise.all(Array.from({ length: 5 }, () => get(o1)))
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(upstream.requests).toHaveLength(1)
  })

  it("caches ListOrganizations per view, and never serves a cached answer to a key that may not read it", async () => {
    const upstream = scriptedUpstream((r) =>
      r.target.split("?")[0] === "/api/organizations"
        ? answer(200, [{ id: "org-acme" }, { id: "org-x" }], { "total-number": "2" })
        : answer(200, { id: "org-x" })
    )
    const platform = testPlatform()
    const cache = memoryCache(settings, { now: platform.now, log: collectingLog(), leaseMs: 10_000 })
    const { app } = testApp({ cache: cache.store, upstream, platform })
    const get = (path: string, key: { key: string }) => app.request(at(path), { headers: bearer(key) })
    const full = await get("/api/organizations", keys.admin)
    const filtered = await get("/api/organizations", keys.acme)
    expect([full.headers.get("total-number"), filtered.headers.get("total-number")]).toEqual(["2", "1"])
    expect(await (await get("/api/organizations", keys.acme)).json()).toEqual([{ id: "org-acme" }])
    expect((await get("/api/organizations", keys.reader)).headers.get("x-cache")).toBe("HIT")
    expect((await get("/api/organizations/org-x", keys.admin)).status).toBe(200)
    expect((await get("/api/organizations/org-x", keys.acme)).status).toBe(403)
  })

  it("retries an invalidation the backend fails: up to three attempts, then counts and logs the failure", async () => {
    // A backend (the in-memory store) whose invalidation fails the first `failing` times.
    const flaky = (failing: number) => {
      const platform = testPlatform()
      const log = collectingLog()
      const inner = memoryBackend(
        new MemoryStore({ maxBytes: 1_000_000, instance: "flaky", leaseMs: 10_000 }),
        1_000_000
      )
      const attempts: Array<ReadonlyArray<string>> = []
      const cache = makeReadThrough({
        backend: {
          ...inner,
          invalidate: async (tags) => {
            attempts.push(tags)
            if (attempts.length <= failing) throw new Error(`injected: invalidation ${attempts.length} failed`)
            return inner.invalidate(tags)
          }
        },
        policy: settings,
        now: platform.now,
        counters: makeCounters(),
        log
      })
      const logto = logtoLike()
      const { app } = testApp({ cache, upstream: logto.upstream, platform, log })
      const get = (path: string) => app.request(at(path), { headers: bearer(keys.admin) })
      const patch = () =>
        app.request(at(o1), {
          method: "PATCH",
          headers: { ...bearer(keys.admin), "content-type": "application/json" },
          body: '{"name":"changed"}'
        })
      return { cache, log, attempts, get, patch }
    }
    for (const failing of [1, 2]) {
      const { cache, log, attempts, get, patch } = flaky(failing)
      await get(o1)
      expect((await get(o1)).headers.get("x-cache")).toBe("HIT")
      expect((await patch()).status).toBe(204)
      expect([failing, attempts.length, new Set(attempts.map((a) => JSON.stringify(a))).size]).toEqual([
        failing,
        failing + 1,
        1
      ])
      const after = await get(o1)
      expect([failing, after.headers.get("x-cache"), await after.json()]).toEqual([
        failing,
        "MISS",
        { written: "PATCH" }
      ])
      expect([cache.counters.invalidationFailures, log.lines.filter((l) => l["level"] === "error")]).toEqual([0, []])
    }
    const { cache, log, attempts, get, patch } = flaky(3)
    await get(o1)
    expect((await patch()).status).toBe(204)
    expect(attempts).toHaveLength(3)
    expect(cache.counters.invalidationFailures).toBe(1)
    expect(log.lines.filter((l) => l["msg"] === "cache invalidation failed")).toHaveLength(1)
  })

  it("answers from Logto, marked BYPASS, when the cache itself fails, and logs it", async () => {
    const { platform, log, cache } = unreachableCache()
    const { app, upstream } = testApp({ cache, platform, log })
    const response = await app.request(at(o1), { headers: bearer(keys.admin) })
    expect([response.status, response.headers.get("x-cache")]).toEqual([200, "BYPASS"])
    const write = await app.request(at(o1), { method: "DELETE", headers: bearer(keys.admin) })
    expect(write.status).toBe(200)
    expect(upstream.requests).toHaveLength(2)
    expect([cache.counters.errors, cache.counters.invalidationFailures]).toEqual([1, 1])
    expect(log.lines.map((l) => l["msg"])).toContain("cache invalidation failed")
  })
})

/** Yields to the event loop until `done()` holds (the app's awaits include WebCrypto's thread pool). */
const until = async (done: () => boolean) => {
  for (let i = 0; !done(); i++) {
    if (i > 100_000) throw new Error("the condition never held")
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/**
 * A Logto-like upstream whose GET answers can be held: `hold()` makes the next GETs wait until
 * `release(answer)` answers them (an answer, or a failure to throw).
 */
const heldLogto = () => {
  const logto = logtoLike()
  const gates: Array<(outcome: UpstreamResponse | Error | undefined) => void> = []
  let holding = false
  const upstream = scriptedUpstream(async (request) => {
    if (holding && request.method === "GET") {
      const outcome = await new Promise<UpstreamResponse | Error | undefined>((resolve) => gates.push(resolve))
      if (outcome instanceof Error) throw outcome
      if (outcome !== undefined) return outcome
    }
    return logto.upstream.send(request)
  })
  return {
    ...logto,
    upstream,
    hold: () => void (holding = true),
    /** Answers the held GETs (the first with `outcome`, Logto's own answer by default), and stops holding. */
    release: (outcome?: UpstreamResponse | Error) => {
      holding = false
      for (const [i, gate] of gates.splice(0).entries()) gate(i === 0 ? outcome : undefined)
    },
    held: () => gates.length
  }
}

const heldSetup = (
  backend?: (inner: ReturnType<typeof memoryBackend>) => Parameters<typeof makeReadThrough>[0]["backend"]
) => {
  const platform = testPlatform()
  const log = collectingLog()
  const memory = new MemoryStore({ maxBytes: 1_000_000, instance: "held", leaseMs: 60_000 })
  const inner = memoryBackend(memory, 1_000_000)
  const counters = makeCounters()
  const chosen = backend === undefined ? inner : backend(inner)
  let lookups = 0
  const cache = makeReadThrough({
    backend: { ...chosen, lookup: (...args) => (lookups++, chosen.lookup(...args)) },
    policy: settings,
    now: platform.now,
    counters,
    log
  })
  const logto = heldLogto()
  const { app } = testApp({ cache, upstream: logto.upstream, platform, log })
  const get = (path: string, headers: Record<string, string> = {}) =>
    app.request(at(path), { headers: { ...bearer(keys.admin), ...headers } })
  /** Two identical reads, once both have looked the cache up and the first one's fill waits on Logto. */
  const twice = async (path: string) => {
    const before = lookups
    logto.hold()
    const requests = [get(path), get(path)]
    await until(() => lookups === before + 2 && logto.held() === 1)
    return requests
  }
  const write = (path: string) =>
    app.request(at(path), {
      method: "PATCH",
      headers: { ...bearer(keys.admin), "content-type": "application/json" },
      body: '{"name":"changed"}'
    })
  return { app, get, twice, write, cache, counters, memory, platform, log, logto }
}

describe("read-through cache: counters, coalescing and failures", () => {
  it("counts hits, misses, bypasses, revalidations and stale answers, and shows them in /metrics", async () => {
    const { get, cache, platform, logto, app } = setup()
    await get(o1)
    await get(o1)
    await get(o1, { "cache-control": "no-cache" })
    await app.request(at(o1), { method: "HEAD", headers: bearer(keys.admin) })
    platform.advance(30_000)
    await get(o1)
    platform.advance(30_000)
    logto.failures.push(answer(500, "Internal Server Error"))
    expect((await get(o1)).headers.get("x-cache")).toBe("STALE")
    expect(cache.counters).toMatchObject({ hits: 1, misses: 2, bypass: 2, revalidated: 1, stale: 1, coalesced: 0 })
    const metrics = await (await app.request(at("/metrics"), { headers: bearer(keys.admin) })).text()
    expect(metrics).toContain("orgkit_cache_hits_total 1\n")
    expect(metrics).toContain("orgkit_cache_stale_total 1\n")
    expect(metrics).toContain("orgkit_cache_entries 1\n")
  })

  it("serves stale for Logto's 500 (as for any 5xx or 429), and the stale bound is inclusive", async () => {
    const { get, platform, logto, cache } = setup()
    await get(o1)
    platform.advance(30_000 + 60_000)
    logto.failures.push(answer(500, "Internal Server Error"))
    expect((await get(o1)).headers.get("x-cache")).toBe("STALE")
    platform.advance(1)
    logto.failures.push(answer(500, "Internal Server Error"))
    expect((await get(o1)).status).toBe(500)
    expect(cache.counters.stale).toBe(1)
  })

  it("answers a 304 from the cache and then the full entry again, in either order", async () => {
    const { get } = setup()
    const etag = (await get(o1)).headers.get("etag")!
    const conditional = await get(o1, { "if-none-match": etag })
    const full = await get(o1)
    const again = await get(o1, { "if-none-match": etag })
    expect([conditional.status, full.status, again.status]).toEqual([304, 200, 304])
    expect([full.headers.get("x-cache"), full.headers.get("content-type"), await full.text()]).toEqual([
      "HIT",
      "application/json; charset=utf-8",
      JSON.stringify({ path: o1 })
    ])
  })

  it("stores only the headers that matter: Content-Type, ETag, Total-Number and Link", async () => {
    const { get, logto, cache, platform } = setup()
    logto.failures.push(
      answer(200, [{ id: "o1" }], {
        etag: '"e1"',
        "total-number": "1",
        link: '<https://logto.test/api/organizations?page=1>; rel="first"',
        "set-cookie": "session=x",
        "x-powered-by": "koa"
      })
    )
    await get("/api/organizations")
    const hit = await get("/api/organizations")
    expect(hit.headers.get("x-cache")).toBe("HIT")
    const names = [...hit.headers.keys()].filter((n) => !["x-cache", "x-request-id", "content-length"].includes(n))
    expect(names.sort()).toEqual(["content-type", "etag", "link", "total-number"])
    // The entry holds exactly those (the Node hit path sends an entry's headers as they are).
    expect(cache.memory.peek("/api/organizations", platform.now())?.headers).toEqual([
      ["content-type", "application/json; charset=utf-8"],
      ["etag", '"e1"'],
      ["total-number", "1"],
      ["link", '<https://logto.test/api/organizations?page=1>; rel="first"']
    ])
  })

  it("answers 304 only to a 200: Logto's error with an ETag is passed on as it is", async () => {
    const { get, logto } = setup()
    logto.failures.push(answer(404, { code: "entity.not_exists_with_id", message: "x" }, { etag: '"gone"' }))
    const response = await get("/api/organizations/gone", { "if-none-match": '"gone"' })
    expect([response.status, response.headers.get("x-cache")]).toEqual([404, "MISS"])
  })

  it("reads Cache-Control's directives whatever their case and spacing; no-store wins over no-cache", async () => {
    const { get, logto, upstream } = setup()
    await get(o1)
    logto.bodies.set(o1, '{"v":2}')
    const spaced = await get(o1, { "cache-control": "max-age=0,  No-Cache " })
    expect([spaced.headers.get("x-cache"), await spaced.text()]).toEqual(["BYPASS", '{"v":2}'])
    logto.bodies.set(o1, '{"v":3}')
    expect(await (await get(o1, { "cache-control": "no-cache, no-store" })).text()).toBe('{"v":3}')
    // no-store did not store: the no-cache refresh (v2) is still the entry.
    expect(await (await get(o1)).text()).toBe('{"v":2}')
    expect(upstream.requests).toHaveLength(3)
  })

  it("stores an answer exactly at the entry size limit (body bytes and key), not one byte more", async () => {
    const limit = 2_048
    const { get, logto } = setup({ maxEntryBytes: limit })
    const sized = (path: string, extra: number) =>
      logto.bodies.set(path, JSON.stringify({ pad: "x".repeat(limit - path.length - 10 + extra) }))
    sized(o1, 0)
    sized("/api/organizations/o2", 1)
    await get(o1)
    await get("/api/organizations/o2")
    expect([
      (await get(o1)).headers.get("x-cache"),
      (await get("/api/organizations/o2")).headers.get("x-cache")
    ]).toEqual(["HIT", "MISS"])
  })

  it("records what the Node hit path needs with each entry: operation, organization, view and forwarded path", async () => {
    const upstream = scriptedUpstream(() => answer(200, [{ id: "org-acme" }]))
    const platform = testPlatform()
    const cache = memoryCache(settings, { now: platform.now, log: collectingLog(), leaseMs: 10_000 })
    const { app } = testApp({ cache: cache.store, upstream, platform })
    await app.request(at("/api/organizations/org-acme/users?page=1"), { headers: bearer(keys.acme) })
    await app.request(at("/api/organizations?page=1"), { headers: bearer(keys.acme) })
    await app.request(at("/api/organizations?page=1"), { headers: bearer(keys.admin) })
    expect(cache.memory.peek("/api/organizations/org-acme/users?page=1", platform.now())?.meta).toEqual({
      operationId: "ListOrganizationUsers",
      organizationId: "org-acme",
      view: "",
      forwardedPath: "/api/organizations/org-acme/users"
    })
    expect(cache.memory.peek('/api/organizations?page=1\n["org-acme","org-acme-2"]', platform.now())?.meta).toEqual({
      operationId: "ListOrganizations",
      organizationId: undefined,
      view: '["org-acme","org-acme-2"]',
      forwardedPath: "/api/organizations"
    })
    expect(cache.memory.peek("/api/organizations?page=1", platform.now())?.meta.view).toBe("")
  })

  it("gives concurrent identical misses the filler's answer, cached or not, counted as coalesced", async () => {
    const { twice, logto, counters } = heldSetup()
    const requests = await twice("/api/organizations/gone")
    logto.release(answer(404, { code: "entity.not_exists_with_id", message: "x" }))
    const responses = await Promise.all(requests)
    expect(responses.map((r) => [r.status, r.headers.get("x-cache")])).toEqual([
      [404, "MISS"],
      [404, "MISS"]
    ])
    expect([logto.upstream.requests.length, counters.coalesced, counters.misses]).toEqual([1, 1, 1])
  })

  it("serves stale to waiters on a fill Logto failed, and its failure (with its data) when nothing is usable", async () => {
    const { get, twice, logto, counters, platform } = heldSetup()
    await get(o1)
    platform.advance(40_000)
    let requests = await twice(o1)
    logto.release(answer(503, "Service Unavailable"))
    expect((await Promise.all(requests)).map((r) => r.headers.get("x-cache"))).toEqual(["STALE", "STALE"])
    // A refill Logto answered: the waiter gets that answer, never the stale entry.
    logto.bodies.set(o1, '{"v":2}')
    requests = await twice(o1)
    logto.release()
    const refilled = await Promise.all(requests)
    expect(await Promise.all(refilled.map(async (r) => [r.headers.get("x-cache"), await r.text()]))).toEqual([
      ["MISS", '{"v":2}'],
      ["MISS", '{"v":2}']
    ])
    platform.advance(40_000)
    requests = await twice(o1)
    logto.release(new UpstreamFailure("budget", "spent", { retryAfterMs: 3_000 }))
    expect((await Promise.all(requests)).map((r) => r.headers.get("x-cache"))).toEqual(["STALE", "STALE"])
    expect([counters.stale, counters.staleForBudget, counters.coalesced]).toEqual([4, 1, 3])

    // No entry to fall back on: the waiter answers exactly what the filler answered.
    requests = await twice("/api/organizations/o2")
    logto.release(new UpstreamFailure("budget", "spent", { retryAfterMs: 3_000 }))
    const [filler, waiter] = await Promise.all(requests)
    expect(filler!.status).toBe(429)
    expect([waiter!.status, waiter!.headers.get("retry-after"), await waiter!.json()]).toEqual([
      429,
      "3",
      await filler!.json()
    ])
  })

  it("counts stale answers for the budget only when the budget was the failure", async () => {
    const { get, logto, counters, platform } = heldSetup()
    await get(o1)
    platform.advance(40_000)
    logto.failures.push(new UpstreamFailure("timeout", "slow"))
    expect((await get(o1)).headers.get("x-cache")).toBe("STALE")
    logto.failures.push(new UpstreamFailure("budget", "spent", { retryAfterMs: 1_000 }))
    expect((await get(o1)).headers.get("x-cache")).toBe("STALE")
    expect([counters.stale, counters.staleForBudget]).toEqual([2, 1])
  })

  it("treats the proxy's own credential failure like Logto's: stale when usable, else shared with waiters", async () => {
    const { get, twice, logto, platform } = heldSetup()
    const refused = () => answer(401, { code: "auth.unauthorized", message: "no" })
    await get(o1)
    platform.advance(40_000)
    logto.failures.push(refused(), refused())
    expect((await get(o1)).headers.get("x-cache")).toBe("STALE")
    const requests = await twice("/api/organizations/o2")
    logto.failures.push(refused())
    logto.release(refused())
    const [filler, waiter] = await Promise.all(requests)
    const body = await filler!.json()
    expect([filler!.status, (body as { code: string }).code]).toEqual([502, "proxy.upstream_auth_failed"])
    expect([waiter!.status, await waiter!.json()]).toEqual([502, body])
  })

  it("never serves stale for an unexpected error, and sends the waiters to ask Logto themselves", async () => {
    const { get, twice, logto, platform, counters } = heldSetup()
    await get(o1)
    platform.advance(40_000)
    const requests = await twice(o1)
    logto.release(new TypeError("a bug in an adapter"))
    const [filler, waiter] = await Promise.all(requests)
    expect([filler!.status, filler!.headers.get("x-cache")]).toEqual([500, null])
    expect([waiter!.status, waiter!.headers.get("x-cache")]).toEqual([200, "MISS"])
    expect([logto.upstream.requests.length, counters.stale]).toEqual([3, 0])
  })

  it("answers a revalidation that a write overtook with Logto's confirmed body, without storing it", async () => {
    const { get, write, logto, platform, counters } = heldSetup()
    const first = await (await get(o1)).text()
    platform.advance(40_000)
    logto.hold()
    const revalidating = get("/api/organizations/o1")
    await until(() => logto.held() === 1)
    logto.failures.push(answer(204, undefined))
    expect((await write(o1)).status).toBe(204)
    logto.release(answer(304, undefined, { etag: `"${first.length.toString(16)}-${first.length}"` }))
    const response = await revalidating
    expect([response.status, response.headers.get("x-cache"), await response.text()]).toEqual([200, "MISS", first])
    expect((await get(o1)).headers.get("x-cache")).toBe("MISS")
    expect(counters.revalidated).toBe(1)
  })

  it("refreshes on no-cache only with a 200; without a lease (the cache unreachable) it stores nothing", async () => {
    const { get, logto, memory, platform, counters, log } = heldSetup((inner) => ({
      ...inner,
      lookup: (tag, key, now, mode) =>
        mode === "bypass" ? Promise.reject(new Error("unreachable")) : inner.lookup(tag, key, now, mode)
    }))
    await get(o1)
    logto.bodies.set(o1, '{"v":2}')
    const bypassed = await get(o1, { "cache-control": "no-cache" })
    expect([bypassed.status, bypassed.headers.get("x-cache"), await bypassed.text()]).toEqual([
      200,
      "BYPASS",
      '{"v":2}'
    ])
    expect(new TextDecoder().decode(memory.peek(o1, platform.now())?.body)).not.toBe('{"v":2}')
    expect([counters.errors, log.lines.filter((l) => l["level"] === "error")]).toEqual([0, []])
  })

  it("counts and logs a failed store, and still answers Logto's answer", async () => {
    const { get, counters, log } = heldSetup((inner) => ({
      ...inner,
      complete: () => Promise.reject(new Error("Durable Object reset"))
    }))
    const response = await get(o1)
    expect([response.status, response.headers.get("x-cache")]).toEqual([200, "MISS"])
    expect(counters.errors).toBe(1)
    expect(log.lines.filter((l) => l["msg"] === "cache store failed")).toEqual([
      expect.objectContaining({ level: "error", key: o1, error: "Error: Durable Object reset" })
    ])
  })

  it("logs a lookup that failed, and renders /metrics for a backend without gauges", async () => {
    const { platform, log, cache } = unreachableCache()
    const { app } = testApp({ cache, platform, log })
    expect((await app.request(at(o1), { headers: bearer(keys.admin) })).headers.get("x-cache")).toBe("BYPASS")
    const bypassed = await app.request(at(o1), { headers: { ...bearer(keys.admin), "cache-control": "no-cache" } })
    expect([bypassed.status, bypassed.headers.get("x-cache")]).toEqual([200, "BYPASS"])
    expect(cache.counters).toMatchObject({ errors: 1, bypass: 2 })
    expect(log.lines.filter((l) => l["level"] === "error")).toEqual([
      expect.objectContaining({ msg: "cache lookup failed", key: o1, error: "Error: Durable Object unreachable" })
    ])
    const metrics = await (await app.request(at("/metrics"), { headers: bearer(keys.admin) })).text()
    expect(metrics).toContain("orgkit_cache_errors_total 1\n")
    expect(metrics).not.toContain("orgkit_cache_entries")
  })

  it("asks the backend nothing for an empty invalidation, and logs a failed one as an error", async () => {
    const asked: Array<ReadonlyArray<string>> = []
    const log = collectingLog()
    const cache = makeReadThrough({
      backend: {
        lookup: () => Promise.reject(new Error("unused")),
        complete: () => Promise.reject(new Error("unused")),
        invalidate: (tags) => (asked.push(tags), Promise.reject(new Error("down")))
      },
      policy: settings,
      now: () => 0,
      counters: makeCounters(),
      log
    })
    await cache.invalidate([])
    expect([asked, cache.counters.invalidations]).toEqual([[], 0])
    await cache.invalidate(["org:o1", "orgs"])
    expect([asked.length, cache.counters.invalidations, cache.counters.invalidationFailures]).toEqual([3, 2, 1])
    expect(log.lines).toEqual([
      expect.objectContaining({ level: "error", msg: "cache invalidation failed", tags: ["org:o1", "orgs"] })
    ])
  })

  it("tells no-store from no-cache, and finds neither in other directives", () => {
    const directive = (value: string) => bypassDirective(new Headers({ "cache-control": value }))
    expect([
      directive("no-store"),
      directive(" NO-CACHE"),
      directive("no-cache,no-store"),
      directive("max-age=0")
    ]).toEqual(["no-store", "no-cache", "no-store", undefined])
    expect(bypassDirective(new Headers())).toBeUndefined()
  })
})
