/**
 * The read-through cache through the app (`app.request`), over the in-memory store, a scripted
 * upstream that answers like Logto (ETag, 304 to a matching If-None-Match unless no-cache) and a
 * manual clock.
 */
import { describe, expect, it } from "vitest"
import { memoryBackend, memoryCache } from "../../src/cache/memory-cache.ts"
import { MemoryStore } from "../../src/cache/memory-store.ts"
import { makeCounters } from "../../src/cache/metrics.ts"
import { makeReadThrough } from "../../src/cache/read-through.ts"
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
