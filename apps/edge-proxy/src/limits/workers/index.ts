/**
 * Quotas and the upstream budget on Workers, over the `Limiter` Durable Object (`ORGKIT_LIMITS`):
 * exact across isolates and locations. The Worker entry re-exports `Limiter`.
 */
import type { BudgetPolicy } from "../budget.ts"
import type { Limits } from "../limits.ts"
import type { LimitsEnv } from "./durable-object.ts"

export { Limiter, type LimitsEnv } from "./durable-object.ts"

/** The object that holds the whole budget. */
export const budgetObject = "budget"

/** `Limits` over the `ORGKIT_LIMITS` binding. */
export const durableLimits = (
  namespace: NonNullable<LimitsEnv["ORGKIT_LIMITS"]>,
  options: { readonly budget: BudgetPolicy | undefined; readonly now: () => number }
): Limits => {
  const policy = options.budget
  const budget = () => namespace.getByName(budgetObject)
  return {
    quota: async (keyId, rate) => namespace.getByName(`quota:${keyId}`).count(rate, options.now()),
    budget:
      policy === undefined
        ? undefined
        : {
            policy,
            take: async (kind, keyId) => budget().take(policy, kind, keyId, options.now()),
            pause: async (until) => budget().pause(policy, until),
            snapshot: async () => budget().snapshot(policy, options.now())
          }
  }
}
