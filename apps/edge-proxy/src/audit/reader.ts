/**
 * The read side of a SQL audit store: queries with filters and cursors, the NDJSON export, the raw
 * chain, and `verify`, which walks the chain and checks every entry's hash, every link, the head,
 * and every index row against the entries. Shared by the Node store and the Workers store (D1).
 */
import type { SignedCheckpoint } from "./checkpoint.ts"
import {
  type AuditEvent,
  type ChainEntry,
  type DenialEntry,
  eventIdOfEntry,
  type IntentEntry,
  type Outcome,
  type OutcomeEntry,
  type OutcomeState,
  type VerifyResult
} from "./event.ts"
import type { Head } from "./journal.ts"
import type { PublicKey } from "./keys.ts"
import type { SqlDriver, SqlValue } from "./sql.ts"
import {
  type AuditFilters,
  AuditInputError,
  type AuditPage,
  decodeCursor,
  defaultPageSize,
  encodeCursor,
  maxPageSize,
  type RawEntry,
  type VerifyOptions
} from "./store.ts"
import { type Finding, verifyChain } from "./verify.ts"

/** Options of `makeReader`. */
export interface ReaderOptions {
  /** The clock (ms since the epoch), for telling `pending` from `outcome_unrecorded`. */
  readonly now: () => number
  /** How long an accepted write may wait for its outcome before it shows as `outcome_unrecorded`. */
  readonly unrecordedAfterMs: number
  /** The keys checkpoints verify against (none: checkpoints are not checked). */
  readonly publicKeys?: () => Promise<ReadonlyArray<PublicKey>>
}

/** The default grace period before a pending write shows as `outcome_unrecorded`: 5 minutes. */
export const defaultUnrecordedAfterMs = 5 * 60_000

/** The read side of a store. */
export interface Reader {
  readonly query: (filters: AuditFilters, cursor?: string, limit?: number) => Promise<AuditPage>
  readonly export: (filters: AuditFilters) => AsyncIterable<AuditEvent>
  readonly chain: (afterSeq?: number) => AsyncIterable<RawEntry>
  readonly checkpoints: (afterN?: number) => AsyncIterable<SignedCheckpoint>
  readonly verify: (options?: VerifyOptions) => Promise<VerifyResult>
}

interface EventRow {
  readonly event_id: string
  readonly seq: number
  readonly kind: "write" | "denial"
  readonly time_ms: number
  readonly entry: string
  readonly hash: string
  readonly outcome_entry: string | null
  readonly outcome_hash: string | null
}

interface IndexRow {
  readonly event_id: string
  readonly seq: number
  readonly kind: string
  readonly time_ms: number
  readonly actor_id: string | null
  readonly operation_id: string
  readonly organization_id: string | null
  readonly request_id: string
  readonly status: number | null
  readonly error_code: string | null
  readonly latency_ms: number | null
  readonly outcome_seq: number | null
}

interface ChainRow {
  readonly seq: number
  readonly id: string
  readonly type: string
  readonly event_id: string
  readonly entry: string
  readonly hash: string
}

