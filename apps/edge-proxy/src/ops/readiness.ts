/**
 * `GET /readyz`: whether this proxy can do its job now. 200 only when a Management API token can
 * be had from Logto and the audit trail accepts writes; 503 otherwise, naming the failing check.
 * The answer is kept for `ttlMs` (concurrent polls share one check), so polling it is cheap and
 * never floods Logto's token endpoint. `/healthz` stays liveness only.
 */
import type { Handler } from "hono"
import type { AppEnv } from "../env.ts"

/** One readiness check: resolves when ready, rejects (with a reason) when not. */
export type ReadinessCheck = () => Promise<void>

/** Options of `readiness`. */
export interface ReadinessOptions {
  /** Named checks, all of which must pass. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>
  readonly now: () => number
  /** How long an answer is reused (default 5 s). */
  readonly ttlMs?: number
  /** A check that has not settled by then fails (default 5 s). */
  readonly timeoutMs?: number
}

interface Verdict {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, string>>
}

const withTimeout = (check: ReadinessCheck, ms: number): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    check().then(
      () => (clearTimeout(timer), resolve()),
      (error: unknown) => (clearTimeout(timer), reject(error))
    )
  })

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * The `/readyz` handler: `{ status: "ready" | "not_ready", checks: { name: "ok" | reason } }`.
 *
 * @param options.checks the checks (e.g. `token`, `audit`)
 * @param options.ttlMs how long an answer is reused
 * @example
 * app.get("/readyz", readiness({ checks: { token: () => tokens.get().then(() => undefined) }, now: Date.now }))
 */
export const readiness = (options: ReadinessOptions): Handler<AppEnv> => {
  const ttlMs = options.ttlMs ?? 5_000
  const timeoutMs = options.timeoutMs ?? 5_000
  let cached: { readonly at: number; readonly verdict: Promise<Verdict> } | undefined
  const evaluate = async (): Promise<Verdict> => {
    const names = Object.keys(options.checks)
    const results = await Promise.allSettled(names.map((name) => withTimeout(options.checks[name]!, timeoutMs)))
    const checks = Object.fromEntries(
      results.map((result, i) => [names[i]!, result.status === "fulfilled" ? "ok" : reason(result.reason)])
    )
    return { ready: results.every((result) => result.status === "fulfilled"), checks }
  }
  return async (c) => {
    const now = options.now()
    if (cached === undefined || now - cached.at >= ttlMs) cached = { at: now, verdict: evaluate() }
    const verdict = await cached.verdict
    return c.json(
      { status: verdict.ready ? "ready" : "not_ready", checks: verdict.checks },
      verdict.ready ? 200 : 503,
      {
        "cache-control": "no-store"
      }
    )
  }
}

/** What the audit check needs: the store's own probe if it has one, else the trail's recent writes. */
export interface AuditReadiness {
  /** A write probe of the audit store (resolves when it accepts writes). */
  readonly probe?: (() => Promise<void>) | undefined
  /** The last write the trail accepted or refused. */
  readonly lastWrite: () => { readonly result: "accepted" | "refused"; readonly at: number } | undefined
  readonly now: () => number
  /** A refusal this recent means not ready (default 30 s). */
  readonly windowMs?: number
}

/**
 * The audit check: the store's write probe when it has one; otherwise the trail's own verdict on the
 * last write it was asked to accept (a refusal within `windowMs` is not ready; no write yet is ready).
 */
export const auditCheck =
  (options: AuditReadiness): ReadinessCheck =>
  async () => {
    if (options.probe !== undefined) return options.probe()
    const last = options.lastWrite()
    if (last?.result === "refused" && options.now() - last.at < (options.windowMs ?? 30_000)) {
      throw new Error("the audit store refused the last write")
    }
  }
