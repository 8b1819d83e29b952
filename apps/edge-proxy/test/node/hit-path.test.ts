/**
 * The Node hit path (`cache/node/fast-path.ts`) on the real server (`startNodeProxy`) over the fake
 * Logto, with a manual clock: what it serves from the raw request listener and what it must leave to
 * Hono. A request the hit path answered costs no upstream call and logs one line with `durationMs`
 * 0 and no `upstream`; the second request of a key is the first the hit path can answer (the key's
 * header is memoized by its first request, through Hono).
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NodeProxy } from "../../src/adapters/node/server.ts"
import { cacheEnv, cacheKeys, client, directToken } from "../fixtures/e2e.ts"
import { startLoopbackProxy } from "../fixtures/node-proxy.ts"
import { collectingLog, testPlatform } from "../fixtures/ports.ts"

const { acme, globex, initech } = Demo.ids.organizations
let fake: FakeLogto.Server
const started: Array<NodeProxy> = []

beforeAll(async () => {
  fake = await FakeLogto.serve({ seed: Demo.seed, tokens: [directToken], clients: [client] })
})
afterAll(async () => {
  await Promise.all(started.map((p) => p.close()))
  await fake?.close()
})

/** A proxy of its own (a cache of its own), its clock and log, and raw HTTP calls to it. */
const proxy = async (env: Record<string, string> = {}) => {
  const platform = testPlatform(Date.now())
  const log = collectingLog()
  const running = await startLoopbackProxy({ ...cacheEnv(fake.url), ...env }, { log, platform })
  started.push(running)
  const call = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    new Promise<{ status: number; headers: Record<string, string>; names: Array<string>; body: string }>(
      (resolve, reject) => {
        const request = http.request(
          { host: "127.0.0.1", port: running.port, path, method, headers: { host: "proxy.example", ...headers } },
          (incoming) => {
            const chunks: Array<Buffer> = []
            incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
            incoming.on("end", () =>
              resolve({
                status: incoming.statusCode ?? 0,
                headers: Object.fromEntries(
                  Object.entries(incoming.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)])
                ),
                names: incoming.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()),
                body: Buffer.concat(chunks).toString("utf8")
              })
            )
          }
        )
        request.on("error", reject)
        request.end()
      }
    )
  /** The request lines logged since `from`. */
  const lines = (from: number) => log.lines.slice(from).filter((l) => l["msg"] === "request")
  return { call, log, lines, platform, running }
}

const auth = (key: { readonly key: string }, headers: Record<string, string> = {}) => ({
  authorization: `Bearer ${key.key}`,
  ...headers
})

