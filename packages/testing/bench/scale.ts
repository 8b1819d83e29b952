/**
 * Scale benchmark (not a test): loads 100k organizations with 1M user memberships, reports seeding
 * time and memory, and compares the latency of the main operations through the fetch handler at
 * 1k and at 100k organizations. The fake is indexed per organization, so the ratio should stay
 * near 1 for everything but `q` searches over all organizations (a scan, as in Logto).
 *
 * Run: pnpm --filter @orgkit/testing bench   (about a minute; uses ~1 GB of heap)
 */
import { FakeLogto, type Seed } from "../src/index.ts"

const MEMBERS_PER_ORG = 10
const exposedGc = (globalThis as { gc?: () => void }).gc
const gc = exposedGc ?? (() => {})
const heapMb = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const pad = (n: number, width: number) => n.toString(36).padStart(width, "0")
const orgId = (i: number) => `o${pad(i, 11)}`
const userId = (i: number) => `u${pad(i, 11)}`
const roleIds = ["role000000000000admin", "role00000000000member", "role00000000000viewer"]

/** A seed of `orgs` organizations with `MEMBERS_PER_ORG` members each, in chunks. */
function* seedChunks(orgs: number, chunk: number): Generator<Seed.Input> {
  const users = (orgs * MEMBERS_PER_ORG) / 10
  yield {
    organizationScopes: [{ id: "scope0000000000000read", name: "read" }],
    organizationRoles: roleIds.map((id, i) => ({
      id,
      name: ["admin", "member", "viewer"][i]!,
      organizationScopeIds: ["scope0000000000000read"]
    })),
    users: Array.from({ length: users }, (_, i) => ({
      id: userId(i),
      username: `user${i}`,
      primaryEmail: `user${i}@example.com`,
      name: `User ${i}`
    }))
  }
  for (let start = 0; start < orgs; start += chunk) {
    yield {
      organizations: Array.from({ length: Math.min(chunk, orgs - start) }, (_, k) => {
        const o = start + k
        return {
          id: orgId(o),
          name: `Organization ${o}`,
          users: Array.from({ length: MEMBERS_PER_ORG }, (_, m) => {
            const id = userId((o * 7 + m * 13) % users)
            return m === 0 ? { id, roles: [roleIds[o % 3]!] } : id
          })
        }
      })
    }
  }
}

interface Setup {
  readonly fake: FakeLogto.Instance
  readonly seedMs: number
  readonly heapMb: number
  readonly orgs: number
}

const build = (orgs: number): Setup => {
  const before = heapMb()
  const started = performance.now()
  const fake = FakeLogto.make({ tokens: ["bench"] })
  for (const chunk of seedChunks(orgs, 10_000)) fake.seed(chunk)
  const seedMs = performance.now() - started
  return { fake, seedMs, heapMb: heapMb() - before, orgs }
}

interface Op {
  readonly name: string
  readonly run: (fake: FakeLogto.Instance, orgs: number, i: number) => Promise<void>
}

