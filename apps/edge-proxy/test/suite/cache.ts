/**
 * The cache suite, run in workerd (two app instances over the same Durable Object namespaces: all
 * that two isolates share) and on Node (two servers over the same in-memory store: all that one Node
 * process shares), against a fake of its own (its faults must not disturb other test files).
 *
 * Read-your-writes is checked table-driven over the dependency map: for every write operation,
 * every read is primed (and seen cached) through the second instance, the write goes through the
 * first, and every read through the second must then be byte-identical to the fake's direct answer.
 * A concurrent run checks that no read returns data older than a write acknowledged before it began.
 */
import { Fixtures } from "@orgkit/testing"
import { describe, expect, it } from "vitest"
import { dependencies } from "../../src/cache/dependency-map.ts"
import { cacheKeys, ids, metricsToken, signedWebhook } from "../fixtures/e2e.ts"
import {
  as,
  direct,
  fake,
  jsonBody,
  type Logged,
  snapshot,
  type Target,
  unique,
  upstreamCallsDuring
} from "./harness.ts"
import { organization, reads, writes } from "./operations.ts"

/** Two proxy instances over the shared cache, and their clock. */
export interface CacheTarget extends Target {
  /** The second instance (`call` is the first). */
  readonly second: (path: string, init?: RequestInit) => Promise<Response>
  /** Moves both instances' clock forward; absent where the clock is the real one (the revalidation and stale tests are skipped). */
  readonly advance?: (ms: number) => void
  /**
   * Delays each of Logto's GET answers by up to `ms` after Logto produced it (network transit), or
   * stops delaying (`undefined`). Unlike the fake's latency fault, which waits before reading its
   * state, this keeps fills in flight with data as of before their delay.
   */
  readonly delayAnswers: (ms: number | undefined) => void
}

const maxAgeMs = 30_000
const staleIfErrorMs = 60_000
const admin = (init: RequestInit = {}) => as(cacheKeys.admin, init)
const xCache = (response: Response) => response.headers.get("x-cache")
/** The fake's log without token requests (each instance fetches its own token once). */
const apiCalls = (calls: ReadonlyArray<Logged>) => calls.filter((c) => c.path !== "/oidc/token")
const o = (org: string) => `/api/organizations/${org}`
/**
 * The organization reads checked: the operations suite's representative call of each, plus unfiltered
 * and other-member variants, so that every write visibly changes at least one of them.
 */
const orgReads = [
  ...reads.filter((r) => r.operationId !== "ListOrganizations"),
  { operationId: "ListOrganizationUsers", path: (org: string) => `${o(org)}/users` },
  { operationId: "ListOrganizationApplications", path: (org: string) => `${o(org)}/applications` },
  { operationId: "ListOrganizationUserRoles", path: (org: string) => `${o(org)}/users/${ids.users.bob}/roles` },
  { operationId: "ListOrganizationUserScopes", path: (org: string) => `${o(org)}/users/${ids.users.bob}/scopes` },
  { operationId: "ListOrganizationJitEmailDomains", path: (org: string) => `${o(org)}/jit/email-domains` }
]

type Seeded = ReturnType<typeof organization>

/** Seeds where the operations suite's seed already holds what the write adds (so it would change nothing). */
const seedFor: Readonly<Record<string, (seed: Seeded) => Seeded>> = {
  AssignOrganizationRolesToApplications: (seed) => ({
    ...seed,
    applications: [{ id: ids.applications.billing, roles: [] }]
  }),
  ReplaceOrganizationApplicationRoles: (seed) => ({
    ...seed,
    applications: [{ id: ids.applications.billing, roles: [] }]
  }),
  AssignOrganizationRolesToApplication: (seed) => ({
    ...seed,
    applications: [{ id: ids.applications.billing, roles: [] }]
  }),
  CreateOrganizationJitSsoConnector: (seed) => ({ ...seed, jit: { ...seed.jit, ssoConnectors: [] } })
}

