/**
 * The `audit` step: writes accepted before they are forwarded and settled once answered, and the
 * requests the proxy refused itself handed to the audit sink.
 */
export { audit, type AuditOptions } from "./audit.ts"
