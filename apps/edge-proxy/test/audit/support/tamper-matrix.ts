/**
 * The tamper matrix of issue 15 as one set of cases, run against each store that holds a signed
 * chain (SQLite on Node, PostgreSQL): a field edited, an entry deleted in the middle, two entries
 * swapped, the tail deleted, the tail truncated with the head rewritten (caught given the witness's
 * later checkpoint, and by the heartbeat gap), one event rewritten with everything after it rehashed,
 * a forged checkpoint, a checkpoint signed by an unknown key, checkpoints removed, a key rotation.
 * The insider's edits are `tamper.ts`'s, over the store's `SqlDriver`.
 *
 * A target says how it opens a store over the case's chain and which verdicts it asks for: `inside`
 * is the store's own verdict (what `/audit/verify` answers, at the store's clock); `offline`, when
 * given, is `orgkit audit verify`'s (at the real time: the clock follows it, see `clock`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { heartbeatMs, type SignedCheckpoint } from "../../../src/audit/checkpoint.ts"
import type { VerifyResult } from "../../../src/audit/event.ts"
import { generateKeyPair, loadSigningKey, type PublicKey, type SigningKey } from "../../../src/audit/keys.ts"
import type { SqlDriver } from "../../../src/audit/sql.ts"
import type { AuditStore } from "../../../src/audit/store.ts"
import { intent, outcome } from "./fixtures.ts"
import {
  checkpointBodies,
  deleteCheckpoints,
  deleteEntries,
  editEntry,
  eventAt,
  forgeCheckpoint,
  rewriteAndRehash,
  swapEntries,
  truncateAndRewriteHead
} from "./tamper.ts"

/** Entries between two checkpoints in every case. */
export const checkpointEvery = 4

/** The options of the stores under the matrix: signing every `checkpointEvery` entries, no timers. */
export interface StoreOptions {
  readonly now: () => number
  readonly signingKey: SigningKey
  readonly publicKeys: ReadonlyArray<PublicKey>
  readonly checkpointEvery: number
  readonly heartbeatMs: 0
  readonly redeliverEveryMs: 0
}

/** What a target opens: a store over the case's chain, and the verdicts on it. */
export interface OpenedStore {
  readonly store: AuditStore
  /** The store's own verdict (what `/audit/verify` answers), given the witness's checkpoint or not. */
  readonly inside: (latest?: SignedCheckpoint) => Promise<VerifyResult>
  /** `orgkit audit verify`'s verdict with the public keys the store serves, at the real time. */
  readonly offline?: (latest?: SignedCheckpoint) => Promise<VerifyResult>
  readonly close: () => Promise<void>
}

/** A store under the matrix. */
export interface TamperTarget {
  /** A new, empty chain for the next case (a file, a schema). */
  readonly fresh: () => Promise<void> | void
  /** Opens a store over the current case's chain with `options` (the options both Node stores take). */
  readonly open: (options: StoreOptions) => Promise<OpenedStore>
  /** A connection of its own to the current case's chain (the insider's). */
  readonly raw: () => SqlDriver
  /** Runs once the case is over (closes what `raw` opened). */
  readonly cleanUp?: () => Promise<void> | void
}

