/**
 * Signed checkpoints on the Node store (SQLite), and the tamper matrix of issue 15: each attack an
 * insider with write access to the file can make, caught by `verify` (the one module behind
 * `/audit/verify` and `orgkit audit verify`). Heartbeats are driven by hand (`heartbeatMs: 0`) on
 * a manual clock.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { heartbeatMs } from "../../../src/audit/checkpoint.ts"
import { generateKeyPair, loadSigningKey, type SigningKey } from "../../../src/audit/keys.ts"
import { localSqlDriver, type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { intent, outcome } from "../support/fixtures.ts"
import {
  checkpointBodies,
  eventAt,
  forgeCheckpoint,
  rewriteAndRehash,
  truncateAndRewriteHead
} from "../support/tamper.ts"

let dir: string
let clock: number
let keyA: SigningKey
let keyB: SigningKey
const stores: Array<NodeAuditStore> = []
const lines: Array<Record<string, unknown>> = []

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-checkpoints-"))
  clock = 1_767_225_600_000
  lines.length = 0
  keyA = await loadSigningKey((await generateKeyPair()).privatePem)
  keyB = await loadSigningKey((await generateKeyPair()).privatePem)
})
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const open = (signingKey: SigningKey | undefined, publicKeys: ReadonlyArray<SigningKey> = []) => {
  const store = openNodeAuditStore({
    path: join(dir, "audit.sqlite"),
    now: () => clock,
    redeliverEveryMs: 0,
    heartbeatMs: 0,
    checkpointEvery: 4,
    signingKey,
    publicKeys: publicKeys.map((k) => k.publicKey),
    log: (line) => void lines.push({ ...line })
  })
  stores.push(store)
  return store
}

const raw = () => localSqlDriver(new DatabaseSync(join(dir, "audit.sqlite")))

/** `n` writes with their outcomes (2n entries), one second apart. */
const fill = async (store: NodeAuditStore, n: number) => {
  for (let i = 0; i < n; i++) {
    clock += 1000
    const receipt = await store.accept(intent(clock, { requestId: `req-${i}` }))
    await store.complete(receipt.id, outcome())
  }
}

describe("signed checkpoints", () => {
  it("signs a start checkpoint, one every N entries and a heartbeat with no events, each also a log line", async () => {
    const store = open(keyA) // signs the start checkpoint as it opens
    await fill(store, 5)
    clock += 30_000
    const beat = await store.heartbeat()
    const beatAgain = await store.heartbeat()
    const bodies = await checkpointBodies(raw())
    expect(bodies.map((b) => [b.checkpoint.n, b.checkpoint.reason, b.checkpoint.toSeq])).toEqual([
      [1, "start", 0],
      [2, "events", 4],
      [3, "events", 8],
      [4, "heartbeat", 10],
      [5, "heartbeat", 10]
    ])
    expect(beat?.checkpoint).toMatchObject({ n: 4, fromSeq: 9, toSeq: 10, keyId: keyA.keyId })
    expect(beatAgain?.checkpoint).toMatchObject({ n: 5, fromSeq: 11, toSeq: 10 })
    const witnessed = lines.filter((l) => l["msg"] === "audit checkpoint")
    expect(witnessed.map((l) => (l["checkpoint"] as { n: number }).n)).toEqual([1, 2, 3, 4, 5])
    expect(await store.verify()).toMatchObject({ ok: true, events: 5, entries: 10, signed: true, checkpoints: 5 })
    expect((await store.publicKeys()).map((k) => k.keyId)).toEqual([keyA.keyId])
  })

  it("signs heartbeats from its own timer while it runs, with no events", async () => {
    const store = openNodeAuditStore({
      path: join(dir, "beating.sqlite"),
      redeliverEveryMs: 0,
      heartbeatMs: 20,
      signingKey: keyA,
      log: (line) => void lines.push({ ...line })
    })
    stores.push(store)
    const reasons = async () => {
      const found: Array<string> = []
      for await (const c of store.checkpoints()) found.push(c.checkpoint.reason)
      return found
    }
    await expect.poll(async () => (await reasons()).filter((r) => r === "heartbeat").length).toBeGreaterThanOrEqual(2)
    expect((await reasons())[0]).toBe("start")
    expect(await store.verify()).toMatchObject({ ok: true, events: 0, signed: true })
  })

  it("says at start that checkpoints are off without a signing key, and verifies the chain alone", async () => {
    const store = open(undefined)
    await fill(store, 2)
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", msg: "audit checkpoints are off" }))
    expect(await store.heartbeat()).toBeUndefined()
    expect(await store.verify()).toMatchObject({ ok: true, signed: false, checkpoints: 0 })
  })
})