/** Seeds organizations like the operations suite's twins; returns their ids and a search that finds them all. */
const seedOrganizations = async (
  t: Target,
  count: number,
  description?: string,
  adapt: (seed: Seeded) => Seeded = (seed) => seed
) => {
  const suffix = unique()
  const orgs = Array.from({ length: count }, (_, i) => `cache${suffix}${i}`)
  await fake.seed(t, {
    organizations: orgs.map((id) => ({
      ...adapt(organization(id, `Cache ${suffix} ${id}`)),
      ...(description === undefined ? {} : { description })
    }))
  })
  return { orgs, list: `/api/organizations?q=${suffix}&showFeatured=true` }
}

const deliver = (t: CacheTarget, delivery: { body: string; signature?: string }) =>
  t.call("/webhooks/logto", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(delivery.signature === undefined ? {} : { "logto-signature-sha-256": delivery.signature })
    },
    body: delivery.body
  })

const descriptionOf = async (response: Response): Promise<unknown> =>
  ((await response.json()) as { description?: unknown }).description

/** The read-your-writes tables make many requests: a hang guard, not a speed budget (CPU load only slows them). */
const readYourWritesHangGuardMs = 10 * 60_000

const noClock =
  "revalidation and stale-if-error skipped: this target's clock is the real one; test/workerd/cache.test.ts runs them on a manual clock"

