/**
 * Hono middleware for the write path, for apps that wire audit as middleware rather than through
 * the proxy's `AuditSink` port (the proxy's `forward` and `request-log` already call a recorder
 * given as `deps.audit`; use one or the other, never both).
 *
 * Place it after route matching, authentication and validation, right before the handler that
 * forwards: it accepts the write's intent (or answers 503 `proxy.audit_unavailable` and forwards
 * nothing), then records the outcome after the response.
 */
import type { Context, MiddlewareHandler } from "hono"
import type { AppEnv } from "../env.ts"
import { logtoError } from "../errors.ts"
import { defer } from "../internal/defer.ts"
import { rawPath } from "../internal/url.ts"
import type { AuditOutcome } from "../ports.ts"
import {
  type AuditRecorder,
  auditUnavailableCode,
  makeRecorder,
  type RecordedAttempt,
  type RecordedOutcome
} from "./recorder.ts"
import type { AuditStore } from "./store.ts"

/** The recorder's view of the current request (route, params, principal and body from the context). */
export const attemptOf = (c: Context<AppEnv>, startedAt: number): RecordedAttempt => ({
  requestId: c.get("requestId") ?? "",
  route: c.get("route"),
  params: c.get("params") ?? {},
  principal: c.get("principal"),
  method: c.req.method,
  path: rawPath(c.req.url),
  payload: c.get("valid")?.payload,
  body: c.get("body"),
  headers: c.req.raw.headers,
  startedAt
})

/** The `id` of a created organization, from a copy of the 201 body (the caller still gets the original). */
export const createdIdOf = async (response: Response): Promise<string | undefined> => {
  try {
    const id = ((await response.clone().json()) as { id?: unknown }).id
    return typeof id === "string" ? id : undefined
  } catch {
    return undefined
  }
}

/** Options of `auditWrites`: a recorder, or a store to build one from. */
export type AuditWritesOptions =
  | { readonly recorder: AuditRecorder; readonly clock?: () => number }
  | {
      readonly store: AuditStore
      readonly clock?: () => number
      readonly log?: (line: Readonly<Record<string, unknown>>) => void
    }

const reportTo = (c: Context<AppEnv>) => (error: unknown) =>
  console.error(
    JSON.stringify({ level: "error", msg: "audit settle failed", requestId: c.get("requestId"), error: String(error) })
  )

/**
 * The write-path audit middleware.
 *
 * @example
 * app.use("/api/*", matchRoute(), authenticate({ keys }), validate(), auditWrites({ store }))
 */
export const auditWrites = (options: AuditWritesOptions): MiddlewareHandler<AppEnv> => {
  const now = options.clock ?? Date.now
  const recorder =
    "recorder" in options
      ? options.recorder
      : makeRecorder({ store: options.store, now, ...(options.log === undefined ? {} : { log: options.log }) })
  return async (c, next) => {
    const route = c.get("route")
    if (route === undefined || route.kind !== "write") return next()
    const startedAt = now()
    const attempt = attemptOf(c, startedAt)
    let receipt
    try {
      receipt = await recorder.accept(attempt)
    } catch {
      const response = logtoError(c, 503, {
        code: auditUnavailableCode,
        message: "The audit trail is unavailable; the write was not forwarded."
      })
      const outcome: AuditOutcome = { status: 503, errorCode: auditUnavailableCode, latencyMs: now() - startedAt }
      defer(c, recorder.settle(attempt, undefined, outcome), reportTo(c))
      return response
    }
    c.set("auditReceipt", receipt)
    await next()
    const outcome: RecordedOutcome = {
      status: c.res.status,
      errorCode: c.get("errorCode"),
      latencyMs: now() - startedAt,
      createdId:
        route.operationId === "CreateOrganization" && c.res.status === 201 ? await createdIdOf(c.res) : undefined
    }
    defer(c, recorder.settle(attempt, receipt, outcome), reportTo(c))
  }
}

/**
 * Records a request the app denied itself (401, 403, validation 400/413 on a write) as one complete
 * event, after the answer (`waitUntil` on Workers). Call it from the denial path with the response;
 * the proxy's `request-log` does the same through `AuditSink.settle` with no receipt. Requests that
 * matched none of the 36 operations and denials `isRecordedDenial` excludes are not recorded.
 *
 * @example
 * const response = logtoError(c, 403, body)
 * recordDenial(recorder, c, response, startedAt)
 * return response
 */
export const recordDenial = (
  recorder: AuditRecorder,
  c: Context<AppEnv>,
  response: Response,
  startedAt: number,
  now: () => number = Date.now
): void => {
  if (c.get("route") === undefined) return
  const outcome: AuditOutcome = { status: response.status, errorCode: c.get("errorCode"), latencyMs: now() - startedAt }
  defer(c, recorder.settle(attemptOf(c, startedAt), undefined, outcome), reportTo(c))
}
