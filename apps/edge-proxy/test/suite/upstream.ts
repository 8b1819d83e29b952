/**
 * The upstream side: the client-credentials token is refreshed once when Logto answers 401, and
 * timeouts and outages (the fake's fault injection) become the proxy's Logto-shaped 504 and 502.
 */
import { afterEach, describe, expect, it } from "vitest"
import { ids, keys } from "../fixtures/e2e.ts"
import { as, fake, type Target, upstreamCallsDuring } from "./harness.ts"

const path = `/api/organizations/${ids.organizations.acme}`

// These tests are about the upstream exchange, so every read must reach Logto: `Cache-Control:
// no-cache` bypasses the read cache (whose own behaviour, stale-if-error included, is in cache.ts).
const admin = as(keys.admin, { headers: { "cache-control": "no-cache" } })

export const describeUpstream = (target: () => Target) =>
  describe("upstream", () => {
    afterEach(() => fake.clearFaults(target()))

    it("gets a token with the client-credentials grant once, then reuses it", async () => {
      const t = target()
      await t.call(path, admin)
      const [, calls] = await upstreamCallsDuring(t, async () => {
        for (let i = 0; i < 3; i++) expect((await t.call(path, admin)).status).toBe(200)
      })
      expect(calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(Array(3).fill(`GET ${path} 200`))
    })

    it("refreshes the token once when Logto answers 401, and retries the request", async () => {
      const t = target()
      await t.call(path, admin)
      await fake.revokeTokens(t)
      const [response, calls] = await upstreamCallsDuring(t, () => t.call(path, admin))
      expect(response.status).toBe(200)
      expect(calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
        `GET ${path} 401`,
        "POST /oidc/token 200",
        `GET ${path} 200`
      ])
    })

    it("refreshes the token once for concurrent requests that all got 401", async () => {
      const t = target()
      await t.call(path, admin)
      await fake.revokeTokens(t)
      const [responses, calls] = await upstreamCallsDuring(t, () =>
        Promise.all(Array.from({ length: 6 }, () => t.call(path, admin)))
      )
      expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200))
      expect(calls.filter((c) => c.path === "/oidc/token")).toHaveLength(1)
    })

    it("answers 504 proxy.upstream_timeout when Logto is slower than the timeout", async () => {
      const t = target()
      await fake.faults(t, { rules: [{ type: "latency", operations: ["GetOrganization"], ms: 4_000 }] })
      const response = await t.call(path, admin)
      expect(response.status).toBe(504)
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
      expect(await response.json()).toEqual({
        code: "proxy.upstream_timeout",
        message: "Logto did not answer in time."
      })
    })

    it("answers 502 proxy.upstream_unavailable when Logto drops the connection", async () => {
      const t = target()
      await fake.faults(t, { rules: [{ type: "outage", operations: ["GetOrganization"], mode: "refuse" }] })
      const response = await t.call(path, admin)
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({
        code: "proxy.upstream_unavailable",
        message: "Logto could not be reached."
      })
    })

    it("passes Logto's own 503 through unchanged (an answer, not an outage of the connection)", async () => {
      const t = target()
      await fake.faults(t, { rules: [{ type: "outage", operations: ["GetOrganization"], mode: "503" }] })
      const response = await t.call(path, admin)
      expect([response.status, await response.text()]).toEqual([503, "Service Unavailable"])
    })

    it("answers 502 proxy.upstream_auth_failed when the token endpoint fails", async () => {
      const t = target()
      await t.call(path, admin)
      await fake.revokeTokens(t)
      await fake.faults(t, { rules: [{ type: "error", operations: ["token"], status: 500 }] })
      const response = await t.call(path, admin)
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({
        code: "proxy.upstream_auth_failed",
        message: "The proxy could not authenticate to Logto's Management API: the token endpoint answered 500"
      })
      await fake.clearFaults(t)
      expect((await t.call(path, admin)).status).toBe(200)
    })
  })
