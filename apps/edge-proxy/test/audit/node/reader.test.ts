/**
 * The reader's own checks in `verify` (what `/audit/verify` adds to the chain's): each column of an
 * index row against the entry it indexes, the chain's own columns, the head record, outcomes the
 * index promises; then its paging of the chain and the checkpoints past one page, and the page size.
 * Over a real store (a SQLite file), tampered through a second connection.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { generateKeyPair, loadSigningKey } from "../../../src/audit/keys.ts"
import { localSqlDriver, type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { makeReader } from "../../../src/audit/reader.ts"
import { AuditInputError, maxPageSize } from "../../../src/audit/store.ts"
import { denial, intent, outcome } from "../support/fixtures.ts"

const t0 = 1_767_225_600_000
let dir: string
let store: NodeAuditStore
let clock: number

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-reader-"))
  clock = t0
  store = openNodeAuditStore({
    path: join(dir, "audit.sqlite"),
    now: () => clock,
    redeliverEveryMs: 0,
    unrecordedAfterMs: 60_000,
    log: () => undefined
  })
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs statements on a second connection to the file. */
const tamper = (...statements: Array<[string, ...Array<string | number | null>]>) => {
  const db = new DatabaseSync(join(dir, "audit.sqlite"))
  try {
    for (const [text, ...params] of statements) db.prepare(text).run(...params)
  } finally {
    db.close()
  }
}

/**
 * A write with its outcome (entries 1, 2), a denial (3), a write still pending (4), and an
 * organization created (5, 6: filed under the id Logto gave it).
 */
const seed = async () => {
  const write = await store.accept(intent(t0 + 1, { requestId: "write" }))
  await store.complete(write.id, outcome(201, "some.code", 12))
  const denied = await store.deny(denial(t0 + 2, { requestId: "denied" }))
  const pending = await store.accept(intent(t0 + 3, { requestId: "pending" }))
  const created = await store.accept(
    intent(t0 + 4, {
      requestId: "created",
      operationId: "CreateOrganization",
      path: "/api/organizations",
      organizationId: null
    })
  )
  await store.complete(created.id, { ...outcome(201), createdId: "org-new" })
  return { write: write.id, denied: denied.id, pending: pending.id, created: created.id }
}

type Events = Awaited<ReturnType<typeof seed>>

describe("verify: each index row against its entries", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly event: keyof Events
    readonly set: string
    readonly value: string | number | null
    readonly entry: string
  }> = [
    { name: "its position", event: "write", set: "seq", value: 9, entry: "entry 1" },
    { name: "its kind", event: "write", set: "kind", value: "denial", entry: "entry 1" },
    { name: "its time", event: "write", set: "time_ms", value: t0 + 99, entry: "entry 1" },
    { name: "its actor", event: "write", set: "actor_id", value: "mallory", entry: "entry 1" },
    { name: "its operation", event: "write", set: "operation_id", value: "DeleteOrganization", entry: "entry 1" },
    { name: "its organization", event: "write", set: "organization_id", value: "org-evil", entry: "entry 1" },
    { name: "its request id", event: "write", set: "request_id", value: "other", entry: "entry 1" },
    { name: "an outcome before its intent", event: "write", set: "outcome_seq", value: 1, entry: "entry 1" },
    { name: "an outcome's status", event: "write", set: "status", value: 500, entry: "outcome entry 2" },
    {
      name: "an outcome's error code",
      event: "write",
      set: "error_code",
      value: "other.code",
      entry: "outcome entry 2"
    },
    { name: "an outcome's latency", event: "write", set: "latency_ms", value: 99, entry: "outcome entry 2" },
    { name: "another outcome entry", event: "write", set: "outcome_seq", value: 6, entry: "outcome entry 2" },
    { name: "a denial's position of its outcome", event: "denied", set: "outcome_seq", value: null, entry: "entry 3" },
    { name: "a denial's status", event: "denied", set: "status", value: 403, entry: "entry 3" },
    { name: "a denial's error code", event: "denied", set: "error_code", value: "other.code", entry: "entry 3" },
    { name: "a denial's latency", event: "denied", set: "latency_ms", value: 99, entry: "entry 3" },
    { name: "a pending write's status", event: "pending", set: "status", value: 201, entry: "entry 4" },
    { name: "a pending write's error code", event: "pending", set: "error_code", value: "x", entry: "entry 4" },
    { name: "a pending write's latency", event: "pending", set: "latency_ms", value: 1, entry: "entry 4" },
    {
      name: "a created organization's id",
      event: "created",
      set: "organization_id",
      value: "org-evil",
      entry: "outcome entry 6"
    }
  ]
  for (const c of cases) {
    it(`names the event whose index row has another ${c.name}`, async () => {
      const events = await seed()
      expect(await store.verify()).toMatchObject({ ok: true, events: 4, entries: 6 })
      tamper([`UPDATE audit_events SET ${c.set} = ? WHERE event_id = ?`, c.value, events[c.event]])
      expect(await store.verify()).toMatchObject({
        ok: false,
        firstBadEventId: events[c.event],
        reason: `the index row of event ${events[c.event]} differs from its ${c.entry}`
      })
    })
  }

  it("names a write whose index row gives it an organization before its outcome said so", async () => {
    const events = await seed()
    tamper([
      `UPDATE audit_events SET organization_id = 'org-evil', outcome_seq = NULL, status = NULL, error_code = NULL,
        latency_ms = NULL WHERE event_id = ?`,
      events.created
    ])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: events.created,
      reason: `the index row of event ${events.created} differs from its entry 5`
    })
  })

  it("names a write whose index row points at an outcome entry the chain does not hold", async () => {
    const events = await seed()
    tamper(["UPDATE audit_events SET outcome_seq = 99 WHERE event_id = ?", events.pending])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: events.pending,
      reason: `the index row of event ${events.pending} points at outcome entry 99, which is not in the chain`
    })
  })

  for (const [column, value] of [
    ["type", "denial"],
    ["id", "another-id"],
    ["event_id", "another-event"]
  ] as const) {
    it(`names an entry whose ${column} column differs from what it holds`, async () => {
      const events = await seed()
      tamper([`UPDATE audit_chain SET ${column} = ? WHERE seq = 1`, value])
      expect(await store.verify()).toMatchObject({
        ok: false,
        firstBadEventId: events.write,
        reason: "entry 1: its columns differ from the entry"
      })
    })
  }
})

