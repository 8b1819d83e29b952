/**
 * `verifyChain` on its own, as `orgkit audit verify` runs it: the raw chain and the signed
 * checkpoints a real store wrote (SQLite in memory, a checkpoint every 4 entries, a manual clock),
 * read back as `/audit/chain` and `/audit/checkpoints` serve them, then changed in memory the way an
 * insider or a damaged export would change them. Each case pins the verdict: which event is named,
 * the reason word for word, and the checkpoint. (The store's own checks of columns, index rows and
 * the head record are `node-store.test.ts`'s; the tamper matrix is `checkpoints.test.ts`'s.)
 */
import { beforeAll, describe, expect, it } from "vitest"
import { canonicalJson, genesisHash, sha256Hex } from "../../../src/audit/canonical.ts"
import { type Checkpoint, signCheckpoint, type SignedCheckpoint } from "../../../src/audit/checkpoint.ts"
import { eventIdOfEntry } from "../../../src/audit/event.ts"
import { generateKeyPair, loadSigningKey, type SigningKey } from "../../../src/audit/keys.ts"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import type { RawEntry } from "../../../src/audit/store.ts"
import { type VerifyInput, verifyChain } from "../../../src/audit/verify.ts"
import { denial, intent, outcome } from "../support/fixtures.ts"

const t0 = 1_767_225_600_000
let key: SigningKey
let otherKey: SigningKey

beforeAll(async () => {
  key = await loadSigningKey((await generateKeyPair()).privatePem)
  otherKey = await loadSigningKey((await generateKeyPair()).privatePem)
})

/** What a store wrote, as the CLI reads it, and the clock when it was read. */
interface Written {
  readonly entries: Array<RawEntry>
  readonly checkpoints: Array<SignedCheckpoint>
  readonly at: number
}

/** Runs `steps` against a signing store in memory (one second per `tick`), then reads the chain back. */
const written = async (
  steps: (store: NodeAuditStore, tick: (ms?: number) => number) => Promise<void>
): Promise<Written> => {
  let clock = t0
  const store = openNodeAuditStore({
    path: ":memory:",
    now: () => clock,
    redeliverEveryMs: 0,
    heartbeatMs: 0,
    checkpointEvery: 4,
    signingKey: key,
    log: () => undefined
  })
  try {
    await steps(store, (ms = 1000) => (clock += ms))
    const entries: Array<RawEntry> = []
    for await (const e of store.chain()) entries.push(e)
    const checkpoints: Array<SignedCheckpoint> = []
    for await (const c of store.checkpoints()) checkpoints.push(c)
    return { entries, checkpoints, at: clock }
  } finally {
    await store.close()
  }
}

/** `n` writes with their outcomes. */
const writes = async (store: NodeAuditStore, tick: (ms?: number) => number, n: number) => {
  for (let i = 0; i < n; i++) {
    const time = tick()
    const receipt = await store.accept(intent(time, { requestId: `req-${time}` }))
    await store.complete(receipt.id, outcome())
  }
}

/**
 * Five writes with their outcomes (entries 1..10), a denial (11) and a write still pending (12): seven
 * events; checkpoints 1..4 at entries 0 (start), 4, 8, 12.
 */
const standard = () =>
  written(async (store, tick) => {
    await writes(store, tick, 5)
    await store.deny(denial(tick()))
    await store.accept(intent(tick(), { requestId: "pending" }))
  })

async function* stream<A>(items: ReadonlyArray<A>): AsyncGenerator<A> {
  yield* items
}

const verify = (chain: Written, options: Partial<VerifyInput<RawEntry>> = {}) =>
  verifyChain({
    entries: stream(chain.entries),
    checkpoints: stream(chain.checkpoints),
    publicKeys: [key.publicKey],
    asOf: chain.at,
    ...options
  })

