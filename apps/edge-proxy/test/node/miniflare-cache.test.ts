/**
 * The cache suite across two Workers in one Miniflare: the proxy's Worker bundled as wrangler would,
 * run twice (`proxy-a` hosts the Durable Objects, `proxy-b` binds them by script name), so the two
 * instances are separate isolates that share nothing but the Durable Objects, exactly as two
 * isolates in production. Their clock is the real one, so the revalidation and stale-if-error tests
 * run only in `test/workerd/cache.test.ts` (manual clock). Logto's answers reach the Workers through
 * a small relay in this process that can hold them back (`delayAnswers`).
 */
import type { Miniflare } from "miniflare"
import { mkdtempSync, rmSync } from "node:fs"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, inject, it } from "vitest"
import { cacheEnv, cacheKeys, metricsToken } from "../fixtures/e2e.ts"
import { twoWorkers } from "../fixtures/worker-build.ts"
import { describeCache } from "../suite/cache.ts"

const origin = "https://proxy.example"
const dir = mkdtempSync(join(tmpdir(), "orgkit-miniflare-cache-"))
let mf: Miniflare | undefined
let relay: http.Server | undefined
let delay: number | undefined

/** Forwards to the fake, holding GET answers back up to `delay` ms once they have arrived. */
const startRelay = (upstream: string) =>
  new Promise<string>((ready) => {
    relay = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", async () => {
        const headers = new Headers()
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          const name = req.rawHeaders[i]!.toLowerCase()
          if (name !== "host" && name !== "connection" && name !== "content-length") {
            headers.append(name, req.rawHeaders[i + 1]!)
          }
        }
        try {
          const answer = await fetch(upstream + req.url, {
            method: req.method ?? "GET",
            headers,
            ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) }),
            redirect: "manual"
          })
          const body = Buffer.from(await answer.arrayBuffer())
          if (delay !== undefined && req.method === "GET") {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * delay!))
          }
          const out: Array<string> = []
          answer.headers.forEach((value, name) => {
            if (name !== "content-encoding" && name !== "transfer-encoding" && name !== "connection")
              out.push(name, value)
          })
          res.writeHead(answer.status, out)
          res.end(body)
        } catch {
          res.destroy()
        }
      })
    })
    relay.listen(0, "127.0.0.1", () => ready(`http://127.0.0.1:${(relay!.address() as AddressInfo).port}`))
  })

let call: Awaited<ReturnType<typeof twoWorkers>>["call"]

beforeAll(async () => {
  // Only the cache is under test here: these two workers run without the audit trail's bindings.
  const bindings = {
    ...cacheEnv(inject("cacheFakeUrl")),
    LOGTO_ENDPOINT: await startRelay(inject("cacheFakeUrl")),
    ORGKIT_AUDIT: "off",
    // Read leases ten times the default: a write acknowledged before the leases granted on its
    // entries ended would show here as a stale read (the interleaved checker, read-your-writes).
    ORGKIT_CACHE_READ_LEASE_MS: "100"
  }
  const workers = await twoWorkers(dir, bindings, ["ORGKIT_CACHE_SHARDS", "ORGKIT_CACHE_REGISTRY"])
  mf = workers.mf
  call = workers.call
}, 60_000)

afterAll(async () => {
  await mf?.dispose()
  await new Promise((resolve) => (relay === undefined ? resolve(undefined) : relay.close(resolve)))
  relay?.closeAllConnections()
  rmSync(dir, { recursive: true, force: true })
})

describeCache(
  () => ({
    runtime: "workerd",
    origin,
    call: call("proxy-a"),
    second: call("proxy-b"),
    delayAnswers: (ms) => {
      delay = ms
    },
    fakeUrl: inject("cacheFakeUrl")
  }),
  { clock: false }
)

it("a read lease never outlives a write acknowledged through the other isolate", async () => {
  const [a, b] = [call("proxy-a"), call("proxy-b")]
  const admin = { authorization: `Bearer ${cacheKeys.admin.key}` }
  const json = { ...admin, "content-type": "application/json" }
  const created = await b("/api/organizations", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ name: `lease-${Date.now()}`, description: "v0" })
  })
  const path = `/api/organizations/${((await created.json()) as { id: string }).id}`
  const described = async () => {
    const response = await a(path, { headers: admin })
    return [response.headers.get("x-cache"), ((await response.json()) as { description: string }).description]
  }
  const checks = async () =>
    Number(
      /orgkit_cache_hit_checks_total\{by="read_lease"\} (\d+)/.exec(
        await (await a("/metrics", { headers: { authorization: `Bearer ${metricsToken}` } })).text()
      )![1]
    )
  const leased = await checks()
  for (let version = 1; version <= 5; version++) {
    // Through the pipeline, then confirmed by the object (a lease), then within the lease.
    const reads = [await described(), await described(), await described()]
    expect(reads.map(([, description]) => description)).toEqual(Array(3).fill(`v${version - 1}`))
    const written = await b(path, {
      method: "PATCH",
      headers: json,
      body: JSON.stringify({ description: `v${version}` })
    })
    expect(written.status).toBe(200)
    expect((await described())[1]).toBe(`v${version}`)
  }
  // The leases were really used: most third reads above were answered within one.
  expect((await checks()) - leased).toBeGreaterThanOrEqual(3)
})
