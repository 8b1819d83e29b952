/**
 * The audit trail of the edge proxy (runtime-neutral part): the event model, the `AuditStore`
 * port, the recorder (the proxy's `AuditSink`), signed checkpoints and their verification, the
 * audit API and the `/audit` page.
 * Runtime stores: `./node/index.ts` (SQLite) and `./workers/index.ts` (Durable Object + D1).
 */
export { canonicalJson, genesisHash, sha256Hex, sha256HexBytes } from "./canonical.ts"
export * from "./checkpoint.ts"
export * from "./event.ts"
export * from "./keys.ts"
export { auditPage, auditPageCsp, auditPageHandler } from "./page.ts"
export {
  type AuditRecorder,
  AuditUnavailable,
  auditUnavailableCode,
  type AuditCounters,
  clientIpFrom,
  type Delivery,
  fieldCaps,
  isRecordedDenial,
  makeRecorder,
  type RecordedAttempt,
  type RecordedOutcome,
  type RecorderOptions,
  type RecorderReceipt,
  type RetryPolicy
} from "./recorder.ts"
export { defaultMaxRequestBytes, recordedRequest, redact, redactedValue, redactUrl, secretKey } from "./redact.ts"
export { auditPublicKeyHandler, auditRoutes, type AuditRoutesOptions, EventsQuery } from "./routes.ts"
export * from "./settings.ts"
export * from "./store.ts"
export { bodyTargetFields, extractTargets, pathTargetParams, payloadFields, routeTargets } from "./targets.ts"
export { isUuidV7, uuidV7Generator, uuidV7Time } from "./uuid7.ts"
export { defaultMaxGapMs, type Finding, type VerifyInput, verifyChain } from "./verify.ts"
