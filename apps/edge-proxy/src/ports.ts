/**
 * The ports of the proxy: everything `createApp` needs from the outside world, as interfaces the
 * entry files fill in per runtime (Workers, Node) and tests fill in with fakes. The cache and audit
 * ports have pass-through / no-op implementations here (caching off, no audit trail).
 */
import type { RouteTable } from "@orgkit/core"
import type { Principal } from "./principal.ts"

// ---------------------------------------------------------------------------------------------
// Upstream: one HTTP exchange with Logto
// ---------------------------------------------------------------------------------------------

/** A request to Logto. The origin is fixed by configuration inside the adapter. */
export interface UpstreamRequest {
  readonly method: string
  /** Path and query, starting with `/` (never a full URL: the adapter prefixes the configured origin). */
  readonly target: string
  /** Request headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>
  readonly body?: Uint8Array | undefined
  /** The whole exchange, body included, must finish within this many milliseconds. */
  readonly timeoutMs: number
  /**
   * Safe to send twice (core's `Route.idempotent`; token requests too). When `false` the request is
   * never resent once any of its bytes may have reached Logto: a reset connection is a failure
   * whose outcome is unknown.
   */
  readonly idempotent: boolean
  /** The caller's key id, for the upstream budget's fair share (absent for token requests). */
  readonly keyId?: string | undefined
}

/** Logto's answer, fully read. */
export interface UpstreamResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: Uint8Array
}

/**
 * Why an exchange produced no answer: it timed out, Logto could not be reached, or the upstream
 * budget was spent (nothing was sent).
 */
export type UpstreamFailureReason = "timeout" | "unavailable" | "budget"

/** The exchange produced no HTTP answer: it timed out, Logto could not be reached, or the budget refused it. */
export class UpstreamFailure extends Error {
  readonly reason: UpstreamFailureReason
  /** For `budget`: how long until the budget has room again. */
  readonly retryAfterMs: number | undefined
  constructor(
    reason: UpstreamFailureReason,
    message: string,
    options?: { readonly cause?: unknown; readonly retryAfterMs?: number }
  ) {
    super(message, options)
    this.name = "UpstreamFailure"
    this.reason = reason
    this.retryAfterMs = options?.retryAfterMs
  }
}

/** Sends requests to Logto. Rejects only with `UpstreamFailure`. */
export interface Upstream {
  readonly send: (request: UpstreamRequest) => Promise<UpstreamResponse>
}

// ---------------------------------------------------------------------------------------------
// TokenSource: the Management API token
// ---------------------------------------------------------------------------------------------

/** The Management API access token the proxy sends upstream. */
export interface TokenSource {
  /** A valid token: cached, or fetched once for all concurrent callers. */
  readonly get: () => Promise<string>
  /** Drops `token` if it is still the cached one (Logto answered 401 to it), so the next `get` refreshes. */
  readonly invalidate: (token: string) => void
}

// ---------------------------------------------------------------------------------------------
// Platform: clock, ids, hashing
// ---------------------------------------------------------------------------------------------

/** What the app needs from the runtime besides I/O. */
export interface Platform {
  /** Milliseconds since the epoch. */
  readonly now: () => number
  /** A fresh unique id (request ids). */
  readonly randomId: () => string
  /** A digest (used only off the hot path: unknown keys, filtered-list ETags). */
  readonly digest: (algorithm: "SHA-1" | "SHA-256", data: Uint8Array) => Promise<Uint8Array>
}

/** Where the one structured log line per request (and error lines) go. */
export type LogSink = (line: Readonly<Record<string, unknown>>) => void

// ---------------------------------------------------------------------------------------------
// CacheStore: the read path (`src/cache/` implements it; `passThroughCache` when caching is off)
// ---------------------------------------------------------------------------------------------

/** A read, as the cache sees it: everything a cache key and a visibility check need. */
export interface CacheLookup {
  /** `GET` or `HEAD` (HEAD is never answered from the cache). */
  readonly method: string
  /** The caller's full request URL (its path and query are the cache key; its origin goes into `Link`). */
  readonly url: string
  readonly route: RouteTable.Route
  readonly params: Readonly<Record<string, string>>
  /** The raw query string, without `?`. */
  readonly query: string
  /** The caller; its organization list is part of what it may see. */
  readonly principal: Principal
  /** The caller's request headers (`If-None-Match`, `Cache-Control`, `Accept-Language`). */
  readonly headers: Headers
}

