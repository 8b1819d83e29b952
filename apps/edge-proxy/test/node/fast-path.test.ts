/**
 * The Node hit path's contract (`cache/node/fast-path.ts`), in a real `node:http` server over a real
 * `MemoryStore`, key store and metrics registry: `true` (it answered) exactly when the full pipeline
 * would answer the same from the cache, `false` (the request goes on to Hono, here a 418 "to Hono")
 * otherwise. What it sends is checked byte for byte: status, headers, body, log line, counters.
 */
import http from "node:http"
import net from "node:net"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EntryMeta } from "../../src/cache/memory-store.ts"
import { MemoryStore } from "../../src/cache/memory-store.ts"
import { makeCounters } from "../../src/cache/metrics.ts"
import { fastPath } from "../../src/cache/node/fast-path.ts"
import type { ApiKey } from "../../src/config.ts"
import { makeKeyStore } from "../../src/middleware/authenticate/key-store.ts"
import { makeMetricsRegistry } from "../../src/middleware/metrics/index.ts"
import { collectingLog, keys, testPlatform } from "../fixtures/ports.ts"

const writer = { id: "writer", name: "Writer", key: "writer-key-0123456789", scopes: ["write"] } satisfies ApiKey
const acmeWriter = {
  id: "acme-writer",
  name: "Acme writer",
  key: "acme-writer-key-012345",
  scopes: ["write"],
  organizations: ["org-acme", "org-acme-2"]
} satisfies ApiKey
const quota = {
  id: "quota",
  name: "Quota team",
  key: "quota-key-0123456789",
  scopes: ["read"],
  rateLimit: { requests: 100, perSeconds: 60 }
} satisfies ApiKey
const all: ReadonlyArray<ApiKey> = [...Object.values(keys), writer, acmeWriter, quota]
const acmeView = '["org-acme","org-acme-2"]'

const encoder = new TextEncoder()
const organization = (id: string, path = `/api/organizations/${id}`): EntryMeta => ({
  operationId: "GetOrganization",
  organizationId: id,
  view: "",
  forwardedPath: path
})
const list = (view: string): EntryMeta => ({
  operationId: "ListOrganizations",
  organizationId: undefined,
  view,
  forwardedPath: "/api/organizations"
})

interface Served {
  readonly status: number
  readonly headers: Array<[string, string]>
  readonly body: string
}

/** A server whose listener is the hit path, then a 418 standing for Hono. */
const setup = async (
  options: { defaultRateLimit?: { requests: number; perSeconds: number }; logged?: boolean } = {}
) => {
  const platform = testPlatform()
  const memory = new MemoryStore({ maxBytes: 1_000_000, instance: "fast-path", leaseMs: 10_000 })
  const counters = makeCounters()
  const keyStore = makeKeyStore(all, platform.digest)
  for (const { key } of all) if (key !== undefined) await keyStore.verify(`Bearer ${key}`, key)
  const metrics = makeMetricsRegistry()
  const log = collectingLog()
  let ids = 0
  const hit = fastPath({
    memory,
    counters,
    keys: keyStore,
    now: platform.now,
    randomId: () => `random-${++ids}`,
    log: options.logged === false ? undefined : log,
    metrics,
    defaultRateLimit: options.defaultRateLimit
  })
  const server = http.createServer((req, res) => hit(req, res) || res.writeHead(418).end("to Hono"))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  servers.push(server)
  const port = (server.address() as AddressInfo).port

  /** Stores an answer under `key` as a fill would. */
  const put = async (
    key: string,
    meta: EntryMeta,
    headers: ReadonlyArray<readonly [string, string]>,
    body: string,
    maxAgeMs = 30_000
  ) => {
    const found = await memory.lookup("t", key, platform.now(), "read")
    if (found._tag !== "Lease") throw new Error(found._tag)
    memory.complete(
      "t",
      key,
      found.lease,
      { _tag: "Store", response: { status: 200, headers, body: encoder.encode(body) }, meta, maxAgeMs },
      platform.now()
    )
  }
  const call = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    new Promise<Served>((resolve, reject) => {
      const request = http.request(
        { host: "127.0.0.1", port, path, method, headers: { host: "proxy.example", ...headers } },
        (incoming) => {
          const chunks: Array<Buffer> = []
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
          incoming.on("end", () => {
            const raw = incoming.rawHeaders
            const pairs: Array<[string, string]> = []
            for (let i = 0; i < raw.length; i += 2) {
              const name = raw[i]!.toLowerCase()
              if (!["date", "connection", "keep-alive", "transfer-encoding"].includes(name))
                pairs.push([name, raw[i + 1]!])
            }
            resolve({ status: incoming.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString("utf8") })
          })
        }
      )
      request.on("error", reject)
      request.end()
    })
  /** A raw HTTP/1.0 request (it may leave out `Host`). */
  const raw = (lines: Array<string>) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.end(`${lines.join("\r\n")}\r\n\r\n`))
      const chunks: Array<Buffer> = []
      socket.on("data", (chunk: Buffer) => chunks.push(chunk))
      socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
      socket.on("error", reject)
    })
  return { put, call, raw, platform, counters, metrics, log }
}

