/**
 * `AuditLog`, the Durable Object that writes the audit chain on Workers. One instance (by name) is
 * the chain's single writer: it keeps the head, serialises appends (group commit) and answers
 * `accept` only once the intent is committed to D1. Dead letters live in the object's own SQLite
 * storage, a failure domain apart from D1, and an alarm redelivers them. With
 * `ORGKIT_AUDIT_SIGNING_KEY` it signs the checkpoints (every `ORGKIT_AUDIT_CHECKPOINT_EVERY` entries,
 * and the alarm's heartbeat every minute) and writes each as one JSON log line (Workers Logs).
 *
 * The proxy's Worker entry must re-export this class (`export { AuditLog } from "./audit/workers/index.ts"`).
 */
import { DurableObject } from "cloudflare:workers"
import { checkpointLogLine, heartbeatMs, type SignedCheckpoint } from "../checkpoint.ts"
import type { DeadLetter, Denial, Intent, Outcome } from "../event.ts"
import { type DeadLetterBox, makeDeadLetterBox } from "../dead-letters.ts"
import { type ChainWriter, makeChainWriter } from "../journal.ts"
import { checkpointsOffLine, decodeAuditSettings, loadAuditKeys } from "../settings.ts"
import { deadLetterSchema, type SqlDriver, type SqlValue } from "../sql.ts"
import type { CompleteResult, DeadLetterInput, Receipt, RedeliveryReport } from "../store.ts"
import { d1SqlDriver } from "./workers-store.ts"

/** The bindings `AuditLog` reads. */
export interface AuditLogEnv {
  readonly AUDIT_DB: D1Database
  readonly ORGKIT_AUDIT_SIGNING_KEY?: string
  readonly ORGKIT_AUDIT_PUBLIC_KEYS?: string
  readonly ORGKIT_AUDIT_CHECKPOINT_EVERY?: string
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

const checkpointFailed = (error: unknown) =>
  console.log(JSON.stringify({ level: "error", msg: "audit checkpoint failed", error: String(error) }))

/** How long after a dead letter (or a redelivery that left some open) the alarm redelivers. */
export const redeliveryDelayMs = 30_000

/** The audit chain's writer on Workers. */
export class AuditLog extends DurableObject<AuditLogEnv> {
  #writer!: ChainWriter
  #signing = false
  readonly #box: DeadLetterBox

  constructor(ctx: DurableObjectState, env: AuditLogEnv) {
    super(ctx, env)
    for (const statement of deadLetterSchema) ctx.storage.sql.exec(statement)
    this.#box = makeDeadLetterBox(durableObjectSqlDriver(ctx.storage), () => Date.now())
    void ctx.blockConcurrencyWhile(async () => {
      const problems: Array<string> = []
      const settings = decodeAuditSettings(env as unknown as Record<string, unknown>, problems)
      // A bad key refuses every write (fail closed); the Worker's configuration check names it at start.
      if (problems.length > 0) throw new Error(`invalid audit settings: ${problems.join("; ")}`)
      const keys = await loadAuditKeys(settings)
      this.#signing = keys.signingKey !== undefined
      this.#writer = makeChainWriter(d1SqlDriver(env.AUDIT_DB), {
        now: () => Date.now(),
        signingKey: keys.signingKey,
        checkpointEvery: settings.checkpointEvery,
        onCheckpoint: (signed, hash) => console.log(JSON.stringify(checkpointLogLine(signed, hash)))
      })
      if (!this.#signing) {
        console.log(JSON.stringify(checkpointsOffLine))
        return
      }
      // The `start` checkpoint before anything else is appended, then the heartbeat from the alarm.
      await this.#writer.heartbeat().catch(checkpointFailed)
      await this.#arm(heartbeatMs)
    })
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

  /** Signs a checkpoint now (the heartbeat); `undefined` when checkpoints are off. */
  async heartbeat(): Promise<SignedCheckpoint | undefined> {
    return this.#writer.heartbeat()
  }

  /** Redelivers the open dead letters now; re-arms the alarm if some are still open. */
  async redeliver(): Promise<RedeliveryReport> {
    const report = await this.#box.redeliver(this.#writer)
    if (report.failed > 0) await this.#arm()
    return report
  }

  override async alarm(): Promise<void> {
    if (this.#signing) {
      // Re-armed first: a failing heartbeat must not stop the next one.
      await this.ctx.storage.setAlarm(Date.now() + heartbeatMs)
      await this.#writer
        .heartbeat()
        .catch((error: unknown) =>
          console.log(JSON.stringify({ level: "error", msg: "audit checkpoint failed", error: String(error) }))
        )
    }
    if ((await this.#box.list()).length > 0) await this.redeliver()
  }

  /** Arms the alarm `delayMs` from now unless it is armed sooner. */
  async #arm(delayMs = redeliveryDelayMs): Promise<void> {
    const at = Date.now() + delayMs
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }
}
