/**
 * The Workers side of the audit trail: the `AuditLog` Durable Object (re-export it from the
 * Worker entry) and the store over its bindings. Imports `cloudflare:workers`: not for Node.
 */
export { AuditLog, type AuditLogEnv, durableObjectSqlDriver, redeliveryDelayMs } from "./durable-object.ts"
export {
  type AuditBindings,
  auditLogName,
  d1SqlDriver,
  workersAuditStore,
  type WorkersAuditStoreOptions
} from "./workers-store.ts"
