import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { proxyCodes } from "../../errors.ts"
import { logtoError } from "../../errors.ts"
import type { Limits, LimitsCounters, Rate } from "../../limits/index.ts"

/** Options of `quota`. */
export interface QuotaOptions {
  readonly limits: Limits
  readonly counters: LimitsCounters
  /** The quota of keys without a `rateLimit` of their own (`ORGKIT_RATE_LIMIT`); none when absent. */
  readonly defaultRate: Rate | undefined
}

/** The IETF `RateLimit-Policy` value of a rate. */
const policyOf = (rate: Rate): string => `"key";q=${rate.requests};w=${rate.perSeconds}`

/**
 * The per-key quota step, after authentication: each request of a key counts against its
 * `rateLimit` (or the default); over it, 429 `proxy.rate_limited` with `Retry-After` and nothing else
 * done. Every answer to a key with a quota carries the IETF `RateLimit-Policy` and `RateLimit`
 * headers (`"key";r=<left>;t=<seconds to reset>`). Other keys are unaffected.
 *
 * @param options.limits where the counts live (memory, a Durable Object, Redis)
 * @example
 * app.use(authenticate({ keys }), quota({ limits, counters, defaultRate: undefined }))
 */
export const quota =
  (options: QuotaOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const principal = c.get("principal")
    const rate = principal.rateLimit ?? options.defaultRate
    if (rate === undefined) return next()
    const verdict = await options.limits.quota(principal.id, rate)
    const resetSeconds = Math.max(0, Math.ceil(verdict.resetMs / 1000))
    const headers = {
      "ratelimit-policy": policyOf(rate),
      ratelimit: `"key";r=${verdict.remaining};t=${resetSeconds}`
    }
    if (!verdict.allowed) {
      options.counters.refusedByKey.set(principal.id, (options.counters.refusedByKey.get(principal.id) ?? 0) + 1)
      const response = logtoError(c, 429, {
        code: proxyCodes.rateLimited,
        message: `The key ${principal.id} is over its quota of ${rate.requests} requests per ${rate.perSeconds} s.`,
        data: { retryAfterSeconds: Math.max(1, resetSeconds) }
      })
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
      return response
    }
    await next()
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value)
  }
