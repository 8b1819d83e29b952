/**
 * The tamper matrix of issue 15, written once over the `SqlDriver` both stores share (a second
 * `node:sqlite` connection on Node, the D1 binding in workerd): what an insider with write access
 * to the database can do, each case with the check that must catch it.
 */
import { canonicalJson, sha256Hex } from "../../../src/audit/canonical.ts"
import type { SqlDriver } from "../../../src/audit/sql.ts"
import { sql } from "../../../src/audit/sql.ts"

interface Row {
  readonly seq: number
  readonly id: string
  readonly type: string
  readonly event_id: string
  readonly entry: string
  readonly hash: string
}

const rows = (db: SqlDriver) => db.all<Row>("SELECT * FROM audit_chain ORDER BY seq")

/** Rewrites entries from `fromSeq` on: `change` edits the parsed entry; every later hash, link and the head follow. */
export const rewriteAndRehash = async (
  db: SqlDriver,
  fromSeq: number,
  change: (entry: Record<string, unknown>) => void
): Promise<void> => {
  const all = await rows(db)
  let prevHash = all.find((r) => r.seq === fromSeq - 1)?.hash ?? "0".repeat(64)
  const statements = []
  let head = { seq: 0, id: null as string | null, hash: prevHash }
  for (const row of all.filter((r) => r.seq >= fromSeq)) {
    const entry = JSON.parse(row.entry) as Record<string, unknown>
    if (row.seq === fromSeq) change(entry)
    entry["prevHash"] = prevHash
    const text = canonicalJson(entry)
    const hash = await sha256Hex(text)
    statements.push(sql("UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = ?", text, hash, row.seq))
    prevHash = hash
    head = { seq: row.seq, id: row.id, hash }
  }
  statements.push(sql("UPDATE audit_meta SET value = ? WHERE key = 'head'", JSON.stringify(head)))
  await db.batch(statements)
}

/** Deletes the entries after `keepSeq` (and the checkpoints over them, and their index rows), then rewrites the head to the last kept entry. */
export const truncateAndRewriteHead = async (db: SqlDriver, keepSeq: number): Promise<void> => {
  const kept = (await rows(db)).find((r) => r.seq === keepSeq)!
  await db.batch([
    sql("DELETE FROM audit_events WHERE seq > ? OR outcome_seq > ?", keepSeq, keepSeq),
    sql("DELETE FROM audit_chain WHERE seq > ?", keepSeq),
    sql("DELETE FROM audit_checkpoints WHERE to_seq > ?", keepSeq),
    sql(
      "UPDATE audit_meta SET value = ? WHERE key = 'head'",
      JSON.stringify({ seq: kept.seq, id: kept.id, hash: kept.hash })
    )
  ])
}

/** The event id of the entry at `seq`. */
export const eventAt = async (db: SqlDriver, seq: number): Promise<string> =>
  (await db.all<{ event_id: string }>("SELECT event_id FROM audit_chain WHERE seq = ?", [seq]))[0]!.event_id

/** Changes a stored checkpoint's signed content (its signature stays). */
export const forgeCheckpoint = async (db: SqlDriver, n: number, change: (c: Record<string, unknown>) => void) => {
  const [row] = await db.all<{ body: string }>("SELECT body FROM audit_checkpoints WHERE n = ?", [n])
  const body = JSON.parse(row!.body) as { checkpoint: Record<string, unknown>; signature: string }
  change(body.checkpoint)
  const text = canonicalJson(body)
  await db.batch([sql("UPDATE audit_checkpoints SET body = ?, hash = ? WHERE n = ?", text, await sha256Hex(text), n)])
}

/** Every stored checkpoint's body. */
export const checkpointBodies = async (db: SqlDriver) =>
  (await db.all<{ n: number; body: string }>("SELECT n, body FROM audit_checkpoints ORDER BY n")).map(
    (r) =>
      JSON.parse(r.body) as {
        checkpoint: { n: number; fromSeq: number; toSeq: number; reason: string; keyId: string }
        signature: string
      }
  )

/** Edits the stored text of the entry at `seq` in place (`from` → `to`); its hash stays. */
export const editEntry = async (db: SqlDriver, seq: number, from: string, to: string): Promise<void> => {
  const [row] = await db.all<{ entry: string }>("SELECT entry FROM audit_chain WHERE seq = ?", [seq])
  await db.batch([sql("UPDATE audit_chain SET entry = ? WHERE seq = ?", row!.entry.replace(from, to), seq)])
}

/** Swaps the stored entries (text and hash) at `a` and `b`. */
export const swapEntries = async (db: SqlDriver, a: number, b: number): Promise<void> => {
  const [first, second] = await db.all<{ entry: string; hash: string }>(
    "SELECT entry, hash FROM audit_chain WHERE seq IN (?, ?) ORDER BY seq",
    [Math.min(a, b), Math.max(a, b)]
  )
  await db.batch([
    sql("UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = ?", second!.entry, second!.hash, Math.min(a, b)),
    sql("UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = ?", first!.entry, first!.hash, Math.max(a, b))
  ])
}

/** Deletes the entries from `fromSeq` to `toSeq` (default: the end), leaving the head record as it was. */
export const deleteEntries = (db: SqlDriver, fromSeq: number, toSeq = Number.MAX_SAFE_INTEGER): Promise<void> =>
  db.batch([sql("DELETE FROM audit_chain WHERE seq >= ? AND seq <= ?", fromSeq, toSeq)])

/** Deletes the stored checkpoints numbered `from` to `to`. */
export const deleteCheckpoints = (db: SqlDriver, from: number, to: number): Promise<void> =>
  db.batch([sql("DELETE FROM audit_checkpoints WHERE n >= ? AND n <= ?", from, to)])
