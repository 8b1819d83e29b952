/**
 * `Limiter`: the Durable Object that counts quotas and the upstream budget on Workers. One object
 * per key (`quota:<key id>`) holds that key's window; one object (`budget`) holds the budget for
 * every isolate in every location. State lives in the object's memory: an object that is evicted
 * (idle for a while) starts its windows again, which only ever lets a few more requests through.
 */
import { DurableObject } from "cloudflare:workers"
import { type BudgetPolicy, BudgetState, type Grant, type Kind } from "../budget.ts"
import { countIn, type Rate, type Verdict, type Window } from "../rate.ts"

/** The binding the Worker needs for quotas and the budget. */
export interface LimitsEnv {
  readonly ORGKIT_LIMITS?: DurableObjectNamespace<Limiter>
}

export class Limiter extends DurableObject {
  private readonly windows = new Map<string, Window>()
  private budget: BudgetState | undefined
  private policy: string | undefined

  private state(policy: BudgetPolicy): BudgetState {
    const key = JSON.stringify(policy)
    if (this.budget === undefined || this.policy !== key) {
      this.budget = new BudgetState(policy)
      this.policy = key
    }
    return this.budget
  }

  /** Counts one request of the key this object is for. */
  count(rate: Rate, now: number): Verdict {
    return countIn(this.windows, "key", rate, now)
  }

  take(policy: BudgetPolicy, kind: Kind, keyId: string | undefined, now: number): Grant {
    return this.state(policy).take(kind, keyId, now)
  }

  pause(policy: BudgetPolicy, until: number): void {
    this.state(policy).pause(until)
  }

  snapshot(policy: BudgetPolicy, now: number): { used: number; remaining: number; pausedMs: number } {
    return this.state(policy).snapshot(now)
  }
}
