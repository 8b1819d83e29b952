/**
 * The audit trail's SQL (written once, in SQLite's dialect: `sql.ts`) on PostgreSQL. The statements
 * the chain writer, the reader and the dead-letter box send differ from PostgreSQL's in two places
 * only, rewritten here: `?` placeholders (`$1`, `$2`, …) and `json_each(?)` over a JSON array of ids
 * (`json_array_elements_text`, whose column is also named `value`). The migrations' `INTEGER` (64-bit
 * in SQLite) becomes `BIGINT`. `BIGINT` columns come back as JavaScript numbers (`int8Types`): the
 * values are sequence numbers and ms timestamps, far below 2^53.
 */
import { type CustomTypesConfig, type Pool, type PoolClient, types } from "pg"
import type { SqlDriver, SqlValue, Statement } from "../sql.ts"
import { AuditStoreError } from "../store.ts"

/** A SQLite statement of the audit trail in PostgreSQL's dialect. */
export const toPostgres = (text: string): string => {
  let n = 0
  return text.replaceAll("json_each(?)", "json_array_elements_text(?::json)").replaceAll("?", () => `$${++n}`)
}

/** A SQLite migration in PostgreSQL's dialect: its 64-bit `INTEGER` columns are `BIGINT`. */
export const migrationToPostgres = (text: string): string => text.replaceAll(/\bINTEGER\b/g, "BIGINT")

/** Type parsers that read `BIGINT` (int8) as a number. */
export const int8Types: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === types.builtins.INT8 ? Number : types.getTypeParser(oid, format)) as CustomTypesConfig["getTypeParser"]
}

/** A PostgreSQL failure as the audit trail reports it (the recorder answers 503 and retries). */
export const storeError = (error: unknown): Error =>
  error instanceof AuditStoreError
    ? error
    : new AuditStoreError(`PostgreSQL: ${(error as Error)?.message ?? String(error)}`, { cause: error })

/** Something that runs a query: a pool or one client (inside a transaction). */
type Queryable = Pick<Pool, "query"> | Pick<PoolClient, "query">

const run = async <Row>(db: Queryable, text: string, params: ReadonlyArray<SqlValue>): Promise<Array<Row>> => {
  try {
    const result = await db.query(toPostgres(text), [...params])
    return result.rows as Array<Row>
  } catch (error) {
    throw storeError(error)
  }
}

/** The SQL driver over a pool: each `all` on any connection, each `batch` in a transaction of its own. */
export const poolDriver = (pool: Pool): SqlDriver => ({
  all: <Row>(text: string, params: ReadonlyArray<SqlValue> = []) => run<Row>(pool, text, params),
  batch: async (statements: ReadonlyArray<Statement>) => {
    const client = await pool.connect().catch((error: unknown) => Promise.reject(storeError(error)))
    let broken = false
    try {
      await client.query("BEGIN")
      for (const statement of statements) await client.query(toPostgres(statement.sql), [...statement.params])
      await client.query("COMMIT")
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
})

/** A plain `INSERT INTO t (columns) VALUES (?, …)`: one row, no `ON CONFLICT`. */
const singleRowInsert = /^\s*INSERT INTO \w+ \([^)]*\)\s*VALUES \((\?(,\s*)?)+\)\s*$/

/**
 * A batch in fewer round trips: the plain single-row INSERTs of one text become one multi-row
 * INSERT, run before the other statements (which keep their order). The chain writer's batches
 * allow it: its UPDATEs touch rows the same batch inserts, after them, and nothing else depends on order.
 */
export const coalesceInserts = (statements: ReadonlyArray<Statement>): Array<Statement> => {
  const inserts = new Map<string, Array<Statement>>()
  const rest: Array<Statement> = []
  for (const statement of statements) {
    if (!singleRowInsert.test(statement.sql)) {
      rest.push(statement)
      continue
    }
    const same = inserts.get(statement.sql)
    if (same === undefined) inserts.set(statement.sql, [statement])
    else same.push(statement)
  }
  const merged: Array<Statement> = []
  for (const [text, rows] of inserts) {
    const values = text.slice(text.search(/VALUES/i) + "VALUES".length).trim()
    merged.push({
      sql: `${text.slice(0, text.search(/VALUES/i))}VALUES ${rows.map(() => values).join(", ")}`,
      params: rows.flatMap((row) => row.params)
    })
  }
  return [...merged, ...rest]
}

/** The SQL driver inside a transaction the caller opened on `client`: `batch` runs in it, unwrapped. */
export const clientDriver = (client: PoolClient): SqlDriver => ({
  all: <Row>(text: string, params: ReadonlyArray<SqlValue> = []) => run<Row>(client, text, params),
  batch: async (statements: ReadonlyArray<Statement>) => {
    for (const statement of coalesceInserts(statements)) await run(client, statement.sql, statement.params)
  }
})
