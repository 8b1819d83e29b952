/**
 * The audit store on Node: SQLite in one file through the built-in `node:sqlite` (no native
 * module), in WAL mode with `synchronous=FULL` so an accepted intent survives a crash or power loss,
 * migrated at open from the same SQL files `wrangler d1 migrations apply` runs on D1.
 *
 * Every statement after the migrations runs in a worker thread (`sqlite-thread.ts`): a write lock
 * held by another process (a backup, the `sqlite3` shell), a slow disk or a full one makes writes
 * fail after `busyTimeoutMs` (the proxy answers 503 `proxy.audit_unavailable`), but never blocks
 * the event loop that serves cache hits and reads.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { LogSink } from "../../ports.ts"
import { checkpointLogLine } from "../checkpoint.ts"
import { makeDeadLetterBox } from "../dead-letters.ts"
import { startBackgroundWork } from "./background.ts"
import { makeChainWriter } from "../journal.ts"
import { keyRing, type PublicKey, type SigningKey } from "../keys.ts"
import { defaultUnrecordedAfterMs, makeReader } from "../reader.ts"
import type { SqlDriver, SqlValue, Statement } from "../sql.ts"
import { AuditStoreError, type AuditStore } from "../store.ts"

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
  /** How long a statement waits for another connection's lock before it fails. Default 1000 ms. */
  readonly busyTimeoutMs?: number
  /** The checkpoint signing key (`loadAuditKeys`); without one checkpoints are off (and the log says so). */
  readonly signingKey?: SigningKey | undefined
  /** Earlier public keys, so checkpoints signed before a rotation verify. */
  readonly publicKeys?: ReadonlyArray<PublicKey>
  /** Entries between two checkpoints. Default 100. */
  readonly checkpointEvery?: number
  /** The heartbeat (ms); 0 turns it off. Default 60 s. */
  readonly heartbeatMs?: number
  /** Where the checkpoint witness lines and the "checkpoints are off" line go. Default: JSON on stdout. */
  readonly log?: LogSink
}

/** The Node store: an `AuditStore` plus `close`. */
export interface NodeAuditStore extends AuditStore {
  /** The file in use. */
  readonly path: string
  /** Stops redelivery and the heartbeat, and closes the database once the statements in flight are done. */
  readonly close: () => Promise<void>
}

/** The default migrations directory: `apps/edge-proxy/migrations`. */
export const defaultMigrationsDir = fileURLToPath(new URL("../../../migrations/", import.meta.url))

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

interface Answer {
  readonly id: number
  readonly ok: boolean
  readonly rows?: Array<unknown>
  readonly error?: { readonly name: string; readonly message: string; readonly code?: string }
}

/** The driver over the SQLite thread. */
export interface ThreadSqlDriver extends SqlDriver {
  /** Ends the thread once the statements in flight are done; later calls reject. */
  readonly close: () => Promise<void>
  /** The thread now serving statements (diagnostics and tests); a stopped one is replaced on the next call. */
  readonly thread: () => Worker
}

/**
 * The SQL driver over a connection in a worker thread. If the thread dies, the statements in flight
 * fail (their writes are refused, as for any store failure) and the next call starts a new thread.
 */
export const threadSqlDriver = (path: string, busyTimeoutMs: number): ThreadSqlDriver => {
  const waiting = new Map<number, { resolve: (rows: Array<unknown>) => void; reject: (error: Error) => void }>()
  let next = 0
  let closed = false
  let current: Worker | undefined
  const failAll = (error: Error) => {
    for (const pending of waiting.values()) pending.reject(error)
    waiting.clear()
  }
  const thread = (): Worker => {
    if (current !== undefined) return current
    const worker = new Worker(new URL("./sqlite-thread.ts", import.meta.url), { workerData: { path, busyTimeoutMs } })
    worker.unref()
    worker.on("message", (answer: Answer) => {
      const pending = waiting.get(answer.id)
      if (pending === undefined) return
      waiting.delete(answer.id)
      if (answer.ok) pending.resolve(answer.rows ?? [])
      else pending.reject(new AuditStoreError(`SQLite: ${answer.error?.message ?? "failed"}`))
    })
    const stopped = (reason: string) => {
      if (current === worker) current = undefined
      failAll(new AuditStoreError(reason))
    }
    worker.on("error", (error) => stopped(`the SQLite thread failed: ${String(error)}`))
    worker.on("exit", () => stopped("the SQLite thread has stopped"))
    return (current = worker)
  }
  const inFlight = new Set<Promise<unknown>>()
  const call = (message: Record<string, unknown>): Promise<Array<unknown>> => {
    if (closed) return Promise.reject(new AuditStoreError("the audit store is closed"))
    const id = ++next
    const answer = new Promise<Array<unknown>>((resolve, reject) => {
      waiting.set(id, { resolve, reject })
      thread().postMessage({ id, ...message }) // oxlint-disable-line unicorn/require-post-message-target-origin
    })
    const settled = answer.catch(() => undefined).finally(() => inFlight.delete(settled))
    inFlight.add(settled)
    return answer
  }
  thread()
  return {
    all: async <Row>(sql: string, params: ReadonlyArray<SqlValue> = []) =>
      (await call({ op: "all", sql, params: [...params] })) as Array<Row>,
    batch: async (statements: ReadonlyArray<Statement>) => {
      await call({ op: "batch", statements: statements.map((s) => ({ sql: s.sql, params: [...s.params] })) })
    },
    thread,
    close: async () => {
      while (inFlight.size > 0) await Promise.allSettled(inFlight)
      closed = true
      await current?.terminate()
    }
  }
}