/** Runs the matrix against `target` as a `describe` block. */
export const tamperMatrix = (name: string, target: TamperTarget): void => {
  describe(`tamper matrix (${name})`, () => {
    // The stores' clock: the real time at the start of each case, one second per write from there,
    // moved by hand where a case says so. `offline` verdicts read the real time.
    let clock = 0
    let keyA: SigningKey
    let keyB: SigningKey
    const opened: Array<OpenedStore> = []

    beforeEach(async () => {
      clock = Date.now()
      keyA = await loadSigningKey((await generateKeyPair()).privatePem)
      keyB = await loadSigningKey((await generateKeyPair()).privatePem)
      await target.fresh()
    })
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close()
      await target.cleanUp?.()
    })

    const open = async (signingKey: SigningKey, publicKeys: ReadonlyArray<SigningKey> = []) => {
      const s = await target.open({
        now: () => clock,
        signingKey,
        publicKeys: publicKeys.map((k) => k.publicKey),
        checkpointEvery,
        heartbeatMs: 0,
        redeliverEveryMs: 0
      })
      opened.push(s)
      return s
    }
    const close = async (s: OpenedStore) => {
      opened.splice(opened.indexOf(s), 1)
      await s.close()
    }
    /** Every verdict the target gives: the store's, and `orgkit audit verify`'s if it has one. */
    const verdicts = async (s: OpenedStore, latest?: SignedCheckpoint) => [
      await s.inside(latest),
      ...(s.offline === undefined ? [] : [await s.offline(latest)])
    ]
    const expectEvery = async (s: OpenedStore, expected: Record<string, unknown>, latest?: SignedCheckpoint) => {
      const all = await verdicts(s, latest)
      for (const verdict of all) expect(verdict).toMatchObject(expected)
      return all
    }

    /** `n` writes with their outcomes (2n entries), one second apart. */
    const fill = async (store: AuditStore, n: number) => {
      for (let i = 0; i < n; i++) {
        clock += 1000
        const receipt = await store.accept(intent(clock, { requestId: `req-${i}` }))
        await store.complete(receipt.id, outcome())
      }
    }
    /** Entries 1..12, checkpoints 1..4 at 0 (start), 4, 8, 12. */
    const signedChain = async () => {
      const s = await open(keyA) // signs the start checkpoint as it opens
      await fill(s.store, 6)
      return s
    }

    it("verifies the untouched signed chain the same way on every path", async () => {
      const s = await signedChain()
      for (const verdict of await verdicts(s))
        expect(verdict).toMatchObject({ ok: true, events: 6, entries: 12, signed: true, checkpoints: 4 })
    })

    it("catches a field edited in place", async () => {
      const s = await signedChain()
      const victim = await eventAt(target.raw(), 3)
      await editEntry(target.raw(), 3, '"admin"', '"mallory"')
      for (const verdict of await verdicts(s))
        expect(verdict).toMatchObject({ ok: false, firstBadEventId: victim, reason: "entry 3 does not match its hash" })
    })

    it("catches an entry deleted in the middle, and two entries swapped", async () => {
      const s = await signedChain()
      const db = target.raw()
      const victim = await eventAt(db, 5)
      await deleteEntries(db, 5, 5)
      await expectEvery(s, { ok: false, firstBadEventId: victim, reason: expect.stringContaining("missing") })
      await swapEntries(db, 3, 4)
      await expectEvery(s, { ok: false, reason: expect.stringContaining("entry 3") })
    })

    it("catches the tail deleted (the head record still points past it)", async () => {
      const s = await signedChain()
      await deleteEntries(target.raw(), 11)
      for (const verdict of await verdicts(s)) expect(verdict.ok).toBe(false)
    })

    it("catches one event rewritten and everything after it rehashed, head included: the signatures no longer match", async () => {
      const s = await signedChain()
      const db = target.raw()
      const victim = await eventAt(db, 5)
      await rewriteAndRehash(db, 5, (entry) => {
        ;(entry["event"] as Record<string, unknown>)["actor"] = { id: "someone-else", name: "Someone else" }
      })
      // The index follows too: everything the store holds is consistent again.
      await db.batch([
        { sql: "UPDATE audit_events SET actor_id = 'someone-else' WHERE event_id = ?", params: [victim] }
      ])
      for (const verdict of await expectEvery(s, { ok: false, firstBadEventId: victim, checkpoint: 3 }))
        expect(verdict.reason).toContain("checkpoint 3 signed another hash for entry 8")
    })

    it("catches the tail truncated and the head rewritten: given a later checkpoint from the logs, and by the heartbeat gap", async () => {
      // The chain was written four heartbeats ago.
      clock = Date.now() - 4 * heartbeatMs
      const s = await signedChain()
      const latest = (await checkpointBodies(target.raw())).at(-1)! as SignedCheckpoint
      await truncateAndRewriteHead(target.raw(), 6)
      // The store alone, at the time of the writes, is consistent now...
      expect(await s.inside()).toMatchObject({ ok: true, entries: 6 })
      // ...but the witness line names a checkpoint the store no longer has.
      for (const verdict of await expectEvery(s, { ok: false, checkpoint: 4 }, latest))
        expect(verdict.reason).toContain("truncated")
      // Without the log line, now: the heartbeat would have signed again since, the newest checkpoint is too old.
      clock = Date.now()
      for (const verdict of await expectEvery(s, { ok: false, checkpoint: 2 }))
        expect(verdict.reason).toContain("later checkpoints were removed")
    })

    it("catches a forged checkpoint and a checkpoint signed by an unknown key", async () => {
      const s = await signedChain()
      await forgeCheckpoint(target.raw(), 2, (c) => {
        c["time"] = "2020-01-01T00:00:00.000Z"
      })
      await expectEvery(s, { ok: false, checkpoint: 2, reason: expect.stringContaining("bad signature") })
      await close(s)
      // The same chain opened with another key and without the first one's public key.
      const other = await open(keyB)
      await expectEvery(other, { ok: false, checkpoint: 1, reason: expect.stringContaining("none of the public keys") })
    })

    it("accepts a gap the writer explains with a start checkpoint (a restart), and catches checkpoints removed in the middle", async () => {
      await close(await signedChain())
      clock += 10 * heartbeatMs
      const restarted = await open(keyA)
      await fill(restarted.store, 1)
      expect((await checkpointBodies(target.raw())).at(-1)?.checkpoint.reason).toBe("start")
      await expectEvery(restarted, { ok: true, events: 7 })
      await deleteCheckpoints(target.raw(), 2, 3)
      await expectEvery(restarted, {
        ok: false,
        checkpoint: 4,
        reason: expect.stringContaining("checkpoints 2..3 are missing")
      })
    })

    it("verifies across a key rotation when the old public key is configured", async () => {
      await close(await signedChain())
      const rotated = await open(keyB, [keyA])
      await fill(rotated.store, 2)
      const bodies = await checkpointBodies(target.raw())
      expect(new Set(bodies.map((b) => b.checkpoint.keyId))).toEqual(new Set([keyA.keyId, keyB.keyId]))
      await expectEvery(rotated, { ok: true, events: 8 })
      expect((await rotated.store.publicKeys()).map((k) => k.keyId)).toEqual([keyB.keyId, keyA.keyId])
    })
  })
}
