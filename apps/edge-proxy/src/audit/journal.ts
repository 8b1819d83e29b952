/**
 * The chain writer: appends intents, outcomes and denials to the hash chain through a `SqlDriver`,
 * one writer per chain (the Node process, or the `AuditLog` Durable Object). Appends that arrive
 * while a commit is in flight are grouped into the next commit (group commit), so each caller waits
 * for one atomic batch, not for every append before it. Every append is idempotent by entry id.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { canonicalJson, genesisHash, sha256Hex } from "./canonical.ts"
import {
  type CheckpointHead,
  checkpointHash,
  defaultCheckpointEvery,
  noCheckpoint,
  signCheckpoint,
  type SignedCheckpoint
} from "./checkpoint.ts"
import {
  chainVersion,
  type ChainEntry,
  Denial,
  type EventData,
  EventId,
  Intent,
  Outcome,
  outcomeEntryId
} from "./event.ts"
import type { SigningKey } from "./keys.ts"
import { sql, type SqlDriver, type Statement } from "./sql.ts"
import { AuditInputError, type CompleteResult, type Receipt } from "./store.ts"

/** The last entry of the chain. */
export interface Head {
  readonly seq: number
  readonly id: string | null
  readonly hash: string
}

/** What an append did: a receipt, and whether the entry was already there. */
export interface Appended {
  readonly receipt: Receipt
  readonly duplicate: boolean
}

/** The chain writer. */
export interface ChainWriter {
  readonly intent: (intent: Intent) => Promise<Appended>
  readonly denial: (denial: Denial) => Promise<Appended>
  readonly outcome: (eventId: string, outcome: Outcome) => Promise<CompleteResult>
  /** Signs a checkpoint now (the heartbeat), also when no entry came since the last one; `undefined` without a key. */
  readonly heartbeat: () => Promise<SignedCheckpoint | undefined>
}

type Draft =
  | {
      readonly type: "intent"
      readonly id: string
      readonly eventId: string
      readonly time: number
      readonly event: EventData
    }
  | {
      readonly type: "denial"
      readonly id: string
      readonly eventId: string
      readonly time: number
      readonly event: EventData
      readonly outcome: Outcome
    }
  | {
      readonly type: "outcome"
      readonly id: string
      readonly eventId: string
      readonly time: number
      readonly outcome: Outcome
    }
  | { readonly type: "heartbeat" }

type Result = Appended | CompleteResult | SignedCheckpoint | undefined

interface Pending {
  readonly draft: Draft
  done: boolean
  outcome?: { readonly ok: true; readonly result: Result } | { readonly ok: false; readonly error: unknown }
}

interface Known {
  readonly seq: number
  readonly hash: string
  readonly type: string
}

/** Reads the last checkpoint (`noCheckpoint` before the first). */
export const loadCheckpointHead = async (driver: SqlDriver): Promise<CheckpointHead> => {
  const last = await driver.all<{ n: number; to_seq: number; hash: string }>(
    "SELECT n, to_seq, hash FROM audit_checkpoints ORDER BY n DESC LIMIT 1"
  )
  return last[0] === undefined ? noCheckpoint : { n: last[0].n, toSeq: last[0].to_seq, hash: last[0].hash }
}

