/**
 * Verification of an audit chain and its signed checkpoints: the one module behind
 * `GET /audit/verify` (the store adds its index checks through `onEntry`/`onEnd`) and
 * `orgkit audit verify` (a proxy's `/audit/chain` and `/audit/checkpoints`, or an export file).
 *
 * It checks every entry (canonical JSON, hash, format, the link to the one before), every
 * checkpoint (signature by a known key, gapless numbers, the link to the one before, the range it
 * covers, the head hash it signed against the chain), heartbeat gaps, and, given a later checkpoint
 * from the logs, truncation. It names the first bad event and the reason.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { canonicalJson, genesisHash, sha256Hex } from "./canonical.ts"
import { checkpointHash, checkSignature, heartbeatMs, type SignedCheckpoint } from "./checkpoint.ts"
import { ChainEntry, eventIdOfEntry, outcomeEntryId, type VerifyResult } from "./event.ts"
import type { PublicKey } from "./keys.ts"
import type { RawEntry } from "./store.ts"

/** A failure found by a caller's own check. */
export interface Finding {
  readonly eventId: string
  readonly reason: string
}

/** The default largest time between two checkpoints before it counts as a gap: 2.5 heartbeats. */
export const defaultMaxGapMs = 2.5 * heartbeatMs

/** What to verify. */
export interface VerifyInput<Row extends RawEntry> {
  /** The chain, oldest first. */
  readonly entries: AsyncIterable<Row>
  /** The stored checkpoints, by number. */
  readonly checkpoints: AsyncIterable<SignedCheckpoint>
  /** The keys checkpoints may be signed with; none: checkpoints are not checked (`signed: false`). */
  readonly publicKeys: ReadonlyArray<PublicKey>
  /** A checkpoint known from outside the store (the witness log): the store must still hold it. */
  readonly latest?: SignedCheckpoint | undefined
  /** When the chain was read (ms since the epoch): the tail must have a checkpoint younger than `maxGapMs`. */
  readonly asOf: number
  /** Default `defaultMaxGapMs`. */
  readonly maxGapMs?: number
  /** A caller's check of each entry (the store's columns and index rows). */
  readonly onEntry?: (entry: ChainEntry, row: Row) => Promise<Finding | undefined> | Finding | undefined
  /** A caller's check once the chain is walked (the store's head record, index orphans). */
  readonly onEnd?: (last: {
    readonly seq: number
    readonly id: string | null
    readonly hash: string
  }) => Promise<Finding | undefined>
}

