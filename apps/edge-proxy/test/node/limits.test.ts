/**
 * Per-team quotas and the upstream budget on Node: the proxy in front of a fake playing Logto
 * Cloud's rate limit, three teams, one sending ten times its share.
 */
import { Demo, type FakeLogto } from "@orgkit/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NodeProxy } from "../../src/adapters/node/server.ts"
import { startLoopbackProxy } from "../fixtures/node-proxy.ts"
import { collectingLog } from "../fixtures/ports.ts"
import { expectFairness, overloadEnv, overloadKeys, rateLimitedFake, runOverload } from "../suite/overload.ts"

let fake: FakeLogto.Server
let proxy: NodeProxy

beforeAll(async () => {
  fake = await rateLimitedFake()
  proxy = await startLoopbackProxy(
    {
      ...overloadEnv(fake.url),
      ORGKIT_AUDIT_DB_PATH: ":memory:"
    },
    { log: collectingLog() }
  )
})
afterAll(async () => {
  await proxy?.close()
  await fake?.close()
})

const target = {
  call: (path: string, init?: RequestInit) => fetch(proxy.url + path, init),
  logtoStatuses: () => Promise.resolve(fake.fake.requests().map((r) => r.status))
}

describe("quotas and the upstream budget (Node)", () => {
  it("under a noisy team's overload, Logto never answers 429 and the other teams' reads and writes all succeed", async () => {
    const result = await runOverload(target, 8)
    await expectFairness(target, result)
    const metrics = await (
      await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${overloadKeys.alpha.key}` } })
    ).text()
    expect(metrics).toMatch(/^orgkit_quota_refused_total\{key="noisy"\} [1-9]\d*$/m)
    expect(metrics).not.toMatch(/^orgkit_quota_refused_total\{key="(alpha|beta)"\}/m)
    expect(metrics).toMatch(/^orgkit_upstream_budget_remaining \d+$/m)
  })

  it("answers a key over its quota 429 proxy.rate_limited with Retry-After and the IETF RateLimit headers", async () => {
    const get = (key: string) =>
      fetch(`${proxy.url}/api/organizations/${Demo.ids.organizations.acme}`, {
        headers: { authorization: `Bearer ${key}` }
      })
    for (let remaining = 2; remaining >= 0; remaining--) {
      const ok = await get(overloadKeys.small.key)
      expect(ok.status).toBe(200)
      expect(ok.headers.get("ratelimit")).toMatch(new RegExp(`^"key";r=${remaining};t=\\d+$`))
    }
    const over = await get(overloadKeys.small.key)
    expect([over.status, ((await over.json()) as { code: string }).code]).toEqual([429, "proxy.rate_limited"])
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    expect(over.headers.get("ratelimit-policy")).toBe('"key";q=3;w=60')
    expect(over.headers.get("ratelimit")).toMatch(/^"key";r=0;t=\d+$/)
    // Other keys are unaffected.
    expect((await get(overloadKeys.beta.key)).status).toBe(200)
  })
})
