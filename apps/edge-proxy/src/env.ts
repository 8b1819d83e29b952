/**
 * The Hono environment of the proxy, declared once: what each middleware leaves on the context
 * for the ones after it.
 */
import type { RouteTable, Validation } from "@orgkit/core"
import type { AuditReceipt, LoadOptions, UpstreamResponse } from "./ports.ts"
import type { Principal } from "./principal.ts"

/** What the upstream exchange of a request did, for the log line. */
export interface UpstreamTrace {
  /** Upstream requests made (the 401 retry and the filtered-list walk make more than one). */
  requests: number
  /** The last upstream status seen. */
  status: number | undefined
  /** Milliseconds spent waiting for the upstream. */
  ms: number
  /** Whether the Management API token was refreshed after an upstream 401. */
  tokenRefreshed: boolean
}

/** The proxy's Hono environment. */
export interface AppEnv {
  /** The app reads no bindings: the entry files turn them into `Deps` (see `app.ts`). */
  Bindings: object
  Variables: {
    /** The request id (`x-request-id`), taken from the caller or generated. */
    requestId: string
    /** The operation the request matched (set by `match-route`). */
    route: RouteTable.Route
    /** The percent-decoded path parameters of the matched route. */
    params: Readonly<Record<string, string>>
    /** The caller (set by `authenticate`). */
    principal: Principal
    /** When the request arrived, in epoch milliseconds (set by `request-log`). */
    startedAt: number
    /**
     * The validated request (set by `validate`); `undefined` on a per-member role route whose
     * request failed validation, which Logto answers itself (it checks membership first).
     */
    valid: Validation.Valid | undefined
    /** The raw body bytes to forward, for operations that take a body (set by `validate`). */
    body: Uint8Array | undefined
    /** The Logto or proxy error `code` of the answer, if it is an error (for the log line and audit). */
    errorCode: string | undefined
    /** How the cache wants Logto asked (set by `cache` before it lets `forward` run for a read). */
    load: LoadOptions
    /** Logto's answer as received (set by `forward`; absent when no answer came). */
    answer: UpstreamResponse
    /** The upstream exchange (set by `forward`). */
    upstream: UpstreamTrace
    /** The read's `X-Cache` (set by `cache`; absent when caching is off). */
    cache: "HIT" | "MISS" | "STALE" | "BYPASS" | undefined
    /** The audit sink's receipt for a write it accepted (set by `audit`). */
    auditReceipt: AuditReceipt
  }
}
