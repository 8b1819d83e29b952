/**
 * The cache suite on Node: two servers in one process over the same in-memory cache (what one Node
 * process shares), with one manual clock, plus what only Node has: the hit path in the raw request
 * listener and the LRU byte bound of the whole cache.
 */
import http from "node:http"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type NodeProxy, startNodeProxy } from "../../src/adapters/node/server.ts"
import { nodeHttpUpstream } from "../../src/adapters/node/http-upstream.ts"
import { memoryCache } from "../../src/cache/memory-cache.ts"
import type { Upstream } from "../../src/ports.ts"
import { cacheEnv, cacheKeys, ids } from "../fixtures/e2e.ts"
import { loopbackConfig } from "../fixtures/node-proxy.ts"
import { collectingLog, testPlatform } from "../fixtures/ports.ts"
import { describeCache } from "../suite/cache.ts"
import { fake, upstreamCallsDuring } from "../suite/harness.ts"

const host = "proxy.example"
const platform = testPlatform(Date.now())
const log = collectingLog()
const started: Array<NodeProxy> = []
let delay: number | undefined

/** The keep-alive upstream, with each GET answer held back up to `delay` ms once it has arrived. */
const delayedUpstream = (): Upstream & { close: () => void } => {
  const inner = nodeHttpUpstream({ origin: inject("cacheFakeUrl") })
  return {
    send: async (request) => {
      const response = await inner.send(request)
      if (delay !== undefined && request.method === "GET") {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * delay!))
      }
      return response
    },
    close: inner.close
  }
}

const start = async (env: Record<string, string> = {}, shared = true) => {
  const config = loopbackConfig({ ...cacheEnv(inject("cacheFakeUrl")), ...env })
  const cache =
    shared && config.cache.enabled
      ? (sharedCache ??= memoryCache(config.cache, { now: platform.now, log, leaseMs: 5_000 }))
      : undefined
  const upstream = delayedUpstream()
  const proxy = await startNodeProxy(config, {
    log,
    platform,
    upstream,
    ...(cache === undefined ? {} : { cache })
  })
  started.push({ ...proxy, close: () => proxy.close().then(upstream.close) })
  return proxy
}
let sharedCache: ReturnType<typeof memoryCache> | undefined

/** A request with a fixed `Host` (so both servers render the same `Link` URLs), as a WHATWG Response. */
const call =
  (proxy: () => NodeProxy, hostHeader = host) =>
  (path: string, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const headers = { ...Object.fromEntries(new Headers(init.headers)), host: hostHeader }
      const request = http.request(
        { host: "127.0.0.1", port: proxy().port, path, method: init.method ?? "GET", headers },
        (incoming) => {
          const chunks: Array<Buffer> = []
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
          incoming.on("end", () => {
            const status = incoming.statusCode ?? 0
            const responseHeaders = new Headers()
            for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
              responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!)
            }
            const empty = status === 204 || status === 304 || init.method === "HEAD"
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: responseHeaders }))
          })
        }
      )
      request.on("error", reject)
      request.end(typeof init.body === "string" ? init.body : undefined)
    })

let first: NodeProxy
let second: NodeProxy

beforeAll(async () => {
  first = await start()
  second = await start()
})
afterAll(() => Promise.all(started.map((p) => p.close())))

describeCache(() => ({
  runtime: "node",
  origin: `http://${host}`,
  call: call(() => first),
  second: call(() => second),
  advance: platform.advance,
  delayAnswers: (ms) => {
    delay = ms
  },
  fakeUrl: inject("cacheFakeUrl")
}))

const admin = { headers: { authorization: `Bearer ${cacheKeys.admin.key}` } }
const target = () => ({
  runtime: "node" as const,
  origin: `http://${host}`,
  call: call(() => first),
  fakeUrl: inject("cacheFakeUrl")
})