const servers: Array<http.Server> = []
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))))

const bearer = (key: { readonly key: string }, headers: Record<string, string> = {}) => ({
  authorization: `Bearer ${key.key}`,
  ...headers
})
const body = '{"id":"org-acme","name":"Acme"}'
const stored = [
  ["content-type", "application/json; charset=utf-8"],
  ["etag", '"e1"']
] as const

let shared: Awaited<ReturnType<typeof setup>>
beforeAll(async () => {
  shared = await setup()
  await shared.put("/api/organizations/org-acme", organization("org-acme"), stored, body)
  await shared.put("/api/organizations/org-x", organization("org-x"), stored, '{"id":"org-x"}')
  await shared.put("/api/organizations", list(""), stored, '[{"id":"org-acme"},{"id":"org-x"}]')
  await shared.put(`/api/organizations\n${acmeView}`, list(acmeView), stored, '[{"id":"org-acme"}]')
})

describe("node hit path: what it serves", () => {
  it("answers a fresh entry with Logto's headers, X-Cache, Content-Length and the request id, then its body", async () => {
    const { call, counters } = shared
    const hits = counters.hits
    const served = await call("/api/organizations/org-acme", bearer(keys.admin, { "x-request-id": "caller-1" }))
    expect(served).toEqual({
      status: 200,
      headers: [
        ["content-type", "application/json; charset=utf-8"],
        ["etag", '"e1"'],
        ["x-cache", "HIT"],
        ["content-length", String(Buffer.byteLength(body))],
        ["x-request-id", "caller-1"]
      ],
      body
    })
    expect(counters.hits).toBe(hits + 1)
  })

  it("logs one request line per hit (path without its query) and counts it by operation and status", async () => {
    const { call, put, log, metrics, platform } = await setup()
    await put("/api/organizations/org-acme?a=1", organization("org-acme"), stored, body)
    await call("/api/organizations/org-acme?a=1", bearer(keys.admin, { "x-request-id": "with-query" }))
    await call(
      "/api/organizations/org-acme?a=1",
      bearer(keys.admin, { "x-request-id": "conditional", "if-none-match": '"e1"' })
    )
    expect(log.lines).toEqual([
      {
        time: new Date(platform.now()).toISOString(),
        level: "info",
        msg: "request",
        requestId: "with-query",
        method: "GET",
        path: "/api/organizations/org-acme",
        operationId: "GetOrganization",
        keyId: "admin",
        status: 200,
        code: undefined,
        cache: "HIT",
        upstream: undefined,
        durationMs: 0
      },
      expect.objectContaining({ requestId: "conditional", status: 304, cache: "HIT" })
    ])
    const text = metrics.render()
    expect(text).toContain('orgkit_requests_total{operation="GetOrganization",status="200"} 1\n')
    expect(text).toContain('orgkit_requests_total{operation="GetOrganization",status="304"} 1\n')
    await put("/api/organizations/org-x", organization("org-x"), stored, body)
    await call("/api/organizations/org-x", bearer(keys.admin))
    expect(log.lines.at(-1)?.["path"]).toBe("/api/organizations/org-x")
  })

  it("serves without building a line when nothing is logged, and still counts the hit", async () => {
    const { call, put, metrics, counters } = await setup({ logged: false })
    await put("/api/organizations/org-acme", organization("org-acme"), stored, body)
    expect((await call("/api/organizations/org-acme", bearer(keys.admin))).status).toBe(200)
    expect([counters.hits, metrics.render()]).toEqual([
      1,
      expect.stringContaining('orgkit_requests_total{operation="GetOrganization",status="200"} 1\n')
    ])
  })

  it("answers 304 to a matching If-None-Match: no body, no Content-Type or Content-Length", async () => {
    const { call } = shared
    const served = await call(
      "/api/organizations/org-acme",
      bearer(keys.admin, { "if-none-match": 'W/"e1"', "x-request-id": "c-2" })
    )
    expect(served).toEqual({
      status: 304,
      headers: [
        ["etag", '"e1"'],
        ["x-cache", "HIT"],
        ["x-request-id", "c-2"]
      ],
      body: ""
    })
    const other = await call("/api/organizations/org-acme", bearer(keys.admin, { "if-none-match": '"e2"' }))
    expect([other.status, other.body]).toEqual([200, body])
    // With If-Modified-Since next to it, Logto (koa's fresh) answers in full.
    const dated = await call(
      "/api/organizations/org-acme",
      bearer(keys.admin, { "if-none-match": '"e1"', "if-modified-since": "Thu, 01 Jan 2026 00:00:00 GMT" })
    )
    expect(dated.status).toBe(200)
  })

  it("answers in full, never 304, an entry without an ETag", async () => {
    const { call, put } = await setup()
    await put("/api/organizations/org-acme", organization("org-acme"), [["content-type", "application/json"]], body)
    const served = await call("/api/organizations/org-acme", bearer(keys.admin, { "if-none-match": "*" }))
    expect([served.status, served.body]).toEqual([200, body])
  })

  it("uses the caller's X-Request-Id only when it is 1 to 200 printable ASCII characters", async () => {
    const fresh = await setup()
    await fresh.put("/api/organizations/org-acme", organization("org-acme"), stored, body)
    const id = async (given?: string) =>
      (
        await fresh.call(
          "/api/organizations/org-acme",
          bearer(keys.admin, given === undefined ? {} : { "x-request-id": given })
        )
      ).headers.find(([n]) => n === "x-request-id")?.[1]
    expect(await id("a".repeat(200))).toBe("a".repeat(200))
    expect(await id("!~")).toBe("!~")
    expect([await id("a".repeat(201)), await id("with space"), await id(), await id("tab\there")]).toEqual([
      "random-1",
      "random-2",
      "random-3",
      "random-4"
    ])
  })

  it("renders Link URLs on the caller's Host and path, again for another Host", async () => {
    const { call, put } = await setup()
    const link = '<https://logto.test/organizations/org-acme/users?page=2&page_size=1>; rel="next"'
    await put(
      "/api/organizations/org-acme/users?page_size=1",
      { ...organization("org-acme", "/api/organizations/org-acme/users"), operationId: "ListOrganizationUsers" },
      [...stored, ["link", link]],
      "[]"
    )
    const linkOf = async (host: string) =>
      (await call("/api/organizations/org-acme/users?page_size=1", { ...bearer(keys.admin), host })).headers.find(
        ([n]) => n === "link"
      )?.[1]
    const one = await linkOf("one.example")
    expect(one).toBe('<http://one.example/organizations/org-acme/users?page=2&page_size=1>; rel="next"')
    expect([await linkOf("two.example"), await linkOf("one.example")]).toEqual([
      one!.replace("one.example", "two.example"),
      one
    ])
  })

  it("lets a restricted key read its own organization, and its own view of the list", async () => {
    const { call } = shared
    expect((await call("/api/organizations/org-acme", bearer(keys.acme))).status).toBe(200)
    const view = await call("/api/organizations", bearer(keys.acme))
    expect([view.status, view.body]).toEqual([200, '[{"id":"org-acme"}]'])
    expect((await call("/api/organizations", bearer(keys.reader))).body).toBe('[{"id":"org-acme"},{"id":"org-x"}]')
  })
})