/** Reads the head: the `audit_meta` record, else the last entry, else the genesis. */
export const loadHead = async (driver: SqlDriver): Promise<Head> => {
  const meta = await driver.all<{ value: string }>("SELECT value FROM audit_meta WHERE key = 'head'")
  if (meta[0] !== undefined) return JSON.parse(meta[0].value) as Head
  const last = await driver.all<Head>("SELECT seq, id, hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
  return last[0] ?? { seq: 0, id: null, hash: genesisHash }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Decodes an input with its schema (unknown keys refused), or throws `AuditInputError`. */
const decoder =
  <A>(
    what: string,
    run: (input: unknown, options: { readonly onExcessProperty: "error" }) => Result.Result<A, Schema.SchemaError>
  ) =>
  (input: unknown): A => {
    const result = run(input, { onExcessProperty: "error" })
    if (Result.isFailure(result)) throw new AuditInputError(`Invalid ${what}: ${result.failure.message}`)
    return result.success
  }

const decodeIntent = decoder("intent", Schema.decodeUnknownResult(Intent))
const decodeDenial = decoder("denial", Schema.decodeUnknownResult(Denial))
const decodeOutcome = decoder("outcome", Schema.decodeUnknownResult(Outcome))
const decodeEventId = decoder("event id", Schema.decodeUnknownResult(EventId))

const actorId = (event: EventData): string | null => (event.actor === "anonymous" ? null : event.actor.id)

const indexStatement = (entry: ChainEntry): Statement => {
  switch (entry.type) {
    case "intent":
    case "denial": {
      const outcome = entry.type === "denial" ? entry.outcome : undefined
      return sql(
        `INSERT INTO audit_events (event_id, seq, kind, time_ms, actor_id, operation_id, organization_id, request_id,
          status, error_code, latency_ms, outcome_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        entry.eventId,
        entry.seq,
        entry.type === "intent" ? "write" : "denial",
        Date.parse(entry.time),
        actorId(entry.event),
        entry.event.operationId,
        entry.event.organizationId,
        entry.event.requestId,
        outcome?.status ?? null,
        outcome?.errorCode ?? null,
        outcome?.latencyMs ?? null,
        outcome === undefined ? null : entry.seq
      )
    }
    case "outcome":
      return sql(
        `UPDATE audit_events SET status = ?, error_code = ?, latency_ms = ?, outcome_seq = ?,
          organization_id = COALESCE(organization_id, ?) WHERE event_id = ?`,
        entry.outcome.status,
        entry.outcome.errorCode,
        entry.outcome.latencyMs,
        entry.seq,
        entry.outcome.createdId ?? null,
        entry.eventId
      )
  }
}

const sealDraft = (draft: Exclude<Draft, { readonly type: "heartbeat" }>, seq: number, prev: Head): ChainEntry => {
  const header = {
    v: chainVersion,
    seq,
    id: draft.id,
    eventId: draft.eventId,
    time: iso(draft.time),
    prevId: prev.id,
    prevHash: prev.hash
  } as const
  switch (draft.type) {
    case "intent":
      return { ...header, type: "intent", event: draft.event }
    case "denial":
      return { ...header, type: "denial", event: draft.event, outcome: draft.outcome }
    case "outcome":
      return { ...header, type: "outcome", outcome: draft.outcome }
  }
}

/** Options of `makeChainWriter`. */
export interface ChainWriterOptions {
  /** The clock for outcome entries (ms since the epoch). */
  readonly now: () => number
  /** Most appends per commit (D1 binds at most 100 values per statement; each append looks up 2 ids). */
  readonly maxBatch?: number
  /** The checkpoint signing key; without one no checkpoint is written. */
  readonly signingKey?: SigningKey | undefined
  /** Sign a checkpoint once this many entries came since the last one. Default 100. */
  readonly checkpointEvery?: number
  /** Called with every checkpoint once it is committed (the witness log line). */
  readonly onCheckpoint?: (signed: SignedCheckpoint, hash: string) => void
}

/**
 * A chain writer over `driver`. The head is cached between commits and reloaded after any failed
 * commit (a failure may hide a commit that went through); the chain's `seq` primary key makes a
 * second writer with a stale head fail instead of forking the chain.
 */
export const makeChainWriter = (driver: SqlDriver, options: ChainWriterOptions): ChainWriter => {
  const maxBatch = options.maxBatch ?? 32
  const every = options.checkpointEvery ?? defaultCheckpointEvery
  const key = options.signingKey
  let head: Head | undefined
  let checkpointHead: CheckpointHead | undefined
  // The first checkpoint this writer signs says `start`: a gap before it is the writer not running.
  let started = false
  const queue: Array<Pending> = []
  let committing: Promise<void> | undefined

  const checkpoint = async (
    h: Head,
    last: CheckpointHead,
    heartbeat: boolean
  ): Promise<{ signed: SignedCheckpoint; hash: string; statement: Statement } | undefined> => {
    if (key === undefined || (!heartbeat && h.seq - last.toSeq < every)) return undefined
    const signed = await signCheckpoint(
      {
        v: 1,
        n: last.n + 1,
        reason: started ? (heartbeat ? "heartbeat" : "events") : "start",
        fromSeq: last.toSeq + 1,
        toSeq: h.seq,
        headHash: h.hash,
        prevCheckpointHash: last.hash,
        time: iso(options.now()),
        keyId: key.keyId
      },
      key
    )
    const hash = await checkpointHash(signed)
    return {
      signed,
      hash,
      statement: sql(
        "INSERT INTO audit_checkpoints (n, to_seq, body, hash) VALUES (?, ?, ?, ?)",
        signed.checkpoint.n,
        h.seq,
        canonicalJson(signed),
        hash
      )
    }
  }

  const commit = async (batch: ReadonlyArray<Pending>): Promise<Array<Result>> => {
    head ??= await loadHead(driver)
    if (key !== undefined) checkpointHead ??= await loadCheckpointHead(driver)
    const ids = new Set<string>()
    for (const { draft } of batch) {
      if (draft.type === "heartbeat") continue
      ids.add(draft.id)
      if (draft.type === "outcome") ids.add(draft.eventId)
    }
    const known = new Map<string, Known>()
    for (const row of await driver.all<{ id: string } & Known>(
      "SELECT id, seq, hash, type FROM audit_chain WHERE id IN (SELECT value FROM json_each(?))",
      [JSON.stringify([...ids])]
    )) {
      known.set(row.id, { seq: row.seq, hash: row.hash, type: row.type })
    }
    const statements: Array<Statement> = []
    const results: Array<Result> = []
    let h = head
    const heartbeatAt: Array<number> = []
    for (const { draft } of batch) {
      if (draft.type === "heartbeat") {
        heartbeatAt.push(results.length)
        results.push(undefined)
        continue
      }
      const existing = known.get(draft.id)
      if (existing !== undefined) {
        results.push(
          draft.type === "outcome"
            ? "duplicate"
            : { receipt: { id: draft.id, seq: existing.seq, hash: existing.hash }, duplicate: true }
        )
        continue
      }
      if (draft.type === "outcome") {
        const intent = known.get(draft.eventId)
        if (intent === undefined) {
          results.push("unknown")
          continue
        }
        if (intent.type !== "intent") {
          // A denial is complete in one entry.
          results.push("duplicate")
          continue
        }
      }
      const entry = sealDraft(draft, h.seq + 1, h)
      const text = canonicalJson(entry)
      const hash = await sha256Hex(text)
      statements.push(
        sql(
          "INSERT INTO audit_chain (seq, id, type, event_id, entry, hash) VALUES (?, ?, ?, ?, ?, ?)",
          entry.seq,
          entry.id,
          entry.type,
          entry.eventId,
          text,
          hash
        ),
        indexStatement(entry)
      )
      known.set(draft.id, { seq: entry.seq, hash, type: entry.type })
      h = { seq: entry.seq, id: entry.id, hash }
      results.push(
        draft.type === "outcome" ? "recorded" : { receipt: { id: draft.id, seq: entry.seq, hash }, duplicate: false }
      )
    }
    if (statements.length > 0) {
      statements.push(
        sql(
          "INSERT INTO audit_meta (key, value) VALUES ('head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          JSON.stringify(h)
        )
      )
    }
    const signed =
      checkpointHead === undefined ? undefined : await checkpoint(h, checkpointHead, heartbeatAt.length > 0)
    if (signed !== undefined) statements.push(signed.statement)
    if (statements.length > 0) await driver.batch(statements)
    head = h
    if (signed !== undefined) {
      started = true
      checkpointHead = { n: signed.signed.checkpoint.n, toSeq: h.seq, hash: signed.hash }
      for (const i of heartbeatAt) results[i] = signed.signed
      options.onCheckpoint?.(signed.signed, signed.hash)
    }
    return results
  }

  const commitBatch = async (batch: ReadonlyArray<Pending>): Promise<void> => {
    try {
      const results = await commit(batch)
      batch.forEach((pending, i) => {
        pending.outcome = { ok: true, result: results[i]! }
        pending.done = true
      })
    } catch (error) {
      head = undefined
      checkpointHead = undefined
      for (const pending of batch) {
        pending.outcome = { ok: false, error }
        pending.done = true
      }
    }
  }

  // Leader-based group commit: a caller whose append is still queued when no commit is running
  // commits the queue's head itself, so each request (each I/O context on Workers) runs only the
  // commits that carry its own append or the ones queued before it.
  const append = async (draft: Draft): Promise<Result> => {
    const pending: Pending = { draft, done: false }
    queue.push(pending)
    while (!pending.done) {
      if (committing === undefined) {
        const batch = queue.splice(0, maxBatch)
        committing = commitBatch(batch).finally(() => {
          committing = undefined
        })
      }
      await committing
    }
    const outcome = pending.outcome!
    if (!outcome.ok) throw outcome.error
    return outcome.result
  }

  return {
    intent: async (input) => {
      const intent = decodeIntent(input)
      return (await append({
        type: "intent",
        id: intent.id,
        eventId: intent.id,
        time: intent.time,
        event: intent.event
      })) as Appended
    },
    denial: async (input) => {
      const denial = decodeDenial(input)
      return (await append({
        type: "denial",
        id: denial.id,
        eventId: denial.id,
        time: denial.time,
        event: denial.event,
        outcome: denial.outcome
      })) as Appended
    },
    outcome: async (input, outcomeInput) => {
      const eventId = decodeEventId(input)
      const outcome = decodeOutcome(outcomeInput)
      return (await append({
        type: "outcome",
        id: outcomeEntryId(eventId),
        eventId,
        time: options.now(),
        outcome
      })) as CompleteResult
    },
    heartbeat: async () => (await append({ type: "heartbeat" })) as SignedCheckpoint | undefined
  }
}
