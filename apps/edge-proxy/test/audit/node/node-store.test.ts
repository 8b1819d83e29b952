import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { canonicalJson, sha256Hex } from "../../../src/audit/canonical.ts"
import { makeChainWriter } from "../../../src/audit/journal.ts"
import {
  defaultMigrationsDir,
  type NodeAuditStore,
  localSqlDriver,
  threadSqlDriver,
  openNodeAuditStore
} from "../../../src/audit/node/index.ts"
import { deadLetterSchema } from "../../../src/audit/sql.ts"
import { AuditInputError } from "../../../src/audit/store.ts"
import { denial, intent, outcome } from "../support/fixtures.ts"

let dir: string
let stores: Array<NodeAuditStore> = []
let clock = 1_767_225_600_000

const open = (name = "audit.sqlite", unrecordedAfterMs = 60_000) => {
  const store = openNodeAuditStore({ path: join(dir, name), now: () => clock, redeliverEveryMs: 0, unrecordedAfterMs })
  stores.push(store)
  return store
}

/** A second connection to the same file, for tampering behind the store's back. */
const raw = (name = "audit.sqlite") => new DatabaseSync(join(dir, name))

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-"))
  clock = 1_767_225_600_000
})
afterEach(async () => {
  for (const store of stores) await store.close()
  stores = []
  rmSync(dir, { recursive: true, force: true })
})

/** Fills a store with `n` completed writes and returns their ids. */
const fill = async (store: NodeAuditStore, n: number) => {
  const ids: Array<string> = []
  for (let i = 0; i < n; i++) {
    clock += 10
    const receipt = await store.accept(intent(clock, { requestId: `req-${i}` }))
    await store.complete(receipt.id, outcome())
    ids.push(receipt.id)
  }
  return ids
}

