/**
 * The audit trail across real proxy processes on one PostgreSQL (and the cache on one Redis):
 * concurrent writes through three replicas make one chain that verifies, with every acknowledged
 * write in it once and the audit API answering the same through any replica; a replica killed
 * mid-load loses no acknowledged write's event; Redis and PostgreSQL restarted mid-load leave no
 * stale read and no write that reached Logto without its audit record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auditUnavailableCode } from "../../src/audit/index.ts"
import { generateKeyPair } from "../../src/audit/keys.ts"
import type { AuditEvent } from "../../src/audit/event.ts"
import { admin, type Cluster, interleaved, o, seedOrganizations, startCluster } from "./support.ts"

let cluster: Cluster

beforeAll(async () => {
  // Signed checkpoints every 10 entries: each replica signs over the one chain.
  const { privatePem } = await generateKeyPair()
  const der = privatePem.replaceAll(/-----[^-]+-----|\s/g, "")
  cluster = await startCluster({
    replicas: 3,
    env: { ORGKIT_AUDIT_SIGNING_KEY: der, ORGKIT_AUDIT_CHECKPOINT_EVERY: "10" }
  })
})
afterAll(async () => {
  await cluster?.close()
})

/** Every event through replica `i`, page by page with its cursors. */
const events = async (i: number, query = ""): Promise<Array<AuditEvent>> => {
  const all: Array<AuditEvent> = []
  let cursor: string | undefined
  do {
    const url = `/audit/events?limit=200${query}${cursor === undefined ? "" : `&cursor=${cursor}`}`
    const response = await cluster.call(i)(url, admin())
    expect(response.status).toBe(200)
    const page = (await response.json()) as { events: Array<AuditEvent>; nextCursor?: string }
    all.push(...page.events)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return all
}

/** Resolves once `done()` holds (the load has got that far). */
const progress = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5))
}

const verify = async (i: number) => (await cluster.call(i)("/audit/verify", admin())).json()

/** The PATCHes of `orgs` that reached Logto. */
const forwardedPatches = (orgs: ReadonlyArray<string>) => {
  const paths = new Set(orgs.map(o))
  return cluster.fake.fake.requests().filter((r) => r.method === "PATCH" && paths.has(r.path))
}

/** The audited writes on `orgs` that were forwarded (not refused for want of the audit trail). */
const forwardedEvents = (all: ReadonlyArray<AuditEvent>, orgs: ReadonlyArray<string>) =>
  all.filter(
    (e) =>
      e.kind === "write" &&
      e.organizationId !== null &&
      orgs.includes(e.organizationId) &&
      !(e.status === 503 && e.errorCode === auditUnavailableCode)
  )

describe("three replicas on one PostgreSQL", () => {
  it("concurrent writes through all three make one chain that verifies, each acknowledged write in it once", async () => {
    const { orgs, list } = seedOrganizations(cluster, 6)
    const check = interleaved(cluster, { orgs, list, versions: 10, reads: 10, readers: 3 })
    await check.run()
    check.summary("one chain, three replicas")
    expect(check.failures).toEqual([])
    const all = await events(0)
    for (const write of check.writes) {
      const found = all.filter((e) => e.requestId === write.requestId)
      expect([write.requestId, found.length]).toEqual([write.requestId, 1])
    }
    expect(forwardedEvents(all, orgs)).toHaveLength(forwardedPatches(orgs).length)
    for (const replica of [0, 1, 2]) expect(await verify(replica)).toMatchObject({ ok: true, signed: true })
    const { checkpoints } = (await verify(0)) as { checkpoints: number }
    // A start checkpoint per replica, and more as the 120 entries came (a commit may cover more than 10).
    expect(checkpoints).toBeGreaterThan(3)
    // The same pages through any replica, and a cursor from one replica continues on another.
    const first = (await (await cluster.call(1)("/audit/events?limit=7", admin())).json()) as {
      events: Array<AuditEvent>
      nextCursor: string
    }
    const same = (await (await cluster.call(2)("/audit/events?limit=7", admin())).json()) as typeof first
    expect(same).toEqual(first)
    const next = (await (
      await cluster.call(0)(`/audit/events?limit=7&cursor=${first.nextCursor}`, admin())
    ).json()) as {
      events: Array<AuditEvent>
    }
    expect(next.events.map((e) => e.id)).toEqual(all.slice(7, 14).map((e) => e.id))
    // The NDJSON export and the verdict, byte for byte the same through any replica.
    const exported = async (i: number) =>
      (await cluster.call(i)(`/audit/events/export?organizationId=${orgs[0]}`, admin())).text()
    const lines = (await exported(0)).trim().split("\n")
    expect(lines).toHaveLength(10)
    expect(await exported(2)).toBe(await exported(0))
    expect(await verify(2)).toEqual(await verify(0))
  })

  it("a replica killed mid-load loses no acknowledged write's event, and comes back on the same chain", async () => {
    const { orgs, list } = seedOrganizations(cluster, 6)
    const check = interleaved(cluster, { orgs, list, versions: 12, reads: 0, readers: 0, pauseMs: 5 })
    const running = check.run()
    await progress(() => check.writes.length >= 20)
    await cluster.replicas[1]!.kill()
    await running
    check.summary("a replica SIGKILLed")
    // Only writes sent to the killed replica may have gone unanswered; the others were all answered.
    const acked = check.writes.filter((w) => w.status === 200)
    expect(acked.length).toBeGreaterThan(orgs.length * 6)
    expect(check.failures.every((f) => f.includes("via 1: 0"))).toBe(true)
    await cluster.replicas[1]!.start()
    const all = await events(1)
    for (const write of acked) {
      expect([write.requestId, all.filter((e) => e.requestId === write.requestId).length]).toEqual([write.requestId, 1])
    }
    // Every write that reached Logto has its event (the killed replica's last ones included).
    expect(forwardedEvents(all, orgs).length).toBeGreaterThanOrEqual(forwardedPatches(orgs).length)
    expect(await verify(1)).toMatchObject({ ok: true })
  })

  it("Redis and PostgreSQL restarted mid-load: no stale read, no write reaches Logto unaudited, one chain", async () => {
    const { orgs, list } = seedOrganizations(cluster, 3)
    const check = interleaved(cluster, {
      orgs,
      list,
      versions: 30,
      reads: 60,
      readers: 3,
      refusals: true,
      pauseMs: 10
    })
    const running = check.run()
    await progress(() => check.writes.length >= 15)
    await cluster.redis.restart(100)
    await progress(() => check.writes.length >= 40)
    await cluster.postgres.restart(100)
    await running
    check.summary("Redis and PostgreSQL restarted")
    expect(check.failures).toEqual([])
    expect(check.stale()).toEqual([])
    const acked = check.writes.filter((w) => w.status === 200)
    expect(acked.length).toBeGreaterThan(0)
    const all = await events(2)
    for (const write of acked) {
      expect([write.requestId, all.filter((e) => e.requestId === write.requestId).length]).toEqual([write.requestId, 1])
    }
    // Each PATCH Logto received is an audited write: none went through without its record.
    expect(forwardedEvents(all, orgs).length).toBeGreaterThanOrEqual(forwardedPatches(orgs).length)
    expect(await verify(0)).toMatchObject({ ok: true })
  })
})