/** Registers the suite; `clock: false` skips the tests that need `advance`, saying why in the suite's name. */
export const describeCache = (target: () => CacheTarget, options: { readonly clock: boolean } = { clock: true }) =>
  describe(`the read cache${options.clock ? "" : ` (${noClock})`}`, () => {
    // Skipped where the clock is the real one: the reason is in the suite's name, shown with the skips.
    const withClock = options.clock ? it : it.skip
    const advance = (t: CacheTarget, ms: number) => {
      if (t.advance === undefined) throw new Error("this target has no clock to advance")
      t.advance(ms)
    }
    it("answers every read MISS, then HIT through either instance; HEAD is passed through", async () => {
      const t = target()
      const { orgs, list } = await seedOrganizations(t, 1)
      for (const path of [list, ...orgReads.map((r) => r.path(orgs[0]!))]) {
        const first = await t.call(path, admin())
        const second = await t.second(path, admin())
        expect([path, first.status, xCache(first), xCache(second)]).toEqual([path, 200, "MISS", "HIT"])
        expect(await snapshot(second)).toEqual(await snapshot(first))
      }
      const head = await t.second(o(orgs[0]!), admin({ method: "HEAD" }))
      expect([head.status, xCache(head)]).toEqual([200, "BYPASS"])
    })

    it(
      "read-your-writes: after each write through one instance, every read answers fresh data through the other",
      async () => {
        const t = target()
        const mapped = dependencies.filter((d) => d.kind === "write" && d.operationId !== "CreateOrganization")
        expect(mapped.map((d) => d.operationId).sort()).toEqual(writes.map((w) => w.operationId).sort())
        const unchanged: Array<string> = []
        for (const dependency of mapped) {
          const write = writes.find((w) => w.operationId === dependency.operationId)!
          const { orgs, list } = await seedOrganizations(t, 2, undefined, seedFor[dependency.operationId])
          const [org, other] = orgs as [string, string]
          const paths = [list, ...orgReads.map((r) => r.path(org))]
          const operationOf = new Map([
            [list, "ListOrganizations"],
            ...orgReads.map((r) => [r.path(org), r.operationId] as const)
          ])
          const before = new Map<string, string>()
          for (const path of [...paths, o(other)]) {
            await t.second(path, admin())
            const cached = await t.second(path, admin())
            expect([dependency.operationId, path, xCache(cached)]).toEqual([dependency.operationId, path, "HIT"])
            before.set(path, await cached.text())
          }
          const written = await t.call(write.path(org), admin(write.init))
          expect([dependency.operationId, written.status < 300]).toEqual([dependency.operationId, true])
          let changed = 0
          for (const path of paths) {
            const viaSecond = await t.second(path, admin())
            const invalidated = dependency.invalidatedReads.includes(operationOf.get(path)!)
            expect([dependency.operationId, path, xCache(viaSecond)]).toEqual([
              dependency.operationId,
              path,
              invalidated ? "MISS" : "HIT"
            ])
            const seen = await snapshot(viaSecond)
            if (seen.body !== before.get(path)) changed++
            expect([dependency.operationId, seen]).toEqual([
              dependency.operationId,
              await snapshot(await direct(t, path), { replace: [[t.fakeUrl, t.origin]] })
            ])
          }
          if (changed === 0) unchanged.push(dependency.operationId)
          // Writes on one organization leave another organization's entries alone.
          expect(xCache(await t.second(o(other), admin()))).toBe("HIT")
        }
        // Every write visibly changed at least one read, so the checks above are not vacuous.
        expect(unchanged).toEqual([])
      },
      readYourWritesHangGuardMs
    )

    it(
      "read-your-writes: a created organization appears at once in the lists the other instance cached",
      async () => {
        const t = target()
        const name = `Created ${unique()}`
        const list = `/api/organizations?q=${encodeURIComponent(name)}`
        expect(await (await t.second(list, admin())).text()).toBe("[]")
        expect(xCache(await t.second(list, admin()))).toBe("HIT")
        const created = await t.call("/api/organizations", admin(jsonBody("POST", { name })))
        const id = ((await created.json()) as { id: string }).id
        const after = await t.second(list, admin())
        expect([xCache(after), ((await after.json()) as Array<{ id: string }>).map((x) => x.id)]).toEqual([
          "MISS",
          [id]
        ])
      },
      readYourWritesHangGuardMs
    )

    it("interleaved concurrent reads and writes: no read returns data older than a write acknowledged before it began", async () => {
      const t = target()
      const { orgs, list } = await seedOrganizations(t, 3, "v0")
      const random = Fixtures.seededRandom(7)
      let tick = 0
      const acked = new Map<string, Array<{ version: number; at: number }>>(orgs.map((org) => [org, []]))
      const observed: Array<{ org: string; startedAt: number; version: number; via: string; cache: string | null }> = []
      const versionOf = (description: unknown) => Number(String(description).slice(1))
      const writer = async (org: string, index: number) => {
        for (let version = 1; version <= 8; version++) {
          const via = (version + index) % 2 === 0 ? t.call : t.second
          const response = await via(o(org), admin(jsonBody("PATCH", { description: `v${version}` })))
          expect(response.status).toBe(200)
          acked.get(org)!.push({ version, at: ++tick })
        }
      }
      const reader = async () => {
        for (let i = 0; i < 24; i++) {
          const org = orgs[Math.floor(random() * orgs.length)]!
          const viaFirst = random() < 0.5
          const viaList = random() < 0.25
          const startedAt = ++tick
          const response = await (viaFirst ? t.call : t.second)(viaList ? list : o(org), admin())
          expect(response.status).toBe(200)
          const cache = xCache(response)
          if (viaList) {
            const items = (await response.json()) as Array<{ id: string; description: string }>
            for (const item of items) {
              observed.push({ org: item.id, startedAt, version: versionOf(item.description), via: "list", cache })
            }
          } else {
            observed.push({ org, startedAt, version: versionOf(await descriptionOf(response)), via: "get", cache })
          }
        }
      }
      // Answers that take a while to arrive keep fills begun before a write in flight after it.
      t.delayAnswers(30)
      try {
        await Promise.all([...orgs.map(writer), ...Array.from({ length: 6 }, reader)])
      } finally {
        t.delayAnswers(undefined)
      }
      const violations = observed.filter((read) => {
        const before = acked.get(read.org)!.filter((w) => w.at < read.startedAt)
        const newest = before.length === 0 ? 0 : Math.max(...before.map((w) => w.version))
        return read.version < newest
      })
      expect(violations).toEqual([])
      expect(observed.every((read) => read.version >= 0 && read.version <= 8)).toBe(true)
      // The cache was really in play: some reads were hits, some were refetched after writes.
      expect(observed.some((read) => read.cache === "HIT")).toBe(true)
      expect(observed.some((read) => read.cache === "MISS")).toBe(true)
    })

    it("coalesces concurrent identical misses from both instances into one upstream request", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = o(orgs[0]!)
      await fake.faults(t, { rules: [{ type: "latency", operations: ["GetOrganization"], ms: 300 }] })
      try {
        const [responses, calls] = await upstreamCallsDuring(t, () =>
          Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? t.call : t.second)(path, admin())))
        )
        expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200))
        const bodies = await Promise.all(responses.map((r) => r.text()))
        expect(new Set(bodies).size).toBe(1)
        expect(calls.filter((c) => c.path === path)).toHaveLength(1)
      } finally {
        await fake.clearFaults(t)
      }
    })

    withClock("revalidates an expired entry with If-None-Match: Logto answers 304 and the entry is kept", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = `${o(orgs[0]!)}/users?page_size=2`
      const first = await t.call(path, admin())
      advance(t, maxAgeMs + 1)
      const [revalidated, calls] = await upstreamCallsDuring(t, () => t.second(path, admin()))
      expect(apiCalls(calls).map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([`GET ${o(orgs[0]!)}/users 304`])
      expect([revalidated.status, xCache(revalidated)]).toEqual([200, "MISS"])
      expect(await snapshot(revalidated)).toEqual(await snapshot(first))
      const [again, none] = await upstreamCallsDuring(t, () => t.call(path, admin()))
      expect([xCache(again), apiCalls(none)]).toEqual(["HIT", []])
    })

    it("answers a caller's matching If-None-Match with 304 from the cache, without asking Logto", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = o(orgs[0]!)
      const etag = (await t.call(path, admin())).headers.get("etag")!
      const [notModified, calls] = await upstreamCallsDuring(t, () =>
        // With its own Cache-Control: WHATWG fetch adds `no-cache` next to a bare If-None-Match (a bypass).
        t.second(path, admin({ headers: { "if-none-match": etag, "cache-control": "max-age=0" } }))
      )
      expect([notModified.status, await notModified.text(), notModified.headers.get("etag"), apiCalls(calls)]).toEqual([
        304,
        "",
        etag,
        []
      ])
    })

    it("compares If-None-Match weakly, and treats an If-Modified-Since as stale, as Logto (the fake) does", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = o(orgs[0]!)
      const etag = (await t.call(path, admin())).headers.get("etag")!
      expect(etag).toMatch(/^"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/)
      const conditional: Array<[string, Record<string, string>, number]> = [
        ["the tag", { "if-none-match": etag }, 304],
        ["the tag marked weak", { "if-none-match": `W/${etag}` }, 304],
        ["a list holding the weak tag", { "if-none-match": `"nope", W/${etag}` }, 304],
        ["another weak tag", { "if-none-match": `W/"${etag.slice(1, -2)}x"` }, 200],
        // No Last-Modified to compare with: an If-Modified-Since makes any answer stale (Koa's fresh).
        [
          "the tag and an If-Modified-Since",
          { "if-none-match": etag, "if-modified-since": "Thu, 01 Jan 2099 00:00:00 GMT" },
          200
        ]
      ]
      for (const [what, headers, status] of conditional) {
        // With its own Cache-Control: WHATWG fetch adds `no-cache` next to a bare If-None-Match (a bypass).
        const init = { headers: { ...headers, "cache-control": "max-age=0" } }
        const viaFake = await direct(t, path, init)
        const [viaProxy, calls] = await upstreamCallsDuring(t, () => t.second(path, admin(init)))
        expect([what, viaFake.status, viaProxy.status, xCache(viaProxy), apiCalls(calls)]).toEqual([
          what,
          status,
          status,
          "HIT",
          []
        ])
        expect([what, (await viaProxy.text()).length > 0]).toEqual([what, status === 200])
      }
    })

    withClock("serves a stale entry, marked STALE, when Logto fails within the stale-if-error bound", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = o(orgs[0]!)
      const body = await (await t.call(path, admin())).text()
      advance(t, maxAgeMs + 1_000)
      const faults = [
        { type: "outage", operations: ["GetOrganization"], mode: "refuse" },
        { type: "error", operations: ["GetOrganization"], status: 500 },
        { type: "outage", operations: ["GetOrganization"], mode: "503" },
        { type: "latency", operations: ["GetOrganization"], ms: 4_000 }
      ]
      try {
        for (const rule of faults) {
          await fake.faults(t, { rules: [rule] })
          const response = await t.second(path, admin())
          expect([rule.type, response.status, xCache(response), response.headers.get("warning")]).toEqual([
            rule.type,
            200,
            "STALE",
            '110 - "Response is Stale"'
          ])
          expect(await response.text()).toBe(body)
        }
        // Past the bound, the failure stands; without an entry it always did.
        advance(t, staleIfErrorMs)
        await fake.faults(t, { rules: [faults[0]] })
        expect((await t.call(path, admin())).status).toBe(502)
        const { orgs: fresh } = await seedOrganizations(t, 1)
        expect((await t.call(o(fresh[0]!), admin())).status).toBe(502)
      } finally {
        await fake.clearFaults(t)
      }
    })

    it("Cache-Control: no-cache bypasses the cache and refreshes it for both instances", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = o(orgs[0]!)
      await t.call(path, admin())
      await fake.seed(t, { organizations: [{ id: orgs[0]!, name: "renamed outside", description: "outside" }] })
      expect(await descriptionOf(await t.second(path, admin()))).not.toBe("outside")
      const bypassed = await t.second(path, admin({ headers: { "cache-control": "no-cache" } }))
      expect([xCache(bypassed), await descriptionOf(bypassed)]).toEqual(["BYPASS", "outside"])
      const after = await t.call(path, admin())
      expect([xCache(after), await descriptionOf(after)]).toEqual(["HIT", "outside"])
    })

    it("a signed Logto webhook makes a change made outside the proxy visible at once through the other instance", async () => {
      const t = target()
      const { orgs, list } = await seedOrganizations(t, 2)
      const [org, other] = orgs as [string, string]
      for (const path of [o(org), o(other), list]) await t.second(path, admin())
      await fake.seed(t, { organizations: [{ id: org, name: "changed in the Console", description: "console" }] })
      // Until Logto tells, the cache serves what it has (bounded by the max-age).
      expect(await descriptionOf(await t.second(o(org), admin()))).not.toBe("console")
      const delivery = await signedWebhook({
        hookId: "hook",
        event: "Organization.Data.Updated",
        createdAt: new Date().toISOString(),
        data: { id: org, name: "changed in the Console", description: "console" }
      })
      const answered = await deliver(t, delivery)
      expect([answered.status, await answered.json()]).toEqual([
        200,
        { event: "Organization.Data.Updated", invalidated: [`org:${org}`, "orgs"] }
      ])
      const after = await t.second(o(org), admin())
      expect([xCache(after), await descriptionOf(after)]).toEqual(["MISS", "console"])
      const listed = (await (await t.second(list, admin())).json()) as Array<{ id: string; description: string }>
      expect(listed.find((x) => x.id === org)?.description).toBe("console")
      expect(xCache(await t.second(o(other), admin()))).toBe("HIT")
    })

    it("a webhook about a user drops every organization's entries, in every instance", async () => {
      const t = target()
      const { orgs, list } = await seedOrganizations(t, 2)
      const paths = [...orgs.map((org) => `${o(org)}/users`), list]
      for (const path of paths) {
        await t.second(path, admin())
        expect(xCache(await t.second(path, admin()))).toBe("HIT")
      }
      const delivery = await signedWebhook({
        event: "User.Data.Updated",
        data: { id: ids.users.alice, name: "Alice B." }
      })
      expect((await deliver(t, delivery)).status).toBe(200)
      for (const path of paths) expect([path, xCache(await t.second(path, admin()))]).toEqual([path, "MISS"])
    })

    it("a webhook with a missing, malformed, tampered or wrong-key signature gets 401 and invalidates nothing", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = o(orgs[0]!)
      await t.second(path, admin())
      const payload = { event: "Organization.Deleted", data: { id: orgs[0]! } }
      const good = await signedWebhook(payload)
      const wrongKey = await signedWebhook(payload, "another-signing-key")
      for (const delivery of [
        { body: good.body },
        { body: good.body, signature: "not-hex" },
        { body: good.body.replace("Deleted", "Created"), signature: good.signature },
        { body: good.body, signature: wrongKey.signature }
      ]) {
        const response = await deliver(t, delivery)
        expect([response.status, ((await response.json()) as { code: string }).code]).toEqual([
          401,
          "proxy.webhook_unauthorized"
        ])
      }
      expect(xCache(await t.second(path, admin()))).toBe("HIT")
    })

    it("never serves a cached answer to a key that may not read it", async () => {
      const t = target()
      const globex = o(ids.organizations.globex)
      const acme = o(ids.organizations.acme)
      for (const path of [globex, acme]) await t.call(path, admin())
      expect(xCache(await t.second(globex, as(cacheKeys.globex)))).toBe("HIT")
      const denied = await t.second(globex, as(cacheKeys.acme))
      expect([denied.status, ((await denied.json()) as { code: string }).code]).toEqual([403, "auth.forbidden"])
      expect((await t.second(acme, as(cacheKeys.globex))).status).toBe(403)
      expect((await t.second(globex, as(cacheKeys.writer))).status).toBe(403)
      expect((await t.call(globex)).status).toBe(401)
      expect((await t.second(globex, as(cacheKeys.reader))).status).toBe(200)
    })

    it("a write Logto refuses still invalidates what it touches: the proxy cannot know it changed nothing", async () => {
      const t = target()
      const { orgs, list } = await seedOrganizations(t, 1)
      const org = orgs[0]!
      const users = `${o(org)}/users`
      // Refused by Logto itself, past the proxy's validation; each leaves Logto's data as it was.
      const refused = [
        {
          why: "a foreign tenantId ([observed] 500)",
          write: jsonBody("PATCH", { tenantId: "admin" }),
          path: o(org),
          status: 500,
          reads: [o(org), list],
          // Changed at Logto behind the proxy's back: only an invalidation lets the proxy see it.
          behind: () => direct(t, o(org), jsonBody("PATCH", { description: `changed at Logto ${unique()}` }))
        },
        {
          why: "an unknown user (422 entity.relation_foreign_key_not_found)",
          write: jsonBody("POST", { userIds: ["nosuchuser000000001"] }),
          path: users,
          status: 422,
          reads: [users],
          behind: () => direct(t, users, jsonBody("POST", { userIds: [ids.users.alice] }))
        }
      ]
      for (const c of refused) {
        for (const path of c.reads) {
          await t.second(path, admin())
          expect([c.why, path, xCache(await t.second(path, admin()))]).toEqual([c.why, path, "HIT"])
        }
        expect((await c.behind()).status).toBeLessThan(300)
        const [answer, calls] = await upstreamCallsDuring(t, () => t.call(c.path, admin(c.write)))
        expect([c.why, answer.status, apiCalls(calls).map((r) => [r.method, r.path, r.status])]).toEqual([
          c.why,
          c.status,
          [[c.write.method, c.path, c.status]]
        ])
        for (const path of c.reads) {
          const after = await t.second(path, admin())
          const expected = await snapshot(await direct(t, path), { replace: [[t.fakeUrl, t.origin]] })
          expect([c.why, path, xCache(after), await snapshot(after)]).toEqual([c.why, path, "MISS", expected])
        }
      }
    })

    it("refuses a key without read, and a key restricted to other organizations, on every request: also once the key is known (the Node hit path)", async () => {
      const t = target()
      const globex = o(ids.organizations.globex)
      const paths = [globex, `${globex}/users`, `${globex}/users/${ids.users.carol}/roles`]
      for (const path of paths) {
        await t.call(path, admin())
        expect(xCache(await t.second(path, admin()))).toBe("HIT")
      }
      // The first request of a key goes through the whole pipeline and makes its header known; the
      // later ones could be answered from the cache before it: each must be refused just the same.
      for (const key of [cacheKeys.writer, cacheKeys.acme]) {
        for (const path of paths) {
          for (let attempt = 1; attempt <= 3; attempt++) {
            const [denied, calls] = await upstreamCallsDuring(t, async () => t.second(path, as(key)))
            expect([key.id, path, attempt, denied.status, xCache(denied), await denied.json()]).toEqual([
              key.id,
              path,
              attempt,
              403,
              null,
              { code: "auth.forbidden", message: "Forbidden. Please check your user roles and permissions." }
            ])
            expect(apiCalls(calls)).toEqual([])
          }
        }
      }
      // The same entries stay served to the keys that may read them.
      for (const key of [cacheKeys.reader, cacheKeys.globex]) {
        for (const path of paths) {
          await t.second(path, as(key))
          expect([key.id, path, xCache(await t.second(path, as(key)))]).toEqual([key.id, path, "HIT"])
        }
      }
    })

    it("caches ListOrganizations per view: an organization-restricted key never sees another key's list", async () => {
      const t = target()
      // An unknown parameter makes the URL new (Logto ignores it, and so does the proxy's validation).
      const list = `/api/organizations?page_size=100&x=${unique()}`
      const full = (await (await t.call(list, admin())).json()) as Array<{ id: string }>
      expect(full.length).toBeGreaterThan(2)
      const asAcme = await t.second(list, as(cacheKeys.acme))
      const asGlobex = await t.second(list, as(cacheKeys.globex))
      const ids_ = async (r: Response) => ((await r.json()) as Array<{ id: string }>).map((x) => x.id).sort()
      expect([xCache(asAcme), asAcme.headers.get("total-number")]).toEqual(["MISS", "2"])
      expect(await ids_(asAcme)).toEqual([ids.organizations.acme, ids.organizations.initech].sort())
      expect(await ids_(asGlobex)).toEqual([ids.organizations.globex])
      const again = await t.call(list, as(cacheKeys.acme))
      expect([xCache(again), await ids_(again)]).toEqual([
        "HIT",
        [ids.organizations.acme, ids.organizations.initech].sort()
      ])
      const adminAgain = await t.second(list, admin())
      expect([xCache(adminAgain), (await ids_(adminAgain)).length]).toEqual(["HIT", full.length])
    })

    it("exposes its counters at /metrics to the metrics token or a key with scope read", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      await t.call(o(orgs[0]!), admin())
      await t.call(o(orgs[0]!), admin())
      expect((await t.call("/metrics")).status).toBe(401)
      expect((await t.call("/metrics", as(cacheKeys.writer))).status).toBe(403)
      const scraped = await t.call("/metrics", { headers: { authorization: `Bearer ${metricsToken}` } })
      const text = await scraped.text()
      expect(scraped.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
      for (const name of ["hits", "misses", "coalesced", "revalidated", "stale", "bypass", "invalidations"]) {
        expect(text).toMatch(new RegExp(`^orgkit_cache_${name}_total \\d+$`, "m"))
      }
      expect(Number(/^orgkit_cache_hits_total (\d+)$/m.exec(text)![1])).toBeGreaterThan(0)
      expect((await t.second("/metrics", as(cacheKeys.reader))).status).toBe(200)
    })

    it("counts every hit in /metrics by operation and status, 304s and the Node hit path's included", async () => {
      const t = target()
      const { orgs } = await seedOrganizations(t, 1)
      const path = o(orgs[0]!)
      const primed = await t.call(path, admin())
      const etag = primed.headers.get("etag")!
      expect([xCache(await t.call(path, admin())), etag]).toEqual(["HIT", expect.any(String)])
      const counted = async () => {
        const text = await (await t.call("/metrics", { headers: { authorization: `Bearer ${metricsToken}` } })).text()
        const value = (line: string) =>
          Number(
            text
              .split("\n")
              .find((l) => l.startsWith(`${line} `))
              ?.split(" ")[1] ?? 0
          )
        return [
          value('orgkit_requests_total{operation="GetOrganization",status="200"}'),
          value('orgkit_requests_total{operation="GetOrganization",status="304"}'),
          value('orgkit_cache_results_total{result="HIT"}'),
          value('orgkit_request_duration_seconds_count{operation="GetOrganization"}')
        ]
      }
      const before = await counted()
      const answers: Array<[number, string | null]> = []
      // With its own Cache-Control: WHATWG fetch adds `no-cache` next to a bare If-None-Match (a bypass).
      const conditional = admin({ headers: { "if-none-match": etag, "cache-control": "max-age=0" } })
      for (const init of [admin(), admin(), admin(), conditional, conditional]) {
        const response = await t.call(path, init)
        answers.push([response.status, xCache(response)])
      }
      expect(answers).toEqual([
        [200, "HIT"],
        [200, "HIT"],
        [200, "HIT"],
        [304, "HIT"],
        [304, "HIT"]
      ])
      const after = await counted()
      expect(after.map((n, i) => n - before[i]!)).toEqual([3, 2, 5, 5])
    })
  })
