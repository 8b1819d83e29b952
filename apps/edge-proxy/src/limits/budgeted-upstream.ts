/**
 * The upstream budget around the `Upstream` port: every request to Logto (token requests included)
 * first takes its share of the budget. A request the budget refuses waits up to `waitMs` for room
 * (asking again, so that the budget sees it waiting) and otherwise fails with an `UpstreamFailure`
 * of reason `budget` — nothing sent: the cache then serves a stale copy where it has one, and the
 * caller otherwise gets 429 `proxy.upstream_budget` with `Retry-After`. A 429 from Logto itself
 * pauses every instance for its `Retry-After`.
 */
import { type Upstream, UpstreamFailure, type UpstreamRequest } from "../ports.ts"
import type { Kind } from "./budget.ts"
import type { Budget, LimitsCounters } from "./limits.ts"

/** Options of `budgetedUpstream`. */
export interface BudgetedUpstreamOptions {
  readonly budget: Budget
  /** How long a request may wait for budget before it fails (`ORGKIT_UPSTREAM_BUDGET_WAIT_MS`). */
  readonly waitMs: number
  readonly now: () => number
  readonly counters: LimitsCounters
  /** Waits `ms` (tests pass a manual clock's). */
  readonly sleep?: (ms: number) => Promise<void>
}

/** How often a waiting request asks the budget again. */
const pollMs = 50

const kindOf = (request: UpstreamRequest): Kind =>
  request.target.startsWith("/oidc/")
    ? "token"
    : request.method === "GET" || request.method === "HEAD"
      ? "read"
      : "write"

/** Logto's `Retry-After` in milliseconds (seconds or an HTTP date); 1 s when absent or unreadable. */
const retryAfterMs = (value: string | null, now: number): number => {
  if (value === null) return 1_000
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isFinite(at) ? Math.max(0, at - now) : 1_000
}

/**
 * `upstream` behind the budget.
 *
 * @example
 * const upstream = budgetedUpstream(nodeHttpUpstream({ origin }), { budget, waitMs: 1_000, now: Date.now, counters })
 */
export const budgetedUpstream = (upstream: Upstream, options: BudgetedUpstreamOptions): Upstream => {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  return {
    send: async (request) => {
      const kind = kindOf(request)
      const deadline = options.now() + options.waitMs
      for (;;) {
        const grant = await options.budget.take(kind, request.keyId)
        if (grant.granted) break
        const now = options.now()
        if (now + Math.min(grant.retryAfterMs, pollMs) > deadline) {
          options.counters.budgetRefused++
          throw new UpstreamFailure("budget", "the upstream budget is spent", { retryAfterMs: grant.retryAfterMs })
        }
        await sleep(Math.min(grant.retryAfterMs, pollMs))
      }
      const response = await upstream.send(request)
      if (response.status === 429) {
        const now = options.now()
        await options.budget.pause(now + retryAfterMs(response.headers.get("retry-after"), now))
      }
      return response
    }
  }
}
