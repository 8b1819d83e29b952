/**
 * The `Limits` port: per-key quotas and the upstream budget, with one implementation per deployment
 * shape over the same pure state (`rate.ts`, `budget.ts`): in memory (one Node process), in a
 * Durable Object (Workers, `workers/`).
 */
import { type BudgetPolicy, BudgetState, type Grant, type Kind } from "./budget.ts"
import { countIn, type Rate, sweep, type Verdict, type Window } from "./rate.ts"

/** The upstream budget as the proxy uses it. */
export interface Budget {
  readonly policy: BudgetPolicy
  /** Takes one request to Logto of `kind` for `keyId`, or says how long to wait. */
  readonly take: (kind: Kind, keyId: string | undefined) => Promise<Grant>
  /** Logto answered 429: every instance waits until `until`. */
  readonly pause: (until: number) => Promise<void>
  /** Spent and left in the window, and the pause left. */
  readonly snapshot: () => Promise<{ readonly used: number; readonly remaining: number; readonly pausedMs: number }>
}

/** Per-key quotas and the upstream budget. */
export interface Limits {
  /** Counts one request of `keyId` against `rate`. */
  readonly quota: (keyId: string, rate: Rate) => Promise<Verdict>
  /** The upstream budget; absent when `ORGKIT_UPSTREAM_BUDGET` is not set. */
  readonly budget: Budget | undefined
}

/** Counters for `/metrics`. */
export interface LimitsCounters {
  /** Requests refused by a key's quota, by key id. */
  readonly refusedByKey: Map<string, number>
  /** Requests to Logto refused by the budget (a read then answered stale or 429, a write 429). */
  budgetRefused: number
}

/** Zeroed counters. */
export const makeLimitsCounters = (): LimitsCounters => ({
  refusedByKey: new Map(),
  budgetRefused: 0
})

/** Limits held in this process: exact for one Node process. */
export const memoryLimits = (options: {
  readonly budget?: BudgetPolicy | undefined
  readonly now: () => number
}): Limits => {
  const windows = new Map<string, Window>()
  let longestMs = 0
  let counted = 0
  const state = options.budget === undefined ? undefined : new BudgetState(options.budget)
  return {
    quota: (keyId, rate) => {
      const now = options.now()
      longestMs = Math.max(longestMs, rate.perSeconds * 1000)
      if (++counted % 1024 === 0) sweep(windows, now, longestMs)
      return Promise.resolve(countIn(windows, keyId, rate, now))
    },
    budget:
      state === undefined || options.budget === undefined
        ? undefined
        : {
            policy: options.budget,
            take: (kind, keyId) => Promise.resolve(state.take(kind, keyId, options.now())),
            pause: (until) => Promise.resolve(state.pause(until)),
            snapshot: () => Promise.resolve(state.snapshot(options.now()))
          }
  }
}

/** The metrics of quotas and the budget as Prometheus text lines. */
export const renderLimitsMetrics = async (counters: LimitsCounters, budget: Budget | undefined): Promise<string> => {
  let text =
    "# HELP orgkit_quota_refused_total Requests refused by a key's quota (429 proxy.rate_limited).\n" +
    "# TYPE orgkit_quota_refused_total counter\n"
  for (const [key, count] of counters.refusedByKey)
    text += `orgkit_quota_refused_total{key="${key.replace(/["\\\n]/g, "_")}"} ${count}\n`
  text +=
    "# HELP orgkit_upstream_budget_refused_total Requests to Logto the upstream budget refused.\n" +
    "# TYPE orgkit_upstream_budget_refused_total counter\n" +
    `orgkit_upstream_budget_refused_total ${counters.budgetRefused}\n`
  if (budget !== undefined) {
    const snapshot = await budget.snapshot()
    text +=
      "# HELP orgkit_upstream_budget_used Requests sent to Logto in the current window (all instances).\n" +
      "# TYPE orgkit_upstream_budget_used gauge\n" +
      `orgkit_upstream_budget_used ${snapshot.used}\n` +
      "# HELP orgkit_upstream_budget_remaining Requests left in the current window (all instances).\n" +
      "# TYPE orgkit_upstream_budget_remaining gauge\n" +
      `orgkit_upstream_budget_remaining ${snapshot.remaining}\n` +
      "# HELP orgkit_upstream_budget_paused_seconds Seconds left of a pause after Logto's own 429.\n" +
      "# TYPE orgkit_upstream_budget_paused_seconds gauge\n" +
      `orgkit_upstream_budget_paused_seconds ${(snapshot.pausedMs / 1000).toFixed(3)}\n`
  }
  return text
}
