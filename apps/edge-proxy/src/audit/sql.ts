/**
 * The one SQL dialect the audit stores share (SQLite: `node:sqlite`, D1, Durable Object storage),
 * behind a two-method driver, so the chain writer, the reader and the dead-letter box are written
 * once and run on all three.
 */

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null

/** One statement with its bound values. */
export interface Statement {
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
}

/** A SQLite connection, reduced to what the audit trail needs. */
export interface SqlDriver {
  /** Runs a query and returns its rows. */
  readonly all: <Row = Record<string, SqlValue>>(sql: string, params?: ReadonlyArray<SqlValue>) => Promise<Array<Row>>
  /** Runs statements atomically: all of them are committed, or none. */
  readonly batch: (statements: ReadonlyArray<Statement>) => Promise<void>
}

/** Shorthand for a statement. */
export const sql = (text: string, ...params: ReadonlyArray<SqlValue>): Statement => ({ sql: text, params })

/**
 * The dead-letter table, exactly as in `migrations/0002_audit_dead_letters.sql` (a test checks
 * they agree): the Durable Object creates it in its own storage, where no migration runner reaches.
 */
export const deadLetterSchema = [
  `CREATE TABLE IF NOT EXISTS audit_dead_letters (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('outcome', 'denial')),
  payload TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  resolved_ms INTEGER,
  resolution TEXT
)`,
  `CREATE INDEX IF NOT EXISTS audit_dead_letters_open ON audit_dead_letters (resolved_ms, created_ms)`
] as const