const decodeEntry = Schema.decodeUnknownResult(ChainEntry)

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`

/** Verifies a chain and its checkpoints. */
export const verifyChain = async <Row extends RawEntry>(input: VerifyInput<Row>): Promise<VerifyResult> => {
  const keys = input.publicKeys
  const signed = keys.length > 0
  const maxGapMs = input.maxGapMs ?? defaultMaxGapMs
  let prev = { seq: 0, id: null as string | null, hash: genesisHash }
  let events = 0
  let entries = 0
  let checked = 0
  // The checkpoints, read as the walk needs them (a year of heartbeats is half a million).
  const checkpoints = input.checkpoints[Symbol.asyncIterator]()
  let peeked: SignedCheckpoint | undefined
  let exhausted = !signed
  const peek = async (): Promise<SignedCheckpoint | undefined> => {
    if (peeked === undefined && !exhausted) {
      const next = await checkpoints.next()
      if (next.done === true) exhausted = true
      else peeked = next.value
    }
    return peeked
  }
  let lastCheckpoint: { n: number; toSeq: number; hash: string; time: number; keyId: string; iso: string } | undefined
  // Event ids by position since the last checkpoint, to name the first event of a bad range.
  let rangeStart: string | undefined
  let lastEventId = ""
  let uncoveredSince: number | undefined
  // The stored hash of the checkpoint the logs hold, to compare once the walk has passed it.
  let storedLatestHash: string | undefined

  const done = (extra: Partial<VerifyResult>): VerifyResult => ({
    events,
    entries,
    ok: false,
    signed,
    checkpoints: checked,
    ...(lastCheckpoint === undefined
      ? {}
      : {
          lastCheckpoint: {
            n: lastCheckpoint.n,
            toSeq: lastCheckpoint.toSeq,
            time: lastCheckpoint.iso,
            keyId: lastCheckpoint.keyId
          }
        }),
    ...extra
  })
  const bad = (eventId: string, reason: string, checkpoint?: number): VerifyResult =>
    done({ firstBadEventId: eventId, reason, ...(checkpoint === undefined ? {} : { checkpoint }) })

  /** Checks the next checkpoint against the entry it signs (`head`). */
  const checkCheckpoint = async (cp: SignedCheckpoint, head: typeof prev): Promise<VerifyResult | undefined> => {
    const c = cp.checkpoint
    const name = rangeStart ?? (head.id === null ? "" : eventIdOfEntry(head.id))
    const signature = await checkSignature(cp, keys)
    if (signature === "unknown-key")
      return bad(name, `checkpoint ${c.n} is signed by key ${c.keyId}, which is none of the public keys`, c.n)
    if (signature === "bad-signature")
      return bad(name, `checkpoint ${c.n} has a bad signature (forged or changed)`, c.n)
    const expectedN = (lastCheckpoint?.n ?? 0) + 1
    if (c.n !== expectedN) return bad(name, `checkpoints ${expectedN}..${c.n - 1} are missing`, c.n)
    if (c.prevCheckpointHash !== (lastCheckpoint?.hash ?? genesisHash))
      return bad(name, `checkpoint ${c.n} does not link to checkpoint ${c.n - 1}`, c.n)
    if (c.fromSeq !== (lastCheckpoint?.toSeq ?? 0) + 1)
      return bad(name, `checkpoint ${c.n} does not start where checkpoint ${c.n - 1} ended`, c.n)
    if (c.headHash !== head.hash) {
      return bad(
        name,
        `entries ${c.fromSeq}..${c.toSeq} were changed: checkpoint ${c.n} signed another hash for entry ${c.toSeq}`,
        c.n
      )
    }
    const time = Date.parse(c.time)
    if (lastCheckpoint !== undefined && c.reason !== "start" && time - lastCheckpoint.time > maxGapMs) {
      return bad(
        name,
        `no checkpoint for ${seconds(time - lastCheckpoint.time)} between checkpoints ${c.n - 1} and ${c.n} ` +
          `(the heartbeat is every ${seconds(heartbeatMs)}): checkpoints were removed`,
        c.n
      )
    }
    lastCheckpoint = { n: c.n, toSeq: c.toSeq, hash: await checkpointHash(cp), time, keyId: c.keyId, iso: c.time }
    if (c.n === input.latest?.checkpoint.n) storedLatestHash = lastCheckpoint.hash
    checked++
    rangeStart = undefined
    uncoveredSince = undefined
    return undefined
  }

  const checkpointsAt = async (head: typeof prev): Promise<VerifyResult | undefined> => {
    for (let cp = await peek(); cp !== undefined && cp.checkpoint.toSeq <= head.seq; cp = await peek()) {
      peeked = undefined
      if (cp.checkpoint.toSeq < head.seq)
        return bad(lastEventId, `checkpoint ${cp.checkpoint.n} is out of order`, cp.checkpoint.n)
      const failed = await checkCheckpoint(cp, head)
      if (failed !== undefined) return failed
    }
    return undefined
  }

  const early = await checkpointsAt(prev)
  if (early !== undefined) return early

  for await (const row of input.entries) {
    let parsed: unknown
    let name = ""
    try {
      parsed = JSON.parse(row.entry)
      name = String((parsed as { eventId?: unknown }).eventId ?? "")
    } catch {
      return bad(name, `entry ${row.seq} is not JSON`)
    }
    let canonical: string
    try {
      canonical = canonicalJson(parsed)
    } catch {
      return bad(name, `entry ${row.seq} is not canonical JSON`)
    }
    if (canonical !== row.entry) return bad(name, `entry ${row.seq} is not canonical JSON`)
    if ((await sha256Hex(row.entry)) !== row.hash) return bad(name, `entry ${row.seq} does not match its hash`)
    const decoded = decodeEntry(parsed, { onExcessProperty: "error" })
    if (Result.isFailure(decoded)) return bad(name, `entry ${row.seq} is not in the chain format`)
    const entry = decoded.success
    name = entry.eventId
    const expectedId = entry.type === "outcome" ? outcomeEntryId(entry.eventId) : entry.eventId
    if (entry.seq !== row.seq || entry.id !== expectedId)
      return bad(name, `entry ${row.seq}: its position or id differs`)
    if (entry.prevId !== prev.id || row.seq !== prev.seq + 1) {
      if (entry.prevId !== null && row.seq > prev.seq + 1) {
        return bad(eventIdOfEntry(entry.prevId), `entry ${row.seq - 1} (${entry.prevId}) is missing from the chain`)
      }
      return bad(name, `entry ${row.seq} does not link to entry ${prev.seq}`)
    }
    if (entry.prevHash !== prev.hash) {
      return prev.id === null
        ? bad(name, `entry ${row.seq} does not start the chain`)
        : bad(eventIdOfEntry(prev.id), `entry ${prev.seq} was changed: entry ${row.seq} holds another hash for it`)
    }
    const finding = await input.onEntry?.(entry, row)
    if (finding !== undefined) return bad(finding.eventId, finding.reason)
    entries++
    if (entry.type !== "outcome") events++
    if (rangeStart === undefined) {
      rangeStart = name
      uncoveredSince = Date.parse(entry.time)
    }
    lastEventId = name
    prev = { seq: row.seq, id: entry.id, hash: row.hash }
    const failed = await checkpointsAt(prev)
    if (failed !== undefined) return failed
  }

  const end = await input.onEnd?.(prev)
  if (end !== undefined) return bad(end.eventId, end.reason)

  if (signed) {
    const beyond = await peek()
    if (beyond !== undefined) {
      return bad(
        lastEventId,
        `the chain ends at entry ${prev.seq} but checkpoint ${beyond.checkpoint.n} covers entries up to ` +
          `${beyond.checkpoint.toSeq}: entries were removed from the end`,
        beyond.checkpoint.n
      )
    }
    const latest = input.latest
    if (latest !== undefined) {
      const n = latest.checkpoint.n
      const signature = await checkSignature(latest, keys)
      if (signature !== "ok") {
        return bad(
          "",
          `the checkpoint from the logs (${n}) ${signature === "unknown-key" ? "is signed by an unknown key" : "has a bad signature"}`,
          n
        )
      }
      if (storedLatestHash !== undefined && storedLatestHash !== (await checkpointHash(latest))) {
        return bad(lastEventId, `checkpoint ${n} in the store differs from the one in the logs`, n)
      }
      if (lastCheckpoint === undefined || lastCheckpoint.n < n) {
        return bad(
          lastEventId,
          `the store ends at checkpoint ${lastCheckpoint?.n ?? 0} (entry ${prev.seq}) but the logs hold checkpoint ${n} ` +
            `covering entries up to ${latest.checkpoint.toSeq}: the chain was truncated`,
          n
        )
      }
    }
    // The tail: a checkpoint younger than the heartbeat allows must exist once there are entries.
    const age = lastCheckpoint !== undefined ? input.asOf - lastCheckpoint.time : undefined
    if (age !== undefined && age > maxGapMs) {
      return bad(
        rangeStart ?? lastEventId,
        `the newest checkpoint (${lastCheckpoint!.n}) is ${seconds(age)} old (the heartbeat is every ` +
          `${seconds(heartbeatMs)}): later checkpoints were removed, or the signer stopped`,
        lastCheckpoint!.n
      )
    }
    if (lastCheckpoint === undefined && uncoveredSince !== undefined && input.asOf - uncoveredSince > maxGapMs) {
      return bad(
        rangeStart ?? lastEventId,
        `no checkpoint covers entries 1..${prev.seq}, the first of them ${seconds(input.asOf - uncoveredSince)} old: ` +
          "checkpoints were removed, or the signer never ran"
      )
    }
  } else if (input.latest !== undefined) {
    return bad("", "a checkpoint from the logs was given but no public key to check it")
  }
  return { ...done({}), ok: true, head: { seq: prev.seq, hash: prev.hash } }
}