const request = (method: string, path: string, body?: unknown) =>
  new Request(`http://bench.local${path}`, {
    method,
    headers: { authorization: "Bearer bench", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

const expectStatus = async (fake: FakeLogto.Instance, req: Request, status: number) => {
  const response = await fake.fetch(req)
  await response.arrayBuffer()
  if (response.status !== status) throw new Error(`${req.method} ${req.url}: ${response.status}`)
}

/** Picks an organization spread over the whole id range. */
const pick = (orgs: number, i: number) => (i * 7919) % orgs

const ops: ReadonlyArray<Op> = [
  {
    name: "GetOrganization",
    run: (f, n, i) => expectStatus(f, request("GET", `/api/organizations/${orgId(pick(n, i))}`), 200)
  },
  {
    name: "ListOrganizations (page 1)",
    run: (f) => expectStatus(f, request("GET", "/api/organizations?page_size=20"), 200)
  },
  {
    name: "ListOrganizations (last page)",
    run: (f, n) => expectStatus(f, request("GET", `/api/organizations?page_size=20&page=${Math.ceil(n / 20)}`), 200)
  },
  {
    name: "ListOrganizations showFeatured",
    run: (f) => expectStatus(f, request("GET", "/api/organizations?page_size=20&showFeatured=1"), 200)
  },
  {
    name: "ListOrganizationUsers",
    run: (f, n, i) => expectStatus(f, request("GET", `/api/organizations/${orgId(pick(n, i))}/users`), 200)
  },
  {
    name: "ListOrganizationUserRoles",
    run: (f, n, i) => {
      const o = pick(n, i)
      return expectStatus(
        f,
        request("GET", `/api/organizations/${orgId(o)}/users/${userId((o * 7) % ((n * MEMBERS_PER_ORG) / 10))}/roles`),
        200
      )
    }
  },
  {
    name: "ListOrganizationUserScopes",
    run: (f, n, i) => {
      const o = pick(n, i)
      return expectStatus(
        f,
        request("GET", `/api/organizations/${orgId(o)}/users/${userId((o * 7) % ((n * MEMBERS_PER_ORG) / 10))}/scopes`),
        200
      )
    }
  },
  {
    name: "Add + DeleteOrganizationUser",
    run: async (f, n, i) => {
      const o = orgId(pick(n, i))
      const u = userId((pick(n, i) * 7 + 5) % ((n * MEMBERS_PER_ORG) / 10))
      await expectStatus(f, request("POST", `/api/organizations/${o}/users`, { userIds: [u] }), 201)
      await expectStatus(f, request("DELETE", `/api/organizations/${o}/users/${u}`), 204)
    }
  },
  {
    name: "AssignOrganizationRolesToUser",
    run: (f, n, i) => {
      const o = pick(n, i)
      return expectStatus(
        f,
        request(
          "POST",
          `/api/organizations/${orgId(o)}/users/${userId((o * 7) % ((n * MEMBERS_PER_ORG) / 10))}/roles`,
          { organizationRoleNames: ["viewer"] }
        ),
        201
      )
    }
  },
  {
    name: "Create + DeleteOrganization",
    run: async (f) => {
      const response = await f.fetch(request("POST", "/api/organizations", { name: "Bench" }))
      const { id } = (await response.json()) as { id: string }
      await expectStatus(f, request("DELETE", `/api/organizations/${id}`), 204)
    }
  },
  { name: "ListOrganizations q= (scan)", run: (f) => expectStatus(f, request("GET", "/api/organizations?q=zzz"), 200) }
]

const measure = async (setup: Setup, op: Op, iterations: number) => {
  for (let i = 0; i < 50; i++) await op.run(setup.fake, setup.orgs, i)
  const samples: Array<number> = []
  for (let i = 0; i < iterations; i++) {
    const started = performance.now()
    await op.run(setup.fake, setup.orgs, i + 50)
    samples.push(performance.now() - started)
  }
  samples.sort((a, b) => a - b)
  return { median: samples[Math.floor(samples.length / 2)]!, p95: samples[Math.floor(samples.length * 0.95)]! }
}

const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`)

const main = async () => {
  const wall = performance.now()
  console.log(
    `node ${process.version}, ${exposedGc === undefined ? "without --expose-gc (heap figures are rough)" : "explicit GC"}; ${MEMBERS_PER_ORG} members per organization`
  )
  const small = build(1_000)
  console.log(
    `seeded 1k orgs / ${(small.orgs * MEMBERS_PER_ORG).toLocaleString()} memberships in ${small.seedMs.toFixed(0)} ms, heap +${small.heapMb.toFixed(1)} MB`
  )
  const large = build(100_000)
  const counts = large.fake.store.counts()
  console.log(
    `seeded ${counts.organizations.toLocaleString()} orgs / ${counts.userMemberships.toLocaleString()} memberships / ${counts.users.toLocaleString()} users in ${(large.seedMs / 1000).toFixed(1)} s, heap +${large.heapMb.toFixed(0)} MB`
  )
  console.log("")
  console.log("operation                       | 1k orgs median (p95) | 100k orgs median (p95) | ratio of medians")
  console.log("--------------------------------|----------------------|------------------------|-----------------")
  // Three interleaved rounds per operation; the figures are the medians of the rounds' medians.
  const median = (xs: ReadonlyArray<number>) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  const ratios: Record<string, number> = {}
  for (const op of ops) {
    const iterations = op.name.includes("scan") ? 20 : 300
    const rounds: Array<{ a: { median: number; p95: number }; b: { median: number; p95: number } }> = []
    for (let r = 0; r < 3; r++)
      rounds.push({ a: await measure(small, op, iterations), b: await measure(large, op, iterations) })
    const a = { median: median(rounds.map((x) => x.a.median)), p95: median(rounds.map((x) => x.a.p95)) }
    const b = { median: median(rounds.map((x) => x.b.median)), p95: median(rounds.map((x) => x.b.p95)) }
    ratios[op.name] = b.median / a.median
    console.log(
      `${op.name.padEnd(32)}| ${`${fmt(a.median)} (${fmt(a.p95)})`.padEnd(21)}| ${`${fmt(b.median)} (${fmt(b.p95)})`.padEnd(23)}| ${(b.median / a.median).toFixed(2)}`
    )
  }
  await small.fake.dispose()
  await large.fake.dispose()
  // Every indexed operation must cost at 100k organizations at most 1.5x what it costs at 1k.
  const [worstName, worstRatio] = Object.entries(ratios)
    .filter(([name]) => !name.includes("scan"))
    .sort((a, b) => b[1] - a[1])[0]!
  console.log(
    `\nworst indexed operation: ${worstName} ${worstRatio.toFixed(2)}x (target <= 1.5x: ${worstRatio <= 1.5 ? "met" : "NOT met"})`
  )
  console.log(`wall time ${((performance.now() - wall) / 1000).toFixed(1)} s`)
  // `--json`: one machine-readable line last, for the repository's `pnpm bench` table.
  if (process.argv.includes("--json")) {
    console.log(
      JSON.stringify({
        ratios,
        seedSeconds: large.seedMs / 1000,
        heapMb: large.heapMb,
        organizations: counts.organizations,
        memberships: counts.userMemberships
      })
    )
  }
}

await main()
