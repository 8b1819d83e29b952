import { describe, expect, it } from "vitest"
import { memoryCache } from "../../cache/memory-cache.ts"
import { at, bearer, collectingLog, keys, testApp, testPlatform } from "../../../test/fixtures/ports.ts"

const settings = { enabled: true, maxAgeMs: 30_000, staleIfErrorMs: 0, maxEntryBytes: 4_096, maxBytes: 100_000 }

describe("metrics", () => {
  it("exposes the cache counters and gauges in the Prometheus text format", async () => {
    const platform = testPlatform()
    const cache = memoryCache(settings, { now: platform.now, log: collectingLog(), leaseMs: 1_000 })
    const { app } = testApp({ cache: cache.store, platform })
    for (let i = 0; i < 3; i++) await app.request(at("/api/organizations/o1"), { headers: bearer(keys.admin) })
    const response = await app.request(at("/metrics"), { headers: bearer(keys.reader) })
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
    const text = await response.text()
    expect(text).toContain("# TYPE orgkit_cache_hits_total counter\norgkit_cache_hits_total 2\n")
    expect(text).toContain("orgkit_cache_misses_total 1\n")
    expect(text).toContain("orgkit_cache_entries 1\n")
    expect(text).toContain('orgkit_webhooks_total{result="rejected"} 0\n')
    expect(text).toMatch(/^orgkit_cache_bytes \d+$/m)
  })

  it("needs a proxy key with scope read, or the metrics token", async () => {
    const { app } = testApp({ metricsToken: "metrics-token-0123456789" })
    expect((await app.request(at("/metrics"))).status).toBe(401)
    expect(
      (await app.request(at("/metrics"), { headers: { authorization: "Bearer wrong-token-0123456789" } })).status
    ).toBe(401)
    const scraped = await app.request(at("/metrics"), { headers: { authorization: "Bearer metrics-token-0123456789" } })
    expect([scraped.status, await scraped.text()]).toEqual([200, expect.stringContaining("orgkit_cache_enabled 0\n")])
  })

  it("refuses an organization-restricted key (the metrics are the whole process's) and a write-only key", async () => {
    const writer = { id: "writer", name: "Writer", key: "writer-key-0123456789", scopes: ["write" as const] }
    const { app } = testApp({ metricsToken: "metrics-token-0123456789", keys: [...Object.values(keys), writer] })
    for (const key of [keys.acme, writer]) {
      const response = await app.request(at("/metrics"), { headers: bearer(key) })
      expect([response.status, ((await response.json()) as { code: string }).code]).toEqual([403, "auth.forbidden"])
    }
    // A token of another length, or one differing only at the end, is refused the same way.
    for (const token of ["metrics-token-012345678", "metrics-token-0123456780", "metrics-token-01234567890"]) {
      expect((await app.request(at("/metrics"), { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    }
  })
})