describe("verify: the head record", () => {
  it("names the last event when the head record is gone, and accepts an empty store without one", async () => {
    expect(await store.verify()).toMatchObject({ ok: true, events: 0 })
    const events = await seed()
    tamper(["DELETE FROM audit_meta WHERE key = 'head'"])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: events.created,
      reason: "the chain head record is missing"
    })
  })

  it("names the last event when the head record holds another hash, or an earlier entry", async () => {
    const events = await seed()
    const head = (await store.verify()).head!
    const [last] = await collect(store.chain(5))
    const record = { seq: head.seq, id: JSON.parse(last!.entry).id as string, hash: head.hash }
    tamper(["UPDATE audit_meta SET value = ? WHERE key = 'head'", JSON.stringify({ ...record, hash: "f".repeat(64) })])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: events.created,
      reason: "the last entry 6 differs from the chain head"
    })
    tamper(["UPDATE audit_meta SET value = ? WHERE key = 'head'", JSON.stringify({ ...record, id: events.write })])
    expect((await store.verify()).reason).toBe("the last entry 6 differs from the chain head")
    tamper(["UPDATE audit_meta SET value = ? WHERE key = 'head'", JSON.stringify({ ...record, seq: 5 })])
    expect((await store.verify()).reason).toBe("the last entry 6 differs from the chain head")
    tamper(["UPDATE audit_meta SET value = ? WHERE key = 'head'", JSON.stringify({ ...record, seq: 8, id: null })])
    expect((await store.verify()).reason).toBe("the last entry 6 differs from the chain head")
  })

  it("names the event the head record points at when entries are gone from the end", async () => {
    const events = await seed()
    tamper(["DELETE FROM audit_chain WHERE seq > 4"])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: events.created,
      reason: "entries 5..6 are missing from the end of the chain"
    })
  })
})

describe("verify: what the index holds beside the chain", () => {
  it("names an event missing from the index", async () => {
    const events = await seed()
    tamper(["DELETE FROM audit_events WHERE event_id = ?", events.pending])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: events.pending,
      reason: `event ${events.pending} is missing from the index`
    })
  })

  it("names an index row without its chain entry", async () => {
    await seed()
    const forged = intent(t0 + 9)
    tamper([
      `INSERT INTO audit_events (event_id, seq, kind, time_ms, actor_id, operation_id, request_id)
       VALUES (?, 99, 'write', ?, 'x', 'DeleteOrganization', 'r')`,
      forged.id,
      forged.time
    ])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: forged.id,
      reason: `event ${forged.id} is in the index but not in the chain`
    })
  })

  it("names no event when an emptied chain's head record says otherwise", async () => {
    await seed()
    tamper(
      ["DELETE FROM audit_chain"],
      ["DELETE FROM audit_events"],
      ["UPDATE audit_meta SET value = ? WHERE key = 'head'", JSON.stringify({ seq: 0, id: null, hash: "f".repeat(64) })]
    )
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: "",
      reason: "the last entry 0 differs from the chain head"
    })
  })

  it("verifies without public keys when the reader is given none (signed: false)", async () => {
    await seed()
    const db = new DatabaseSync(join(dir, "audit.sqlite"))
    try {
      const reader = makeReader(localSqlDriver(db), { now: () => clock, unrecordedAfterMs: 60_000 })
      expect(await reader.verify()).toMatchObject({ ok: true, events: 4, signed: false, checkpoints: 0 })
    } finally {
      db.close()
    }
  })
})

