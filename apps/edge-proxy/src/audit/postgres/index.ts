/**
 * The audit trail on PostgreSQL (Node only): one chain for several proxy processes.
 */
export { applyPostgresMigrations } from "./migrate.ts"
export { openPostgresAuditStore, type PostgresAuditStore, type PostgresAuditStoreOptions } from "./pg-store.ts"
