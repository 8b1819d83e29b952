import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test"
import { env } from "cloudflare:workers"
import { describe, expect, it } from "vitest"
import { auditLogName, workersAuditStore } from "../../../src/audit/workers/index.ts"
import { denial, intent, outcome } from "../support/fixtures.ts"

const store = () => workersAuditStore(env)
const stub = () => env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(auditLogName))
// Event times near the real clock: the store tells pending from outcome_unrecorded by it.
let clock = Date.now()

const fill = async (n: number) => {
  const ids: Array<string> = []
  for (let i = 0; i < n; i++) {
    clock += 10
    const { id } = await store().accept(intent(clock, { requestId: `req-${i}` }))
    await store().complete(id, outcome())
    ids.push(id)
  }
  return ids
}

describe("AuditLog durable object in front of D1", () => {
  it("has committed the intent to D1 when accept returns", async () => {
    const receipt = await store().accept(intent(clock))
    const rows = await env.AUDIT_DB.prepare("SELECT seq, type, event_id, hash FROM audit_chain").all()
    expect(rows.results).toEqual([{ seq: 1, type: "intent", event_id: receipt.id, hash: receipt.hash }])
    expect((await store().query({})).events[0]).toMatchObject({ id: receipt.id, outcome: "pending" })
  })

  it("records outcomes idempotently and denials in one entry", async () => {
    const { id } = await store().accept(intent(clock))
    expect(await Promise.all([store().complete(id, outcome(204)), store().complete(id, outcome(204))])).toEqual(
      expect.arrayContaining(["recorded", "duplicate"])
    )
    expect(await store().complete(intent(clock).id, outcome())).toBe("unknown")
    await store().deny(denial(clock + 1))
    const events = (await store().query({})).events
    expect(events.map((e) => [e.kind, e.status, e.outcome])).toEqual([
      ["denial", 401, "completed"],
      ["write", 204, "completed"]
    ])
    expect(await store().verify()).toMatchObject({ ok: true, events: 2, entries: 3 })
  })

  it("serialises concurrent appends into one gapless chain", async () => {
    const receipts = await Promise.all(Array.from({ length: 120 }, (_, i) => store().accept(intent(clock + i))))
    expect(new Set(receipts.map((r) => r.seq)).size).toBe(120)
    await Promise.all(receipts.map((r) => store().complete(r.id, outcome(201))))
    expect(await store().verify()).toMatchObject({ ok: true, events: 120, entries: 240 })
  })

  it("goes on from the head in D1 after the object is reset", async () => {
    await fill(2)
    await evictDurableObject(stub())
    const receipt = await store().accept(intent(clock + 100))
    expect(receipt.seq).toBe(5)
    expect(await store().verify()).toMatchObject({ ok: true, entries: 5 })
  })

  it("detects a changed entry, a changed index row and a deleted event in D1, naming each", async () => {
    const ids = await fill(4)
    await env.AUDIT_DB.prepare("UPDATE audit_events SET status = 500 WHERE event_id = ?").bind(ids[1]).run()
    expect(await store().verify()).toMatchObject({ ok: false, firstBadEventId: ids[1] })
    await env.AUDIT_DB.prepare("UPDATE audit_events SET status = 201 WHERE event_id = ?").bind(ids[1]).run()
    expect(await store().verify()).toMatchObject({ ok: true })
    await env.AUDIT_DB.prepare("UPDATE audit_chain SET entry = replace(entry, 'req-2', 'req-X') WHERE id = ?")
      .bind(ids[2])
      .run()
    expect(await store().verify()).toMatchObject({ ok: false, firstBadEventId: ids[2] })
    await env.AUDIT_DB.prepare("UPDATE audit_chain SET entry = replace(entry, 'req-X', 'req-2') WHERE id = ?")
      .bind(ids[2])
      .run()
    await env.AUDIT_DB.batch([
      env.AUDIT_DB.prepare("DELETE FROM audit_chain WHERE event_id = ?").bind(ids[0]),
      env.AUDIT_DB.prepare("DELETE FROM audit_events WHERE event_id = ?").bind(ids[0])
    ])
    expect(await store().verify()).toMatchObject({
      ok: false,
      firstBadEventId: ids[0],
      reason: expect.stringContaining("missing")
    })
  })

  it("keeps dead letters in its own storage and redelivers them from its alarm", async () => {
    const { id } = await store().accept(intent(clock))
    await store().deadLetter({ kind: "outcome", eventId: id, payload: outcome(201), error: "D1 timeout", attempts: 6 })
    const lost = denial(clock + 1)
    await store().deadLetter({ kind: "denial", eventId: lost.id, payload: lost, error: "D1 timeout", attempts: 6 })
    expect((await store().deadLetters()).map((l) => l.id)).toEqual([`${id}/outcome`, `${lost.id}/denial`])
    // In the object's SQLite storage, not in D1.
    const inStorage = await runInDurableObject(stub(), (_instance, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM audit_dead_letters").one()
    )
    expect(inStorage).toEqual({ n: 2 })
    expect(await env.AUDIT_DB.prepare("SELECT count(*) AS n FROM audit_dead_letters").first()).toEqual({ n: 0 })
    expect(await runInDurableObject(stub(), (_instance, state) => state.storage.getAlarm())).not.toBeNull()
    expect(await runDurableObjectAlarm(stub())).toBe(true)
    expect(await store().deadLetters()).toEqual([])
    expect((await store().deadLetters({ includeResolved: true })).map((l) => l.resolution)).toEqual([
      "recorded",
      "recorded"
    ])
    expect((await store().query({})).events.map((e) => [e.kind, e.status])).toEqual([
      ["denial", 401],
      ["write", 201]
    ])
  })
})
