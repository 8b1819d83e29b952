import { afterAll, beforeEach, describe, expect, it, vi } from "vitest"
import { FakeLogto } from "../src/index.ts"
import { ids, world } from "./fixtures/world.ts"
import { makeCall } from "./helpers.ts"

let clock = 1_800_000_000_000
const fake = FakeLogto.make({ tokens: ["t0k"], now: () => clock })
const call = makeCall(fake.fetch, "http://logto.test", "t0k")
beforeEach(() => fake.reset())
afterAll(() => fake.dispose())

describe("control API", () => {
  it("is authenticated like the API", async () => {
    expect((await call("GET", "/__orgkit/requests", { token: null })).body.code).toBe(
      "auth.authorization_header_missing"
    )
    expect((await call("GET", "/__orgkit/requests", { token: "bad" })).status).toBe(401)
  })

  it("seeds by merging, reports counts, and rejects an invalid seed without changing anything", async () => {
    const r = await call("POST", "/__orgkit/seed", { body: world })
    expect(r.status).toBe(200)
    expect(r.body.counts).toMatchObject({
      organizations: 3,
      users: 5,
      applications: 4,
      organizationRoles: 5,
      userMemberships: 4
    })
    const more = await call("POST", "/__orgkit/seed", {
      body: { organizations: [{ id: ids.org, name: "Acme 2", users: [ids.u4] }] }
    })
    expect(more.body.counts.userMemberships).toBe(5)
    expect((await call("GET", `/api/organizations/${ids.org}`)).body.name).toBe("Acme 2")
    const bad = await call("POST", "/__orgkit/seed", { body: { organizations: [{ name: "" }] } })
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe("orgkit.invalid_seed")
    const dangling = await call("POST", "/__orgkit/seed", {
      body: { organizations: [{ name: "X", users: ["ghost"] }] }
    })
    expect(dangling.status).toBe(422)
    expect(dangling.body.details).toEqual(['organizations[0].users: unknown user "ghost"'])
    expect((await call("GET", "/api/organizations")).headers.get("total-number")).toBe("3")
  })

  it("resets to an empty state, or to a seed given in the body", async () => {
    await call("POST", "/__orgkit/seed", { body: world })
    expect((await call("POST", "/__orgkit/reset")).body.counts.organizations).toBe(0)
    expect((await call("GET", "/api/organizations")).body).toEqual([])
    const r = await call("POST", "/__orgkit/reset", { body: { organizations: [{ name: "Only" }] } })
    expect(r.body.counts.organizations).toBe(1)
  })

  it("dumps the state as a seed that recreates it", async () => {
    await call("POST", "/__orgkit/seed", { body: world })
    await call("PUT", `/api/organizations/${ids.org}/jit/email-domains`, {
      body: { emailDomains: ["z.example", "a.example"] }
    })
    const dump = await call("GET", "/__orgkit/seed")
    const before = await call("GET", `/api/organizations/${ids.org}/users`)
    await call("POST", "/__orgkit/reset", { body: dump.body })
    expect((await call("GET", "/__orgkit/seed")).body).toEqual(dump.body)
    expect((await call("GET", `/api/organizations/${ids.org}/users`)).text).toBe(before.text)
  })

  it("logs API and token requests (not control requests), path without query, most recent last", async () => {
    clock = 1_800_000_000_000
    await call("GET", "/api/organizations?page=2")
    clock += 5
    await call("POST", "/api/organizations", { body: { name: "" } })
    await call("GET", "/api/nowhere", { token: null })
    const r = await call("GET", "/__orgkit/requests")
    expect(r.body).toEqual({
      requests: [
        { method: "GET", path: "/api/organizations", status: 200, at: 1_800_000_000_000 },
        { method: "POST", path: "/api/organizations", status: 400, at: 1_800_000_000_005 },
        { method: "GET", path: "/api/nowhere", status: 404, at: 1_800_000_000_005 }
      ]
    })
    expect((await call("DELETE", "/__orgkit/requests")).status).toBe(204)
    expect((await call("GET", "/__orgkit/requests")).body).toEqual({ requests: [] })
  })

  it("keeps at most maxLoggedRequests entries, the most recent", async () => {
    const small = FakeLogto.make({ tokens: ["t"], maxLoggedRequests: 3 })
    const own = makeCall(small.fetch, "http://logto.test", "t")
    for (let i = 0; i < 5; i++) await own("GET", `/api/organizations/o${i}`)
    expect(small.requests().map((r) => r.path)).toEqual([
      "/api/organizations/o2",
      "/api/organizations/o3",
      "/api/organizations/o4"
    ])
    await small.dispose()
  })

  it("advances the clock to expire tokens and issues tokens on request", async () => {
    const issued = await call("POST", "/__orgkit/tokens", { body: { ttlSeconds: 10 } })
    expect(issued.body.expires_in).toBe(10)
    const own = makeCall(fake.fetch, "http://logto.test", issued.body.access_token)
    expect((await own("GET", "/api/organizations")).status).toBe(200)
    const advanced = await call("POST", "/__orgkit/clock", { body: { advanceSeconds: 10 } })
    expect(advanced.body.now).toBe(fake.now())
    expect((await own("GET", "/api/organizations")).body.data.code).toBe("ERR_JWT_EXPIRED")
    expect((await call("POST", "/__orgkit/clock", { body: { advanceMs: -1 } })).status).toBe(400)
    expect((await call("GET", "/api/organizations")).status).toBe(200)
  })

  it("deletes users, applications, roles, scopes and connectors with Logto's cascades", async () => {
    await call("POST", "/__orgkit/seed", { body: world })
    const base = `/api/organizations/${ids.org}`
    expect((await call("DELETE", `/__orgkit/users/${ids.u1}`)).status).toBe(204)
    expect((await call("GET", `${base}/users`)).body.map((u: { id: string }) => u.id)).toEqual([ids.u2, ids.u3])
    expect((await call("DELETE", `/__orgkit/organization-roles/${ids.viewer}`)).status).toBe(204)
    expect((await call("GET", `${base}/users/${ids.u2}/roles`)).body).toEqual([])
    expect((await call("DELETE", `/__orgkit/organization-roles/${ids.member}`)).status).toBe(204)
    expect((await call("GET", `${base}/jit/roles`)).body).toEqual([])
    expect((await call("DELETE", `/__orgkit/applications/${ids.m2m1}`)).status).toBe(204)
    expect((await call("GET", `${base}/applications`)).body).toEqual([])
    expect((await call("DELETE", `/__orgkit/sso-connectors/${ids.c1}`)).status).toBe(204)
    expect((await call("GET", `${base}/jit/sso-connectors`)).body).toEqual([])
    await call("POST", `${base}/users/${ids.u3}/roles`, { body: { organizationRoleNames: ["admin"] } })
    expect((await call("DELETE", `/__orgkit/organization-scopes/${ids.s3}`)).status).toBe(204)
    expect((await call("GET", `${base}/users/${ids.u3}/scopes`)).body.map((s: { id: string }) => s.id)).toEqual([
      ids.s1,
      ids.s2
    ])
    const again = await call("DELETE", `/__orgkit/users/${ids.u1}`)
    expect(again.status).toBe(404)
    expect(again.body.code).toBe("orgkit.not_found")
  })

  it("answers unknown control paths with 404", async () => {
    expect((await call("GET", "/__orgkit/nothing")).status).toBe(404)
  })
})

