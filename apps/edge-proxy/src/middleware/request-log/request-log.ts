import type { MiddlewareHandler } from "hono"
import type { AppEnv, UpstreamTrace } from "../../env.ts"
import { rawPath } from "../../internal/url.ts"
import type { LogSink } from "../../ports.ts"

/** Options of `requestLog`. */
export interface RequestLogOptions {
  readonly log: LogSink
  readonly now: () => number
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
}

/**
 * The one structured log line of a request (request id, method, path, operation, key id, status,
 * error code, cache, upstream requests and time, total time; never a key, a token or a query).
 * The Node hit path writes the same line through this function.
 *
 * @example
 * log(requestRecord({ startedAt, requestId, method: "GET", path, operationId, keyId, status: 200, ... }))
 */
export const requestRecord = (fields: RequestFields): Record<string, unknown> => {
  const { upstream, path, status } = fields
  return {
    time: new Date(fields.startedAt).toISOString(),
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
    durationMs: fields.durationMs
  }
}

/**
 * Writes one structured JSON log line per request once it is answered (`requestRecord`), and
 * records when the request arrived (`startedAt`) for the steps after it.
 *
 * @param options.log the log sink
 * @param options.now the clock
 * @example
 * app.use(requestId({ generate }), requestLog({ log: (line) => console.log(JSON.stringify(line)), now: Date.now }))
 */
export const requestLog =
  (options: RequestLogOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const startedAt = options.now()
    c.set("startedAt", startedAt)
    await next()
    options.log(
      requestRecord({
        startedAt,
        requestId: c.get("requestId"),
        method: c.req.method,
        path: rawPath(c.req.url),
        operationId: c.get("route")?.operationId,
        keyId: c.get("principal")?.id,
        status: c.res.status,
        code: c.get("errorCode"),
        cache: c.get("cache"),
        upstream: c.get("upstream"),
        durationMs: options.now() - startedAt
      })
    )
  }
