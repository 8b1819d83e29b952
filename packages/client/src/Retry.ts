/**
 * When and how the client retries: exponential backoff with full jitter as an Effect `Schedule`,
 * `Retry-After` honoured, for 429, 502, 503, 504 and network failures, and by default only for
 * operations that are safe to repeat (GET, PUT, DELETE). Logto's relation POSTs are idempotent
 * ("on conflict do nothing"), so they may opt in with `idempotentPosts`.
 *
 * @since 0.1.0
 */
import { RouteTable } from "@orgkit/core"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"

/**
 * What made an attempt worth repeating: a retryable status (with the delay its `Retry-After`
 * asked for, if any), a network failure, or a transient token-endpoint failure. It is the input
 * of the retry `Schedule`.
 *
 * @category models
 * @since 0.1.0
 */
export class Retryable extends Data.TaggedError("Retryable")<{
  readonly reason: "status" | "network" | "token"
  /** The HTTP status, for `reason: "status"` (and token failures that had one). */
  readonly status?: number | undefined
  /** The delay `Retry-After` asked for, in milliseconds. */
  readonly retryAfterMillis?: number | undefined
  /** What the attempt produced: a response or an error, handed back when retries stop. */
  readonly outcome: unknown
}> {}

/**
 * The operationIds of Logto's idempotent POSTs, derived from core's route metadata: every relation
 * insert is "on conflict do nothing", so repeating one changes nothing (spec §2.9). CreateOrganization
 * and CreateOrganizationJitEmailDomain are not in it: repeating them creates a duplicate or fails.
 *
 * @category constructors
 * @since 0.1.0
 */
export const idempotentPostOperations: ReadonlySet<string> = new Set(
  RouteTable.routes.filter((route) => route.method === "POST" && route.idempotent).map((route) => route.operationId)
)

/**
 * Retry settings. Every field is optional; the defaults are in {@link defaults}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Retries after the first attempt (default 2). `0` disables retrying. */
  readonly retries?: number | undefined
  /** The first backoff ceiling; it doubles per retry (default 250 ms). */
  readonly baseDelay?: Duration.Input | undefined
  /** The largest backoff ceiling (default 8 s). The delay is uniform in [0, ceiling): full jitter. */
  readonly maxDelay?: Duration.Input | undefined
  /** A `Retry-After` longer than this is not waited for: the answer is returned as it is (default 60 s). */
  readonly maxRetryAfter?: Duration.Input | undefined
  /** The statuses worth retrying (default 429, 502, 503, 504). */
  readonly statuses?: Iterable<number> | undefined
  /** The methods that are retried (default GET, PUT, DELETE). */
  readonly methods?: Iterable<string> | undefined
  /** Also retry the idempotent POSTs of {@link idempotentPostOperations} (default false). */
  readonly idempotentPosts?: boolean | undefined
  /** Retry network failures (default true). */
  readonly networkErrors?: boolean | undefined
  /**
   * Replaces the backoff built from `retries`, `baseDelay`, `maxDelay` and `maxRetryAfter`. It
   * receives each {@link Retryable} and stops retrying when it ends.
   */
  readonly schedule?: Schedule.Schedule<unknown, Retryable> | undefined
}

/**
 * A resolved retry policy.
 *
 * @category models
 * @since 0.1.0
 */
export interface Policy {
  readonly statuses: ReadonlySet<number>
  readonly methods: ReadonlySet<string>
  readonly idempotentPosts: boolean
  readonly networkErrors: boolean
  readonly schedule: Schedule.Schedule<unknown, Retryable>
  /** `false` when the policy can never retry (no schedule step is attempted). */
  readonly enabled: boolean
}

/**
 * The default settings.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaults = {
  retries: 2,
  baseDelay: Duration.millis(250),
  maxDelay: Duration.seconds(8),
  maxRetryAfter: Duration.seconds(60),
  statuses: [429, 502, 503, 504],
  methods: ["GET", "PUT", "DELETE"],
  idempotentPosts: false,
  networkErrors: true
} as const

/**
 * Exponential backoff with full jitter: before retry `n` (1-based) the client waits a uniformly
 * random time in `[0, min(maxDelay, baseDelay * 2^(n-1)))`, or exactly what `Retry-After` asked
 * for when the answer carried one. It stops after `retries` retries, or at once when
 * `Retry-After` asks for more than `maxRetryAfter`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const backoff = (options: {
  readonly retries: number
  readonly baseDelay: Duration.Input
  readonly maxDelay: Duration.Input
  readonly maxRetryAfter: Duration.Input
}): Schedule.Schedule<Duration.Duration, Retryable> => {
  const cap = Duration.toMillis(Duration.fromInputUnsafe(options.maxDelay))
  const maxRetryAfter = Duration.toMillis(Duration.fromInputUnsafe(options.maxRetryAfter))
  return Schedule.exponential(options.baseDelay).pipe(
    Schedule.setInputType<Retryable>(),
    Schedule.while(({ input }) => input.retryAfterMillis === undefined || input.retryAfterMillis <= maxRetryAfter),
    Schedule.modifyDelay(({ duration, input }) =>
      input.retryAfterMillis !== undefined
        ? Effect.succeed(Duration.millis(input.retryAfterMillis))
        : Effect.map(Random.next, (r) => Duration.millis(Math.floor(Math.min(cap, Duration.toMillis(duration)) * r)))
    ),
    Schedule.upTo({ times: Math.max(0, options.retries) })
  )
}

/**
 * Resolves options into a policy.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Policy => {
  const retries = options.retries ?? defaults.retries
  return {
    statuses: new Set(options.statuses ?? defaults.statuses),
    methods: new Set([...(options.methods ?? defaults.methods)].map((m) => m.toUpperCase())),
    idempotentPosts: options.idempotentPosts ?? defaults.idempotentPosts,
    networkErrors: options.networkErrors ?? defaults.networkErrors,
    schedule:
      options.schedule ??
      backoff({
        retries,
        baseDelay: options.baseDelay ?? defaults.baseDelay,
        maxDelay: options.maxDelay ?? defaults.maxDelay,
        maxRetryAfter: options.maxRetryAfter ?? defaults.maxRetryAfter
      }),
    enabled: options.schedule !== undefined || retries > 0
  }
}

/**
 * The retry policy a `LogtoClient` is built with (read when its layer is built). Defaults to
 * {@link make}`()`.
 *
 * @category services
 * @since 0.1.0
 */
export const RetryPolicy = Context.Reference<Policy>("@orgkit/client/Retry/RetryPolicy", {
  defaultValue: () => make()
})

/**
 * Provides a retry policy.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<never> => Layer.succeed(RetryPolicy, make(options))

/**
 * Never retries.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerDisabled: Layer.Layer<never> = layer({ retries: 0 })

/**
 * Whether an operation may be retried under a policy.
 *
 * @category constructors
 * @since 0.1.0
 */
export const appliesTo = (policy: Policy, method: string, operationId: string | undefined): boolean =>
  policy.enabled &&
  (policy.methods.has(method) ||
    (method === "POST" &&
      policy.idempotentPosts &&
      operationId !== undefined &&
      idempotentPostOperations.has(operationId)))

/**
 * The delay a `Retry-After` value asks for, in milliseconds: delta-seconds or an HTTP date
 * (relative to `now`). `undefined` when absent or unreadable.
 *
 * @category constructors
 * @since 0.1.0
 */
export const retryAfterMillis = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
