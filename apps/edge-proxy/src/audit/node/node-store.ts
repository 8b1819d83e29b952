/**
 * The audit store on Node: SQLite in one file through the built-in `node:sqlite` (no native
 * module), in WAL mode with `synchronous=FULL` so an accepted intent survives a crash or power loss,
 * migrated at open from the same SQL files `wrangler d1 migrations apply` runs on D1.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import { makeDeadLetterBox } from "../dead-letters.ts"
import { makeChainWriter } from "../journal.ts"
import { defaultUnrecordedAfterMs, makeReader } from "../reader.ts"
import type { SqlDriver, SqlValue } from "../sql.ts"
import type { AuditStore } from "../store.ts"

/** Options of `openNodeAuditStore`. */
export interface NodeAuditStoreOptions {
  /** The database file (created with its directory if missing), or `:memory:`. */
  readonly path: string
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
  /** Grace period before a pending write shows as `outcome_unrecorded`. Default 5 minutes. */
  readonly unrecordedAfterMs?: number
  /** The migrations directory. Default: `apps/edge-proxy/migrations`. */
  readonly migrationsDir?: string
  /** Redeliver dead letters this often (ms); 0 turns it off. Default 60 s. */
  readonly redeliverEveryMs?: number
  /** Where redelivery failures are reported. Default: nowhere (they stay in the box). */
  readonly onRedeliveryError?: (error: unknown) => void
}

/** The Node store: an `AuditStore` plus `close`. */
export interface NodeAuditStore extends AuditStore {
  /** The file in use. */
  readonly path: string
  /** Stops redelivery and closes the database. */
  readonly close: () => void
}

/** The default migrations directory: `apps/edge-proxy/migrations`. */
export const defaultMigrationsDir = fileURLToPath(new URL("../../../migrations/", import.meta.url))

/** The SQLite driver over one `DatabaseSync` connection (statements prepared once). */
export const nodeSqlDriver = (db: DatabaseSync): SqlDriver => {
  const statements = new Map<string, StatementSync>()
  const prepared = (text: string): StatementSync => {
    let statement = statements.get(text)
    if (statement === undefined) statements.set(text, (statement = db.prepare(text)))
    return statement
  }
  return {
    all: async <Row>(text: string, params: ReadonlyArray<SqlValue> = []) => prepared(text).all(...params) as Array<Row>,
    batch: async (list) => {
      db.exec("BEGIN IMMEDIATE")
      try {
        for (const statement of list) prepared(statement.sql).run(...statement.params)
        db.exec("COMMIT")
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK")
        throw error
      }
    }
  }
}

/**
 * Applies the `*.sql` files of `dir` that are not yet in `d1_migrations`, in name order, each in its
 * own transaction (the table and its columns are the ones wrangler uses for D1).
 *
 * @returns the names applied now
 */
export const applyMigrations = (db: DatabaseSync, dir: string): Array<string> => {
  db.exec(
    `CREATE TABLE IF NOT EXISTS d1_migrations (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT UNIQUE,
      applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    )`
  )
  const applied: Array<string> = []
  for (const name of readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .sort()) {
    db.exec("BEGIN IMMEDIATE")
    try {
      if (db.prepare("SELECT 1 FROM d1_migrations WHERE name = ?").get(name) === undefined) {
        db.exec(readFileSync(join(dir, name), "utf8"))
        db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").run(name)
        applied.push(name)
      }
      db.exec("COMMIT")
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK")
      throw error
    }
  }
  return applied
}

/**
 * Opens (creating and migrating if needed) the audit store in a SQLite file. One process should
 * write a given file; a second writer cannot fork the chain (its stale appends fail on the `seq`
 * key and are retried by the recorder), but it is not a supported setup.
 *
 * @example
 * const store = openNodeAuditStore({ path: process.env.ORGKIT_AUDIT_DB_PATH ?? "./data/audit.sqlite" })
 */
export const openNodeAuditStore = (options: NodeAuditStoreOptions): NodeAuditStore => {
  const now = options.now ?? Date.now
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true })
  const db = new DatabaseSync(options.path)
  db.exec("PRAGMA journal_mode = WAL")
  db.exec("PRAGMA synchronous = FULL")
  db.exec("PRAGMA busy_timeout = 5000")
  applyMigrations(db, options.migrationsDir ?? defaultMigrationsDir)
  const driver = nodeSqlDriver(db)
  const writer = makeChainWriter(driver, { now })
  const reader = makeReader(driver, { now, unrecordedAfterMs: options.unrecordedAfterMs ?? defaultUnrecordedAfterMs })
  const box = makeDeadLetterBox(driver, now)
  const every = options.redeliverEveryMs ?? 60_000
  const timer =
    every > 0
      ? setInterval(() => {
          box.redeliver(writer).catch((error: unknown) => options.onRedeliveryError?.(error))
        }, every)
      : undefined
  timer?.unref()
  return {
    path: options.path,
    accept: async (intent) => (await writer.intent(intent)).receipt,
    complete: (eventId, outcome) => writer.outcome(eventId, outcome),
    deny: async (denial) => (await writer.denial(denial)).receipt,
    query: reader.query,
    export: reader.export,
    chain: reader.chain,
    verify: reader.verify,
    deadLetter: box.put,
    deadLetters: box.list,
    redeliver: () => box.redeliver(writer),
    close: () => {
      if (timer !== undefined) clearInterval(timer)
      if (db.isOpen) db.close()
    }
  }
}
