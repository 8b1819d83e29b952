/**
 * The chain writer on its own, over an in-memory SQLite database with the real migrations: where it
 * starts (the head record, else the last entry, else the genesis), what a group commit does with
 * appends that meet in one batch, which input it refuses, and when it signs a checkpoint.
 */
import { DatabaseSync } from "node:sqlite"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { canonicalJson, genesisHash, sha256Hex } from "../../../src/audit/canonical.ts"
import type { SignedCheckpoint } from "../../../src/audit/checkpoint.ts"
import { type ChainWriterOptions, loadCheckpointHead, loadHead, makeChainWriter } from "../../../src/audit/journal.ts"
import { generateKeyPair, loadSigningKey, type SigningKey } from "../../../src/audit/keys.ts"
import { applyMigrations, defaultMigrationsDir, localSqlDriver } from "../../../src/audit/node/index.ts"
import type { SqlDriver } from "../../../src/audit/sql.ts"
import { AuditInputError } from "../../../src/audit/store.ts"
import { denial, intent, outcome } from "../support/fixtures.ts"

const t0 = 1_767_225_600_000
let db: DatabaseSync
let driver: SqlDriver
let batches: number
let key: SigningKey

beforeEach(async () => {
  db = new DatabaseSync(":memory:")
  applyMigrations(db, defaultMigrationsDir)
  const local = localSqlDriver(db)
  batches = 0
  driver = { all: local.all, batch: (statements) => (batches++, local.batch(statements)) }
  key ??= await loadSigningKey((await generateKeyPair()).privatePem)
})
afterEach(() => {
  db.close()
})

const writer = (options: Partial<ChainWriterOptions> = {}) => makeChainWriter(driver, { now: () => t0, ...options })

interface Row {
  readonly seq: number
  readonly id: string
  readonly entry: string
  readonly hash: string
}
const rows = () => driver.all<Row>("SELECT seq, id, entry, hash FROM audit_chain ORDER BY seq")
const entryAt = async (seq: number) =>
  JSON.parse((await rows()).find((r) => r.seq === seq)!.entry) as {
    prevId: string | null
    prevHash: string
    time: string
  }

describe("where the writer starts", () => {
  it("starts the chain at the genesis, and a later writer from the head record", async () => {
    expect(await loadHead(driver)).toEqual({ seq: 0, id: null, hash: genesisHash })
    const first = await writer().intent(intent(t0 + 1))
    expect(await entryAt(1)).toMatchObject({ prevId: null, prevHash: genesisHash })
    expect(await loadHead(driver)).toEqual({ seq: 1, id: first.receipt.id, hash: first.receipt.hash })
    await writer().intent(intent(t0 + 2))
    expect(await entryAt(2)).toMatchObject({ prevId: first.receipt.id, prevHash: first.receipt.hash })
  })

  it("starts from the last entry when the head record is missing", async () => {
    const w = writer()
    await w.intent(intent(t0 + 1))
    const second = await w.intent(intent(t0 + 2))
    db.prepare("DELETE FROM audit_meta WHERE key = 'head'").run()
    expect(await loadHead(driver)).toEqual({ seq: 2, id: second.receipt.id, hash: second.receipt.hash })
    const third = await writer().intent(intent(t0 + 3))
    expect(third.receipt.seq).toBe(3)
    expect(await entryAt(3)).toMatchObject({ prevId: second.receipt.id, prevHash: second.receipt.hash })
  })

  it("starts from the head record, not the last entry, when the entries after it are gone", async () => {
    const w = writer()
    await w.intent(intent(t0 + 1))
    const second = await w.intent(intent(t0 + 2))
    db.prepare("DELETE FROM audit_chain WHERE seq = 2").run()
    // The next entry still names the missing one, so that verify can tell it was removed.
    const third = await writer().intent(intent(t0 + 3))
    expect(third.receipt.seq).toBe(3)
    expect(await entryAt(3)).toMatchObject({ prevId: second.receipt.id, prevHash: second.receipt.hash })
  })

  it("commits in batches of 32 by default", async () => {
    const w = writer()
    await Promise.all(Array.from({ length: 65 }, (_, i) => w.intent(intent(t0 + i))))
    // The first append commits alone; the other 64 queue behind it.
    expect(batches).toBe(1 + 2)
  })
})

describe("appends that meet in one batch", () => {
  it("takes the same intent twice in one batch as one entry, and the second as the duplicate", async () => {
    const w = writer()
    const again = intent(t0 + 2)
    const [, first, second] = await Promise.all([w.intent(intent(t0 + 1)), w.intent(again), w.intent(again)])
    expect(first).toEqual({ receipt: { id: again.id, seq: 2, hash: expect.any(String) }, duplicate: false })
    expect(second).toEqual({ receipt: first!.receipt, duplicate: true })
    expect((await rows()).map((r) => r.seq)).toEqual([1, 2])
  })

  it("records an outcome in the batch of its intent, and refuses an outcome for a denial there", async () => {
    const w = writer()
    const write = intent(t0 + 2)
    const denied = denial(t0 + 3)
    const [, , recorded, , ofDenial] = await Promise.all([
      w.intent(intent(t0 + 1)),
      w.intent(write),
      w.outcome(write.id, outcome()),
      w.denial(denied),
      w.outcome(denied.id, outcome())
    ])
    expect([recorded, ofDenial]).toEqual(["recorded", "duplicate"])
    expect(batches).toBe(2)
    expect((await rows()).map((r) => r.id)).toEqual([expect.any(String), write.id, `${write.id}/outcome`, denied.id])
  })

  it("answers unknown for an outcome without its intent, duplicate for one recorded before", async () => {
    const w = writer()
    const write = intent(t0 + 1)
    await w.intent(write)
    expect(await w.outcome(write.id, outcome())).toBe("recorded")
    expect(await w.outcome(write.id, outcome(500))).toBe("duplicate")
    expect(await w.outcome(intent(t0 + 9).id, outcome())).toBe("unknown")
    const again = await w.denial(denial(t0 + 5))
    expect(again.duplicate).toBe(false)
    expect(batches).toBe(3)
  })

  it("stamps an outcome entry with the writer's clock", async () => {
    const w = writer({ now: () => t0 + 5000 })
    const write = intent(t0 + 1)
    await w.intent(write)
    await w.outcome(write.id, outcome())
    expect((await entryAt(2)).time).toBe(new Date(t0 + 5000).toISOString())
  })
})