describe("node cache", () => {
  it("answers hits in the raw listener, before Hono, with one log line each", async () => {
    const path = `/api/organizations/${ids.organizations.initech}/jit/roles`
    await call(() => first)(path, admin)
    const before = log.lines.length
    const hit = await call(() => second)(path, { headers: { ...admin.headers, "x-request-id": "hit-1" } })
    expect([hit.status, hit.headers.get("x-cache"), hit.headers.get("x-request-id")]).toEqual([200, "HIT", "hit-1"])
    expect(hit.headers.get("content-length")).toBe(String((await hit.arrayBuffer()).byteLength))
    expect(log.lines.slice(before)).toEqual([
      expect.objectContaining({
        msg: "request",
        requestId: "hit-1",
        method: "GET",
        path,
        operationId: "ListOrganizationJitRoles",
        keyId: "admin",
        status: 200,
        cache: "HIT"
      })
    ])
  })

  it("answers a matching If-None-Match with 304 in the raw listener, and leaves no-cache to Hono", async () => {
    const path = `/api/organizations/${ids.organizations.initech}/jit/sso-connectors`
    const etag = (await call(() => first)(path, admin)).headers.get("etag")!
    const before = log.lines.length
    const [responses, calls] = await upstreamCallsDuring(target(), () =>
      Promise.all([
        call(() => second)(path, {
          headers: { ...admin.headers, "if-none-match": etag, "cache-control": "max-age=0" }
        }),
        call(() => second)(path, { headers: { ...admin.headers, "if-none-match": etag, "cache-control": "no-cache" } })
      ])
    )
    const [notModified, bypassed] = responses
    expect([notModified!.status, notModified!.headers.get("etag"), notModified!.headers.get("content-type")]).toEqual([
      304,
      etag,
      null
    ])
    expect([bypassed!.status, bypassed!.headers.get("x-cache")]).toEqual([200, "BYPASS"])
    expect(calls.map((c) => c.path).filter((p) => p !== "/oidc/token")).toEqual([path])
    expect(log.lines.slice(before).map((l) => [l["status"], l["cache"]])).toEqual(
      expect.arrayContaining([
        [304, "HIT"],
        [200, "BYPASS"]
      ])
    )
  })

  it("renders Link URLs for each caller's Host", async () => {
    const path = `/api/organizations/${ids.organizations.acme}/users?page_size=1`
    const one = await call(() => first, "one.example")(path, admin)
    const two = await call(() => first, "two.example")(path, admin)
    const again = await call(() => first, "one.example")(path, admin)
    expect(one.headers.get("link")).toContain("<http://one.example/organizations/")
    expect([two.headers.get("x-cache"), two.headers.get("link")]).toEqual([
      "HIT",
      one.headers.get("link")!.replaceAll("one.example", "two.example")
    ])
    expect(again.headers.get("link")).toBe(one.headers.get("link"))
  })

  it("evicts least recently used entries to stay within ORGKIT_CACHE_MAX_BYTES, and skips entries over the size limit", async () => {
    const small = await start({ ORGKIT_CACHE_MAX_BYTES: "65536", ORGKIT_CACHE_MAX_ENTRY_BYTES: "2048" }, false)
    const get = call(() => small)
    const paths = Array.from({ length: 120 }, (_, i) => `/api/organizations/evict${i}/users/${ids.users.alice}/scopes`)
    for (const path of paths) expect((await get(path, admin)).status).toBe(200)
    const gauges = small.cache!.memory
    expect(gauges.bytes).toBeLessThanOrEqual(65_536)
    expect(gauges.evictions).toBeGreaterThan(0)
    const [, calls] = await upstreamCallsDuring(target(), async () => {
      expect((await get(paths.at(-1)!, admin)).headers.get("x-cache")).toBe("HIT")
      expect((await get(paths[0]!, admin)).headers.get("x-cache")).toBe("MISS")
    })
    expect(calls).toHaveLength(1)
    const id = `evictbig${Date.now().toString(36)}`
    await fake.seed(target(), { organizations: [{ id, name: "Big", customData: { blob: "x".repeat(3_000) } }] })
    const big = `/api/organizations/${id}`
    expect((await get(big, admin)).status).toBe(200)
    expect((await get(big, admin)).headers.get("x-cache")).toBe("MISS")
  })

  it("with ORGKIT_CACHE=off, passes every read to Logto and sends no X-Cache", async () => {
    const off = await start({ ORGKIT_CACHE: "off" }, false)
    const get = call(() => off)
    const path = `/api/organizations/${ids.organizations.acme}`
    const [responses, calls] = await upstreamCallsDuring(target(), () =>
      Promise.all([get(path, admin), get(path, admin)])
    )
    expect(responses.map((r) => [r.status, r.headers.get("x-cache")])).toEqual([
      [200, null],
      [200, null]
    ])
    expect(calls.filter((c) => c.path === path)).toHaveLength(2)
    expect(off.cache).toBeUndefined()
    await fake.clearFaults(target())
  })
})
