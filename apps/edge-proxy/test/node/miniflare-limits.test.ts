/**
 * Per-team quotas and the upstream budget on Workers: two isolates of the Worker (bundled as
 * wrangler would, in Miniflare) share the `Limiter` Durable Objects, in front of a fake playing
 * Logto Cloud's rate limit; three teams, one sending ten times its share, through both isolates.
 */
import { Demo, type FakeLogto } from "@orgkit/testing"
import type { Miniflare } from "miniflare"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { twoWorkers } from "../fixtures/worker-build.ts"
import { expectFairness, overloadEnv, overloadKeys, rateLimitedFake, runOverload } from "../suite/overload.ts"

const dir = mkdtempSync(join(tmpdir(), "orgkit-miniflare-limits-"))
let fake: FakeLogto.Server
let mf: Miniflare | undefined
let call: Awaited<ReturnType<typeof twoWorkers>>["call"]

beforeAll(async () => {
  fake = await rateLimitedFake()
  const workers = await twoWorkers(
    dir,
    {
      ...overloadEnv(fake.url),
      ORGKIT_AUDIT: "off",
      ORGKIT_LOG_LEVEL: "error"
    },
    ["ORGKIT_CACHE_SHARDS", "ORGKIT_CACHE_REGISTRY", "ORGKIT_LIMITS"]
  )
  mf = workers.mf
  call = workers.call
}, 60_000)

afterAll(async () => {
  await mf?.dispose()
  await fake?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("quotas and the upstream budget (workerd, two isolates)", () => {
  it("under a noisy team's overload through both isolates, Logto never answers 429 and the other teams are served", async () => {
    let turn = 0
    const target = {
      call: (path: string, init?: RequestInit) => call(turn++ % 2 === 0 ? "proxy-a" : "proxy-b")(path, init),
      logtoStatuses: () => Promise.resolve(fake.fake.requests().map((r) => r.status))
    }
    const result = await runOverload(target, 8)
    await expectFairness(target, result)
    expect(result.teams.every((team) => team.writes.ok > 0)).toBe(true)
  })

  it("counts a key's quota across both isolates exactly", async () => {
    const get = (name: "proxy-a" | "proxy-b") =>
      call(name)(`/api/organizations/${Demo.ids.organizations.acme}`, {
        headers: { authorization: `Bearer ${overloadKeys.small.key}` }
      })
    const statuses = [await get("proxy-a"), await get("proxy-b"), await get("proxy-a"), await get("proxy-b")].map(
      (r) => r.status
    )
    expect(statuses).toEqual([200, 200, 200, 429])
  })
})
