/**
 * The Node side of the audit trail: the SQLite store (`node:sqlite`). Not for Workers.
 */
export {
  applyMigrations,
  defaultMigrationsDir,
  type NodeAuditStore,
  type NodeAuditStoreOptions,
  localSqlDriver,
  openNodeAuditStore,
  threadSqlDriver,
  type ThreadSqlDriver
} from "./node-store.ts"