/**
 * Opens (creating and migrating if needed) the audit store in a SQLite file. One process should
 * write a given file; a second writer cannot fork the chain (its stale appends fail on the `seq`
 * key and are retried by the recorder), but it is not a supported setup.
 *
 * @example
 * const keys = await loadAuditKeys(settings)
 * const store = openNodeAuditStore({ path: "./data/audit.sqlite", signingKey: keys.signingKey, publicKeys: keys.publicKeys })
 */
export const openNodeAuditStore = (options: NodeAuditStoreOptions): NodeAuditStore => {
  const now = options.now ?? Date.now
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)))
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true })
  // `:memory:` is one database per connection: keep it on this thread (tests and the demo only).
  const memory = options.path === ":memory:"
  const migrations = new DatabaseSync(options.path)
  migrations.exec("PRAGMA journal_mode = WAL")
  migrations.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 1000}`)
  applyMigrations(migrations, options.migrationsDir ?? defaultMigrationsDir)
  if (!memory) migrations.close()
  const driver: SqlDriver | ThreadSqlDriver = memory
    ? localSqlDriver(migrations)
    : threadSqlDriver(options.path, options.busyTimeoutMs ?? 1000)
  const signingKey = options.signingKey
  const publicKeys = keyRing(signingKey, options.publicKeys ?? [])
  const writer = makeChainWriter(driver, {
    now,
    signingKey,
    ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
    onCheckpoint: (signed, hash) => log(checkpointLogLine(signed, hash))
  })
  const reader = makeReader(driver, {
    now,
    unrecordedAfterMs: options.unrecordedAfterMs ?? defaultUnrecordedAfterMs,
    publicKeys: async () => publicKeys
  })
  const box = makeDeadLetterBox(driver, now)
  const stopBackground = startBackgroundWork({
    box,
    writer: writer,
    signingKey,
    log,
    redeliverEveryMs: options.redeliverEveryMs,
    onRedeliveryError: options.onRedeliveryError,
    heartbeatMs: options.heartbeatMs
  })
  return {
    path: options.path,
    accept: async (intent) => (await writer.intent(intent)).receipt,
    complete: (eventId, outcome) => writer.outcome(eventId, outcome),
    deny: async (denial) => (await writer.denial(denial)).receipt,
    query: reader.query,
    export: reader.export,
    chain: reader.chain,
    checkpoints: reader.checkpoints,
    publicKeys: async () => publicKeys,
    heartbeat: () => writer.heartbeat(),
    verify: reader.verify,
    deadLetter: box.put,
    deadLetters: box.list,
    redeliver: () => box.redeliver(writer),
    close: async () => {
      stopBackground()
      if (!memory) await (driver as ThreadSqlDriver).close()
      if (migrations.isOpen) migrations.close()
    }
  }
}

/** The SQLite driver over a connection on this thread (`:memory:` databases, which one thread must own). */
export const localSqlDriver = (db: DatabaseSync): SqlDriver => ({
  all: async <Row>(text: string, params: ReadonlyArray<SqlValue> = []) => db.prepare(text).all(...params) as Array<Row>,
  batch: async (list) => {
    db.exec("BEGIN IMMEDIATE")
    try {
      for (const statement of list) db.prepare(statement.sql).run(...statement.params)
      db.exec("COMMIT")
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK")
      throw error
    }
  }
})