describe("node store", () => {
  it("creates the file in WAL mode and applies the migrations once", () => {
    open()
    const db = raw()
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" })
    const names = db
      .prepare("SELECT name FROM d1_migrations ORDER BY id")
      .all()
      .map((r) => r["name"])
    expect(names).toEqual(["0001_audit_chain.sql", "0002_audit_dead_letters.sql", "0003_audit_checkpoints.sql"])
    db.close()
    open() // re-open: nothing applied twice
    const again = raw()
    expect(again.prepare("SELECT count(*) AS n FROM d1_migrations").get()).toEqual({ n: 3 })
    again.close()
  })

  it("keeps the durable object's dead-letter table identical to the migration", () => {
    const migration = readFileSync(join(defaultMigrationsDir, "0002_audit_dead_letters.sql"), "utf8")
    const statements = migration
      .split("\n")
      .filter((l) => !l.startsWith("--"))
      .join("\n")
      .split(";")
      .map((s) => s.trim())
      .filter(Boolean)
    expect(statements).toEqual([...deadLetterSchema])
  })

  it("accepts an intent durably: another connection sees it before the outcome", async () => {
    const store = open()
    const receipt = await store.accept(intent(clock))
    expect(receipt.seq).toBe(1)
    expect(receipt.hash).toMatch(/^[0-9a-f]{64}$/)
    const db = raw()
    expect(db.prepare("SELECT type, event_id FROM audit_chain").all()).toEqual([
      { type: "intent", event_id: receipt.id }
    ])
    db.close()
    const page = await store.query({})
    expect(page.events[0]).toMatchObject({ id: receipt.id, kind: "write", outcome: "pending", status: null })
  })

  it("records the outcome once, however often it is delivered", async () => {
    const store = open()
    const { id } = await store.accept(intent(clock))
    expect(await store.complete(id, outcome(201))).toBe("recorded")
    expect(await store.complete(id, outcome(201))).toBe("duplicate")
    expect(await Promise.all([store.complete(id, outcome(201)), store.complete(id, outcome(201))])).toEqual([
      "duplicate",
      "duplicate"
    ])
    const [event] = (await store.query({})).events
    expect(event).toMatchObject({ status: 201, errorCode: null, latencyMs: 12, outcome: "completed" })
    expect(event!.outcomeHash).toMatch(/^[0-9a-f]{64}$/)
    const db = raw()
    expect(db.prepare("SELECT count(*) AS n FROM audit_chain").get()).toEqual({ n: 2 })
    db.close()
  })

  it("accepts the same intent twice as one event", async () => {
    const store = open()
    const input = intent(clock)
    const [a, b] = await Promise.all([store.accept(input), store.accept(input)])
    expect(a).toEqual(b)
    expect((await store.query({})).events).toHaveLength(1)
  })

  it("answers unknown for the outcome of an intent it never accepted, and records nothing", async () => {
    const store = open()
    expect(await store.complete(intent(clock).id, outcome())).toBe("unknown")
    expect((await store.query({})).events).toHaveLength(0)
  })

  it("treats an outcome for a denial as a duplicate: a denial is complete in one entry", async () => {
    const store = open()
    const input = denial(clock)
    await store.deny(input)
    expect(await store.complete(input.id, outcome(201))).toBe("duplicate")
    const [event] = (await store.query({})).events
    expect(event).toMatchObject({
      kind: "denial",
      actor: "anonymous",
      status: 401,
      outcome: "completed",
      outcomeHash: null
    })
  })

  it("refuses malformed input", async () => {
    const store = open()
    await expect(store.accept({ ...intent(clock), id: "not-a-uuid" })).rejects.toBeInstanceOf(AuditInputError)
    await expect(store.accept({ ...intent(clock), extra: 1 } as never)).rejects.toBeInstanceOf(AuditInputError)
    const { id } = await store.accept(intent(clock))
    await expect(store.complete(id, { status: 99, errorCode: null, latencyMs: 0 })).rejects.toBeInstanceOf(
      AuditInputError
    )
    await expect(store.query({}, "bogus")).rejects.toBeInstanceOf(AuditInputError)
    await expect(store.query({}, undefined, 0)).rejects.toBeInstanceOf(AuditInputError)
  })

  it("shows a write whose outcome never came as outcome_unrecorded after the grace period", async () => {
    const store = open("audit.sqlite", 60_000)
    const { id } = await store.accept(intent(clock))
    expect((await store.query({})).events[0]!.outcome).toBe("pending")
    clock += 60_000
    expect((await store.query({})).events[0]!.outcome).toBe("outcome_unrecorded")
    expect((await store.query({ outcome: "outcome_unrecorded" })).events.map((e) => e.id)).toEqual([id])
    expect((await store.query({ outcome: "pending" })).events).toEqual([])
    await store.complete(id, outcome(204))
    expect((await store.query({})).events[0]!.outcome).toBe("completed")
  })

  it("files a created organization under the id Logto gave it, and verifies the index against the outcome", async () => {
    const store = open()
    const input = intent(clock, {
      operationId: "CreateOrganization",
      path: "/api/organizations",
      organizationId: null,
      targets: {}
    })
    await store.accept(input)
    expect((await store.query({ organizationId: "org-created" })).events).toEqual([])
    await store.complete(input.id, { ...outcome(201), createdId: "org-created" })
    const events = (await store.query({ organizationId: "org-created" })).events
    expect(events.map((e) => [e.id, e.organizationId, e.operationId])).toEqual([
      [input.id, "org-created", "CreateOrganization"]
    ])
    expect(await store.verify()).toMatchObject({ ok: true })
    const db = raw()
    db.prepare("UPDATE audit_events SET organization_id = 'org-other' WHERE event_id = ?").run(input.id)
    db.close()
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: input.id })
  })

  it("survives a restart: the chain goes on from the stored head", async () => {
    const first = open()
    await fill(first, 3)
    await first.close()
    const second = open()
    const receipt = await second.accept(intent(clock + 1))
    expect(receipt.seq).toBe(7)
    expect(await second.verify()).toMatchObject({ ok: true, events: 4, entries: 7 })
  })

  it("groups concurrent appends into few commits and keeps the chain intact", async () => {
    const store = open()
    const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => store.accept(intent(clock + i))))
    expect(new Set(receipts.map((r) => r.seq)).size).toBe(200)
    await Promise.all(receipts.map((r) => store.complete(r.id, outcome(204))))
    expect(await store.verify()).toMatchObject({ ok: true, events: 200, entries: 400 })
  })
})

