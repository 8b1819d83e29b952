/**
 * Fault injection: added latency, error statuses at a rate, 429 bursts with `Retry-After`, Logto
 * Cloud's per-tenant request budget, and full outages (503, or a dropped connection), per operation
 * or for all of them. Decisions are
 * deterministic under the configuration's `seed`, so a failing run can be replayed.
 *
 * Rules match Logto operationIds (`ListOrganizations`, …) and `token` (the `/oidc/token`
 * endpoint); the control API under `/__orgkit/` is never affected.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { type Rng, seeded } from "./internal/random.ts"

const NonNegative = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))
const Times = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const Operations = Schema.optionalKey(Schema.Array(Schema.String)).annotate({
  description: 'operationIds (e.g. ListOrganizations) or `token`; absent or ["*"] means every operation.'
})

/**
 * Adds `ms` (plus a uniform `[0, jitterMs)`) before answering.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Latency = Schema.Struct({
  type: Schema.Literal("latency"),
  operations: Operations,
  ms: NonNegative,
  jitterMs: Schema.optionalKey(NonNegative)
})

/**
 * Answers `status` instead of the real response, with probability `rate` (default 1), for at most
 * `times` requests. The body defaults to Logto's `{"message":"Internal server error."}` for 500
 * and to the status text otherwise; `retryAfter` adds a `Retry-After` header (seconds).
 *
 * @category schemas
 * @since 0.1.0
 */
export const ErrorStatus = Schema.Struct({
  type: Schema.Literal("error"),
  operations: Operations,
  status: Schema.Int.check(Schema.isBetween({ minimum: 400, maximum: 599 })),
  rate: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  times: Schema.optionalKey(Times),
  retryAfter: Schema.optionalKey(NonNegative),
  body: Schema.optionalKey(Schema.Unknown)
})

/**
 * A burst of 429 `Too Many Requests` with `Retry-After` (default 1 second): the next `times`
 * matching requests (every one when `times` is absent).
 *
 * @category schemas
 * @since 0.1.0
 */
export const RateLimit = Schema.Struct({
  type: Schema.Literal("rateLimit"),
  operations: Operations,
  times: Schema.optionalKey(Times),
  retryAfter: Schema.optionalKey(NonNegative)
})

/**
 * Logto Cloud's rate limit: at most `requests` matching requests per window of `windowSeconds`
 * (the window starts at the first request; about 200 per 10 s per tenant on Logto Cloud), shared by
 * every caller; past it, 429 `Too Many Requests` with `Retry-After` (the seconds left in the
 * window, rounded up) until the next window.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Budget = Schema.Struct({
  type: Schema.Literal("budget"),
  operations: Operations,
  requests: Times,
  windowSeconds: Schema.Number.check(Schema.isGreaterThan(0))
})

/**
 * Every matching request fails: `503` answers `Service Unavailable`; `refuse` drops the
 * connection (the standalone server destroys the socket; the fetch handler rejects like a
 * refused connection).
 *
 * @category schemas
 * @since 0.1.0
 */
export const Outage = Schema.Struct({
  type: Schema.Literal("outage"),
  operations: Operations,
  mode: Schema.optionalKey(Schema.Literals(["503", "refuse"])),
  times: Schema.optionalKey(Times)
})

/**
 * @category schemas
 * @since 0.1.0
 */
export const Rule = Schema.Union([Latency, ErrorStatus, RateLimit, Budget, Outage])

/**
 * @category models
 * @since 0.1.0
 */
export type Rule = typeof Rule.Type

/**
 * The whole fault configuration; `PUT /__orgkit/faults` replaces it.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Config = Schema.Struct({
  seed: Schema.optionalKey(Schema.Int),
  rules: Schema.Array(Rule)
})

/**
 * @category models
 * @since 0.1.0
 */
export type Config = typeof Config.Type

/**
 * Decodes a fault configuration.
 *
 * @category constructors
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<Config, string> => {
  const result = Schema.decodeUnknownResult(Config)(input, { errors: "all", onExcessProperty: "ignore" })
  return Result.isSuccess(result) ? Result.succeed(result.success) : Result.fail(result.failure.message)
}

/**
 * What happens to one request.
 *
 * @category models
 * @since 0.1.0
 */
export interface Decision {
  readonly latencyMs: number
  readonly outcome:
    | { readonly _tag: "Pass" }
    | { readonly _tag: "Drop" }
    | {
        readonly _tag: "Respond"
        readonly status: number
        readonly headers: Record<string, string>
        readonly body: string
      }
}

