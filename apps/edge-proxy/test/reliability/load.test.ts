/**
 * Reliability: load. Sixteen concurrent workers send mixed reads and writes through the proxy's
 * Node server (caching on, audit on a SQLite file in a temp dir) to the fake Logto, both over real
 * loopback HTTP. Reads pick organizations Zipf-distributed (s = 1.1) and read the organization,
 * its member list (with each member's roles) or one member's roles; about 10% are writes (PATCH
 * the description to a new version `vN`, add a user, remove a user, assign a role). Writes to one
 * organization are serialised by the workers, so each organization has a linear history of states.
 *
 * The checker:
 * - zero errors: every read 200 (422 `organization.require_membership` only for the roles of a user who is not
 *   a member), every
 *   write its success status;
 * - zero stale reads: a read must show one of the states between the last write acknowledged
 *   before it started and the last write started before it ended;
 * - every write audited exactly once: one `write` event per write, found by its `x-request-id`,
 *   with the right operation and status, completed; the fake's log holds exactly the writes sent
 *   (method and path, as a multiset); `/audit/verify` is ok.
 *
 * Sizes: `ORGKIT_RELIABILITY=full` runs 20,000 operations (`pnpm test:reliability`); otherwise
 * 1,200. `ORGKIT_RELIABILITY_SEED` replays another seed. Prints `load: N tried, N passed, N failed`.
 */
import { Fixtures } from "@orgkit/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type Answer,
  auditEvents,
  auditVerify,
  call,
  eventually,
  fakeWrites,
  keys,
  population,
  roleIds,
  startSystem,
  type System,
  zipf
} from "./support/system.ts"

const full = process.env["ORGKIT_RELIABILITY"] === "full"
const operations = full ? 20_000 : 1_200
const workers = 16
const writeShare = 0.1
const seed = Number(process.env["ORGKIT_RELIABILITY_SEED"] ?? 20_261_129)
const organizationCount = 40
const userCount = 30
/** Fails a run that hangs; never a measure of speed (a slow machine finishes within it). */
const hangGuardMs = full ? 60 * 60_000 : 15 * 60_000
const userRoles = roleIds.filter((r) => r !== "orgrolesync0000000001")

type Members = ReadonlyMap<string, ReadonlySet<string>>
interface State {
  readonly version: number
  readonly members: Members
}
interface Org {
  readonly id: string
  /** states[k] = after the k-th write. */
  readonly states: Array<State>
  /** Writes acknowledged (their answer came back). */
  acked: number
  busy: boolean
}

interface Write {
  readonly requestId: string
  readonly operationId: string
  readonly method: string
  readonly path: string
  readonly expected: number
  status: number
}

let system: System
const orgs: Array<Org> = population(organizationCount, userCount).organizations.map((o) => ({
  id: o.id,
  states: [{ version: 0, members: new Map() }],
  acked: 0,
  busy: false
}))
const users = population(0, userCount).users.map((u) => u.id)
const writes: Array<Write> = []
const failures: Array<string> = []
const counts = { tried: 0, passed: 0, failed: 0, reads: 0, writes: 0, stale: 0, errors: 0, hits: 0 }
let seconds = 0
let auditSummary = ""

const fail = (what: string) => {
  if (failures.length < 50) failures.push(what)
}

const sameMembers = (a: Members, b: Members) =>
  a.size === b.size &&
  [...a].every(([u, roles]) => {
    const other = b.get(u)
    return other !== undefined && other.size === roles.size && [...roles].every((r) => other.has(r))
  })

/** Checks a read against the states it may show: from `lo` (acked at start) to `hi` (started at end). */
const fits = (org: Org, lo: number, hi: number, matches: (s: State) => boolean) => {
  for (let j = lo; j <= Math.min(hi, org.states.length - 1); j++) if (matches(org.states[j]!)) return true
  return false
}