describe("node hit path: what it leaves to Hono", () => {
  const toHono = async (served: Promise<Served>) => {
    const { status, body } = await served
    return [status, body]
  }

  it("anything but a GET, and a GET without Authorization or Host", async () => {
    const { call, raw } = shared
    for (const method of ["HEAD", "POST", "DELETE"]) {
      expect([method, (await call("/api/organizations/org-acme", bearer(keys.admin), method)).status]).toEqual([
        method,
        418
      ])
    }
    expect(await toHono(call("/api/organizations/org-acme"))).toEqual([418, "to Hono"])
    const noHost = await raw(["GET /api/organizations/org-acme HTTP/1.0", `Authorization: Bearer ${keys.admin.key}`])
    expect(noHost.split(" ")[1]).toBe("418")
  })

  it("a key header not verified before (no hashing here), or no key at all", async () => {
    const { call } = shared
    expect(
      await toHono(call("/api/organizations/org-acme", { authorization: "Bearer unknown-key-000000000" }))
    ).toEqual([418, "to Hono"])
    // The same key, spelled differently, is another header: not memoized.
    expect((await call("/api/organizations/org-acme", { authorization: `Bearer  ${keys.admin.key}` })).status).toBe(418)
  })

  it("a key with a quota of its own, or every key when a default quota is set", async () => {
    const { call } = shared
    expect((await call("/api/organizations/org-acme", bearer(quota))).status).toBe(418)
    const limited = await setup({ defaultRateLimit: { requests: 100, perSeconds: 60 } })
    await limited.put("/api/organizations/org-acme", organization("org-acme"), stored, body)
    expect((await limited.call("/api/organizations/org-acme", bearer(keys.admin))).status).toBe(418)
  })

  it("Cache-Control no-cache or no-store, in any case and among other directives", async () => {
    const { call } = shared
    for (const directive of ["no-cache", "no-store", "No-Cache", "max-age=0, NO-STORE"]) {
      expect([
        directive,
        (await call("/api/organizations/org-acme", bearer(keys.admin, { "cache-control": directive }))).status
      ]).toEqual([directive, 418])
    }
    expect(
      (await call("/api/organizations/org-acme", bearer(keys.admin, { "cache-control": "max-age=0" }))).status
    ).toBe(200)
  })

  it("no entry, or an expired one", async () => {
    const { call, put, platform } = await setup()
    expect((await call("/api/organizations/org-acme", bearer(keys.admin))).status).toBe(418)
    await put("/api/organizations/org-acme", organization("org-acme"), stored, body, 1_000)
    platform.advance(999)
    expect((await call("/api/organizations/org-acme", bearer(keys.admin))).status).toBe(200)
    platform.advance(1)
    expect((await call("/api/organizations/org-acme", bearer(keys.admin))).status).toBe(418)
  })

  it("a key without scope read; a restricted key outside its organizations or with another view", async () => {
    const { call } = shared
    expect((await call("/api/organizations/org-acme", bearer(writer))).status).toBe(418)
    expect((await call("/api/organizations/org-x", bearer(keys.acme))).status).toBe(418)
    // The same view as the entry's, but no read scope.
    expect((await call("/api/organizations", bearer(acmeWriter))).status).toBe(418)
    // The full list (view "") to a restricted key whose own view is not stored.
    const { call: fresh, put } = await setup()
    await put("/api/organizations", list(""), stored, '[{"id":"org-acme"},{"id":"org-x"}]')
    expect(await toHono(fresh("/api/organizations", bearer(keys.acme)))).toEqual([418, "to Hono"])
    expect((await fresh("/api/organizations", bearer(keys.admin))).status).toBe(200)
  })
})
