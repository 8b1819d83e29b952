/**
 * The audit trail of the edge proxy (runtime-neutral part): the event model, the `AuditStore`
 * port, the recorder (the proxy's `AuditSink`), the write-path middleware and the audit API.
 * Runtime stores: `./node/index.ts` (SQLite) and `./workers/index.ts` (Durable Object + D1).
 */
export { attemptOf, auditWrites, type AuditWritesOptions, createdIdOf, recordDenial } from "./audit-writes.ts"
export { canonicalJson, genesisHash, sha256Hex } from "./canonical.ts"
export * from "./event.ts"
export {
  type AuditRecorder,
  AuditUnavailable,
  auditUnavailableCode,
  defaultClientIp,
  type Delivery,
  isRecordedDenial,
  makeRecorder,
  type RecordedAttempt,
  type RecordedOutcome,
  type RecorderOptions,
  type RecorderReceipt,
  type RetryPolicy
} from "./recorder.ts"
export { defaultMaxRequestBytes, recordedRequest, redact, redactedValue, secretKey } from "./redact.ts"
export { auditRoutes, type AuditRoutesOptions, EventsQuery } from "./routes.ts"
export * from "./store.ts"
export { bodyTargetFields, extractTargets, pathTargetParams, payloadFields, routeTargets } from "./targets.ts"
export { isUuidV7, uuidV7Generator, uuidV7Time } from "./uuid7.ts"
