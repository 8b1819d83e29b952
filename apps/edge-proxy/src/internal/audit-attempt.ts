import type { Context } from "hono"
import type { AppEnv } from "../env.ts"
import type { AuditAttempt } from "../ports.ts"
import { rawPath } from "./url.ts"

/** The audit view of the current (matched) request. */
export const auditAttempt = (c: Context<AppEnv>, startedAt: number): AuditAttempt => ({
  requestId: c.get("requestId"),
  route: c.get("route"),
  params: c.get("params"),
  principal: c.get("principal"),
  method: c.req.method,
  path: rawPath(c.req.url),
  payload: c.get("valid")?.payload,
  headers: c.req.raw.headers,
  startedAt
})