const read = async (org: Org, random: () => number) => {
  const lo = org.acked
  const kind = random()
  let answer: Answer
  let check: (a: Answer) => ((s: State) => boolean) | string
  if (kind < 0.4) {
    answer = await call(system.proxy.url, keys.admin.key, "GET", `/api/organizations/${org.id}`)
    check = (a) => {
      if (a.status !== 200) return `status ${a.status} ${a.text.slice(0, 200)}`
      const description = (a.json as { description?: unknown }).description
      return (s) => description === `v${s.version}`
    }
  } else if (kind < 0.75) {
    answer = await call(system.proxy.url, keys.admin.key, "GET", `/api/organizations/${org.id}/users?page_size=100`)
    check = (a) => {
      if (a.status !== 200) return `status ${a.status} ${a.text.slice(0, 200)}`
      const seen: Members = new Map(
        (a.json as ReadonlyArray<{ id: string; organizationRoles: ReadonlyArray<{ id: string }> }>).map((u) => [
          u.id,
          new Set(u.organizationRoles.map((r) => r.id))
        ])
      )
      return (s) => sameMembers(seen, s.members)
    }
  } else {
    const current = [...org.states[org.states.length - 1]!.members.keys()]
    const user =
      current.length > 0 && random() < 0.8
        ? current[Math.floor(random() * current.length)]!
        : users[Math.floor(random() * users.length)]!
    answer = await call(system.proxy.url, keys.admin.key, "GET", `/api/organizations/${org.id}/users/${user}/roles`)
    check = (a) => {
      // Logto answers 422 `organization.require_membership` for a user who is not a member.
      if (a.status === 422 && (a.json as { code?: string }).code === "organization.require_membership")
        return (s) => !s.members.has(user)
      if (a.status !== 200) return `status ${a.status} ${a.text.slice(0, 200)}`
      const roles = new Set((a.json as ReadonlyArray<{ id: string }>).map((r) => r.id))
      return (s) => {
        const expected = s.members.get(user)
        return expected !== undefined && expected.size === roles.size && [...roles].every((r) => expected.has(r))
      }
    }
  }
  const hi = org.states.length - 1
  counts.reads++
  if (answer.headers.get("x-cache") === "HIT") counts.hits++
  const verdict = check(answer)
  if (typeof verdict === "string") {
    counts.errors++
    return `read ${org.id}: ${verdict}`
  }
  if (!fits(org, lo, hi, verdict)) {
    counts.stale++
    return `stale read of ${org.id} (acked ${lo}, started ${hi}): ${answer.text.slice(0, 300)}`
  }
  return undefined
}

const write = async (org: Org, random: () => number, n: number) => {
  org.busy = true
  const before = org.states[org.states.length - 1]!
  const members = new Map([...before.members].map(([u, r]) => [u, new Set(r)]))
  const outside = users.filter((u) => !members.has(u))
  const inside = [...members.keys()]
  const pick = random()
  const requestId = `load-${seed}-${n}`
  let op: { operationId: string; method: string; path: string; body?: unknown; expected: number }
  let version = before.version
  if (pick < 0.3 || (inside.length === 0 && outside.length === 0)) {
    version++
    op = {
      operationId: "UpdateOrganization",
      method: "PATCH",
      path: `/api/organizations/${org.id}`,
      body: { description: `v${version}` },
      expected: 200
    }
  } else if ((pick < 0.6 && outside.length > 0) || inside.length === 0) {
    const user = outside[Math.floor(random() * outside.length)]!
    members.set(user, new Set())
    op = {
      operationId: "AddOrganizationUsers",
      method: "POST",
      path: `/api/organizations/${org.id}/users`,
      body: { userIds: [user] },
      expected: 201
    }
  } else if (pick < 0.75 || inside.length > userCount / 2) {
    const user = inside[Math.floor(random() * inside.length)]!
    members.delete(user)
    op = {
      operationId: "DeleteOrganizationUser",
      method: "DELETE",
      path: `/api/organizations/${org.id}/users/${user}`,
      expected: 204
    }
  } else {
    const user = inside[Math.floor(random() * inside.length)]!
    const role = userRoles[Math.floor(random() * userRoles.length)]!
    members.get(user)!.add(role)
    op = {
      operationId: "AssignOrganizationRolesToUser",
      method: "POST",
      path: `/api/organizations/${org.id}/users/${user}/roles`,
      body: { organizationRoleIds: [role] },
      expected: 201
    }
  }
  const record: Write = { requestId, ...op, status: 0 }
  writes.push(record)
  org.states.push({ version, members })
  const answer = await call(system.proxy.url, keys.admin.key, op.method, op.path, op.body, {
    "x-request-id": requestId
  })
  record.status = answer.status
  org.acked = org.states.length - 1
  org.busy = false
  counts.writes++
  if (answer.status !== op.expected) {
    counts.errors++
    return `write ${op.method} ${op.path} ${JSON.stringify(op.body)}: ${answer.status} ${answer.text.slice(0, 200)}`
  }
  return undefined
}

