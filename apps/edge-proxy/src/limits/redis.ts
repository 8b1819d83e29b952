/**
 * Quotas and the upstream budget for several Node processes, in Redis (`ORGKIT_CACHE_REDIS_URL`):
 * exact across processes. A quota is one Lua script (count unless full, the window's expiry set by
 * the first request). The budget is the same `BudgetState` as everywhere, kept as JSON in one key
 * and changed by compare-and-set (a Lua script that writes only if the value is still the one read;
 * a process that lost the race reads again). While Redis cannot be reached, each process counts on
 * its own (in memory) and says so in its log and `/metrics`.
 */
import { Redis } from "ioredis"
import type { LogSink } from "../ports.ts"
import { type BudgetJson, type BudgetPolicy, BudgetState } from "./budget.ts"
import { type Budget, type Limits, memoryLimits } from "./limits.ts"
import type { Rate, Verdict } from "./rate.ts"

/** Options of `redisLimits`. */
export interface RedisLimitsOptions {
  readonly url: string
  readonly budget: BudgetPolicy | undefined
  readonly now: () => number
  readonly log: LogSink
  /** Key prefix (default `orgkit:limits:`). */
  readonly prefix?: string
}

// KEYS[1] the key's window; ARGV: limit, window ms. Refused requests are not counted.
const quotaScript = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then
  return {0, 0, redis.call('PTTL', KEYS[1])}
end
used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, tonumber(ARGV[1]) - used, redis.call('PTTL', KEYS[1])}
`

// KEYS[1] the budget; ARGV: the value read ('' when none), the new value, its expiry in ms.
const casScript = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`

/** Limits in Redis, with the in-memory ones as the fallback while Redis is unreachable. */
export const redisLimits = (
  options: RedisLimitsOptions
): Limits & { readonly ready: Promise<void>; readonly close: () => Promise<void> } => {
  const prefix = options.prefix ?? "orgkit:limits:"
  // A command waits at most 250 ms (queued while connecting), then the process counts on its own.
  const redis = new Redis(options.url, { commandTimeout: 250, maxRetriesPerRequest: 0 })
  redis.on("error", () => {})
  const ready = new Promise<void>((resolve) => redis.once("ready", () => resolve()))
  const local = memoryLimits({ budget: options.budget, now: options.now })
  let warnedAt = Number.NEGATIVE_INFINITY
  const fallback = (what: string, error: unknown) => {
    const now = options.now()
    if (now - warnedAt < 60_000) return
    warnedAt = now
    options.log({
      level: "warn",
      msg: `limits: Redis unreachable, ${what} counted in this process only`,
      error: String(error)
    })
  }

  const quota = async (keyId: string, rate: Rate): Promise<Verdict> => {
    try {
      const [allowed, remaining, ttl] = (await redis.eval(
        quotaScript,
        1,
        `${prefix}quota:${keyId}:${rate.requests}/${rate.perSeconds}`,
        rate.requests,
        rate.perSeconds * 1000
      )) as [number, number, number]
      return { allowed: allowed === 1, remaining, resetMs: Math.max(0, ttl) }
    } catch (error) {
      fallback("quotas", error)
      return local.quota(keyId, rate)
    }
  }

  const policy = options.budget
  const budgetKey = `${prefix}budget`
  /** Reads the state, changes it with `change`, writes it back if nobody else did meanwhile. */
  const update = async <A>(change: (state: BudgetState) => A): Promise<A> => {
    for (let attempt = 0; ; attempt++) {
      const raw = (await redis.get(budgetKey)) ?? ""
      const state = BudgetState.fromJSON(policy!, raw === "" ? undefined : (JSON.parse(raw) as BudgetJson))
      const result = change(state)
      const ttl = policy!.rate.perSeconds * 1000 * 4 + 60_000
      const written = (await redis.eval(casScript, 1, budgetKey, raw, JSON.stringify(state), ttl)) as number
      if (written === 1) return result
      if (attempt >= 50) throw new Error("the budget kept changing under this process")
    }
  }
  const budget: Budget | undefined =
    policy === undefined || local.budget === undefined
      ? undefined
      : {
          policy,
          take: (kind, keyId) =>
            update((state) => state.take(kind, keyId, options.now())).catch((error: unknown) => {
              fallback("the upstream budget", error)
              return local.budget!.take(kind, keyId)
            }),
          pause: (until) =>
            update((state) => state.pause(until)).catch((error: unknown) => {
              fallback("the upstream budget", error)
              return local.budget!.pause(until)
            }),
          snapshot: () => update((state) => state.snapshot(options.now())).catch(() => local.budget!.snapshot())
        }
  return {
    quota,
    budget,
    ready,
    close: () =>
      redis.quit().then(
        () => undefined,
        () => undefined
      )
  }
}