describe("chain writer", () => {
  it("commits concurrent appends in groups, each caller waiting for one batch", async () => {
    open() // migrates the file
    const db = raw()
    const driver = localSqlDriver(db)
    let batches = 0
    const writer = makeChainWriter(
      { all: driver.all, batch: (statements) => (batches++, driver.batch(statements)) },
      { now: () => clock, maxBatch: 32 }
    )
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => writer.intent(intent(clock + i))))
    expect(results.map((r) => r.receipt.seq).toSorted((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1)
    )
    // The first append commits alone; the other 199 queue behind it and go in batches of at most 32.
    expect(batches).toBe(1 + Math.ceil(199 / 32))
    db.close()
  })

  it("fails every append of a batch whose commit failed, and recovers the head afterwards", async () => {
    const store = open()
    await fill(store, 2)
    const db = raw()
    const driver = localSqlDriver(db)
    let fail = true
    const writer = makeChainWriter(
      {
        all: driver.all,
        batch: (statements) => (fail ? Promise.reject(new Error("disk I/O error")) : driver.batch(statements))
      },
      { now: () => clock }
    )
    const failed = await Promise.allSettled([writer.intent(intent(clock + 1)), writer.intent(intent(clock + 2))])
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"])
    fail = false
    expect((await writer.intent(intent(clock + 3))).receipt.seq).toBe(5)
    db.close()
    expect(await store.verify()).toMatchObject({ ok: true, entries: 5 })
  })
})