describe("input the writer refuses", () => {
  it("refuses an intent, a denial, an outcome or an event id that does not decode, naming which", async () => {
    const w = writer()
    const bad = async (call: Promise<unknown>, what: string) => {
      const error = await call.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AuditInputError)
      expect((error as Error).message).toMatch(new RegExp(`^Invalid ${what}: `))
    }
    await bad(w.intent({ ...intent(t0), extra: 1 } as never), "intent")
    await bad(w.denial({ ...denial(t0), extra: 1 } as never), "denial")
    await bad(w.outcome(intent(t0).id, { ...outcome(), extra: 1 } as never), "outcome")
    await bad(w.outcome("not-an-id", outcome()), "event id")
    expect(batches).toBe(0)
  })
})

describe("checkpoints", () => {
  it("signs none without a key, and a heartbeat answers undefined", async () => {
    const w = writer()
    await w.intent(intent(t0))
    expect(await w.heartbeat()).toBeUndefined()
    expect(await loadCheckpointHead(driver)).toEqual({ n: 0, toSeq: 0, hash: genesisHash })
  })

  it("signs once `checkpointEvery` entries came (the writer's first says start), and reports each once committed", async () => {
    const seen: Array<[SignedCheckpoint, string]> = []
    const w = writer({
      signingKey: key,
      checkpointEvery: 3,
      onCheckpoint: (signed, hash) => void seen.push([signed, hash])
    })
    for (let i = 1; i <= 2; i++) await w.intent(intent(t0 + i))
    expect(seen).toEqual([])
    await w.intent(intent(t0 + 3))
    for (let i = 4; i <= 6; i++) await w.intent(intent(t0 + i))
    expect(seen.map(([s]) => [s.checkpoint.n, s.checkpoint.reason, s.checkpoint.fromSeq, s.checkpoint.toSeq])).toEqual([
      [1, "start", 1, 3],
      [2, "events", 4, 6]
    ])
    const [[first, firstHash], [second, secondHash]] = seen as [[SignedCheckpoint, string], [SignedCheckpoint, string]]
    expect(firstHash).toBe(await sha256Hex(canonicalJson(first)))
    expect(first.checkpoint).toMatchObject({
      v: 1,
      prevCheckpointHash: genesisHash,
      headHash: (await rows())[2]!.hash,
      time: new Date(t0).toISOString(),
      keyId: key.keyId
    })
    expect(second.checkpoint.prevCheckpointHash).toBe(firstHash)
    expect(await loadCheckpointHead(driver)).toEqual({ n: 2, toSeq: 6, hash: secondHash })
  })

  it("signs a heartbeat with no new entries, answering it to every heartbeat of the batch", async () => {
    const w = writer({ signingKey: key, checkpointEvery: 100 })
    await w.intent(intent(t0 + 1))
    const [, a, b] = await Promise.all([w.intent(intent(t0 + 2)), w.heartbeat(), w.heartbeat()])
    expect(a).toEqual(b)
    expect(a?.checkpoint).toMatchObject({ n: 1, reason: "start", fromSeq: 1, toSeq: 2 })
    const beat = await w.heartbeat()
    expect(beat?.checkpoint).toMatchObject({ n: 2, reason: "heartbeat", fromSeq: 3, toSeq: 2 })
  })

  it("goes on from the stored checkpoints after a failed commit, and a new writer from the stored ones", async () => {
    let fail = false
    const flaky = makeChainWriter(
      {
        all: driver.all,
        batch: (statements) => (fail ? Promise.reject(new Error("disk full")) : driver.batch(statements))
      },
      { now: () => t0, signingKey: key, checkpointEvery: 1 }
    )
    await flaky.intent(intent(t0 + 1)) // checkpoint 1
    // Another writer signs checkpoint 2 behind its back (a second process, a restart).
    await writer({ signingKey: key, checkpointEvery: 1 }).intent(intent(t0 + 2))
    fail = true
    const failed = await flaky.intent(intent(t0 + 3)).catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(Error)
    expect((failed as Error).message).toBe("disk full")
    fail = false
    await flaky.intent(intent(t0 + 3))
    const all = await driver.all<{ n: number; body: string }>("SELECT n, body FROM audit_checkpoints ORDER BY n")
    expect(all.map((c) => [c.n, (JSON.parse(c.body) as SignedCheckpoint).checkpoint.fromSeq])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3]
    ])
  })
})