beforeAll(async () => {
  system = await startSystem({ organizations: organizationCount, users: userCount })
})

afterAll(async () => {
  const summary = [
    `load: ${counts.tried} tried, ${counts.passed} passed, ${counts.failed} failed`,
    `${counts.passed} passed, ${counts.failed} failed`,
    `load: ${full ? "full" : "short"} run, seed ${seed}, ${workers} workers, ${seconds.toFixed(1)} s, ${counts.reads} reads (${counts.hits} cache hits), ${counts.writes} writes, ${counts.errors} errors, ${counts.stale} stale reads, proxy error log lines: ${system?.errorLines.length ?? "?"}`,
    `load: audit: ${auditSummary || "not checked"}`
  ].join("\n")
  console.log(summary)
  await system?.close()
})

describe(`load (${full ? "full" : "short"} run)`, () => {
  it(
    `serves ${operations} concurrent mixed reads and writes with no error and no read older than an acknowledged write`,
    async () => {
      const pickOrg = zipf(orgs.length, 1.1, Fixtures.seededRandom(seed))
      let next = 0
      const started = performance.now()
      const worker = async (w: number) => {
        const random = Fixtures.seededRandom(seed * 31 + w)
        while (next < operations) {
          const n = next++
          const org = orgs[pickOrg()]!
          const problem = random() < writeShare && !org.busy ? await write(org, random, n) : await read(org, random)
          counts.tried++
          if (problem === undefined) counts.passed++
          else {
            counts.failed++
            fail(problem)
          }
        }
      }
      await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
      seconds = (performance.now() - started) / 1000
      expect(failures).toEqual([])
      expect(counts.tried).toBe(operations)
      expect(system.errorLines).toEqual([])
    },
    hangGuardMs
  )

  it("audits every write exactly once, forwards each exactly once, and the chain verifies", async () => {
    const events = await eventually(
      () => auditEvents(system.proxy.url, "kind=write"),
      (es) => es.length >= writes.length && es.every((e) => e.outcome === "completed")
    )
    const byRequest = new Map<string, Array<(typeof events)[number]>>()
    for (const e of events) byRequest.set(e.requestId ?? "", [...(byRequest.get(e.requestId ?? "") ?? []), e])
    const problems: Array<string> = []
    for (const w of writes) {
      const found = byRequest.get(w.requestId) ?? []
      if (found.length !== 1) problems.push(`${w.requestId} ${w.method} ${w.path}: ${found.length} events`)
      else {
        const e = found[0]!
        if (e.operationId !== w.operationId || e.status !== w.status || e.outcome !== "completed")
          problems.push(
            `${w.requestId}: event ${e.operationId} ${e.status} ${e.outcome}, write ${w.operationId} ${w.status}`
          )
      }
    }
    if (events.length !== writes.length) problems.push(`${events.length} write events for ${writes.length} writes`)
    const forwarded = (await fakeWrites(system.fake.url)).map((r) => `${r.method} ${r.path}`).sort()
    const sent = writes.map((w) => `${w.method} ${w.path}`).sort()
    if (JSON.stringify(forwarded) !== JSON.stringify(sent))
      problems.push(`the fake saw ${forwarded.length} writes, ${sent.length} were sent (the multisets differ)`)
    const verify = await auditVerify(system.proxy.url)
    if (!verify.ok) problems.push(`verify: ${JSON.stringify(verify)}`)
    auditSummary = `${writes.length} writes, ${events.length} write events, ${forwarded.length} writes in the fake's log, verify ${verify.ok ? "ok" : "FAILED"} (${verify.entries} entries), ${problems.length} problems`
    counts.tried++
    if (problems.length === 0) counts.passed++
    else counts.failed++
    expect(problems.slice(0, 30)).toEqual([])
  })
})
