/**
 * Errors the proxy answers itself, in Logto's body shape `{ code, message, data?, details? }`, and
 * the one `onError` handler that renders them. Proxy-specific conditions use `proxy.*` codes.
 */
import type { Context, ErrorHandler } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import type { AppEnv } from "./env.ts"
import { type LogSink, UpstreamFailure } from "./ports.ts"

/** The proxy's own error codes. */
export const proxyCodes = {
  payloadTooLarge: "proxy.payload_too_large",
  bodyIncomplete: "proxy.body_incomplete",
  upstreamTimeout: "proxy.upstream_timeout",
  upstreamUnavailable: "proxy.upstream_unavailable",
  upstreamAuthFailed: "proxy.upstream_auth_failed",
  auditUnavailable: "proxy.audit_unavailable",
  rateLimited: "proxy.rate_limited",
  upstreamBudget: "proxy.upstream_budget",
  internalError: "proxy.internal_error"
} as const

/** An error body: Logto's shape (`code` is absent only in Logto's JSON-syntax 400 and its 500s). */
export interface ErrorBody {
  readonly code?: string
  readonly message: string
  readonly data?: unknown
  readonly details?: string
}

/** An error the proxy answers with, thrown anywhere in the pipeline and rendered by `renderLogtoError`. */
export class ProxyError extends Error {
  readonly status: number
  readonly body: ErrorBody
  constructor(status: number, body: ErrorBody, options?: { readonly cause?: unknown }) {
    super(body.message, options)
    this.name = "ProxyError"
    this.status = status
    this.body = body
  }

  /** 504: Logto did not answer in time. */
  static upstreamTimeout(cause?: unknown): ProxyError {
    return new ProxyError(
      504,
      { code: proxyCodes.upstreamTimeout, message: "Logto did not answer in time." },
      { cause }
    )
  }

  /** 502: Logto could not be reached. */
  static upstreamUnavailable(cause?: unknown): ProxyError {
    return new ProxyError(
      502,
      { code: proxyCodes.upstreamUnavailable, message: "Logto could not be reached." },
      { cause }
    )
  }

  /**
   * 429: the upstream budget (what every instance together may send to Logto) is spent for now;
   * `data.retryAfterSeconds` is also sent as `Retry-After`.
   */
  static upstreamBudget(retryAfterMs: number, cause?: unknown): ProxyError {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
    return new ProxyError(
      429,
      {
        code: proxyCodes.upstreamBudget,
        message: "The shared Logto request budget is spent for now; retry later.",
        data: { retryAfterSeconds }
      },
      { cause }
    )
  }

  /** 502: Logto rejected the proxy's own machine-to-machine credentials or token. */
  static upstreamAuthFailed(detail: string): ProxyError {
    return new ProxyError(502, {
      code: proxyCodes.upstreamAuthFailed,
      message: `The proxy could not authenticate to Logto's Management API: ${detail}`
    })
  }
}

/** Maps a transport failure to the proxy's 504 or 502. */
export const fromUpstreamFailure = (failure: UpstreamFailure): ProxyError =>
  failure.reason === "timeout"
    ? ProxyError.upstreamTimeout(failure)
    : failure.reason === "budget"
      ? ProxyError.upstreamBudget(failure.retryAfterMs ?? 1_000, failure)
      : ProxyError.upstreamUnavailable(failure)

const jsonType = { "content-type": "application/json; charset=utf-8" }

/**
 * Answers with a Logto-shaped JSON error (`application/json; charset=utf-8`, as Logto sends it) and
 * remembers its code for the log line and the audit trail.
 */
export const logtoError = (c: Context<AppEnv>, status: number, body: ErrorBody): Response => {
  c.set("errorCode", body.code)
  // A 429 says when to come back: its `data.retryAfterSeconds` is the `Retry-After` header.
  const retryAfter =
    status === 429 ? (body.data as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds : undefined
  return c.body(
    JSON.stringify(body),
    status as ContentfulStatusCode,
    typeof retryAfter === "number" ? { ...jsonType, "retry-after": String(retryAfter) } : jsonType
  )
}

/**
 * The app's one `onError`: `ProxyError`s and transport failures become their Logto-shaped answers;
 * anything else is a proxy bug, logged with the request id and answered with Logto's 500 shape
 * plus a proxy code.
 *
 * @param log where the unexpected error is logged
 */
export const renderLogtoError =
  (log: LogSink): ErrorHandler<AppEnv> =>
  (error, c) => {
    if (error instanceof ProxyError) return logtoError(c, error.status, error.body)
    if (error instanceof UpstreamFailure) {
      const mapped = fromUpstreamFailure(error)
      return logtoError(c, mapped.status, mapped.body)
    }
    log({
      level: "error",
      msg: "unexpected error",
      requestId: c.get("requestId"),
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined
    })
    return logtoError(c, 500, { code: proxyCodes.internalError, message: "Internal server error." })
  }
