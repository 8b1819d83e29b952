/**
 * The audit store on PostgreSQL: one hash chain for every proxy process that points at the same
 * database (and schema), for several Node replicas behind a load balancer.
 *
 * - **One chain head, in the database.** Each commit is one transaction that first takes an advisory
 *   lock on the chain (`pg_advisory_xact_lock`), then reads the head and the ids already present, seals
 *   and inserts the entries (the same chain writer as SQLite and D1, `journal.ts`, over this
 *   transaction), and commits; the lock is released with the commit. No process keeps a head of its
 *   own, so appends from any number of processes serialize into one chain, and an append retried
 *   through another replica is found by id (idempotent).
 * - **Group commit.** Appends that arrive while this process's commit is in flight go together into
 *   its next transaction: one lock, one fsync for the lot.
 * - **Signed checkpoints** (with a signing key) are written in the same transaction as the entries
 *   they cover; the first one each process signs says `start`.
 * - **Fail closed.** A commit that fails (PostgreSQL unreachable, restarted, a statement timing out)
 *   rejects every append in it with `AuditStoreError`: the recorder retries, then answers 503 and
 *   forwards nothing. Nothing is acknowledged before PostgreSQL has committed it.
 * - Reads (`query`, `export`, `chain`, cursors) come from the shared tables, so every replica answers
 *   the same; `verify` reads one snapshot (`REPEATABLE READ`), so appends meanwhile do not disturb it.
 * - The schema (`migrations/*.sql`, `migrate.ts`) is applied at open by whichever process gets there first.
 */
import { fileURLToPath } from "node:url"
import { Pool, type PoolClient } from "pg"
import type { LogSink } from "../../ports.ts"
import { canonicalJson } from "../canonical.ts"
import {
  checkpointHash,
  checkpointLogLine,
  defaultCheckpointEvery,
  signCheckpoint,
  type SignedCheckpoint
} from "../checkpoint.ts"
import { makeDeadLetterBox } from "../dead-letters.ts"
import { startBackgroundWork } from "../node/background.ts"
import { type ChainWriter, loadCheckpointHead, loadHead, makeChainWriter } from "../journal.ts"
import { keyRing, type PublicKey, type SigningKey } from "../keys.ts"
import { defaultUnrecordedAfterMs, makeReader, type ReaderOptions } from "../reader.ts"
import { sql } from "../sql.ts"
import { AuditInputError, type AuditStore } from "../store.ts"
import { applyPostgresMigrations, lockKeys, quoteSchema } from "./migrate.ts"
import { clientDriver, int8Types, poolDriver, storeError } from "./pg-sql.ts"

/** Options of `openPostgresAuditStore`. */
export interface PostgresAuditStoreOptions {
  /** `postgres://user:password@host:port/database` (`ORGKIT_AUDIT_DATABASE_URL`). */
  readonly url: string
  /** The schema the tables live in, created if missing. Default `orgkit_audit`. */
  readonly schema?: string
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
  /** Connections this process opens at most. Default 8. */
  readonly maxConnections?: number
  /** A connection attempt or a statement fails after this long (ms). Default 5000. */
  readonly timeoutMs?: number
  /** The most appends in one transaction. Default 256. */
  readonly maxBatch?: number
  /** The checkpoint signing key; without one checkpoints are off (and the log says so). */
  readonly signingKey?: SigningKey | undefined
  /** Earlier public keys, so checkpoints signed before a rotation verify. */
  readonly publicKeys?: ReadonlyArray<PublicKey>
  /** Entries between two checkpoints. Default 100. */
  readonly checkpointEvery?: number
  /** The heartbeat (ms); 0 turns it off. Default 60 s. */
  readonly heartbeatMs?: number
  /** Where the checkpoint witness lines, the "checkpoints are off" line and connection errors go. Default: JSON on stdout. */
  readonly log?: LogSink
}

