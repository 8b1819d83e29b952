/**
 * The tamper matrix of issue 15 in workerd: the AuditLog Durable Object signs the checkpoints
 * (`ORGKIT_AUDIT_SIGNING_KEY`, every 4 entries, a start checkpoint and the alarm's heartbeat), D1
 * holds the chain, and an insider edits D1 directly (`test/audit/support/tamper.ts`, the same cases
 * as on Node). The verdict is the store's `verify` (what `/audit/verify` answers).
 */
import { runDurableObjectAlarm } from "cloudflare:test"
import { env } from "cloudflare:workers"
import { describe, expect, it } from "vitest"
import { heartbeatMs, parseSignedCheckpoint } from "../../../src/audit/checkpoint.ts"
import { parsePublicKeys } from "../../../src/audit/keys.ts"
import { auditLogName, d1SqlDriver, workersAuditStore } from "../../../src/audit/workers/index.ts"
import { intent, outcome } from "../support/fixtures.ts"
import {
  checkpointBodies,
  eventAt,
  forgeCheckpoint,
  rewriteAndRehash,
  truncateAndRewriteHead
} from "../support/tamper.ts"

let clock = Date.now()
const store = (now: () => number = Date.now) => workersAuditStore(env, { now })
const db = () => d1SqlDriver(env.AUDIT_DB)

/** `n` writes with their outcomes: entries 1..2n. */
const fill = async (n: number) => {
  for (let i = 0; i < n; i++) {
    clock += 10
    const { id } = await store().accept(intent(clock, { requestId: `tamper-${i}` }))
    await store().complete(id, outcome())
  }
}

/** The first event of the checkpoint range holding entry `seq` (what verify names for a rewritten range). */
const rangeStartOf = async (seq: number) => {
  const covering = (await checkpointBodies(db())).find((b) => b.checkpoint.toSeq >= seq)!
  return { n: covering.checkpoint.n, eventId: await eventAt(db(), covering.checkpoint.fromSeq) }
}

describe("signed checkpoints in workerd", () => {
  it("signs a start checkpoint, one every 4 entries and a heartbeat from the alarm, verified with the public key", async () => {
    await fill(5)
    const stub = env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(auditLogName))
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const bodies = await checkpointBodies(db())
    expect(bodies.map((b) => [b.checkpoint.reason, b.checkpoint.toSeq])).toEqual([
      ["start", 0],
      ["events", 4],
      ["events", 8],
      ["heartbeat", 10]
    ])
    const [publicKey] = await parsePublicKeys(env.TEST_PUBLIC_KEY)
    expect(new Set(bodies.map((b) => b.checkpoint.keyId))).toEqual(new Set([publicKey!.keyId]))
    expect(bodies.every((b) => parseSignedCheckpoint(b) !== undefined)).toBe(true)
    expect(await store().verify()).toMatchObject({ ok: true, events: 5, entries: 10, signed: true, checkpoints: 4 })
  })
})

describe("tamper matrix (Durable Object + D1)", () => {
  it("catches a field edited in place, and an entry deleted in the middle", async () => {
    await fill(4)
    const victim = await eventAt(db(), 3)
    const [row] = await db().all<{ entry: string }>("SELECT entry FROM audit_chain WHERE seq = 3")
    await db().batch([
      { sql: "UPDATE audit_chain SET entry = ? WHERE seq = 3", params: [row!.entry.replace('"admin"', '"mallory"')] }
    ])
    expect(await store().verify()).toMatchObject({ ok: false, firstBadEventId: victim })
    const deleted = await eventAt(db(), 5)
    await db().batch([{ sql: "DELETE FROM audit_chain WHERE seq = 5", params: [] }])
    expect(await store().verify()).toMatchObject({ ok: false, firstBadEventId: victim })
    await db().batch([{ sql: "UPDATE audit_chain SET entry = ? WHERE seq = 3", params: [row!.entry] }])
    expect(await store().verify()).toMatchObject({
      ok: false,
      firstBadEventId: deleted,
      reason: expect.stringContaining("missing")
    })
  })

  it("catches two entries swapped, and the tail deleted", async () => {
    await fill(4)
    const [third, fourth] = await db().all<{ entry: string; hash: string }>(
      "SELECT entry, hash FROM audit_chain WHERE seq IN (3, 4) ORDER BY seq"
    )
    await db().batch([
      { sql: "UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = 3", params: [fourth!.entry, fourth!.hash] },
      { sql: "UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = 4", params: [third!.entry, third!.hash] }
    ])
    expect(await store().verify()).toMatchObject({ ok: false, reason: expect.stringContaining("entry 3") })
    await db().batch([
      { sql: "UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = 3", params: [third!.entry, third!.hash] },
      { sql: "UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = 4", params: [fourth!.entry, fourth!.hash] },
      { sql: "DELETE FROM audit_chain WHERE seq > 6", params: [] }
    ])
    expect((await store().verify()).ok).toBe(false)
  })

  it("catches one event rewritten and everything after it rehashed, head and index included", async () => {
    await fill(6)
    const expected = await rangeStartOf(7)
    const victim = await eventAt(db(), 7)
    await rewriteAndRehash(db(), 7, (entry) => {
      ;(entry["event"] as Record<string, unknown>)["actor"] = { id: "someone-else", name: "Someone else" }
    })
    await db().batch([
      { sql: "UPDATE audit_events SET actor_id = 'someone-else' WHERE event_id = ?", params: [victim] }
    ])
    const result = await store().verify()
    expect(result).toMatchObject({ ok: false, firstBadEventId: expected.eventId, checkpoint: expected.n })
    expect(result.reason).toContain("signed another hash")
  })

  it("catches the tail truncated and the head rewritten, given a later checkpoint, and by the heartbeat gap", async () => {
    await fill(6)
    const latest = (await checkpointBodies(db())).at(-1)!
    await truncateAndRewriteHead(db(), 6)
    expect((await store().verify()).ok).toBe(true)
    const withLog = await store().verify({ latest: parseSignedCheckpoint(latest) })
    expect(withLog).toMatchObject({ ok: false, reason: expect.stringContaining("truncated") })
    const later = await store(() => Date.now() + 3 * heartbeatMs).verify()
    expect(later).toMatchObject({ ok: false, reason: expect.stringContaining("later checkpoints were removed") })
  })

  it("catches a forged checkpoint and one signed by an unknown key", async () => {
    await fill(4)
    await forgeCheckpoint(db(), 2, (c) => {
      c["headHash"] = "f".repeat(64)
    })
    expect(await store().verify()).toMatchObject({
      ok: false,
      checkpoint: 2,
      reason: expect.stringContaining("bad signature")
    })
    await forgeCheckpoint(db(), 2, (c) => {
      c["keyId"] = "0123456789abcdef"
    })
    expect(await store().verify()).toMatchObject({
      ok: false,
      checkpoint: 2,
      reason: expect.stringContaining("none of the public keys")
    })
  })
})
