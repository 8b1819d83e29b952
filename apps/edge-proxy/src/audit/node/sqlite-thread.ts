/**
 * The Node audit store's SQLite connection, in a worker thread: every statement (and the wait for
 * another process's write lock, and the fsync of each commit) runs here, never on the proxy's event
 * loop. Messages: `{ id, op: "all", sql, params }` and `{ id, op: "batch", statements }`; answers
 * `{ id, ok: true, rows? }` or `{ id, ok: false, error: { name, message, code } }`.
 *
 * Only Node built-ins and erasable type syntax here: Node loads this file itself.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { parentPort, workerData } from "node:worker_threads"

interface Start {
  readonly path: string
  readonly busyTimeoutMs: number
}

type Message =
  | { readonly id: number; readonly op: "all"; readonly sql: string; readonly params: Array<SQLInputValue> }
  | {
      readonly id: number
      readonly op: "batch"
      readonly statements: Array<{ readonly sql: string; readonly params: Array<SQLInputValue> }>
    }

const start = workerData as Start
const db = new DatabaseSync(start.path)
db.exec("PRAGMA journal_mode = WAL")
db.exec("PRAGMA synchronous = FULL")
db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(start.busyTimeoutMs))}`)

const statements = new Map<string, StatementSync>()
const prepared = (text: string): StatementSync => {
  let statement = statements.get(text)
  if (statement === undefined) statements.set(text, (statement = db.prepare(text)))
  return statement
}

const port = parentPort!
// A worker thread's port, not a window: there is no target origin.
const answer = (message: Record<string, unknown>) => port.postMessage(message) // oxlint-disable-line unicorn/require-post-message-target-origin

port.on("message", (message: Message) => {
  try {
    if (message.op === "all") {
      answer({ id: message.id, ok: true, rows: prepared(message.sql).all(...message.params) })
      return
    }
    db.exec("BEGIN IMMEDIATE")
    try {
      for (const statement of message.statements) prepared(statement.sql).run(...statement.params)
      db.exec("COMMIT")
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK")
      throw error
    }
    answer({ id: message.id, ok: true })
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string; errcode?: number }
    answer({
      id: message.id,
      ok: false,
      error: { name: e.name ?? "Error", message: e.message ?? String(error), code: e.code, errcode: e.errcode }
    })
  }
})
