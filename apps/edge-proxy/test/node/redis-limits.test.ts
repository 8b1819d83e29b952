/**
 * Quotas and the upstream budget counted in Redis (`ORGKIT_CACHE_REDIS_URL`): two proxies that
 * share nothing but a real redis-server on a loopback port count one key's quota and one budget.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NodeProxy } from "../../src/adapters/node/server.ts"
import { redisLimits } from "../../src/limits/redis.ts"
import { startLoopbackProxy } from "../fixtures/node-proxy.ts"
import { collectingLog } from "../fixtures/ports.ts"
import { type Service, startRedis } from "../fixtures/services.ts"
import { overloadKeys } from "../suite/overload.ts"

let redis: Service
let fake: FakeLogto.Server
const proxies: Array<NodeProxy> = []

beforeAll(async () => {
  redis = await startRedis()
  fake = await FakeLogto.serve({ seed: Demo.seed, clients: [Demo.client] })
  for (let i = 0; i < 2; i++) {
    proxies.push(
      await startLoopbackProxy(
        {
          LOGTO_ENDPOINT: fake.url,
          LOGTO_M2M_CLIENT_ID: Demo.client.clientId,
          LOGTO_M2M_CLIENT_SECRET: Demo.client.clientSecret,
          LOGTO_API_RESOURCE: FakeLogto.resource,
          ORGKIT_API_KEYS: JSON.stringify(Object.values(overloadKeys)),
          ORGKIT_CACHE_REDIS_URL: redis.url,
          ORGKIT_AUDIT_DB_PATH: ":memory:"
        },
        { log: collectingLog() }
      )
    )
  }
}, 60_000)

afterAll(async () => {
  for (const proxy of proxies) await proxy.close()
  await fake?.close()
  await redis?.close()
})

describe("limits in Redis", () => {
  it("counts one key's quota across two proxies exactly, and leaves other keys alone", async () => {
    const get = (proxy: NodeProxy, key: string) =>
      fetch(`${proxy.url}/api/organizations/${Demo.ids.organizations.acme}`, {
        headers: { authorization: `Bearer ${key}` }
      })
    const statuses: Array<number> = []
    for (const proxy of [proxies[0]!, proxies[1]!, proxies[0]!, proxies[1]!]) {
      statuses.push((await get(proxy, overloadKeys.small.key)).status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect((await get(proxies[1]!, overloadKeys.beta.key)).status).toBe(200)
  })

  it("grants one budget across processes: never more than it allows in a window, whoever asks", async () => {
    const policy = { rate: { requests: 10, perSeconds: 60 }, writeShare: 0 }
    const now = () => Date.now()
    const a = redisLimits({ url: redis.url, budget: policy, now, log: () => {}, prefix: "test:" })
    const b = redisLimits({ url: redis.url, budget: policy, now, log: () => {}, prefix: "test:" })
    await Promise.all([a.ready, b.ready])
    const grants = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).budget!.take("write", `k${i % 3}`))
    )
    expect(grants.filter((g) => g.granted)).toHaveLength(10)
    expect((await a.budget!.snapshot()).remaining).toBe(0)
    await a.close()
    await b.close()
  })

  it("keeps answering while Redis is down, counting in each process (and says so in the log)", async () => {
    const policy = { rate: { requests: 2, perSeconds: 60 }, writeShare: 0 }
    const log = collectingLog()
    const limits = redisLimits({ url: redis.url, budget: policy, now: () => Date.now(), log, prefix: "down:" })
    await limits.ready
    await redis.kill()
    const verdict = await limits.quota("k", { requests: 1, perSeconds: 60 })
    expect(verdict.allowed).toBe(true)
    expect((await limits.budget!.take("write", "k")).granted).toBe(true)
    expect(log.lines.some((l) => String(l["msg"]).startsWith("limits: Redis unreachable"))).toBe(true)
    await redis.start()
    await limits.close()
  })
})