describe("node hit path", () => {
  it("serves a memoized key's repeated read from the raw listener, with Logto's headers and one log line", async () => {
    const { call, log, lines } = await proxy()
    const path = `/api/organizations/${acme}/users?page_size=1`
    const first = await call(path, auth(cacheKeys.admin))
    const second = await call(path, auth(cacheKeys.admin))
    const from = log.lines.length
    const hit = await call(path, auth(cacheKeys.admin, { "x-request-id": "caller-id-1" }))
    expect([first.headers["x-cache"], second.headers["x-cache"], hit.headers["x-cache"]]).toEqual([
      "MISS",
      "HIT",
      "HIT"
    ])
    expect([hit.status, hit.body, hit.headers["x-request-id"]]).toEqual([200, first.body, "caller-id-1"])
    expect(hit.headers["content-length"]).toBe(String(Buffer.byteLength(first.body)))
    for (const name of ["content-type", "etag", "total-number", "link"])
      expect(hit.headers[name]).toBe(first.headers[name])
    expect(lines(from)).toEqual([
      expect.objectContaining({
        requestId: "caller-id-1",
        method: "GET",
        path: `/api/organizations/${acme}/users`,
        operationId: "ListOrganizationUsers",
        keyId: "admin",
        status: 200,
        cache: "HIT",
        durationMs: 0
      })
    ])
  })

  it("answers a matching If-None-Match with 304: ETag, Total-Number and Link, no body, no Content-Type or length", async () => {
    const { call, lines, log } = await proxy()
    const path = `/api/organizations/${acme}/users?page_size=1`
    const full = await call(path, auth(cacheKeys.admin))
    await call(path, auth(cacheKeys.admin))
    const from = log.lines.length
    const notModified = await call(path, auth(cacheKeys.admin, { "if-none-match": full.headers["etag"]! }))
    expect([notModified.status, notModified.body, notModified.headers["x-cache"]]).toEqual([304, "", "HIT"])
    expect(
      notModified.names.filter((n) => !["x-request-id", "date", "connection", "keep-alive"].includes(n)).sort()
    ).toEqual(["etag", "link", "total-number", "x-cache"])
    const other = await call(path, auth(cacheKeys.admin, { "if-none-match": '"other"' }))
    expect([other.status, other.body]).toEqual([200, full.body])
    expect(lines(from).map((l) => [l["status"], l["cache"]])).toEqual([
      [304, "HIT"],
      [200, "HIT"]
    ])
  })

  it("never serves a key without scope read, however often it asks", async () => {
    const { call } = await proxy()
    const path = `/api/organizations/${acme}`
    await call(path, auth(cacheKeys.admin))
    for (let i = 0; i < 3; i++) expect((await call(path, auth(cacheKeys.writer))).status).toBe(403)
  })

  it("never serves a restricted key an organization outside its list, nor another view of the list", async () => {
    const { call } = await proxy()
    await call(`/api/organizations/${globex}`, auth(cacheKeys.admin))
    for (let i = 0; i < 3; i++)
      expect((await call(`/api/organizations/${globex}`, auth(cacheKeys.acme))).status).toBe(403)
    const full = await call("/api/organizations", auth(cacheKeys.admin))
    const views = []
    for (let i = 0; i < 3; i++) views.push(await call("/api/organizations", auth(cacheKeys.acme)))
    const ids = (body: string) => (JSON.parse(body) as Array<{ id: string }>).map((o) => o.id).sort()
    expect(ids(full.body)).toEqual([acme, globex, initech].sort())
    for (const view of views) expect(ids(view.body)).toEqual([acme, initech].sort())
    expect(views.map((v) => v.headers["x-cache"])).toEqual(["MISS", "HIT", "HIT"])
    // Another restricted key has its own view; an unrestricted one shares the full list.
    const globexView = []
    for (let i = 0; i < 2; i++) globexView.push(await call("/api/organizations", auth(cacheKeys.globex)))
    for (const view of globexView) expect(ids(view.body)).toEqual([globex])
    const reader = []
    for (let i = 0; i < 2; i++) reader.push(await call("/api/organizations", auth(cacheKeys.reader)))
    for (const view of reader) expect([view.headers["x-cache"], ids(view.body)]).toEqual(["HIT", ids(full.body)])
    // The restricted key reads its own organization from the entry the admin filled.
    await call(`/api/organizations/${acme}`, auth(cacheKeys.admin))
    const own = await call(`/api/organizations/${acme}`, auth(cacheKeys.acme))
    expect([own.status, own.headers["x-cache"]]).toEqual([200, "HIT"])
  })

  it("leaves no-cache and no-store in any case, HEAD, and unauthenticated requests to Hono", async () => {
    const { call } = await proxy()
    const path = `/api/organizations/${acme}`
    await call(path, auth(cacheKeys.admin))
    await call(path, auth(cacheKeys.admin))
    for (const directive of ["no-cache", "No-Store", "max-age=0, NO-CACHE"]) {
      const response = await call(path, auth(cacheKeys.admin, { "cache-control": directive }))
      expect([directive, response.headers["x-cache"]]).toEqual([directive, "BYPASS"])
    }
    expect((await call(path, auth(cacheKeys.admin, { "cache-control": "max-age=0" }))).headers["x-cache"]).toBe("HIT")
    expect((await call(path, auth(cacheKeys.admin), "HEAD")).headers["x-cache"]).toBe("BYPASS")
    expect((await call(path)).status).toBe(401)
    expect((await call(path, { authorization: "Bearer not-a-key-000000000000" })).status).toBe(401)
  })

  it("leaves every request to the quota step when a rate limit applies (RateLimit headers on each)", async () => {
    const { call } = await proxy({ ORGKIT_RATE_LIMIT: "1000/60s" })
    const path = `/api/organizations/${acme}`
    const responses = []
    for (let i = 0; i < 3; i++) responses.push(await call(path, auth(cacheKeys.admin)))
    expect(responses.map((r) => r.headers["x-cache"])).toEqual(["MISS", "HIT", "HIT"])
    for (const r of responses) expect(Object.keys(r.headers).some((n) => n.startsWith("ratelimit"))).toBe(true)
  })

  it("renders Link URLs for the caller's Host, again when another Host asks", async () => {
    const { call } = await proxy()
    const path = `/api/organizations/${acme}/users?page_size=1`
    const link = async (host: string) => (await call(path, { ...auth(cacheKeys.admin), host })).headers["link"]!
    const one = await link("one.example")
    const hits = [await link("one.example"), await link("two.example"), await link("one.example")]
    expect(one).toContain("<http://one.example/organizations/")
    expect(hits).toEqual([one, one.replaceAll("one.example", "two.example"), one])
  })

  it("uses the caller's X-Request-Id only when it is 1 to 200 printable characters", async () => {
    const { call } = await proxy()
    const path = `/api/organizations/${acme}`
    await call(path, auth(cacheKeys.admin))
    const id = async (given: string) =>
      (await call(path, auth(cacheKeys.admin, { "x-request-id": given }))).headers["x-request-id"]
    expect(await id("a".repeat(200))).toBe("a".repeat(200))
    expect(await id("!~")).toBe("!~")
    for (const bad of ["a".repeat(201), "with space", "é"]) {
      const got = await id(bad)
      expect([bad, got === bad, got?.length]).toEqual([bad, false, expect.any(Number)])
    }
  })

  it("serves only fresh entries, and counts its hits in /metrics by operation", async () => {
    const { call, platform } = await proxy()
    const path = `/api/organizations/${acme}`
    await call(path, auth(cacheKeys.admin))
    expect((await call(path, auth(cacheKeys.admin))).headers["x-cache"]).toBe("HIT")
    platform.advance(30_000)
    expect((await call(path, auth(cacheKeys.admin))).headers["x-cache"]).toBe("MISS")
    expect((await call(path, auth(cacheKeys.admin))).headers["x-cache"]).toBe("HIT")
    const metrics = (await call("/metrics", auth(cacheKeys.admin))).body
    expect(metrics).toContain("orgkit_cache_hits_total 2\n")
    // Hono's lines and the hit path's are counted alike: two misses and two hits.
    expect(metrics).toContain('orgkit_requests_total{operation="GetOrganization",status="200"} 4\n')
  })
})
