import { describe, expect, it } from "vitest"
import { memoryCache } from "../../cache/memory-cache.ts"
import { UpstreamFailure } from "../../ports.ts"
import { makeMetricsRegistry, observing } from "./index.ts"
import {
  answer,
  at,
  bearer,
  collectingLog,
  keys,
  scriptedUpstream,
  testApp,
  testPlatform
} from "../../../test/fixtures/ports.ts"

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

  it("counts requests by operation and status, latencies, upstream failures, token refreshes and denials", async () => {
    let calls = 0
    const { app, platform } = testApp({
      upstream: scriptedUpstream(() => {
        calls++
        platform.advance(30)
        if (calls === 2) throw new UpstreamFailure("timeout", "slow")
        if (calls === 3) return answer(502, { code: "bad_gateway", message: "down" })
        return answer(200, { id: "o1" })
      })
    })
    await app.request(at("/api/organizations/o1"), { headers: bearer(keys.reader) })
    await app.request(at("/api/organizations/o2"), { headers: bearer(keys.reader) })
    await app.request(at("/api/organizations/o3"), { headers: bearer(keys.reader) })
    await app.request(at("/api/organizations"), { method: "POST", headers: bearer(keys.reader) })
    await app.request(at("/api/organizations?page=0"), { headers: bearer(keys.admin) })
    const text = await (await app.request(at("/metrics"), { headers: bearer(keys.reader) })).text()
    expect(text).toContain('orgkit_requests_total{operation="GetOrganization",status="200"} 1\n')
    expect(text).toContain('orgkit_requests_total{operation="GetOrganization",status="504"} 1\n')
    expect(text).toContain('orgkit_requests_total{operation="GetOrganization",status="502"} 1\n')
    expect(text).toContain('orgkit_requests_total{operation="CreateOrganization",status="403"} 1\n')
    expect(text).toContain('orgkit_upstream_errors_total{reason="timeout"} 1\n')
    expect(text).toContain('orgkit_upstream_errors_total{reason="status_5xx"} 1\n')
    expect(text).toContain('orgkit_denials_total{code="auth.forbidden"} 1\n')
    expect(text).toContain('orgkit_denials_total{code="guard.invalid_pagination"} 1\n')
    // Three requests waited 30 ms each for Logto: all in the 0.05 s bucket, none in 0.025.
    expect(text).toContain('orgkit_upstream_duration_seconds_bucket{le="0.025"} 0\n')
    expect(text).toContain('orgkit_upstream_duration_seconds_bucket{le="0.05"} 3\n')
    expect(text).toContain('orgkit_request_duration_seconds_count{operation="GetOrganization"} 3\n')
    expect(text).toContain("# TYPE orgkit_token_refreshes_total counter\norgkit_token_refreshes_total 0\n")
  })

  it("counts the writes the audit trail accepted and refused, and the read cache's results", async () => {
    const platform = testPlatform()
    const cache = memoryCache(settings, { now: platform.now, log: collectingLog(), leaseMs: 1_000 })
    let refuse = false
    const { app } = testApp({
      platform,
      cache: cache.store,
      upstream: scriptedUpstream(() => answer(200, { id: "o1" })),
      audit: {
        accept: () => (refuse ? Promise.reject(new Error("locked")) : Promise.resolve({ id: "e" })),
        settle: () => Promise.resolve()
      }
    })
    await app.request(at("/api/organizations/o1"), { method: "DELETE", headers: bearer(keys.admin) })
    refuse = true
    const refused = await app.request(at("/api/organizations/o1"), { method: "DELETE", headers: bearer(keys.admin) })
    expect(refused.status).toBe(503)
    for (let i = 0; i < 2; i++) await app.request(at("/api/organizations/o2"), { headers: bearer(keys.admin) })
    const text = await (await app.request(at("/metrics"), { headers: bearer(keys.reader) })).text()
    expect(text).toContain('orgkit_audit_writes_total{result="accepted"} 1\n')
    expect(text).toContain('orgkit_audit_writes_total{result="refused"} 1\n')
    expect(text).toContain('orgkit_cache_results_total{result="MISS"} 1\n')
    expect(text).toContain('orgkit_cache_results_total{result="HIT"} 1\n')
  })
})

describe("metrics registry", () => {
  it("counts the audit recorder's deliveries from its event lines, whatever the log level lets through", () => {
    const registry = makeMetricsRegistry()
    const shown: Array<unknown> = []
    const log = observing(registry, (line) => shown.push(line))
    for (const delivery of ["recorded", "recorded", "dead_lettered", "lost"]) log({ msg: "audit", delivery })
    log({ msg: "something else", delivery: "recorded" })
    const text = registry.render()
    expect(text).toContain('orgkit_audit_deliveries_total{delivery="recorded"} 2\n')
    expect(text).toContain('orgkit_audit_deliveries_total{delivery="dead_lettered"} 1\n')
    expect(text).toContain('orgkit_audit_deliveries_total{delivery="lost"} 1\n')
    expect(text).toContain('orgkit_audit_deliveries_total{delivery="refused"} 0\n')
    expect(shown).toHaveLength(5)
  })
})
