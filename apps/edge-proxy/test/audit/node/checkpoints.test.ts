/**
 * Signed checkpoints on the Node store (SQLite), and the tamper matrix of issue 15
 * (`support/tamper-matrix.ts`, also run on PostgreSQL): each attack an insider with write access to
 * the file can make, caught by `verify` (the one module behind `/audit/verify` and `orgkit audit
 * verify`). Heartbeats are driven by hand (`heartbeatMs: 0`) on a manual clock.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { generateKeyPair, loadSigningKey, type SigningKey } from "../../../src/audit/keys.ts"
import { localSqlDriver, type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { collectingLog } from "../../fixtures/ports.ts"
import { intent, outcome } from "../support/fixtures.ts"
import { checkpointBodies } from "../support/tamper.ts"
import { tamperMatrix } from "../support/tamper-matrix.ts"

let dir: string
let clock: number
let keyA: SigningKey
const stores: Array<NodeAuditStore> = []
/** The insider's connections to the file (`raw`). */
const insiders: Array<DatabaseSync> = []
const lines: Array<Record<string, unknown>> = []

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-checkpoints-"))
  clock = 1_767_225_600_000
  lines.length = 0
  keyA = await loadSigningKey((await generateKeyPair()).privatePem)
})
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  for (const db of insiders.splice(0)) db.close()
  rmSync(dir, { recursive: true, force: true })
})

const open = (signingKey: SigningKey | undefined) => {
  const store = openNodeAuditStore({
    path: join(dir, "audit.sqlite"),
    now: () => clock,
    redeliverEveryMs: 0,
    heartbeatMs: 0,
    checkpointEvery: 4,
    signingKey,
    log: (line) => void lines.push({ ...line })
  })
  stores.push(store)
  return store
}

const raw = () => {
  const db = new DatabaseSync(join(dir, "audit.sqlite"))
  insiders.push(db)
  return localSqlDriver(db)
}

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

tamperMatrix("Node SQLite", {
  // Each test has a directory of its own (`beforeEach` above): the chain is new already.
  fresh: () => undefined,
  open: async (options) => {
    const store = openNodeAuditStore({ ...options, path: join(dir, "audit.sqlite"), log: collectingLog() })
    return {
      store,
      inside: (latest) => store.verify(latest === undefined ? undefined : { latest }),
      close: () => store.close()
    }
  },
  raw
})
