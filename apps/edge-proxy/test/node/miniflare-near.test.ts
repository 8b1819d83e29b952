/**
 * The near tier (`ORGKIT_CACHE_MODE=near`) across two Workers in one Miniflare: the proxy's Worker
 * bundled as wrangler would, run twice (`proxy-b` binds `proxy-a`'s Durable Objects by script name),
 * each request a request of its own to workerd, `caches.default` as the data centre's cache. The
 * clock is the real one and the bound long, so what is checked here is what holds within it.
 */
import { createOrgkitClient } from "@orgkit/client"
import type { Miniflare } from "miniflare"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, inject, it } from "vitest"
import { cacheEnv, cacheKeys } from "../fixtures/e2e.ts"
import { twoWorkers } from "../fixtures/worker-build.ts"

const dir = mkdtempSync(join(tmpdir(), "orgkit-miniflare-near-"))
const admin = { authorization: `Bearer ${cacheKeys.admin.key}` }
const json = { ...admin, "content-type": "application/json" }
let mf: Miniflare | undefined
let call: Awaited<ReturnType<typeof twoWorkers>>["call"]

beforeAll(async () => {
  const workers = await twoWorkers(
    dir,
    {
      ...cacheEnv(inject("fakeUrl")),
      ORGKIT_AUDIT: "off",
      ORGKIT_CACHE_MODE: "near",
      ORGKIT_CACHE_NEAR_MAX_STALE_MS: "300000"
    },
    ["ORGKIT_CACHE_SHARDS", "ORGKIT_CACHE_REGISTRY"]
  )
  mf = workers.mf
  call = workers.call
}, 60_000)

afterAll(async () => {
  await mf?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

const described = async (response: Response) => ((await response.json()) as { description?: string }).description

const createOrg = async () => {
  const created = await call("proxy-a")("/api/organizations", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ name: `near-mf-${Math.random().toString(36).slice(2)}`, description: "v1" })
  })
  expect(created.status).toBe(201)
  return ((await created.json()) as { id: string }).id
}

it("serves another isolate's copy within the bound, and the writer's token reads through it", async () => {
  const id = await createOrg()
  const path = `/api/organizations/${id}`
  const [a, b] = [call("proxy-a"), call("proxy-b")]
  expect((await b(path, { headers: admin })).headers.get("x-cache")).toBe("MISS")
  // Separate requests: the copy and the key memo outlive the request that made them.
  for (let i = 0; i < 3; i++) {
    const hit = await b(path, { headers: admin })
    expect([hit.headers.get("x-cache"), await described(hit)]).toEqual(["HIT", "v1"])
  }
  const written = await a(path, { method: "PATCH", headers: json, body: JSON.stringify({ description: "v2" }) })
  expect(written.status).toBe(200)
  const token = written.headers.get("orgkit-consistency")
  expect(token).toMatch(/^\d+$/)
  expect(await described(await b(path, { headers: admin }))).toBe("v1")
  expect(await described(await b(path, { headers: { ...admin, "orgkit-consistency": token! } }))).toBe("v2")
})

it("@orgkit/client reads its own write through the other isolate", async () => {
  const id = await createOrg()
  const path = `/api/organizations/${id}`
  await call("proxy-b")(path, { headers: admin })
  const client = createOrgkitClient({
    baseUrl: "https://proxy.example",
    token: cacheKeys.admin.key,
    retry: false,
    fetch: async (request) =>
      call(request.method === "GET" ? "proxy-b" : "proxy-a")(
        new URL(request.url).pathname + new URL(request.url).search,
        {
          method: request.method,
          headers: Object.fromEntries(request.headers),
          ...(request.body === null ? {} : { body: await request.text() })
        }
      )
  })
  await client.updateOrganization(id, { description: "v2" })
  expect((await client.getOrganization(id)).description).toBe("v2")
  expect(await described(await call("proxy-b")(path, { headers: admin }))).toBe("v1")
})