const where = (filters: AuditFilters, options: ReaderOptions, before: number | undefined) => {
  const clauses: Array<string> = []
  const params: Array<SqlValue> = []
  const add = (clause: string, ...values: Array<SqlValue>) => {
    clauses.push(clause)
    params.push(...values)
  }
  if (filters.organizationId !== undefined) add("e.organization_id = ?", filters.organizationId)
  if (filters.organizationIds !== undefined) {
    add("e.organization_id IN (SELECT value FROM json_each(?))", JSON.stringify(filters.organizationIds))
  }
  if (filters.actorId !== undefined) {
    if (filters.actorId === "anonymous") add("e.actor_id IS NULL")
    else add("e.actor_id = ?", filters.actorId)
  }
  if (filters.operationId !== undefined) add("e.operation_id = ?", filters.operationId)
  if (filters.status !== undefined) add("e.status = ?", filters.status)
  if (filters.from !== undefined) add("e.time_ms >= ?", filters.from)
  if (filters.to !== undefined) add("e.time_ms < ?", filters.to)
  if (filters.kind !== undefined) add("e.kind = ?", filters.kind)
  if (filters.outcome !== undefined) {
    const cutoff = options.now() - options.unrecordedAfterMs
    if (filters.outcome === "completed") add("e.outcome_seq IS NOT NULL")
    else if (filters.outcome === "pending") add("e.outcome_seq IS NULL AND e.time_ms > ?", cutoff)
    else add("e.outcome_seq IS NULL AND e.time_ms <= ?", cutoff)
  }
  if (before !== undefined) add("e.seq < ?", before)
  return { sql: clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`, params }
}

const toEvent = (row: EventRow, options: ReaderOptions): AuditEvent => {
  const entry = JSON.parse(row.entry) as IntentEntry | DenialEntry
  const outcome: Outcome | undefined =
    entry.type === "denial"
      ? entry.outcome
      : row.outcome_entry === null
        ? undefined
        : (JSON.parse(row.outcome_entry) as OutcomeEntry).outcome
  const state: OutcomeState =
    outcome !== undefined
      ? outcome.unknown === true
        ? "unknown"
        : "completed"
      : options.now() - row.time_ms >= options.unrecordedAfterMs
        ? "outcome_unrecorded"
        : "pending"
  const event = entry.event
  return {
    id: entry.eventId,
    seq: entry.seq,
    kind: entry.type === "intent" ? "write" : "denial",
    time: entry.time,
    actor: event.actor,
    operationId: event.operationId,
    method: event.method,
    path: event.path,
    organizationId: event.organizationId ?? outcome?.createdId ?? null,
    targets: event.targets,
    request: event.request,
    status: outcome?.status ?? null,
    errorCode: outcome?.errorCode ?? null,
    latencyMs: outcome?.latencyMs ?? null,
    requestId: event.requestId,
    clientIp: event.clientIp,
    userAgent: event.userAgent,
    outcome: state,
    prevHash: entry.prevHash,
    hash: row.hash,
    outcomeHash: entry.type === "denial" ? null : row.outcome_hash
  }
}

const pageSizeOf = (limit: number | undefined): number => {
  if (limit === undefined) return defaultPageSize
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new AuditInputError(`limit must be an integer from 1 to ${maxPageSize}.`)
  }
  return limit
}

/** How many chain entries `verify` and `chain` read per query. */
const walkPage = 500

/** The read side of a SQL audit store. */
export const makeReader = (driver: SqlDriver, options: ReaderOptions): Reader => {
  const query = async (filters: AuditFilters, cursor?: string, limit?: number): Promise<AuditPage> => {
    const size = pageSizeOf(limit)
    const clause = where(filters, options, cursor === undefined ? undefined : decodeCursor(cursor))
    const rows = await driver.all<EventRow>(
      `SELECT e.event_id, e.seq, e.kind, e.time_ms, c.entry, c.hash, o.entry AS outcome_entry, o.hash AS outcome_hash
       FROM audit_events e
       JOIN audit_chain c ON c.seq = e.seq
       LEFT JOIN audit_chain o ON o.seq = e.outcome_seq AND o.type = 'outcome'
       ${clause.sql} ORDER BY e.seq DESC LIMIT ?`,
      [...clause.params, size + 1]
    )
    const events = rows.slice(0, size).map((row) => toEvent(row, options))
    return rows.length > size ? { events, nextCursor: encodeCursor(events[events.length - 1]!.seq) } : { events }
  }

  async function* exportEvents(filters: AuditFilters): AsyncGenerator<AuditEvent> {
    let cursor: string | undefined
    do {
      const page = await query(filters, cursor, maxPageSize)
      yield* page.events
      cursor = page.nextCursor
    } while (cursor !== undefined)
  }

  async function* chain(afterSeq = 0): AsyncGenerator<RawEntry> {
    let after = afterSeq
    for (;;) {
      const rows = await driver.all<RawEntry>(
        "SELECT seq, entry, hash FROM audit_chain WHERE seq > ? ORDER BY seq LIMIT ?",
        [after, walkPage]
      )
      yield* rows
      if (rows.length < walkPage) return
      after = rows[rows.length - 1]!.seq
    }
  }

  async function* checkpoints(afterN = 0): AsyncGenerator<SignedCheckpoint> {
    let after = afterN
    for (;;) {
      const rows = await driver.all<{ n: number; body: string }>(
        "SELECT n, body FROM audit_checkpoints WHERE n > ? ORDER BY n LIMIT ?",
        [after, walkPage]
      )
      for (const row of rows) yield JSON.parse(row.body) as SignedCheckpoint
      if (rows.length < walkPage) return
      after = rows[rows.length - 1]!.n
    }
  }

  /** The chain with each row's index row, read a page at a time. */
  async function* indexedRows(): AsyncGenerator<ChainRow & { readonly index: IndexRow | undefined }> {
    let after = 0
    for (;;) {
      const rows = await driver.all<ChainRow>(
        "SELECT seq, id, type, event_id, entry, hash FROM audit_chain WHERE seq > ? ORDER BY seq LIMIT ?",
        [after, walkPage]
      )
      if (rows.length === 0) return
      const index = new Map<string, IndexRow>()
      for (const row of await driver.all<IndexRow>(
        "SELECT * FROM audit_events WHERE event_id IN (SELECT value FROM json_each(?))",
        [JSON.stringify([...new Set(rows.map((r) => r.event_id))])]
      )) {
        index.set(row.event_id, row)
      }
      for (const row of rows) yield { ...row, index: index.get(row.event_id) }
      if (rows.length < walkPage) return
      after = rows[rows.length - 1]!.seq
    }
  }

  const verify = async (verifyOptions: VerifyOptions = {}): Promise<VerifyResult> => {
    // Writes whose index row points at an outcome entry not seen yet.
    const owedOutcomes = new Map<string, number>()
    // Writes without an organization (CreateOrganization): the index takes the created id from the outcome.
    const orgless = new Set<string>()
    const onEntry = (
      entry: ChainEntry,
      row: ChainRow & { readonly index: IndexRow | undefined }
    ): Finding | undefined => {
      const name = entry.eventId
      if (entry.id !== row.id || entry.type !== row.type || entry.eventId !== row.event_id) {
        return { eventId: name, reason: `entry ${row.seq}: its columns differ from the entry` }
      }
      const ix = row.index
      if (ix === undefined) return { eventId: name, reason: `event ${entry.eventId} is missing from the index` }
      if (entry.type === "outcome") {
        if (
          ix.kind !== "write" ||
          ix.outcome_seq !== entry.seq ||
          ix.status !== entry.outcome.status ||
          ix.error_code !== entry.outcome.errorCode ||
          ix.latency_ms !== entry.outcome.latencyMs ||
          (orgless.has(entry.eventId) && ix.organization_id !== (entry.outcome.createdId ?? null))
        ) {
          return {
            eventId: name,
            reason: `the index row of event ${entry.eventId} differs from its outcome entry ${entry.seq}`
          }
        }
        owedOutcomes.delete(entry.eventId)
        return undefined
      }
      const event = entry.event
      const outcome = entry.type === "denial" ? entry.outcome : undefined
      const same =
        ix.seq === entry.seq &&
        ix.kind === (entry.type === "intent" ? "write" : "denial") &&
        ix.time_ms === Date.parse(entry.time) &&
        ix.actor_id === (event.actor === "anonymous" ? null : event.actor.id) &&
        ix.operation_id === event.operationId &&
        (ix.organization_id === event.organizationId || (event.organizationId === null && ix.outcome_seq !== null)) &&
        ix.request_id === event.requestId &&
        (outcome === undefined
          ? ix.outcome_seq === null
            ? ix.status === null && ix.error_code === null && ix.latency_ms === null
            : ix.outcome_seq > entry.seq
          : ix.outcome_seq === entry.seq &&
            ix.status === outcome.status &&
            ix.error_code === outcome.errorCode &&
            ix.latency_ms === outcome.latencyMs)
      if (!same) {
        return { eventId: name, reason: `the index row of event ${entry.eventId} differs from its entry ${entry.seq}` }
      }
      if (outcome === undefined && ix.outcome_seq !== null) owedOutcomes.set(entry.eventId, ix.outcome_seq)
      if (outcome === undefined && event.organizationId === null && ix.outcome_seq !== null) orgless.add(entry.eventId)
      return undefined
    }
    const onEnd = async (prev: Head): Promise<Finding | undefined> => {
      // The head: entries deleted from the end leave it pointing past the last one.
      const meta = await driver.all<{ value: string }>("SELECT value FROM audit_meta WHERE key = 'head'")
      const head = meta[0] === undefined ? undefined : (JSON.parse(meta[0].value) as Head)
      if (head === undefined) {
        if (prev.id !== null) return { eventId: eventIdOfEntry(prev.id), reason: "the chain head record is missing" }
      } else if (head.seq !== prev.seq || head.id !== prev.id || head.hash !== prev.hash) {
        if (head.seq > prev.seq && head.id !== null) {
          return {
            eventId: eventIdOfEntry(head.id),
            reason: `entries ${prev.seq + 1}..${head.seq} are missing from the end of the chain`
          }
        }
        return {
          eventId: prev.id === null ? "" : eventIdOfEntry(prev.id),
          reason: `the last entry ${prev.seq} differs from the chain head`
        }
      }
      for (const [eventId, seq] of owedOutcomes) {
        return {
          eventId,
          reason: `the index row of event ${eventId} points at outcome entry ${seq}, which is not in the chain`
        }
      }
      // Index rows without a chain entry (an event inserted into the index only).
      const orphans = await driver.all<{ event_id: string }>(
        `SELECT e.event_id FROM audit_events e
         LEFT JOIN audit_chain c ON c.seq = e.seq AND c.event_id = e.event_id AND c.type IN ('intent', 'denial')
         WHERE c.seq IS NULL ORDER BY e.seq LIMIT 1`
      )
      if (orphans[0] !== undefined) {
        return {
          eventId: orphans[0].event_id,
          reason: `event ${orphans[0].event_id} is in the index but not in the chain`
        }
      }
      return undefined
    }
    return verifyChain({
      entries: indexedRows(),
      checkpoints: checkpoints(),
      publicKeys: (await options.publicKeys?.()) ?? [],
      latest: verifyOptions.latest,
      asOf: options.now(),
      onEntry,
      onEnd
    })
  }

  return { query, export: exportEvents, chain, checkpoints, verify }
}