describe("hash chain", () => {
  it("hashes the canonical JSON of each entry, linking each to the one before", async () => {
    const store = open()
    await fill(store, 2)
    const entries = []
    for await (const raw of store.chain()) entries.push(raw)
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4])
    let prevHash = "0".repeat(64)
    for (const e of entries) {
      const parsed = JSON.parse(e.entry) as { prevHash: string }
      expect(canonicalJson(parsed)).toBe(e.entry)
      expect(await sha256Hex(e.entry)).toBe(e.hash)
      expect(parsed.prevHash).toBe(prevHash)
      prevHash = e.hash
    }
    expect(await store.verify()).toEqual({
      ok: true,
      events: 2,
      entries: 4,
      head: { seq: 4, hash: prevHash },
      signed: false,
      checkpoints: 0
    })
  })

  it("names an event whose entry was changed", async () => {
    const store = open()
    const ids = await fill(store, 5)
    const db = raw()
    const row = db.prepare("SELECT seq, entry FROM audit_chain WHERE id = ?").get(ids[2]!) as {
      seq: number
      entry: string
    }
    db.prepare("UPDATE audit_chain SET entry = ? WHERE seq = ?").run(row.entry.replace("user-1", "user-9"), row.seq)
    db.close()
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: ids[2],
      reason: expect.stringContaining("hash")
    })
  })

  it("names an event whose entry was changed and rehashed", async () => {
    const store = open()
    const ids = await fill(store, 5)
    const db = raw()
    const row = db.prepare("SELECT seq, entry FROM audit_chain WHERE id = ?").get(`${ids[1]!}/outcome`) as {
      seq: number
      entry: string
    }
    const forged = row.entry.replace('"status":201', '"status":200')
    db.prepare("UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = ?").run(forged, await sha256Hex(forged), row.seq)
    db.prepare("UPDATE audit_events SET status = 200 WHERE event_id = ?").run(ids[1]!)
    db.close()
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: ids[1],
      reason: expect.stringContaining("changed")
    })
  })

  it("names an event whose index row was changed (a status rewritten)", async () => {
    const store = open()
    const ids = await fill(store, 4)
    const db = raw()
    db.prepare("UPDATE audit_events SET status = 500 WHERE event_id = ?").run(ids[3]!)
    db.close()
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: ids[3] })
  })

  it("names an event that was deleted from the middle of the chain", async () => {
    const store = open()
    const ids = await fill(store, 5)
    const db = raw()
    db.prepare("DELETE FROM audit_chain WHERE id = ?").run(ids[2]!)
    db.prepare("DELETE FROM audit_events WHERE event_id = ?").run(ids[2]!)
    db.close()
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: ids[2],
      reason: expect.stringContaining("missing")
    })
  })

  it("names an event whose outcome entry was deleted", async () => {
    const store = open()
    const ids = await fill(store, 3)
    const db = raw()
    db.prepare("DELETE FROM audit_chain WHERE id = ?").run(`${ids[0]!}/outcome`)
    db.close()
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: ids[0] })
  })

  it("names the last event when it is deleted from the end of the chain", async () => {
    const store = open()
    const ids = await fill(store, 3)
    const db = raw()
    db.prepare("DELETE FROM audit_chain WHERE event_id = ?").run(ids[2]!)
    db.prepare("DELETE FROM audit_events WHERE event_id = ?").run(ids[2]!)
    db.close()
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: ids[2],
      reason: expect.stringContaining("end")
    })
  })

  it("names an event removed only from the index", async () => {
    const store = open()
    const ids = await fill(store, 3)
    const db = raw()
    db.prepare("DELETE FROM audit_events WHERE event_id = ?").run(ids[1]!)
    db.close()
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: ids[1] })
  })

  it("names an event inserted into the index without a chain entry", async () => {
    const store = open()
    await fill(store, 2)
    const forged = intent(clock + 5)
    const db = raw()
    db.prepare(
      "INSERT INTO audit_events (event_id, seq, kind, time_ms, actor_id, operation_id, request_id) VALUES (?, 99, 'write', ?, 'x', 'DeleteOrganization', 'r')"
    ).run(forged.id, forged.time)
    db.close()
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: forged.id })
  })

  it("keeps appending after tampering so the evidence stays: the gap is still named", async () => {
    const store = open()
    const ids = await fill(store, 3)
    const db = raw()
    db.prepare("DELETE FROM audit_chain WHERE event_id = ?").run(ids[2]!)
    db.prepare("DELETE FROM audit_events WHERE event_id = ?").run(ids[2]!)
    db.close()
    await fill(store, 1)
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: ids[2] })
  })
})

describe("queries", () => {
  const seed = async (store: NodeAuditStore) => {
    const base = clock
    const add = async (offset: number, overrides: Parameters<typeof intent>[1], status: number | undefined) => {
      const input = intent(base + offset, overrides)
      await store.accept(input)
      if (status !== undefined)
        await store.complete(input.id, outcome(status, status >= 400 ? "entity.not_found" : null))
      return input.id
    }
    const a = await add(1_000, { organizationId: "org-acme" }, 201)
    const b = await add(2_000, { organizationId: "org-globex", actor: { id: "writer", name: "Billing" } }, 404)
    const c = await add(3_000, { organizationId: "org-acme", operationId: "DeleteOrganization", method: "DELETE" }, 204)
    const d = (await store.deny(denial(base + 4_000, { organizationId: "org-acme" }))).id
    return { a, b, c, d, base }
  }

  it("filters by organization, actor, operation, status, kind and time, newest first", async () => {
    const store = open()
    const { a, b, c, d, base } = await seed(store)
    const ids = async (filters: Parameters<NodeAuditStore["query"]>[0]) =>
      (await store.query(filters)).events.map((e) => e.id)
    expect(await ids({})).toEqual([d, c, b, a])
    expect(await ids({ organizationId: "org-acme" })).toEqual([d, c, a])
    expect(await ids({ organizationIds: ["org-globex"] })).toEqual([b])
    expect(await ids({ actorId: "writer" })).toEqual([b])
    expect(await ids({ actorId: "anonymous" })).toEqual([d])
    expect(await ids({ operationId: "DeleteOrganization" })).toEqual([c])
    expect(await ids({ status: 404 })).toEqual([b])
    expect(await ids({ kind: "denial" })).toEqual([d])
    expect(await ids({ from: base + 2_000, to: base + 4_000 })).toEqual([c, b])
    expect(await ids({ organizationId: "org-acme", status: 201 })).toEqual([a])
  })

  it("pages with a cursor until every event was seen once", async () => {
    const store = open()
    const ids = await fill(store, 23)
    const seen: Array<string> = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await store.query({}, cursor, 5)
      seen.push(...page.events.map((e) => e.id))
      cursor = page.nextCursor
      pages++
    } while (cursor !== undefined)
    expect(pages).toBe(5)
    expect(seen).toEqual([...ids].reverse())
  })

  it("exports every matching event, across pages", async () => {
    const store = open()
    const ids = await fill(store, 520)
    const exported = []
    for await (const event of store.export({})) exported.push(event.id)
    expect(exported).toEqual([...ids].reverse())
  })
})

