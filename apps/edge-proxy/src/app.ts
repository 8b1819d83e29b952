/**
 * `createApp(deps)`: the runtime-neutral Hono app of the edge proxy. It reads no globals and does
 * no I/O of its own: Logto, the token, the clock, the log, the cache and the audit trail all come
 * in as ports (see `ports.ts`), filled in by `worker.ts`, `node.ts`, `demo.ts` or a test.
 *
 * The request path for the 36 operations is one chain, top to bottom: request id → request log →
 * route match (404/405/OPTIONS) → audit of refusals → authentication and authorization (401/403) →
 * validation (400/413/422) → cache (reads answered, writes invalidating) → audit of writes (accepted
 * before, settled after) → forward (Logto).
 */
import { Hono } from "hono"
import { auditPageHandler, auditPublicKeyHandler, auditRoutes, type AuditStore } from "./audit/index.ts"
import type { ApiKey, Config } from "./config.ts"
import { openApiJson } from "./docs/index.ts"
import type { AppEnv } from "./env.ts"
import { renderLogtoError } from "./errors.ts"
import { origin, rawPath } from "./internal/url.ts"
import { authenticate, type KeyStore, makeKeyStore } from "./middleware/authenticate/index.ts"
import { audit } from "./middleware/audit/index.ts"
import { cache } from "./middleware/cache/index.ts"
import { forward, makeExchange } from "./middleware/forward/index.ts"
import { matchRoute } from "./middleware/match-route/index.ts"
import { makeMetricsRegistry, metrics, type MetricsRegistry } from "./middleware/metrics/index.ts"
import { requestId } from "./middleware/request-id/index.ts"
import { requestLog } from "./middleware/request-log/index.ts"
import { validate } from "./middleware/validate/index.ts"
import { logtoWebhook, makeWebhookCounters } from "./middleware/webhooks/index.ts"
import {
  type AuditSink,
  type CacheStore,
  type LogSink,
  noAudit,
  passThroughCache,
  type Platform,
  type TokenSource,
  type Upstream
} from "./ports.ts"
import { auditCheck, readiness } from "./ops/readiness.ts"
import { clientCredentials } from "./token-source.ts"
import {
  budgetedUpstream,
  type Limits,
  type LimitsCounters,
  makeLimitsCounters,
  memoryLimits,
  type Rate,
  renderLimitsMetrics
} from "./limits/index.ts"
import { quota } from "./middleware/quota/index.ts"

/** Everything the app needs. */
export interface Deps {
  /** The proxy keys callers authenticate with. */
  readonly keys: ReadonlyArray<ApiKey>
  /** Sends requests to Logto (its origin is fixed inside). */
  readonly upstream: Upstream
  /** The Management API token. */
  readonly tokens: TokenSource
  /** Every upstream exchange must finish within this many milliseconds. */
  readonly upstreamTimeoutMs: number
  readonly platform: Platform
  readonly log: LogSink
  /** The read cache (`passThroughCache` when caching is off). */
  readonly cache: CacheStore
  /** The audit trail of writes and denials (`noAudit` when none is configured). */
  readonly audit: AuditSink
  /** The audit store behind `audit`, for the query API at `/audit` (absent: no `/audit` routes). */
  readonly auditStore?: AuditStore
  /** The largest request body accepted (default 1 MiB, Logto's limit). */
  readonly maxBodyBytes?: number
  /** The key store (default: built from `keys`); the Node hit path shares its memo. */
  readonly keyStore?: KeyStore
  /** The Logto webhook's signing key; `POST /webhooks/logto` answers 404 without one. */
  readonly webhookSigningKey?: string | undefined
  /** A bearer token for `GET /metrics` (any key with scope `read` works too). */
  readonly metricsToken?: string | undefined
  /** The metrics registry the request log feeds (default: a new one; the Node hit path shares it). */
  readonly metrics?: MetricsRegistry
  /**
   * The API reference's files, by name under `/docs/` (Node: `src/docs/node/serve.ts`). Absent on
   * Workers, where Cloudflare serves them as static assets before the Worker runs.
   */
  readonly docsAssets?: (name: string) => Promise<Response | undefined>
  /** Per-key quotas and the upstream budget (default: in memory, no budget). */
  readonly limits?: Limits
  /** Their counters (for `/metrics`). */
  readonly limitsCounters?: LimitsCounters
  /** The quota of keys without their own `rateLimit` (`ORGKIT_RATE_LIMIT`). */
  readonly defaultRateLimit?: Rate | undefined
}

/** What the entry files provide besides the configuration. */
export interface Runtime {
  readonly upstream: Upstream
  readonly platform: Platform
  readonly log: LogSink
  readonly cache?: CacheStore
  readonly audit?: AuditSink
  readonly auditStore?: AuditStore
  readonly keyStore?: KeyStore
  /** Where quotas and the budget are counted (default: in this process). */
  readonly limits?: Limits
}

/**
 * `Deps` from decoded configuration and a runtime: the client-credentials token source over the
 * same upstream, and the pass-through cache and no-op audit unless given.
 */