const parsed = (e: RawEntry) => JSON.parse(e.entry) as Record<string, unknown> & { eventId: string; id: string }
/** The event id of the entry at `seq`. */
const eventAt = (chain: Written, seq: number) => parsed(chain.entries.find((e) => e.seq === seq)!).eventId
/** An entry with its text and hash recomputed: consistent on its own. */
const sealed = async (seq: number, entry: unknown): Promise<RawEntry> => {
  const text = canonicalJson(entry)
  return { seq, entry: text, hash: await sha256Hex(text) }
}
/** Entry `seq` changed by `change` and sealed again (the next entry's `prevHash` is left as it was). */
const resealed = async (chain: Written, seq: number, change: (entry: Record<string, unknown>) => void) => {
  const i = chain.entries.findIndex((e) => e.seq === seq)
  const entry = parsed(chain.entries[i]!)
  change(entry)
  chain.entries[i] = await sealed(seq, entry)
}
/** Checkpoint `n` with `change`, signed again with `signer` (a valid signature over other content). */
const resigned = (chain: Written, n: number, change: Partial<Checkpoint>, signer = key) =>
  signCheckpoint({ ...chain.checkpoints[n - 1]!.checkpoint, ...change }, signer)

describe("verifyChain: an intact chain", () => {
  it("reports what it walked: events, entries, checkpoints, the last checkpoint and the head", async () => {
    const chain = await standard()
    const last = chain.checkpoints[3]!.checkpoint
    expect(await verify(chain)).toStrictEqual({
      ok: true,
      events: 7,
      entries: 12,
      signed: true,
      checkpoints: 4,
      lastCheckpoint: { n: 4, toSeq: 12, time: last.time, keyId: key.keyId },
      head: { seq: 12, hash: chain.entries[11]!.hash }
    })
  })

  it("checks entries and links alone without public keys, however old the chain (signed: false)", async () => {
    const chain = await standard()
    expect(await verify(chain, { publicKeys: [], asOf: chain.at + 3_600_000 })).toStrictEqual({
      ok: true,
      events: 7,
      entries: 12,
      signed: false,
      checkpoints: 0,
      head: { seq: 12, hash: chain.entries[11]!.hash }
    })
  })

  it("verifies an empty chain with no checkpoint, and a young chain none covers yet", async () => {
    const empty: Written = { entries: [], checkpoints: [], at: t0 }
    expect(await verify(empty)).toMatchObject({ ok: true, events: 0, entries: 0, head: { seq: 0, hash: genesisHash } })
    const chain = await standard()
    expect(await verify({ ...chain, checkpoints: [] }, { asOf: t0 + 150_000 })).toMatchObject({ ok: true, entries: 12 })
  })

  it("does not measure a gap before the first checkpoint, whatever its reason", async () => {
    const chain = await standard()
    const first = await resigned(chain, 1, { reason: "heartbeat" })
    chain.checkpoints.splice(0, 4, first, ...(await relinked(chain.checkpoints.slice(1), first)))
    expect(await verify(chain)).toMatchObject({ ok: true, checkpoints: 4 })
  })

  it("takes an entry accepted late with an early time as covered by the young checkpoint before it", async () => {
    const chain = await written(async (store, tick) => {
      await writes(store, tick, 2)
      tick(100_000)
      await store.heartbeat()
      await store.accept(intent(t0 - 200_000, { requestId: "late" }))
    })
    expect(await verify(chain)).toMatchObject({ ok: true, entries: 5, checkpoints: 3 })
  })
})

/** Checkpoints signed again so that each links to the one before (`first` first). */
const relinked = async (rest: ReadonlyArray<SignedCheckpoint>, first: SignedCheckpoint) => {
  const out: Array<SignedCheckpoint> = []
  let prev = first
  for (const c of rest) {
    const next = await signCheckpoint(
      { ...c.checkpoint, prevCheckpointHash: await sha256Hex(canonicalJson(prev)) },
      key
    )
    out.push(next)
    prev = next
  }
  return out
}

