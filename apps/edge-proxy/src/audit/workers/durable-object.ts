/**
 * `AuditLog`, the Durable Object that writes the audit chain on Workers. One instance (by name) is
 * the chain's single writer: it keeps the head, serialises appends (group commit) and answers
 * `accept` only once the intent is committed to D1. Dead letters live in the object's own SQLite
 * storage, a failure domain apart from D1, and an alarm redelivers them.
 *
 * The proxy's Worker entry must re-export this class (`export { AuditLog } from "./audit/workers/index.ts"`).
 */
import { DurableObject } from "cloudflare:workers"
import type { DeadLetter, Denial, Intent, Outcome } from "../event.ts"
import { type DeadLetterBox, makeDeadLetterBox } from "../dead-letters.ts"
import { type ChainWriter, makeChainWriter } from "../journal.ts"
import { deadLetterSchema, type SqlDriver, type SqlValue } from "../sql.ts"
import type { CompleteResult, DeadLetterInput, Receipt, RedeliveryReport } from "../store.ts"
import { d1SqlDriver } from "./workers-store.ts"

/** The bindings `AuditLog` reads. */
export interface AuditLogEnv {
  readonly AUDIT_DB: D1Database
}

/** The SQL driver over a Durable Object's own SQLite storage (`batch` is one synchronous transaction). */
export const durableObjectSqlDriver = (storage: DurableObjectStorage): SqlDriver => ({
  all: async <Row>(text: string, params: ReadonlyArray<SqlValue> = []) =>
    storage.sql.exec(text, ...params).toArray() as Array<Row>,
  batch: async (statements) => {
    storage.transactionSync(() => {
      for (const statement of statements) storage.sql.exec(statement.sql, ...statement.params)
    })
  }
})

/** How long after a dead letter (or a redelivery that left some open) the alarm redelivers. */
export const redeliveryDelayMs = 30_000

/** The audit chain's writer on Workers. */
export class AuditLog extends DurableObject<AuditLogEnv> {
  readonly #writer: ChainWriter
  readonly #box: DeadLetterBox

  constructor(ctx: DurableObjectState, env: AuditLogEnv) {
    super(ctx, env)
    for (const statement of deadLetterSchema) ctx.storage.sql.exec(statement)
    this.#writer = makeChainWriter(d1SqlDriver(env.AUDIT_DB), { now: () => Date.now() })
    this.#box = makeDeadLetterBox(durableObjectSqlDriver(ctx.storage), () => Date.now())
  }

  /** Appends a write's intent; resolves once D1 has committed it. */
  async accept(intent: Intent): Promise<Receipt> {
    return (await this.#writer.intent(intent)).receipt
  }

  /** Appends an accepted write's outcome (idempotent by event id). */
  async complete(eventId: string, outcome: Outcome): Promise<CompleteResult> {
    return this.#writer.outcome(eventId, outcome)
  }

  /** Appends a denied request (idempotent by id). */
  async deny(denial: Denial): Promise<Receipt> {
    return (await this.#writer.denial(denial)).receipt
  }

  /** Keeps a failed delivery in the object's storage and arms the redelivery alarm. */
  async deadLetter(letter: DeadLetterInput): Promise<void> {
    await this.#box.put(letter)
    await this.#arm()
  }

  /** The dead letters (open ones, or all). */
  async deadLetters(options?: { readonly includeResolved?: boolean }): Promise<ReadonlyArray<DeadLetter>> {
    return this.#box.list(options)
  }

  /** Redelivers the open dead letters now; re-arms the alarm if some are still open. */
  async redeliver(): Promise<RedeliveryReport> {
    const report = await this.#box.redeliver(this.#writer)
    if (report.failed > 0) await this.#arm()
    return report
  }

  override async alarm(): Promise<void> {
    await this.redeliver()
  }

  async #arm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + redeliveryDelayMs)
  }
}