/** The PostgreSQL store: an `AuditStore` plus `close`. */
export interface PostgresAuditStore extends AuditStore {
  /** The schema in use. */
  readonly schema: string
  /** Stops redelivery and the heartbeat, waits for the commits in flight and closes the connections. */
  readonly close: () => Promise<void>
}

/** The default migrations directory: `apps/edge-proxy/migrations`. */
const defaultMigrationsDir = fileURLToPath(new URL("../../../migrations/", import.meta.url))

interface Op {
  readonly run: (writer: ChainWriter) => Promise<unknown>
  readonly heartbeat: boolean
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/**
 * Opens the store: connects, applies the migrations (once across processes), and signs the `start`
 * checkpoint when a signing key is given. Rejects if PostgreSQL cannot be reached or migrated.
 *
 * @example
 * const store = await openPostgresAuditStore({ url: "postgres://orgkit@db:5432/logto" })
 */
export const openPostgresAuditStore = async (options: PostgresAuditStoreOptions): Promise<PostgresAuditStore> => {
  const schema = options.schema ?? "orgkit_audit"
  const now = options.now ?? Date.now
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)))
  const timeoutMs = options.timeoutMs ?? 5_000
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 8,
    types: int8Types,
    options: `-c search_path=${quoteSchema(schema)}`,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: "orgkit-edge-proxy"
  })
  // An idle connection dropped by the server (a restart): the pool replaces it; nothing was in flight.
  pool.on("error", (error) => log({ level: "warn", msg: "audit database connection lost", error: String(error) }))
  // A connection in use that drops fails its query (and so the commit): the event must not crash the process.
  pool.on("connect", (client) => client.on("error", () => undefined))
  try {
    await applyPostgresMigrations(pool, options.migrationsDir ?? defaultMigrationsDir, schema)
  } catch (error) {
    await pool.end()
    throw error
  }

  const signingKey = options.signingKey
  const publicKeys = keyRing(signingKey, options.publicKeys ?? [])
  const every = options.checkpointEvery ?? defaultCheckpointEvery
  const maxBatch = options.maxBatch ?? 256
  const readerOptions: ReaderOptions = {
    now,
    unrecordedAfterMs: options.unrecordedAfterMs ?? defaultUnrecordedAfterMs,
    publicKeys: async () => publicKeys
  }
  const driver = poolDriver(pool)
  const reader = makeReader(driver, readerOptions)
  // This process's first checkpoint says `start`: a gap before it is this process not running.
  let started = false

  /** Signs the checkpoint due after this transaction's entries, inside it (see `journal.ts` for the rule). */
  const checkpoint = async (client: PoolClient, heartbeat: boolean) => {
    if (signingKey === undefined) return undefined
    const tx = clientDriver(client)
    const [head, last] = await Promise.all([loadHead(tx), loadCheckpointHead(tx)])
    if (!heartbeat && head.seq - last.toSeq < every) return undefined
    const signed = await signCheckpoint(
      {
        v: 1,
        n: last.n + 1,
        reason: started ? (heartbeat ? "heartbeat" : "events") : "start",
        fromSeq: last.toSeq + 1,
        toSeq: head.seq,
        headHash: head.hash,
        prevCheckpointHash: last.hash,
        time: new Date(now()).toISOString(),
        keyId: signingKey.keyId
      },
      signingKey
    )
    const hash = await checkpointHash(signed)
    await tx.batch([
      sql(
        "INSERT INTO audit_checkpoints (n, to_seq, body, hash) VALUES (?, ?, ?, ?)",
        signed.checkpoint.n,
        head.seq,
        canonicalJson(signed),
        hash
      )
    ])
    return { signed, hash }
  }

  /** One transaction: the chain lock, every append of `batch` through a writer over it, the checkpoint, commit. */
  const commitGroup = async (batch: ReadonlyArray<Op>): Promise<void> => {
    let client: PoolClient
    try {
      client = await pool.connect()
    } catch (error) {
      for (const op of batch) op.reject(storeError(error))
      return
    }
    let broken = false
    try {
      await client.query("BEGIN")
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1), $2)", [schema, lockKeys.chain])
      // A writer per transaction: it loads the head under the lock, so it never appends after a stale one.
      const writer = makeChainWriter(clientDriver(client), { now, maxBatch })
      // The writer commits the first append it gets on its own and the rest together: give it an
      // empty first one (it only loads the head), so the whole group is one statement set.
      const head = batch.length > 1 ? writer.heartbeat() : undefined
      const settled = await Promise.allSettled(batch.map((op) => op.run(writer)))
      await head
      const failure = settled.find((s) => s.status === "rejected" && !(s.reason instanceof AuditInputError))
      if (failure !== undefined) throw (failure as PromiseRejectedResult).reason
      const signed = await checkpoint(
        client,
        batch.some((op) => op.heartbeat)
      )
      await client.query("COMMIT")
      if (signed !== undefined) {
        started = true
        log(checkpointLogLine(signed.signed, signed.hash))
      }
      batch.forEach((op, i) => {
        const result = settled[i]!
        if (result.status === "rejected") op.reject(result.reason)
        else op.resolve(op.heartbeat ? signed?.signed : result.value)
      })
    } catch (error) {
      broken = await client.query("ROLLBACK").then(
        () => false,
        () => true
      )
      const failed = storeError(error)
      for (const op of batch) op.reject(failed)
    } finally {
      client.release(broken)
    }
  }

  const queue: Array<Op> = []
  let draining: Promise<void> | undefined
  const drain = async () => {
    while (queue.length > 0) await commitGroup(queue.splice(0, maxBatch))
    draining = undefined
  }
  const submit = <A>(run: (writer: ChainWriter) => Promise<A>, heartbeat = false): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      queue.push({ run, heartbeat, resolve: resolve as (value: unknown) => void, reject })
      draining ??= drain()
    })

  const chainWriter: ChainWriter = {
    intent: (intent) => submit((writer) => writer.intent(intent)),
    denial: (denial) => submit((writer) => writer.denial(denial)),
    outcome: (eventId, outcome) => submit((writer) => writer.outcome(eventId, outcome)),
    heartbeat: () => submit(async () => undefined, true) as Promise<SignedCheckpoint | undefined>
  }

  const box = makeDeadLetterBox(driver, now)
  const stopBackground = startBackgroundWork({
    box,
    writer: chainWriter,
    signingKey,
    log,
    redeliverEveryMs: options.redeliverEveryMs,
    onRedeliveryError: options.onRedeliveryError,
    heartbeatMs: options.heartbeatMs
  })

  /** `verify` over one snapshot of the tables. */
  const verify: AuditStore["verify"] = async (verifyOptions) => {
    const client = await pool.connect().catch((error: unknown) => Promise.reject(storeError(error)))
    let broken = false
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
      const result = await makeReader(clientDriver(client), readerOptions).verify(verifyOptions)
      await client.query("COMMIT")
      return result
    } catch (error) {
      broken = await client.query("ROLLBACK").then(
        () => false,
        () => true
      )
      throw storeError(error)
    } finally {
      client.release(broken)
    }
  }

  return {
    schema,
    accept: async (intent) => (await chainWriter.intent(intent)).receipt,
    complete: (eventId, outcome) => chainWriter.outcome(eventId, outcome),
    deny: async (denial) => (await chainWriter.denial(denial)).receipt,
    query: reader.query,
    export: reader.export,
    chain: reader.chain,
    checkpoints: reader.checkpoints,
    publicKeys: async () => publicKeys,
    heartbeat: () => chainWriter.heartbeat(),
    verify,
    deadLetter: box.put,
    deadLetters: box.list,
    redeliver: () => box.redeliver(chainWriter),
    close: async () => {
      stopBackground()
      await draining
      await pool.end()
    }
  }
}
