/**
 * The audit store on Workers, as the proxy's Worker sees it: writes go to the `AuditLog` Durable
 * Object (the chain's single writer, in front of D1), reads go straight to D1. See README.md for why.
 */
import type { AuditLog } from "./durable-object.ts"
import { defaultUnrecordedAfterMs, makeReader } from "../reader.ts"
import { type AuditKeys, decodeAuditSettings, loadAuditKeys } from "../settings.ts"
import type { SqlDriver, SqlValue } from "../sql.ts"
import type { AuditStore } from "../store.ts"

/** The bindings the audit trail needs (names as in `wrangler.jsonc`). */
export interface AuditBindings {
  /** The D1 database with `migrations/` applied. */
  readonly AUDIT_DB: D1Database
  /** The `AuditLog` Durable Object namespace. */
  readonly AUDIT_LOG: DurableObjectNamespace<AuditLog>
  /** The checkpoint signing key (a secret); its public half and these verify checkpoints. */
  readonly ORGKIT_AUDIT_SIGNING_KEY?: string
  readonly ORGKIT_AUDIT_PUBLIC_KEYS?: string
}

/** The SQL driver over a D1 database (`batch` is one D1 transaction). */
export const d1SqlDriver = (db: D1Database): SqlDriver => ({
  all: async <Row>(text: string, params: ReadonlyArray<SqlValue> = []) =>
    (
      await db
        .prepare(text)
        .bind(...params)
        .all<Row & Record<string, unknown>>()
    ).results as Array<Row>,
  batch: async (statements) => {
    await db.batch(statements.map((statement) => db.prepare(statement.sql).bind(...statement.params)))
  }
})

/** Options of `workersAuditStore`. */
export interface WorkersAuditStoreOptions {
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
  /** Grace period before a pending write shows as `outcome_unrecorded`. Default 5 minutes. */
  readonly unrecordedAfterMs?: number
}

/**
 * The name of the one `AuditLog` object: one chain per D1 database, so one writer. (A second name
 * over the same database would be a second writer; its appends would fail on the `seq` key.)
 */
export const auditLogName = "audit"

/**
 * The Workers audit store. A fresh stub per call: a stub that saw an exception may be broken, and
 * making one costs nothing.
 *
 * @example
 * const store = workersAuditStore(env)
 */
export const workersAuditStore = (env: AuditBindings, options: WorkersAuditStoreOptions = {}): AuditStore => {
  const log = () => env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(auditLogName))
  let keys: Promise<AuditKeys> | undefined
  const publicKeys = async () =>
    (await (keys ??= loadAuditKeys(decodeAuditSettings(env as unknown as Record<string, unknown>, [])))).publicKeys
  const reader = makeReader(d1SqlDriver(env.AUDIT_DB), {
    now: options.now ?? Date.now,
    unrecordedAfterMs: options.unrecordedAfterMs ?? defaultUnrecordedAfterMs,
    publicKeys
  })
  return {
    accept: (intent) => log().accept(intent),
    complete: (eventId, outcome) => log().complete(eventId, outcome),
    deny: (denial) => log().deny(denial),
    deadLetter: (letter) => log().deadLetter(letter),
    deadLetters: (options) => log().deadLetters(options),
    redeliver: () => log().redeliver(),
    heartbeat: () => log().heartbeat(),
    publicKeys,
    checkpoints: reader.checkpoints,
    query: reader.query,
    export: reader.export,
    chain: reader.chain,
    verify: reader.verify
  }
}
