/**
 * The audit trail's migrations on PostgreSQL: the same `migrations/*.sql` files that D1 and the
 * SQLite store apply (one schema, written once), in PostgreSQL's dialect (`pg-sql.ts`), recorded in a
 * `d1_migrations` table as on the other two. All of them run in one transaction under an advisory
 * lock, so several processes starting at once apply each file once and none of them sees half a schema.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Pool } from "pg"
import { migrationToPostgres, storeError } from "./pg-sql.ts"

/** The advisory lock keys (with the schema's `hashtext` as the first half): the chain head, the migrations. */
export const lockKeys = { chain: 1, migrations: 2 } as const

/** A schema name as an SQL identifier (letters, digits, `_`; refused otherwise). */
export const quoteSchema = (schema: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`)
  return `"${schema}"`
}

/**
 * Creates `schema` if needed and applies the `*.sql` files of `dir` not yet recorded in it, in name
 * order. The pool's connections must have `schema` as their `search_path`.
 *
 * @returns the names applied now
 */
export const applyPostgresMigrations = async (pool: Pool, dir: string, schema: string): Promise<Array<string>> => {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .sort()
  const client = await pool.connect().catch((error: unknown) => Promise.reject(storeError(error)))
  const applied: Array<string> = []
  let broken = false
  try {
    await client.query("BEGIN")
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1), $2)", [schema, lockKeys.migrations])
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteSchema(schema)}`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS d1_migrations (
        id BIGSERIAL PRIMARY KEY,
        name TEXT UNIQUE,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`
    )
    const done = new Set(
      (await client.query<{ name: string }>("SELECT name FROM d1_migrations")).rows.map((r) => r.name)
    )
    for (const name of files) {
      if (done.has(name)) continue
      await client.query(migrationToPostgres(readFileSync(join(dir, name), "utf8")))
      await client.query("INSERT INTO d1_migrations (name) VALUES ($1)", [name])
      applied.push(name)
    }
    await client.query("COMMIT")
    return applied
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