describe("dead letters", () => {
  it("keeps failed deliveries queryable and redelivers them idempotently", async () => {
    const store = open()
    const { id } = await store.accept(intent(clock))
    const lost = denial(clock + 1)
    await store.deadLetter({ kind: "outcome", eventId: id, payload: outcome(201), error: "boom", attempts: 6 })
    await store.deadLetter({ kind: "outcome", eventId: id, payload: outcome(201), error: "boom again", attempts: 6 })
    await store.deadLetter({ kind: "denial", eventId: lost.id, payload: lost, error: "boom", attempts: 6 })
    const open1 = await store.deadLetters()
    expect(open1.map((l) => [l.id, l.attempts, l.error, l.resolvedAt])).toEqual([
      [`${id}/outcome`, 12, "boom again", null],
      [`${lost.id}/denial`, 6, "boom", null]
    ])
    expect(await store.redeliver()).toEqual({ attempted: 2, recorded: 2, duplicate: 0, unknown: 0, failed: 0 })
    expect(await store.deadLetters()).toEqual([])
    const all = await store.deadLetters({ includeResolved: true })
    expect(all.map((l) => l.resolution)).toEqual(["recorded", "recorded"])
    // Delivered again (the outcome had in fact arrived): nothing doubles.
    await store.deadLetter({ kind: "outcome", eventId: id, payload: outcome(201), error: "late", attempts: 1 })
    expect(await store.redeliver()).toEqual({ attempted: 1, recorded: 0, duplicate: 1, unknown: 0, failed: 0 })
    const events = (await store.query({})).events
    expect(events.map((e) => [e.kind, e.status, e.outcome])).toEqual([
      ["denial", 401, "completed"],
      ["write", 201, "completed"]
    ])
    expect(await store.verify()).toMatchObject({ ok: true, events: 2, entries: 3 })
  })
})

describe("the SQLite thread", () => {
  it("fails the statements in flight when the thread dies, and serves the next ones from a new thread", async () => {
    const path = join(dir, "thread.sqlite")
    open("thread.sqlite") // migrates the file
    const driver = threadSqlDriver(path, 1000)
    try {
      const first = driver.thread()
      expect(await driver.all("SELECT count(*) AS n FROM audit_chain")).toEqual([{ n: 0 }])
      const inFlight = driver.all("SELECT count(*) AS n FROM audit_chain")
      await first.terminate()
      await expect(inFlight).rejects.toThrow(/SQLite thread/)
      expect(await driver.all("SELECT count(*) AS n FROM audit_chain")).toEqual([{ n: 0 }])
      expect(driver.thread()).not.toBe(first)
    } finally {
      await driver.close()
    }
    await expect(driver.all("SELECT 1")).rejects.toThrow("closed")
  })
})
