/**
 * The read cache across real proxy processes on one Redis: the shared cache suite (the one the Node
 * and Workers builds pass) with its two instances being two processes, then what three replicas
 * behind a load balancer must give: no stale read after an acknowledged write through any of them,
 * a webhook through one invalidating all, one upstream call for a miss they all have at once, and
 * Redis down shown by `/metrics` while reads go to Logto and nothing stale is served after a write.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { metricsToken, signedWebhook } from "../fixtures/e2e.ts"
import { describeCache } from "../suite/cache.ts"
import {
  admin,
  type Cluster,
  host,
  interleaved,
  o,
  patch,
  request,
  seedOrganizations,
  startCluster
} from "./support.ts"

let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster({ replicas: 3 })
})
afterAll(async () => {
  await cluster?.close()
})

// The real clock: the suite's tests that move time are skipped (the unit and Node suites run them).
describeCache(
  () => ({
    runtime: "node",
    origin: `http://${host}`,
    call: cluster.call(0),
    second: cluster.call(1),
    delayAnswers: cluster.delayAnswers,
    fakeUrl: cluster.fakeUrl
  }),
  { clock: false }
)

const metricsOf = async (i: number) =>
  (await cluster.call(i)("/metrics", { headers: { authorization: `Bearer ${metricsToken}` } })).text()

const metricValue = (text: string, name: string) => Number(text.match(new RegExp(`^${name} (\\d+)$`, "m"))?.[1])

describe("three replicas on one Redis", () => {
  it("interleaved writes and reads through all three: no read older than a write acknowledged before it began", async () => {
    const { orgs, list } = seedOrganizations(cluster, 3)
    const check = interleaved(cluster, { orgs, list, versions: 8, reads: 24, readers: 6 })
    cluster.delayAnswers(30)
    try {
      await check.run()
    } finally {
      cluster.delayAnswers(undefined)
    }
    check.summary("interleaved, three replicas")
    expect(check.failures).toEqual([])
    expect(check.stale()).toEqual([])
    // The cache was in play on every replica: hits, and refetches after writes.
    for (const replica of [0, 1, 2]) {
      expect(check.observed.some((r) => r.replica === replica && r.cache === "HIT")).toBe(true)
    }
    expect(check.observed.some((read) => read.cache === "MISS")).toBe(true)
  })

  it("a webhook through one replica invalidates the entries every replica serves, before it is answered", async () => {
    const { orgs } = seedOrganizations(cluster, 1, "before")
    const org = orgs[0]!
    for (const replica of [0, 1, 2]) {
      await cluster.call(replica)(o(org), admin())
      expect((await cluster.call(replica)(o(org), admin())).headers.get("x-cache")).toBe("HIT")
    }
    cluster.fake.fake.seed({ organizations: [{ id: org, name: "changed in the Console", description: "console" }] })
    const delivery = await signedWebhook({
      hookId: "hook",
      event: "Organization.Data.Updated",
      createdAt: new Date().toISOString(),
      data: { id: org }
    })
    const answered = await cluster.call(2)("/webhooks/logto", {
      method: "POST",
      headers: { "content-type": "application/json", "logto-signature-sha-256": delivery.signature },
      body: delivery.body
    })
    expect(answered.status).toBe(200)
    for (const replica of [0, 1, 2]) {
      const after = await cluster.call(replica)(o(org), admin())
      const { description } = (await after.json()) as { description: string }
      expect([replica, description]).toEqual([replica, "console"])
    }
  })

  it("a miss all three have at once costs Logto one call", async () => {
    const { orgs } = seedOrganizations(cluster, 1)
    const path = o(orgs[0]!)
    cluster.delayAnswers(200)
    const before = cluster.fake.fake.requests().length
    try {
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => cluster.call(i % 3)(path, admin())))
      expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200))
      expect(new Set(await Promise.all(responses.map((r) => r.text()))).size).toBe(1)
    } finally {
      cluster.delayAnswers(undefined)
    }
    const calls = cluster.fake.fake
      .requests()
      .slice(before)
      .filter((r) => r.path === path)
    expect(calls).toHaveLength(1)
  })

  it("an entry one replica stored is served STALE by another when Logto fails after it expired", async () => {
    const { orgs } = seedOrganizations(cluster, 1)
    const path = o(orgs[0]!)
    // A replica whose entries are fresh for 1 s (the others: 30 s); stale-if-error 60 s for all.
    const short = await cluster.addReplica({ ORGKIT_CACHE_MAX_AGE_S: "1" })
    const viaShort = (p: string, init?: RequestInit) => request(short.port, p, init)
    const filled = await viaShort(path, admin())
    expect(filled.headers.get("x-cache")).toBe("MISS")
    const body = await filled.text()
    // Wait for the entry to expire: the precondition of this test, not a bound it checks.
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    cluster.fake.fake.setFaults({ rules: [{ type: "error", operations: ["GetOrganization"], status: 500 }] })
    try {
      for (const replica of [0, 1, 2]) {
        const response = await cluster.call(replica)(path, admin())
        expect([replica, response.status, response.headers.get("x-cache"), response.headers.get("warning")]).toEqual([
          replica,
          200,
          "STALE",
          '110 - "Response is Stale"'
        ])
        expect(await response.text()).toBe(body)
      }
    } finally {
      cluster.fake.fake.setFaults({ rules: [] })
      await short.kill()
    }
  })

  it("with Redis down: /metrics says so, reads go to Logto, and a write is never followed by a stale read", async () => {
    const { orgs } = seedOrganizations(cluster, 1, "v0")
    const path = o(orgs[0]!)
    for (const replica of [0, 1, 2]) await cluster.call(replica)(path, admin())
    expect(metricValue(await metricsOf(0), "orgkit_cache_redis_up")).toBe(1)
    await cluster.redis.kill()
    try {
      // Until the client has seen the connection go (the test's timeout bounds the wait).
      while (metricValue(await metricsOf(1), "orgkit_cache_redis_up") !== 0) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const down = await metricsOf(1)
      expect(metricValue(down, "orgkit_cache_redis_up")).toBe(0)
      const read = await cluster.call(1)(path, admin())
      expect([read.status, read.headers.get("x-cache")]).toEqual([200, "BYPASS"])
      expect((await cluster.call(0)(path, patch("v1"))).status).toBe(200)
      expect(metricValue(await metricsOf(1), "orgkit_cache_redis_errors_total")).toBeGreaterThan(0)
    } finally {
      await cluster.redis.start()
    }
    // Back (empty): every replica serves the write, then caches again.
    for (const replica of [0, 1, 2]) {
      const { description } = (await (await cluster.call(replica)(path, admin())).json()) as { description: string }
      expect([replica, description]).toEqual([replica, "v1"])
    }
    // Once every replica is connected and has applied what it kept, the cache serves again.
    for (const replica of [0, 1, 2]) {
      for (;;) {
        const text = await metricsOf(replica)
        if (
          metricValue(text, "orgkit_cache_redis_up") === 1 &&
          metricValue(text, "orgkit_cache_redis_pending_invalidations") === 0
        )
          break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await cluster.call(2)(path, admin())
    expect((await cluster.call(2)(path, admin())).headers.get("x-cache")).toBe("HIT")
  })
})
