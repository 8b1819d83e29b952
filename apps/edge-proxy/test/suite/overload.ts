/**
 * The tenant's rate limit under overload: three teams share one proxy in front of a fake playing
 * Logto Cloud's limit; one team sends ten times its share. Shared by the Node and workerd suites.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { expect } from "vitest"

/** The fake's budget (its 429s are what must never happen) and the proxy's, below it. */
export const logtoBudget = { requests: 80, windowSeconds: 2 }
export const proxyBudget = "60/2s"
/** Each team's quota: generous, above Logto's own limit, so that only the budget protects Logto. */
export const teamQuota = { requests: 100, perSeconds: 2 }

export const overloadKeys = {
  alpha: {
    id: "alpha",
    name: "Alpha",
    key: "overload-alpha-key-000001",
    scopes: ["read", "write"],
    rateLimit: teamQuota
  },
  beta: { id: "beta", name: "Beta", key: "overload-beta-key-0000001", scopes: ["read", "write"], rateLimit: teamQuota },
  noisy: {
    id: "noisy",
    name: "Noisy",
    key: "overload-noisy-key-000001",
    scopes: ["read", "write"],
    rateLimit: teamQuota
  },
  /** A small quota, to see the quota's own answer. */
  small: {
    id: "small",
    name: "Small",
    key: "overload-small-key-000001",
    scopes: ["read"],
    rateLimit: { requests: 3, perSeconds: 60 }
  }
} as const

/** The fake playing Logto Cloud's limit (`logtoBudget`), seeded with the demo data. */
export const rateLimitedFake = () =>
  FakeLogto.serve({ seed: Demo.seed, clients: [Demo.client], faults: { rules: [{ type: "budget", ...logtoBudget }] } })

/** The proxy's settings in front of `logto` for the overload, with the upstream budget or without. */
export const overloadEnv = (logto: string, budget = true): Record<string, string> => ({
  LOGTO_ENDPOINT: logto,
  LOGTO_M2M_CLIENT_ID: Demo.client.clientId,
  LOGTO_M2M_CLIENT_SECRET: Demo.client.clientSecret,
  LOGTO_API_RESOURCE: FakeLogto.resource,
  ORGKIT_API_KEYS: JSON.stringify(Object.values(overloadKeys)),
  ...(budget ? { ORGKIT_UPSTREAM_BUDGET: proxyBudget, ORGKIT_UPSTREAM_BUDGET_WAIT_MS: "300" } : {})
})

export interface OverloadTarget {
  readonly call: (path: string, init?: RequestInit) => Promise<Response>
  /** The statuses the fake answered (every request it saw), token requests included. */
  readonly logtoStatuses: () => Promise<ReadonlyArray<number>>
}

interface Tally {
  ok: number
  refused: number
  refusedWithoutRetryAfter: number
  other: Array<string>
}

const tally = (): Tally => ({ ok: 0, refused: 0, refusedWithoutRetryAfter: 0, other: [] })

const record = async (t: Tally, response: Response, what: string) => {
  const body = await response.text()
  if (response.status === 200) t.ok++
  else if (response.status === 429) {
    t.refused++
    if (response.headers.get("retry-after") === null) t.refusedWithoutRetryAfter++
  } else t.other.push(`${what}: ${response.status} ${body.slice(0, 120)}`)
}

/**
 * Runs the overload for `rounds` rounds of `roundMs`: each well-behaved team reads its
 * organization, its member list and the list of organizations, and renames its organization (a
 * write) once a round; the noisy team sends ten times its share of reads, each missing the cache.
 */
export const runOverload = async (target: OverloadTarget, rounds: number, roundMs = 500) => {
  const teams = [
    { key: overloadKeys.alpha.key, org: Demo.ids.organizations.acme, reads: tally(), writes: tally() },
    { key: overloadKeys.beta.key, org: Demo.ids.organizations.globex, reads: tally(), writes: tally() }
  ]
  const noisy = tally()
  const auth = (key: string) => ({ authorization: `Bearer ${key}` })
  // Ten times its fair share of the budget's reads (60 × 0.75 / 3 teams = 15 per 2 s): 150 per 2 s.
  const noisyPerRound = Math.ceil((150 * roundMs) / 2_000)
  let miss = 0
  for (let round = 0; round < rounds; round++) {
    const started = Date.now()
    // The first round is quiet: the teams are active before the noisy one starts, as in a tenant
    // that runs every day (a key's share counts from its recent activity).
    const flood = Array.from({ length: round === 0 ? 0 : noisyPerRound }, () =>
      target
        .call(`/api/organizations?q=noise-${miss++}`, { headers: auth(overloadKeys.noisy.key) })
        .then((r) => record(noisy, r, "noisy read"))
    )
    const behaved = teams.map(async (team, i) => {
      for (const path of [
        `/api/organizations/${team.org}`,
        `/api/organizations/${team.org}/users`,
        "/api/organizations"
      ]) {
        await record(team.reads, await target.call(path, { headers: auth(team.key) }), `team ${i} read ${path}`)
      }
      const write = await target.call(`/api/organizations/${team.org}`, {
        method: "PATCH",
        headers: { ...auth(team.key), "content-type": "application/json" },
        body: JSON.stringify({ description: `round ${round}` })
      })
      await record(team.writes, write, `team ${i} write`)
    })
    await Promise.all([...flood, ...behaved])
    const left = roundMs - (Date.now() - started)
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
  }
  return { teams, noisy }
}

/** What must hold after an overload run. */
export const expectFairness = async (target: OverloadTarget, result: Awaited<ReturnType<typeof runOverload>>) => {
  const statuses = await target.logtoStatuses()
  expect(
    statuses.filter((s) => s === 429),
    "Logto (the fake) answered 429"
  ).toEqual([])
  for (const [i, team] of result.teams.entries()) {
    expect(team.reads.other, `team ${i} reads`).toEqual([])
    expect(team.reads.refused, `team ${i} reads refused`).toBe(0)
    expect(team.writes.other, `team ${i} writes`).toEqual([])
    expect(team.writes.refused, `team ${i} writes refused`).toBe(0)
  }
  expect(result.noisy.other).toEqual([])
  expect(result.noisy.refused).toBeGreaterThan(0)
  expect(result.noisy.refusedWithoutRetryAfter).toBe(0)
}