const statusText: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

const text = (status: number, extra: Record<string, string> = {}): Decision["outcome"] => ({
  _tag: "Respond",
  status,
  headers: { "content-type": "text/plain; charset=utf-8", ...extra },
  body: statusText[status] ?? String(status)
})

const respond = (rule: typeof ErrorStatus.Type): Decision["outcome"] => {
  const extra: Record<string, string> =
    rule.retryAfter === undefined ? {} : { "retry-after": String(Math.ceil(rule.retryAfter)) }
  if (rule.body !== undefined) {
    return typeof rule.body === "string"
      ? {
          _tag: "Respond",
          status: rule.status,
          headers: { "content-type": "text/plain; charset=utf-8", ...extra },
          body: rule.body
        }
      : {
          _tag: "Respond",
          status: rule.status,
          headers: { "content-type": "application/json; charset=utf-8", ...extra },
          body: JSON.stringify(rule.body)
        }
  }
  if (rule.status === 500) {
    return {
      _tag: "Respond",
      status: 500,
      headers: { "content-type": "application/json; charset=utf-8", ...extra },
      body: JSON.stringify({ message: "Internal server error." })
    }
  }
  return text(rule.status, extra)
}

const PASS: Decision = { latencyMs: 0, outcome: { _tag: "Pass" } }

/**
 * Applies a configuration to requests, in order: every matching latency rule adds up, then the
 * first matching failure rule that fires decides the answer.
 *
 * @category constructors
 * @since 0.1.0
 */
export class Injector {
  readonly config: Config
  private rng: Rng
  private remaining: Array<number | undefined>
  private readonly now: () => number
  /** Per budget rule: when its window started and how many requests it has taken. */
  private windows: Array<{ startedAt: number; used: number } | undefined>

  /** `now` is the fake's clock (budget windows). */
  constructor(config: Config = { rules: [] }, now: () => number = Date.now) {
    this.config = config
    this.rng = seeded(config.seed ?? 1)
    this.remaining = config.rules.map((r) => ("times" in r ? r.times : undefined))
    this.now = now
    this.windows = config.rules.map(() => undefined)
  }

  /** A budget rule's decision: `undefined` while the window has room (the request is counted). */
  private overBudget(i: number, rule: typeof Budget.Type): Decision["outcome"] | undefined {
    const at = this.now()
    const windowMs = rule.windowSeconds * 1000
    let window = this.windows[i]
    if (window === undefined || at - window.startedAt >= windowMs) {
      window = { startedAt: at, used: 0 }
      this.windows[i] = window
    }
    if (window.used < rule.requests) {
      window.used++
      return undefined
    }
    const left = Math.max(1, Math.ceil((window.startedAt + windowMs - at) / 1000))
    return text(429, { "retry-after": String(left) })
  }

  /** Whether any rule is configured. */
  get active(): boolean {
    return this.config.rules.length > 0
  }

  /** The decision for one request to `operation` (an operationId or `token`). */
  decide(operation: string): Decision {
    if (this.config.rules.length === 0) return PASS
    let latencyMs = 0
    let outcome: Decision["outcome"] = { _tag: "Pass" }
    for (const [i, rule] of this.config.rules.entries()) {
      const ops = rule.operations
      if (ops !== undefined && !ops.includes("*") && !ops.includes(operation)) continue
      if (rule.type === "latency") {
        latencyMs += rule.ms + (rule.jitterMs === undefined ? 0 : this.rng() * rule.jitterMs)
        continue
      }
      if (outcome._tag !== "Pass") continue
      if (rule.type === "budget") {
        outcome = this.overBudget(i, rule) ?? outcome
        continue
      }
      const left = this.remaining[i]
      if (left === 0) continue
      if (rule.type === "error" && rule.rate !== undefined && rule.rate < 1 && !(this.rng() < rule.rate)) continue
      if (left !== undefined) this.remaining[i] = left - 1
      outcome =
        rule.type === "error"
          ? respond(rule)
          : rule.type === "rateLimit"
            ? text(429, { "retry-after": String(Math.ceil(rule.retryAfter ?? 1)) })
            : rule.mode === "refuse"
              ? { _tag: "Drop" }
              : text(503)
    }
    return { latencyMs: Math.round(latencyMs), outcome }
  }
}
