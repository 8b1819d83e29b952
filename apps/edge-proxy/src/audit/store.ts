/**
 * The `AuditStore` port: what the recorder, the middleware and the audit API need from a store,
 * implemented on Node by SQLite (`node-store.ts`) and on Workers by the `AuditLog` Durable Object in
 * front of D1 (`workers-store.ts`). Promise-based, like the proxy's other ports.
 */
import type { SignedCheckpoint } from "./checkpoint.ts"
import type { AuditEvent, DeadLetter, Denial, Intent, Outcome, OutcomeState, VerifyResult } from "./event.ts"
import type { PublicKey } from "./keys.ts"

/** What `accept` and `deny` return: the event's place in the chain. */
export interface Receipt {
  readonly id: string
  readonly seq: number
  readonly hash: string
}

/**
 * What `complete` did: `recorded` (a new outcome entry), `duplicate` (the event already had its
 * outcome: redelivery is harmless), `unknown` (no such accepted write; nothing recorded).
 */
export type CompleteResult = "recorded" | "duplicate" | "unknown"

/** Query filters; all optional and combined with AND. Times are ms since the epoch, `to` exclusive. */
export interface AuditFilters {
  readonly organizationId?: string | undefined
  /** Only events of these organizations (an organization-restricted reader). */
  readonly organizationIds?: ReadonlyArray<string> | undefined
  /** A key id, or `anonymous`. */
  readonly actorId?: string | undefined
  readonly operationId?: string | undefined
  readonly status?: number | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly kind?: "write" | "denial" | undefined
  readonly outcome?: OutcomeState | undefined
}

/** One page of events, newest first; `nextCursor` when there may be more. */
export interface AuditPage {
  readonly events: ReadonlyArray<AuditEvent>
  readonly nextCursor?: string
}

/** A failed delivery, as handed to `deadLetter`. */
export type DeadLetterInput =
  | {
      readonly kind: "outcome"
      readonly eventId: string
      readonly payload: Outcome
      readonly error: string
      readonly attempts: number
    }
  | {
      readonly kind: "denial"
      readonly eventId: string
      readonly payload: Denial
      readonly error: string
      readonly attempts: number
    }

/** What a redelivery run did. */
export interface RedeliveryReport {
  readonly attempted: number
  readonly recorded: number
  readonly duplicate: number
  readonly unknown: number
  readonly failed: number
}

/** One raw chain entry, for independent verification: the canonical JSON text and its hash. */
export interface RawEntry {
  readonly seq: number
  readonly entry: string
  readonly hash: string
}

/** Options of `verify`. */
export interface VerifyOptions {
  /** A checkpoint known from outside the store (the witness log): the store must still hold it. */
  readonly latest?: SignedCheckpoint | undefined
}

/** The audit store. */
export interface AuditStore {
  /**
   * Durably appends a write's intent to the chain before the write is forwarded (fail closed: if
   * this rejects, the write must not be forwarded). Idempotent by `intent.id`.
   */
  readonly accept: (intent: Intent) => Promise<Receipt>
  /** Appends how an accepted write ended. Idempotent by event id (at-least-once delivery is safe). */
  readonly complete: (eventId: string, outcome: Outcome) => Promise<CompleteResult>
  /** Appends a denied request as one complete event. Idempotent by `denial.id`. */
  readonly deny: (denial: Denial) => Promise<Receipt>
  /** Events matching `filters`, newest first, `limit` per page (1..500, default 50). */
  readonly query: (filters: AuditFilters, cursor?: string, limit?: number) => Promise<AuditPage>
  /** Every event matching `filters`, newest first, read page by page (for NDJSON streaming). */
  readonly export: (filters: AuditFilters) => AsyncIterable<AuditEvent>
  /** The raw chain from `afterSeq` on, oldest first. */
  readonly chain: (afterSeq?: number) => AsyncIterable<RawEntry>
  /** The signed checkpoints after number `afterN`, in order. */
  readonly checkpoints: (afterN?: number) => AsyncIterable<SignedCheckpoint>
  /** The public keys checkpoints verify against (the signing key's first); empty when checkpoints are off. */
  readonly publicKeys: () => Promise<ReadonlyArray<PublicKey>>
  /** Signs a checkpoint now (the heartbeat); `undefined` when checkpoints are off. */
  readonly heartbeat: () => Promise<SignedCheckpoint | undefined>
  /** Walks the whole chain and checks every hash, link, index row and checkpoint (`verify.ts`). */
  readonly verify: (options?: VerifyOptions) => Promise<VerifyResult>
  /** Keeps a delivery that failed after its retries. Idempotent by `(eventId, kind)`. */
  readonly deadLetter: (letter: DeadLetterInput) => Promise<void>
  /** The dead letters, oldest first; resolved ones only with `includeResolved`. */
  readonly deadLetters: (options?: { readonly includeResolved?: boolean }) => Promise<ReadonlyArray<DeadLetter>>
  /** Delivers every open dead letter again (idempotently) and marks the ones that went through. */
  readonly redeliver: () => Promise<RedeliveryReport>
}

/** The store could not do what was asked (storage unreachable, constraint failure, …). */
export class AuditStoreError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options)
    this.name = "AuditStoreError"
  }
}

/** An input the store refuses: a malformed intent/outcome, or a cursor it did not issue. */
export class AuditInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "AuditInputError"
  }
}

/** The largest page `query` returns. */
export const maxPageSize = 500

/** The page size `query` uses when none is given. */
export const defaultPageSize = 50

/** Encodes a query cursor: the chain position of the last event returned. */
export const encodeCursor = (seq: number): string => btoa(JSON.stringify({ before: seq })).replaceAll("=", "")

/** Decodes a cursor made by `encodeCursor`; throws `AuditInputError` for anything else. */
export const decodeCursor = (cursor: string): number => {
  try {
    const value = JSON.parse(atob(cursor)) as { before?: unknown }
    if (typeof value.before === "number" && Number.isInteger(value.before) && value.before > 0) return value.before
  } catch {
    // fall through
  }
  throw new AuditInputError("The cursor is not one this API issued.")
}
