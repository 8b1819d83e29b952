import type { MiddlewareHandler } from "hono"
import type { AppEnv, UpstreamTrace } from "../../env.ts"
import { proxyCodes } from "../../errors.ts"
import { redactUrl } from "../../audit/redact.ts"
import { rawPath } from "../../internal/url.ts"
import type { LogSink } from "../../ports.ts"
import type { MetricsRegistry } from "../metrics/registry.ts"

/** Options of `requestLog`. */
export interface RequestLogOptions {
  readonly log: LogSink
  readonly now: () => number
  /** Counts every request line, whatever the log level lets through. */
  readonly metrics?: MetricsRegistry
}

const maxPathInLog = 2048

/** What one request line says. */
export interface RequestFields {
  readonly startedAt: number
  readonly requestId: string
  readonly method: string
  /** The raw path (no query: it may hold personal data). */
  readonly path: string
  readonly operationId: string | undefined
  readonly keyId: string | undefined
  readonly status: number
  readonly code: string | undefined
  readonly cache: string | undefined
  readonly upstream: UpstreamTrace | undefined
  readonly durationMs: number
  /** A write's audit intent: accepted before forwarding, or refused (503 `proxy.audit_unavailable`). */
  readonly audit?: "accepted" | "refused" | undefined
}

/** The request line, as `requestRecord` writes it: the fields, with the time and level it adds. */
export type RequestRecord = Omit<Required<RequestFields>, "startedAt" | "audit"> & {
  readonly time: string
  readonly level: "info" | "warn" | "error"
  readonly msg: "request"
  readonly audit: "accepted" | "refused" | undefined
}

// One ISO string per millisecond: every line of a busy millisecond shares it (the hit path's cost).
let isoAt = Number.NaN
let iso = ""
const isoTime = (ms: number): string => {
  if (ms !== isoAt) {
    isoAt = ms
    iso = new Date(ms).toISOString()
  }
  return iso
}

/**
 * The one structured log line of a request (request id, method, path, operation, key id, status,
 * error code, cache, upstream requests and time, total time; never a key, a token or a query).
 * The Node hit path writes the same line through this function.
 *
 * @example
 * log(requestRecord({ startedAt, requestId, method: "GET", path, operationId, keyId, status: 200, ... }))
 */
export const requestRecord = (fields: RequestFields): RequestRecord => {
  const { upstream, status } = fields
  // Credentials in a path (`https://user:secret@…` pasted into an id) never reach the log.
  const path = fields.path.includes("://") ? redactUrl(fields.path) : fields.path
  return {
    time: isoTime(fields.startedAt),
    level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
    msg: "request",
    requestId: fields.requestId,
    method: fields.method,
    path: path.length > maxPathInLog ? `${path.slice(0, maxPathInLog)}…` : path,
    operationId: fields.operationId,
    keyId: fields.keyId,
    status,
    code: fields.code,
    cache: fields.cache,
    upstream:
      upstream === undefined
        ? undefined
        : {
            requests: upstream.requests,
            status: upstream.status,
            ms: upstream.ms,
            tokenRefreshed: upstream.tokenRefreshed
          },
    durationMs: fields.durationMs,
    audit: fields.audit
  }
}

/**
 * Writes one structured JSON log line per request once it is answered (`requestRecord`), counts it
 * in the metrics registry, and records when the request arrived (`startedAt`) for the steps after it.
 *
 * @param options.log the log sink
 * @param options.now the clock
 * @param options.metrics the registry every request line is counted in
 * @example
 * app.use(requestId({ generate }), requestLog({ log: (line) => console.log(JSON.stringify(line)), now: Date.now }))
 */
export const requestLog =
  (options: RequestLogOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const startedAt = options.now()
    c.set("startedAt", startedAt)
    await next()
    const code = c.get("errorCode")
    const line = requestRecord({
      startedAt,
      requestId: c.get("requestId"),
      method: c.req.method,
      path: rawPath(c.req.url),
      operationId: c.get("route")?.operationId,
      keyId: c.get("principal")?.id,
      status: c.res.status,
      code,
      cache: c.get("cache"),
      upstream: c.get("upstream"),
      durationMs: options.now() - startedAt,
      audit:
        c.get("auditReceipt") !== undefined ? "accepted" : code === proxyCodes.auditUnavailable ? "refused" : undefined
    })
    options.metrics?.observe(line)
    options.log(line)
  }