describe("fault injection", () => {
  it("answers a configured error status for one operation only, for a number of times", async () => {
    const put = await call("PUT", "/__orgkit/faults", {
      body: { rules: [{ type: "error", status: 503, operations: ["ListOrganizations"], times: 2 }] }
    })
    expect(put.status).toBe(200)
    const a = await call("GET", "/api/organizations")
    expect(a.status).toBe(503)
    expect(a.text).toBe("Service Unavailable")
    expect((await call("POST", "/api/organizations", { body: { name: "x" } })).status).toBe(201)
    expect((await call("GET", "/api/organizations")).status).toBe(503)
    expect((await call("GET", "/api/organizations")).status).toBe(200)
    const log = (await call("GET", "/__orgkit/requests")).body.requests.map((r: { status: number }) => r.status)
    expect(log).toEqual([503, 201, 503, 200])
  })

  it("answers Logto's bodiless 500 and custom bodies", async () => {
    fake.setFaults({
      rules: [
        { type: "error", status: 500, times: 1 },
        { type: "error", status: 502, body: { oops: true }, retryAfter: 3 }
      ]
    })
    const a = await call("GET", "/api/organizations")
    expect(a.body).toEqual({ message: "Internal server error." })
    const b = await call("GET", "/api/organizations")
    expect(b.status).toBe(502)
    expect(b.body).toEqual({ oops: true })
    expect(b.headers.get("retry-after")).toBe("3")
  })

  it("sends bursts of 429 with Retry-After", async () => {
    fake.setFaults({ rules: [{ type: "rateLimit", times: 3, retryAfter: 2 }] })
    const answers: Array<[number, string | null]> = []
    for (let i = 0; i < 4; i++) {
      const r = await call("GET", "/api/organizations")
      answers.push([r.status, r.headers.get("retry-after")])
    }
    expect(answers).toEqual([
      [429, "2"],
      [429, "2"],
      [429, "2"],
      [200, null]
    ])
  })

  it("fails at a rate, deterministically under a seed", async () => {
    const run = async () => {
      fake.setFaults({ seed: 42, rules: [{ type: "error", status: 500, rate: 0.5 }] })
      const statuses: Array<number> = []
      for (let i = 0; i < 40; i++) statuses.push((await call("GET", "/api/organizations")).status)
      return statuses
    }
    const first = await run()
    expect(await run()).toEqual(first)
    const failures = first.filter((s) => s === 500).length
    expect(failures).toBeGreaterThan(5)
    expect(failures).toBeLessThan(35)
  })

  it("simulates an outage: 503, or a refused connection over fetch; the control API stays reachable", async () => {
    fake.setFaults({ rules: [{ type: "outage" }] })
    expect((await call("GET", "/api/organizations")).status).toBe(503)
    expect((await call("GET", "/__orgkit/faults")).body).toEqual({ rules: [{ type: "outage" }] })
    fake.setFaults({ rules: [{ type: "outage", mode: "refuse", operations: ["token"] }] })
    await expect(fake.fetch(new Request("http://logto.test/oidc/token", { method: "POST" }))).rejects.toThrow(TypeError)
    expect((await call("GET", "/api/organizations")).status).toBe(200)
    expect((await call("DELETE", "/__orgkit/faults")).status).toBe(204)
    const log = (await call("GET", "/__orgkit/requests")).body.requests
    expect(log[1]).toMatchObject({ path: "/oidc/token", status: 0 })
  })

  it("adds latency before answering", async () => {
    fake.setFaults({ rules: [{ type: "latency", ms: 30_000, operations: ["GetOrganization"] }] })
    vi.useFakeTimers({ toFake: ["setTimeout"] })
    try {
      let answered = false
      const pending = call("GET", `/api/organizations/${ids.org}`).then((r) => {
        answered = true
        return r
      })
      await vi.advanceTimersByTimeAsync(29_999)
      expect(answered).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      expect((await pending).status).toBe(404)
    } finally {
      vi.useRealTimers()
    }
  })

  it("rejects an invalid configuration", async () => {
    const r = await call("PUT", "/__orgkit/faults", { body: { rules: [{ type: "error", status: 200 }] } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe("orgkit.invalid_faults")
  })
})