export const makeDeps = (config: Config, runtime: Runtime): Deps => {
  const limits = runtime.limits ?? memoryLimits({ budget: config.upstreamBudget, now: runtime.platform.now })
  const limitsCounters = makeLimitsCounters()
  // Every request to Logto, token requests included, takes its share of the budget first.
  const upstream =
    limits.budget === undefined
      ? runtime.upstream
      : budgetedUpstream(runtime.upstream, {
          budget: limits.budget,
          waitMs: config.upstreamBudgetWaitMs,
          now: runtime.platform.now,
          counters: limitsCounters
        })
  return {
    keys: config.apiKeys,
    upstream,
    limits,
    limitsCounters,
    defaultRateLimit: config.defaultRateLimit,
    tokens: clientCredentials({
      upstream,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      resource: config.apiResource,
      timeoutMs: config.upstreamTimeoutMs,
      now: runtime.platform.now
    }),
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    platform: runtime.platform,
    log: runtime.log,
    cache: runtime.cache ?? passThroughCache,
    audit: runtime.audit ?? noAudit,
    ...(runtime.auditStore === undefined ? {} : { auditStore: runtime.auditStore }),
    ...(runtime.keyStore === undefined ? {} : { keyStore: runtime.keyStore }),
    webhookSigningKey: config.webhookSigningKey,
    metricsToken: config.metricsToken
  }
}

/**
 * Builds the proxy app.
 *
 * @example
 * const app = createApp(makeDeps(config, { upstream, platform: webPlatform, log: jsonLog }))
 * export default { fetch: app.fetch }
 */
export const createApp = (deps: Deps) => {
  const openApi = openApiJson()
  const exchange = makeExchange({
    upstream: deps.upstream,
    tokens: deps.tokens,
    timeoutMs: deps.upstreamTimeoutMs,
    now: deps.platform.now
  })
  const keys = deps.keyStore ?? makeKeyStore(deps.keys, deps.platform.digest)
  const webhooks = makeWebhookCounters()
  const registry = deps.metrics ?? makeMetricsRegistry()
  const auditStore = deps.auditStore as (AuditStore & { readonly probe?: () => Promise<void> }) | undefined
  const ready = readiness({
    now: deps.platform.now,
    checks: {
      token: () => deps.tokens.get().then(() => undefined),
      ...(auditStore === undefined
        ? {}
        : {
            audit: auditCheck({
              probe: auditStore.probe?.bind(auditStore),
              lastWrite: registry.lastAudit,
              now: deps.platform.now
            })
          })
    }
  })
  const limits = deps.limits ?? memoryLimits({ now: deps.platform.now })
  const limitsCounters = deps.limitsCounters ?? makeLimitsCounters()
  const app = new Hono<AppEnv>()
    .use(requestId({ generate: deps.platform.randomId }))
    .use(requestLog({ log: deps.log, now: deps.platform.now, metrics: registry }))
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", ready)
    .get("/openapi.json", (c) =>
      c.body(openApi(origin(c.req.url)), 200, { "content-type": "application/json; charset=utf-8" })
    )
    // The API reference (Swagger UI, `src/docs/`): `/` and `/docs` lead to it.
    .get("/", (c) => c.redirect("/docs/", 302))
    .get("/docs", (c) => c.redirect("/docs/", 301))
    .get("/favicon.ico", (c) => c.redirect("/docs/favicon-32x32.png", 301))
    .get("/docs/*", async (c) => {
      const name = rawPath(c.req.url).slice("/docs/".length)
      return (await deps.docsAssets?.(name)) ?? c.notFound()
    })
    .get(
      "/metrics",
      metrics({
        cache: deps.cache,
        webhooks,
        keys,
        token: deps.metricsToken,
        registry,
        audit: deps.audit,
        extra: () => renderLimitsMetrics(limitsCounters, limits.budget)
      })
    )
    .post(
      "/webhooks/logto",
      logtoWebhook({
        signingKey: deps.webhookSigningKey,
        cache: deps.cache,
        log: deps.log,
        counters: webhooks,
        now: deps.platform.now
      })
    )
  // The audit query API sits before route matching: `/audit/*` is not one of Logto's 36 operations.
  if (deps.auditStore !== undefined) {
    app
      // The page (it asks for a key, as /docs does) and the public keys need none.
      .get("/audit", auditPageHandler)
      .get("/audit/public-key", auditPublicKeyHandler(deps.auditStore))
      .use("/audit/*", authenticate({ keys, scope: "audit:read" }))
      .route("/audit", auditRoutes({ store: deps.auditStore }))
  }
  const trail = audit({ sink: deps.audit, log: deps.log, now: deps.platform.now })
  return app
    .use(
      matchRoute(),
      trail.denials,
      authenticate({ keys }),
      quota({ limits, counters: limitsCounters, defaultRate: deps.defaultRateLimit }),
      validate(deps.maxBodyBytes === undefined ? {} : { maxBodyBytes: deps.maxBodyBytes }),
      cache({ cache: deps.cache }),
      trail.writes
    )
    .all("*", forward({ exchange, platform: deps.platform }))
    .notFound((c) => c.body("Not Found", 404, { "content-type": "text/plain; charset=utf-8" }))
    .onError(renderLogtoError(deps.log))
}

/** The app's type. */
export type App = ReturnType<typeof createApp>