describe("verifyChain: entries", () => {
  it("names nothing for an entry that is not JSON, and no checkpoint", async () => {
    const chain = await standard()
    chain.entries[2] = { ...chain.entries[2]!, entry: "{" }
    const result = await verify(chain)
    expect(result).toMatchObject({ ok: false, firstBadEventId: "", reason: "entry 3 is not JSON" })
    expect(Object.keys(result)).not.toContain("checkpoint")
  })

  it("names the event of an entry that is not canonical JSON, and one that does not match its hash", async () => {
    const chain = await standard()
    const original = chain.entries[2]!
    chain.entries[2] = { ...original, entry: JSON.stringify(JSON.parse(original.entry), null, 1) }
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 3),
      reason: "entry 3 is not canonical JSON"
    })
    // A number JSON cannot represent once parsed (1e400 is Infinity): no canonical form at all.
    chain.entries[2] = { ...original, entry: original.entry.replace("{", '{"big":1e400,') }
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 3),
      reason: "entry 3 is not canonical JSON"
    })
    chain.entries[2] = { ...original, entry: original.entry.replace('"admin"', '"mallory"') }
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 3),
      reason: "entry 3 does not match its hash"
    })
  })

  it("names nothing for canonical JSON without an event id", async () => {
    const chain = await standard()
    chain.entries[2] = { ...chain.entries[2]!, entry: "[]" }
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: "",
      reason: "entry 3 does not match its hash"
    })
  })

  it("refuses an entry with a field the chain format does not have, though its hash is right", async () => {
    const chain = await standard()
    await resealed(chain, 3, (entry) => {
      entry["note"] = "added"
    })
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 3),
      reason: "entry 3 is not in the chain format"
    })
  })

  it("refuses an entry served at another position, and one whose id is not its event's", async () => {
    const moved = await standard()
    const victim = eventAt(moved, 3)
    moved.entries[2] = { ...moved.entries[2]!, seq: 30 }
    expect(await verify(moved)).toMatchObject({
      ok: false,
      firstBadEventId: victim,
      reason: "entry 30: its position or id differs"
    })
    const renamed = await standard()
    await resealed(renamed, 3, (entry) => {
      entry["id"] = `${entry["eventId"]}/outcome`
    })
    expect(await verify(renamed)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(renamed, 3),
      reason: "entry 3: its position or id differs"
    })
  })

  it("names the entry deleted from the middle through the next entry's prevId", async () => {
    const chain = await standard()
    const deleted = parsed(chain.entries[4]!).id
    chain.entries.splice(4, 1)
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventIdOfEntry(deleted),
      reason: `entry 5 (${deleted}) is missing from the chain`
    })
  })

  it("finds a gap in the positions even when the next entry was relinked to the one before it", async () => {
    const chain = await standard()
    const fourth = chain.entries[3]!
    chain.entries.splice(4, 1)
    await resealed(chain, 6, (entry) => {
      entry["prevId"] = parsed(fourth).id
      entry["prevHash"] = fourth.hash
    })
    expect(await verify(chain)).toMatchObject({
      ok: false,
      reason: `entry 5 (${parsed(fourth).id}) is missing from the chain`
    })
  })

  it("refuses a chain whose first entry was deleted and the second made to look first", async () => {
    const chain = await standard()
    chain.entries.splice(0, 1)
    await resealed(chain, 2, (entry) => {
      entry["prevId"] = null
      entry["prevHash"] = genesisHash
    })
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 2),
      reason: "entry 2 does not link to entry 0"
    })
  })

  it("names a first entry that does not start from the genesis hash", async () => {
    const chain = await standard()
    await resealed(chain, 1, (entry) => {
      entry["prevHash"] = "f".repeat(64)
    })
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 1),
      reason: "entry 1 does not start the chain"
    })
  })

  it("names an entry changed and resealed through the next entry's prevHash", async () => {
    const chain = await standard()
    await resealed(chain, 3, (entry) => {
      entry["time"] = new Date(t0).toISOString()
    })
    const result = await verify(chain)
    expect(result).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 3),
      reason: "entry 3 was changed: entry 4 holds another hash for it"
    })
    expect(Object.keys(result)).not.toContain("checkpoint")
  })

  it("runs the caller's checks of each entry and of the end, and names what they find", async () => {
    const chain = await standard()
    const seen: Array<number> = []
    const result = await verify(chain, {
      onEntry: (entry) => {
        seen.push(entry.seq)
        return entry.seq === 7 ? { eventId: "from-the-index", reason: "the index says otherwise" } : undefined
      }
    })
    expect(result).toMatchObject({ ok: false, firstBadEventId: "from-the-index", reason: "the index says otherwise" })
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7])
    const ended: Array<unknown> = []
    const atEnd = await verify(chain, {
      onEnd: async (last) => {
        ended.push(last)
        return { eventId: "head", reason: "the head record differs" }
      }
    })
    expect(atEnd).toMatchObject({ ok: false, firstBadEventId: "head", reason: "the head record differs" })
    expect(ended).toEqual([{ seq: 12, id: parsed(chain.entries[11]!).id, hash: chain.entries[11]!.hash }])
  })
})

