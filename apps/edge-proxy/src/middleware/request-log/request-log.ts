import { createdIdOf } from "../../audit/audit-writes.ts"
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { auditAttempt } from "../../internal/audit-attempt.ts"
import { defer } from "../../internal/defer.ts"
import { rawPath } from "../../internal/url.ts"
import type { AuditSink, LogSink } from "../../ports.ts"

/** Options of `requestLog`. */
export interface RequestLogOptions {
  readonly log: LogSink
  readonly now: () => number
  readonly audit: AuditSink
}

const maxPathInLog = 2048

/**
 * Writes one structured JSON log line per request once it is answered (request id, method, path,
 * operation, key id, status, error code, upstream requests and time, total time; never a key or a
 * token), and hands the outcome of every write and of every request the proxy denied to the
 * `AuditSink` (after the response; `waitUntil` on Workers).
 *
 * @param options.log the log sink
 * @param options.now the clock
 * @param options.audit the audit sink (`noAudit` until the audit issue)
 * @example
 * app.use(requestId({ generate }), requestLog({ log: (line) => console.log(JSON.stringify(line)), now: Date.now, audit: noAudit }))
 */
export const requestLog =
  (options: RequestLogOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const started = options.now()
    await next()
    const durationMs = options.now() - started
    const route = c.get("route")
    const principal = c.get("principal")
    const upstream = c.get("upstream")
    const status = c.res.status
    const errorCode = c.get("errorCode")
    const path = rawPath(c.req.url)
    options.log({
      time: new Date(started).toISOString(),
      level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
      msg: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      path: path.length > maxPathInLog ? `${path.slice(0, maxPathInLog)}…` : path,
      operationId: route?.operationId,
      keyId: principal?.id,
      status,
      code: errorCode,
      cache: c.get("cache"),
      upstream:
        upstream === undefined
          ? undefined
          : {
              requests: upstream.requests,
              status: upstream.status,
              ms: upstream.ms,
              tokenRefreshed: upstream.tokenRefreshed
            },
      durationMs
    })
    const denied = upstream === undefined && status >= 400
    if (route !== undefined && (route.kind === "write" || denied)) {
      const created = route.operationId === "CreateOrganization" && status === 201 ? createdIdOf(c.res) : undefined
      const settled = Promise.resolve(created).then((createdId) =>
        options.audit.settle(auditAttempt(c, started), c.get("auditReceipt"), {
          status,
          errorCode,
          latencyMs: durationMs,
          ...(createdId === undefined ? {} : { createdId })
        })
      )
      defer(c, settled, (error) =>
        options.log({
          level: "error",
          msg: "audit settle failed",
          requestId: c.get("requestId"),
          error: String(error)
        })
      )
    }
  }