describe("queries", () => {
  it("answers each event's fields and state, and filters by state around the grace period", async () => {
    const events = await seed()
    const unknown = await store.accept(intent(t0 + 5, { requestId: "unknown" }))
    await store.complete(unknown.id, { ...outcome(504, "proxy.upstream_timeout", 30_000), unknown: true })
    await store.accept(
      intent(t0 + 6, {
        requestId: "creating",
        operationId: "CreateOrganization",
        path: "/api/organizations",
        organizationId: null
      })
    )
    const hashes = new Map((await collect(store.chain())).map((e) => [e.seq, e.hash]))
    const byRequest = async () => new Map((await store.query({})).events.map((e) => [e.requestId, e]))
    const requests = async (outcome: "completed" | "pending" | "outcome_unrecorded") =>
      (await store.query({ outcome })).events.map((e) => e.requestId).toSorted()

    clock = t0 + 3 + 59_999 // the pending write is just inside the grace period
    const early = await byRequest()
    expect(early.get("write")).toMatchObject({
      id: events.write,
      status: 201,
      errorCode: "some.code",
      latencyMs: 12,
      outcome: "completed",
      outcomeHash: hashes.get(2)
    })
    expect(early.get("denied")).toMatchObject({ kind: "denial", status: 401, outcome: "completed", outcomeHash: null })
    expect(early.get("pending")).toMatchObject({
      status: null,
      errorCode: null,
      latencyMs: null,
      outcome: "pending",
      outcomeHash: null,
      organizationId: "org-acme"
    })
    expect(early.get("created")).toMatchObject({ organizationId: "org-new", outcome: "completed" })
    expect(early.get("creating")).toMatchObject({ organizationId: null, outcome: "pending" })
    expect(early.get("unknown")).toMatchObject({ status: 504, outcome: "unknown" })
    expect(await requests("completed")).toEqual(["created", "denied", "unknown", "write"])
    expect(await requests("pending")).toEqual(["creating", "pending"])
    expect(await requests("outcome_unrecorded")).toEqual([])

    clock = t0 + 3 + 60_000 // ...and now at its end
    expect((await byRequest()).get("pending")?.outcome).toBe("outcome_unrecorded")
    expect(await requests("pending")).toEqual(["creating"])
    expect(await requests("outcome_unrecorded")).toEqual(["pending"])
  })

  it("gives a next cursor only when more events match than the page holds, and says which sizes it takes", async () => {
    await seed()
    expect((await store.query({}, undefined, 4)).nextCursor).toBeUndefined()
    const first = await store.query({}, undefined, 3)
    expect(first.events).toHaveLength(3)
    expect((await store.query({}, first.nextCursor, 3)).events).toHaveLength(1)
    await expect(store.query({}, undefined, 0)).rejects.toThrow(`limit must be an integer from 1 to ${maxPageSize}.`)
  })
})

describe("paging", () => {
  it("walks, verifies and serves a chain and checkpoints longer than one page", async () => {
    await store.close()
    const key = await loadSigningKey((await generateKeyPair()).privatePem)
    store = openNodeAuditStore({
      path: ":memory:",
      now: () => clock,
      redeliverEveryMs: 0,
      heartbeatMs: 0,
      checkpointEvery: 1,
      signingKey: key,
      log: () => undefined
    })
    // 505 denials, one commit and one checkpoint each: more than a page (500) of entries, and of checkpoints.
    for (let i = 0; i < 505; i++) await store.deny(denial(t0 + i, { requestId: `d-${i}` }))
    const entries: Array<number> = []
    for await (const e of store.chain()) entries.push(e.seq)
    expect(entries).toEqual(Array.from({ length: 505 }, (_, i) => i + 1))
    const after: Array<number> = []
    for await (const e of store.chain(500)) after.push(e.seq)
    expect(after).toEqual([501, 502, 503, 504, 505])
    const checkpoints: Array<number> = []
    for await (const c of store.checkpoints()) checkpoints.push(c.checkpoint.n)
    expect(checkpoints).toEqual(Array.from({ length: 506 }, (_, i) => i + 1))
    const later: Array<number> = []
    for await (const c of store.checkpoints(503)) later.push(c.checkpoint.n)
    expect(later).toEqual([504, 505, 506])
    expect(await store.verify()).toMatchObject({ ok: true, events: 505, entries: 505, checkpoints: 506 })
    const exported: Array<string> = []
    for await (const e of store.export({})) exported.push(e.id)
    expect(new Set(exported).size).toBe(505)
  })

  it("takes a page size from 1 to the maximum and refuses any other", async () => {
    await seed()
    expect((await store.query({}, undefined, 1)).events).toHaveLength(1)
    expect((await store.query({}, undefined, maxPageSize)).events).toHaveLength(4)
    expect((await store.query({})).events).toHaveLength(4)
    for (const bad of [0, maxPageSize + 1, 1.5])
      await expect(store.query({}, undefined, bad)).rejects.toBeInstanceOf(AuditInputError)
  })
})

async function collect<A>(items: AsyncIterable<A>): Promise<Array<A>> {
  const out: Array<A> = []
  for await (const item of items) out.push(item)
  return out
}