describe("verifyChain: checkpoints", () => {
  it("names nothing for a forged start checkpoint, and the last event for a forged heartbeat with no new entries", async () => {
    const chain = await written(async (store, tick) => {
      await writes(store, tick, 2)
      tick()
      await store.heartbeat()
    })
    const start = chain.checkpoints[0]!
    chain.checkpoints[0] = { ...start, checkpoint: { ...start.checkpoint, time: new Date(t0 - 1).toISOString() } }
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: "",
      checkpoint: 1,
      reason: "checkpoint 1 has a bad signature (forged or changed)"
    })
    chain.checkpoints[0] = start
    const beat = chain.checkpoints[2]!
    expect(beat.checkpoint).toMatchObject({ reason: "heartbeat", fromSeq: 5, toSeq: 4 })
    chain.checkpoints[2] = { ...beat, checkpoint: { ...beat.checkpoint, time: new Date(t0).toISOString() } }
    expect(await verify(chain)).toMatchObject({ ok: false, firstBadEventId: eventAt(chain, 4), checkpoint: 3 })
  })

  it("refuses a validly signed checkpoint that does not link to the one before, or does not start where it ended", async () => {
    const chain = await standard()
    const checkpoints = [...chain.checkpoints]
    chain.checkpoints[2] = await resigned(chain, 3, { prevCheckpointHash: "e".repeat(64) })
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 5),
      checkpoint: 3,
      reason: "checkpoint 3 does not link to checkpoint 2"
    })
    chain.checkpoints.splice(0, 4, ...checkpoints)
    chain.checkpoints[2] = await resigned(chain, 3, { fromSeq: 6 })
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 5),
      checkpoint: 3,
      reason: "checkpoint 3 does not start where checkpoint 2 ended"
    })
  })

  it("refuses a checkpoint served again after a later one (out of order)", async () => {
    const chain = await standard()
    chain.checkpoints.splice(2, 0, chain.checkpoints[0]!)
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 4),
      checkpoint: 1,
      reason: "checkpoint 1 is out of order"
    })
  })

  it("measures the time between checkpoints: up to 150 s is no gap, more is", async () => {
    const gapOf = (ms: number) =>
      written(async (store, tick) => {
        await writes(store, tick, 2) // checkpoint 2 at entry 4
        tick(ms - 2000)
        await writes(store, tick, 2) // checkpoint 3 at entry 8, `ms` after checkpoint 2
      })
    const within = await gapOf(150_000)
    expect(await verify(within)).toMatchObject({ ok: true, checkpoints: 3 })
    const beyond = await gapOf(200_000)
    expect(await verify(beyond)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(beyond, 5),
      checkpoint: 3,
      reason:
        "no checkpoint for 200 s between checkpoints 2 and 3 (the heartbeat is every 60 s): checkpoints were removed"
    })
  })

  it("measures the newest checkpoint's age at the time of reading, naming the first event it does not cover", async () => {
    const chain = await written(async (store, tick) => {
      await writes(store, tick, 2) // checkpoint 2 at entry 4
      await store.deny(denial(tick(), { requestId: "a" }))
      await store.deny(denial(tick(), { requestId: "b" }))
    })
    const newest = Date.parse(chain.checkpoints[1]!.checkpoint.time)
    expect(await verify(chain, { asOf: newest + 150_000 })).toMatchObject({ ok: true })
    expect(await verify(chain, { asOf: newest + 200_000 })).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 5),
      checkpoint: 2,
      reason:
        "the newest checkpoint (2) is 200 s old (the heartbeat is every 60 s): later checkpoints were removed, or the signer stopped"
    })
    expect(await verify(chain, { asOf: newest + 200_000, maxGapMs: 250_000 })).toMatchObject({ ok: true })
  })

  it("names the first event of a chain no checkpoint covers once it is older than the heartbeat allows", async () => {
    const chain = await standard()
    const first = Date.parse(parsed(chain.entries[0]!)["time"] as string)
    expect(await verify({ ...chain, checkpoints: [] }, { asOf: first + 150_000 })).toMatchObject({ ok: true })
    expect(await verify({ ...chain, checkpoints: [] }, { asOf: first + 151_000 })).toStrictEqual({
      ok: false,
      events: 7,
      entries: 12,
      signed: true,
      checkpoints: 0,
      firstBadEventId: eventAt(chain, 1),
      reason:
        "no checkpoint covers entries 1..12, the first of them 151 s old: checkpoints were removed, or the signer never ran"
    })
  })
})