describe("tamper matrix (Node SQLite)", () => {
  const signedChain = async () => {
    const store = open(keyA)
    await fill(store, 6) // entries 1..12, checkpoints 1..4 at 0, 4, 8, 12
    return store
  }

  it("catches a field edited in place", async () => {
    const store = await signedChain()
    const db = raw()
    const victim = await eventAt(db, 3)
    const [row] = await db.all<{ entry: string }>("SELECT entry FROM audit_chain WHERE seq = 3")
    await db.batch([
      { sql: "UPDATE audit_chain SET entry = ? WHERE seq = 3", params: [row!.entry.replace('"admin"', '"mallory"')] }
    ])
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: victim })
  })

  it("catches an entry deleted in the middle, and two entries swapped", async () => {
    const store = await signedChain()
    const db = raw()
    const victim = await eventAt(db, 5)
    await db.batch([{ sql: "DELETE FROM audit_chain WHERE seq = 5", params: [] }])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: victim,
      reason: expect.stringContaining("missing")
    })
    const [third, fourth] = await db.all<{ entry: string; hash: string }>(
      "SELECT entry, hash FROM audit_chain WHERE seq IN (3, 4) ORDER BY seq"
    )
    await db.batch([
      { sql: "UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = 3", params: [fourth!.entry, fourth!.hash] },
      { sql: "UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = 4", params: [third!.entry, third!.hash] }
    ])
    expect(await store.verify()).toMatchObject({ ok: false, reason: expect.stringContaining("entry 3") })
  })

  it("catches the tail deleted (the head record still points past it)", async () => {
    const store = await signedChain()
    const db = raw()
    await db.batch([{ sql: "DELETE FROM audit_chain WHERE seq > 10", params: [] }])
    expect((await store.verify()).ok).toBe(false)
  })

  it("catches one event rewritten and everything after it rehashed, head included: the signatures no longer match", async () => {
    const store = await signedChain()
    const db = raw()
    const victim = await eventAt(db, 5)
    await rewriteAndRehash(db, 5, (entry) => {
      ;(entry["event"] as Record<string, unknown>)["actor"] = { id: "someone-else", name: "Someone else" }
    })
    // The index follows too: everything the store holds is consistent again.
    await db.batch([{ sql: "UPDATE audit_events SET actor_id = 'someone-else' WHERE event_id = ?", params: [victim] }])
    const result = await store.verify()
    expect(result).toMatchObject({ ok: false, firstBadEventId: victim, checkpoint: 3 })
    expect(result.reason).toContain("checkpoint 3 signed another hash for entry 8")
  })

  it("catches the tail truncated and the head rewritten: given a later checkpoint from the logs, and by the heartbeat gap", async () => {
    const store = await signedChain()
    const latest = (await checkpointBodies(raw())).at(-1)!
    await truncateAndRewriteHead(raw(), 6)
    // The store alone is consistent now...
    expect((await store.verify()).ok).toBe(true)
    // ...but the witness line names a checkpoint the store no longer has.
    const withLog = await store.verify({ latest: latest as never })
    expect(withLog).toMatchObject({ ok: false, checkpoint: 4 })
    expect(withLog.reason).toContain("truncated")
    // Without the log line: once the heartbeat would have signed again, the newest checkpoint is too old.
    clock += 3 * heartbeatMs
    const later = await store.verify()
    expect(later).toMatchObject({ ok: false, checkpoint: 2 })
    expect(later.reason).toContain("later checkpoints were removed")
  })

  it("catches a forged checkpoint and a checkpoint signed by an unknown key", async () => {
    const store = await signedChain()
    await forgeCheckpoint(raw(), 2, (c) => {
      c["time"] = "2020-01-01T00:00:00.000Z"
    })
    expect(await store.verify()).toMatchObject({
      ok: false,
      checkpoint: 2,
      reason: expect.stringContaining("bad signature")
    })
    await store.close()
    stores.length = 0
    // The same file opened with another key and without the first one's public key.
    const other = open(keyB)
    expect(await other.verify()).toMatchObject({
      ok: false,
      checkpoint: 1,
      reason: expect.stringContaining("none of the public keys")
    })
  })

  it("accepts a gap the writer explains with a start checkpoint (a restart), and catches checkpoints removed in the middle", async () => {
    const first = await signedChain()
    await first.close()
    stores.length = 0
    clock += 10 * heartbeatMs
    const restarted = open(keyA)
    await fill(restarted, 1)
    const bodies = await checkpointBodies(raw())
    expect(bodies.at(-1)?.checkpoint.reason).toBe("start")
    expect(await restarted.verify()).toMatchObject({ ok: true, events: 7 })
    await raw().batch([{ sql: "DELETE FROM audit_checkpoints WHERE n IN (2, 3)", params: [] }])
    expect(await restarted.verify()).toMatchObject({
      ok: false,
      checkpoint: 4,
      reason: expect.stringContaining("checkpoints 2..3 are missing")
    })
  })

  it("verifies across a key rotation when the old public key is configured", async () => {
    const first = await signedChain()
    await first.close()
    stores.length = 0
    const rotated = open(keyB, [keyA])
    await fill(rotated, 2)
    const bodies = await checkpointBodies(raw())
    expect(new Set(bodies.map((b) => b.checkpoint.keyId))).toEqual(new Set([keyA.keyId, keyB.keyId]))
    expect(await rotated.verify()).toMatchObject({ ok: true, events: 8 })
    expect((await rotated.publicKeys()).map((k) => k.keyId)).toEqual([keyB.keyId, keyA.keyId])
  })
})
