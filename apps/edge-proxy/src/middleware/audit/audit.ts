import type { Context, MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { proxyCodes, ProxyError } from "../../errors.ts"
import { createdOrganizationId } from "../../internal/created-id.ts"
import { defer } from "../../internal/defer.ts"
import { rawPath } from "../../internal/url.ts"
import type { AuditAttempt, AuditReceipt, AuditSink, LogSink } from "../../ports.ts"

/** Options of `audit`. */
export interface AuditOptions {
  readonly sink: AuditSink
  readonly log: LogSink
  readonly now: () => number
}

const attemptOf = (c: Context<AppEnv>): AuditAttempt => ({
  requestId: c.get("requestId"),
  route: c.get("route"),
  params: c.get("params"),
  principal: c.get("principal"),
  method: c.req.method,
  path: rawPath(c.req.url),
  payload: c.get("valid")?.payload,
  headers: c.req.raw.headers,
  startedAt: c.get("startedAt")
})

/** Hands how the request ended to the sink, after the answer (`waitUntil` on Workers). */
const settle = (
  c: Context<AppEnv>,
  options: AuditOptions,
  attempt: AuditAttempt,
  receipt: AuditReceipt | undefined
): void => {
  const answer = c.get("answer")
  const createdId = createdOrganizationId(attempt.route, answer?.status, answer?.body)
  const outcome = {
    status: c.res.status,
    errorCode: c.get("errorCode"),
    latencyMs: options.now() - attempt.startedAt,
    ...(createdId === undefined ? {} : { createdId }),
    // Sent, but no answer: at most once means it is not sent again, so nobody knows if it happened.
    ...(receipt !== undefined && c.get("upstream") !== undefined && answer === undefined ? { unknown: true } : {})
  }
  defer(c, options.sink.settle(attempt, receipt, outcome), (error) =>
    options.log({ level: "error", msg: "audit settle failed", requestId: attempt.requestId, error: String(error) })
  )
}

/**
 * The audit trail's two places in the chain, one module:
 *
 * - `writes`, just before `forward`: a write is durably accepted by the sink before anything is sent
 *   (if the sink refuses, 503 `proxy.audit_unavailable` and nothing is forwarded: fail closed), and
 *   its outcome (status, error code, latency, a created organization's id) is settled once answered;
 * - `denials`, right after route matching: a request the proxy refused itself (401, 403, 400, 413:
 *   nothing sent to Logto) is handed to the sink, which decides what it records (an unauthenticated
 *   caller never gets a record of its own).
 *
 * @param options.sink the audit sink (`noAudit` when there is no trail)
 * @example
 * app.use(matchRoute(), trail.denials, authenticate(), validate(), cache(), trail.writes, forward())
 */
export const audit = (
  options: AuditOptions
): { readonly writes: MiddlewareHandler<AppEnv>; readonly denials: MiddlewareHandler<AppEnv> } => ({
  writes: async (c, next) => {
    if (c.get("route").kind !== "write") return next()
    const attempt = attemptOf(c)
    const receipt = await options.sink.accept(attempt).catch((cause: unknown) => {
      throw new ProxyError(
        503,
        { code: proxyCodes.auditUnavailable, message: "The audit trail is unavailable; the write was not forwarded." },
        { cause }
      )
    })
    c.set("auditReceipt", receipt)
    await next()
    settle(c, options, attempt, receipt)
  },
  denials: async (c, next) => {
    await next()
    if (c.get("upstream") !== undefined || c.get("auditReceipt") !== undefined || c.res.status < 400) return
    settle(c, options, attemptOf(c), undefined)
  }
})