describe("verifyChain: the end of the chain", () => {
  it("names the last event left when a checkpoint covers entries that are gone", async () => {
    const chain = await standard()
    chain.entries.splice(10)
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 10),
      checkpoint: 4,
      reason: "the chain ends at entry 10 but checkpoint 4 covers entries up to 12: entries were removed from the end"
    })
    chain.entries.splice(0)
    expect(await verify(chain)).toMatchObject({
      ok: false,
      firstBadEventId: "",
      checkpoint: 2,
      reason: "the chain ends at entry 0 but checkpoint 2 covers entries up to 4: entries were removed from the end"
    })
  })

  it("accepts the witness's checkpoint when the store holds it as it is", async () => {
    const chain = await standard()
    expect(await verify(chain, { latest: chain.checkpoints[3]! })).toMatchObject({ ok: true, checkpoints: 4 })
    expect(await verify(chain, { latest: chain.checkpoints[2]! })).toMatchObject({ ok: true, checkpoints: 4 })
  })

  it("refuses a witness's checkpoint that is forged or signed by an unknown key, naming no event", async () => {
    const chain = await standard()
    const last = chain.checkpoints[3]!
    const forged = { ...last, checkpoint: { ...last.checkpoint, toSeq: 20 } }
    expect(await verify(chain, { latest: forged })).toMatchObject({
      ok: false,
      firstBadEventId: "",
      checkpoint: 4,
      reason: "the checkpoint from the logs (4) has a bad signature"
    })
    expect(
      await verify(chain, { latest: await resigned(chain, 4, { keyId: otherKey.keyId }, otherKey) })
    ).toMatchObject({
      ok: false,
      firstBadEventId: "",
      checkpoint: 4,
      reason: "the checkpoint from the logs (4) is signed by an unknown key"
    })
  })

  it("refuses a store whose checkpoint differs from the witness's under the same number", async () => {
    const chain = await standard()
    const witnessed = await resigned(chain, 3, { time: new Date(t0 + 1).toISOString() })
    expect(await verify(chain, { latest: witnessed })).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 12),
      checkpoint: 3,
      reason: "checkpoint 3 in the store differs from the one in the logs"
    })
  })

  it("refuses a store that ends before the witness's checkpoint: the chain was truncated", async () => {
    const chain = await standard()
    const later = await resigned(chain, 4, { n: 5, fromSeq: 13, toSeq: 16 })
    expect(await verify(chain, { latest: later })).toMatchObject({
      ok: false,
      firstBadEventId: eventAt(chain, 12),
      checkpoint: 5,
      reason:
        "the store ends at checkpoint 4 (entry 12) but the logs hold checkpoint 5 covering entries up to 16: the chain was truncated"
    })
    expect(await verify({ ...chain, checkpoints: [] }, { latest: later })).toMatchObject({
      ok: false,
      reason:
        "the store ends at checkpoint 0 (entry 12) but the logs hold checkpoint 5 covering entries up to 16: the chain was truncated"
    })
  })

  it("refuses a witness's checkpoint given without a public key to check it", async () => {
    const chain = await standard()
    expect(await verify(chain, { publicKeys: [], latest: chain.checkpoints[3]! })).toMatchObject({
      ok: false,
      firstBadEventId: "",
      reason: "a checkpoint from the logs was given but no public key to check it"
    })
  })
})
