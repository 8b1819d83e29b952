/**
 * The dead-letter box: deliveries to the chain that failed after their retries (an accepted write's
 * outcome, or a denial), kept in a SQL table where they can be listed and redelivered. Redelivery
 * is safe to repeat: the chain writer is idempotent by entry id.
 */
import type { DeadLetter, Denial, Outcome } from "./event.ts"
import type { ChainWriter } from "./journal.ts"
import { sql, type SqlDriver } from "./sql.ts"
import type { DeadLetterInput, RedeliveryReport } from "./store.ts"

interface Row {
  readonly id: string
  readonly event_id: string
  readonly kind: "outcome" | "denial"
  readonly payload: string
  readonly error: string
  readonly attempts: number
  readonly created_ms: number
  readonly resolved_ms: number | null
  readonly resolution: DeadLetter["resolution"]
}

const toLetter = (row: Row): DeadLetter => ({
  id: row.id,
  eventId: row.event_id,
  kind: row.kind,
  payload: JSON.parse(row.payload) as Outcome | Denial,
  error: row.error,
  attempts: row.attempts,
  createdAt: new Date(row.created_ms).toISOString(),
  resolvedAt: row.resolved_ms === null ? null : new Date(row.resolved_ms).toISOString(),
  resolution: row.resolution
})

/** The dead-letter box over a driver whose database has the `audit_dead_letters` table. */
export interface DeadLetterBox {
  readonly put: (letter: DeadLetterInput) => Promise<void>
  readonly list: (options?: { readonly includeResolved?: boolean }) => Promise<ReadonlyArray<DeadLetter>>
  /** Redelivers every open letter through `writer`; marks each one that went through. */
  readonly redeliver: (writer: ChainWriter) => Promise<RedeliveryReport>
}

/** Builds a dead-letter box. */
export const makeDeadLetterBox = (driver: SqlDriver, now: () => number): DeadLetterBox => ({
  put: (letter) =>
    driver.batch([
      sql(
        `INSERT INTO audit_dead_letters (id, event_id, kind, payload, error, attempts, created_ms, resolved_ms, resolution)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)
         ON CONFLICT (id) DO UPDATE SET error = excluded.error, attempts = attempts + excluded.attempts,
           resolved_ms = NULL, resolution = NULL`,
        `${letter.eventId}/${letter.kind}`,
        letter.eventId,
        letter.kind,
        JSON.stringify(letter.payload),
        letter.error,
        letter.attempts,
        now()
      )
    ]),
  list: async (options) =>
    (
      await driver.all<Row>(
        `SELECT * FROM audit_dead_letters ${options?.includeResolved === true ? "" : "WHERE resolved_ms IS NULL"}
       ORDER BY created_ms, id`
      )
    ).map(toLetter),
  redeliver: async (writer) => {
    const open = await driver.all<Row>(
      "SELECT * FROM audit_dead_letters WHERE resolved_ms IS NULL ORDER BY created_ms, id"
    )
    const report = { attempted: 0, recorded: 0, duplicate: 0, unknown: 0, failed: 0 }
    for (const row of open) {
      report.attempted++
      try {
        const payload = JSON.parse(row.payload) as Outcome | Denial
        const resolution =
          row.kind === "outcome"
            ? await writer.outcome(row.event_id, payload as Outcome)
            : (await writer.denial(payload as Denial)).duplicate
              ? "duplicate"
              : "recorded"
        report[resolution]++
        await driver.batch([
          sql("UPDATE audit_dead_letters SET resolved_ms = ?, resolution = ? WHERE id = ?", now(), resolution, row.id)
        ])
      } catch (error) {
        report.failed++
        await driver
          .batch([
            sql(
              "UPDATE audit_dead_letters SET attempts = attempts + 1, error = ? WHERE id = ?",
              error instanceof Error ? error.message : String(error),
              row.id
            )
          ])
          .catch(() => undefined)
      }
    }
    return report
  }
})
