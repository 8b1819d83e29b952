/**
 * Per-key quotas and the upstream budget: the `Limits` port, its in-memory and Durable Object
 * implementations, and the budget around the `Upstream` port.
 */
export { type BudgetJson, type BudgetPolicy, BudgetState, type Grant, type Kind } from "./budget.ts"
export { budgetedUpstream, type BudgetedUpstreamOptions } from "./budgeted-upstream.ts"
export {
  type Budget,
  type Limits,
  type LimitsCounters,
  makeLimitsCounters,
  memoryLimits,
  renderLimitsMetrics
} from "./limits.ts"
export { countIn, parseRate, type Rate, sweep, type Verdict, type Window } from "./rate.ts"