/** How a cache asks for Logto's answer. */
export interface LoadOptions {
  /** Replaces the caller's `If-None-Match` (for revalidation). */
  readonly ifNoneMatch?: string
  /**
   * The answer is for the cache, not for this caller: none of the caller's validators (`If-None-Match`,
   * `Cache-Control`) is sent, so Logto answers 200 with the body, or 304 to `ifNoneMatch` (sent with
   * `Cache-Control: max-age=0`, since Logto ignores `If-None-Match` next to `no-cache`).
   */
  readonly forCache?: boolean
}

/**
 * Loads the answer from Logto (with the proxy's token, its 401 retry, and the organization filter
 * for restricted keys).
 */
export type Loader = (options?: LoadOptions) => Promise<UpstreamResponse>

/** What the cache answered with. */
export interface CacheRead {
  readonly response: UpstreamResponse
  /** The `X-Cache` value; absent when nothing was cached or looked up. */
  readonly xCache?: "HIT" | "MISS" | "STALE" | "BYPASS"
  /** A `Warning` header for the caller (a stale answer). */
  readonly warning?: string
}

/** A write the proxy forwarded, as the cache sees it once Logto has answered. */
export interface CacheWrite {
  readonly route: RouteTable.Route
  readonly params: Readonly<Record<string, string>>
  /** The validated (decoded) body. */
  readonly payload: unknown
  /** Logto's status; `undefined` when no answer came (the write may or may not have happened). */
  readonly status: number | undefined
  /** Logto's answer body, when one came (CreateOrganization's holds the new id). */
  readonly body?: Uint8Array | undefined
}

/** The read-through cache in front of Logto. */
export interface CacheStore {
  /** Answers a read: from the cache, or by calling `load`. Errors of `load` propagate unless a stale answer is served. */
  readonly read: (lookup: CacheLookup, load: Loader) => Promise<CacheRead>
  /** Called after every forwarded write and before its answer is sent (read-your-writes). */
  readonly written: (write: CacheWrite) => Promise<void>
  /**
   * Drops what changed outside the proxy (a Logto webhook): tags `org:<id>` (one organization's
   * reads), `orgs` (the organizations list) or `all`.
   */
  readonly invalidate: (tags: ReadonlyArray<string>) => Promise<void>
  /** The cache's counters as Prometheus text lines (empty when there is no cache). */
  readonly metrics: () => string
}

/** No cache: every read goes to Logto, writes invalidate nothing, no `X-Cache` header. */
export const passThroughCache: CacheStore = {
  read: (_lookup, load) => load().then((response) => ({ response })),
  written: () => Promise.resolve(),
  invalidate: () => Promise.resolve(),
  metrics: () => ""
}

// ---------------------------------------------------------------------------------------------
// AuditSink: the write path (the audit issue supplies the real implementation)
// ---------------------------------------------------------------------------------------------

/** A request that an audit trail may need to record. */
export interface AuditAttempt {
  readonly requestId: string
  readonly route: RouteTable.Route
  readonly params: Readonly<Record<string, string>>
  /** `undefined` when the caller was not authenticated. */
  readonly principal: Principal | undefined
  readonly method: string
  /** The raw request path. */
  readonly path: string
  /** The validated body (`undefined` for denied attempts and operations without a body). */
  readonly payload: unknown
  /** The caller's request headers (`User-Agent`, `CF-Connecting-IP`, …). */
  readonly headers: Headers
  /** When the request arrived (ms since the epoch). */
  readonly startedAt: number
}

/** How a request ended. */
export interface AuditOutcome {
  readonly status: number
  /** Logto's or the proxy's error `code`, if any. */
  readonly errorCode: string | undefined
  readonly latencyMs: number
  /** CreateOrganization: the new organization's id, so that its event is filed under it. */
  readonly createdId?: string | undefined
  /**
   * The write was sent but no answer came (a timeout, a reset connection): it may or may not have
   * happened at Logto, and it is not sent again.
   */
  readonly unknown?: boolean | undefined
}

/** What `accept` returned; handed back to `settle`. */
export interface AuditReceipt {
  readonly id: string
}

/** The audit trail of writes and denials. */
export interface AuditSink {
  /**
   * Durably accepts a write that passed authentication and validation, before it is forwarded.
   * If it rejects, the write is refused with 503 `proxy.audit_unavailable` and nothing is forwarded.
   */
  readonly accept: (attempt: AuditAttempt) => Promise<AuditReceipt>
  /**
   * Records how a write ended (with the receipt `accept` gave), or a write or read that the proxy
   * denied (401/403/400/413: no receipt). Called once per such request, after the answer.
   */
  readonly settle: (attempt: AuditAttempt, receipt: AuditReceipt | undefined, outcome: AuditOutcome) => Promise<void>
}

/** No audit trail: accepts everything, records nothing. */
export const noAudit: AuditSink = {
  accept: () => Promise.resolve({ id: "" }),
  settle: () => Promise.resolve()
}
