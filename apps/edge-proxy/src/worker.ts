/**
 * The Cloudflare Workers entry. The app is built once per isolate from the bindings (vars and
 * secrets, see wrangler.jsonc and README.md). With invalid configuration every request gets a
 * 500 `proxy.misconfigured` (the details go to the log only: they name the settings, never values).
 * The read cache lives in the Durable Objects re-exported here (`wrangler.jsonc` binds them).
 */
import * as Result from "effect/Result"
import { type App, createApp, makeDeps } from "./app.ts"
import { fetchUpstream } from "./adapters/fetch-upstream.ts"
import { atLevel, jsonLines, webPlatform } from "./adapters/web-platform.ts"
import { makeRecorder } from "./audit/index.ts"
import { recorderSettings } from "./audit/settings.ts"
import { workersAuditStore } from "./audit/workers/index.ts"
import { durableCache } from "./cache/workers/index.ts"
import { type HitSource, hitPath } from "./cache/workers/hit-path.ts"
import { decodeNearSettings, type EdgeCache, type NearCache, nearCache, NearMemory } from "./cache/workers/near.ts"
import { makeKeyStore } from "./middleware/authenticate/index.ts"
import { makeMetricsRegistry, observing } from "./middleware/metrics/index.ts"
import { decodeConfig } from "./config.ts"
import { durableLimits } from "./limits/workers/index.ts"
import { drainUnread } from "./adapters/workers/drain.ts"
import type { LogSink, Platform } from "./ports.ts"

export { AuditLog } from "./audit/workers/index.ts"
export { CacheRegistry, CacheShard } from "./cache/workers/index.ts"
export { Limiter } from "./limits/workers/index.ts"

/** Invalid configuration: the problems (setting names, never values). */
export interface Misconfigured {
  readonly problems: ReadonlyArray<string>
}

/** The app, and the near tier's hit path before it (`ORGKIT_CACHE_MODE=near`). */
export interface Built {
  readonly app: App
  readonly hit: ((request: Request) => Promise<Response | undefined>) | undefined
  /** The near tier, when on (its counters tell where hits were answered). */
  readonly near: NearCache | undefined
}

let built: Built | Misconfigured | undefined

const misconfigured = (problems: ReadonlyArray<string>): Misconfigured => {
  jsonLines({ level: "error", msg: "invalid configuration", problems })
  return { problems }
}

// A new Response per request: a body created while handling one request cannot be read in another.
const misconfiguredResponse = (): Response =>
  new Response(JSON.stringify({ code: "proxy.misconfigured", message: "The proxy is misconfigured; see its logs." }), {
    status: 500,
    headers: { "content-type": "application/json; charset=utf-8" }
  })

/**
 * Builds the app for these bindings: what each isolate does once (tests build a second instance
 * over the same Durable Object namespaces, sharing only what two isolates share).
 */
export const buildApp = (env: Env, overrides: Overrides = {}): App | Misconfigured => {
  const current = buildWorker(env, overrides)
  return "problems" in current ? current : current.app
}

/** What tests replace: the clock, the log, the fetch to Logto and the data centre's cache. */
export interface Overrides {
  readonly platform?: Platform
  readonly log?: LogSink
  readonly fetch?: (request: Request) => Promise<Response>
  /** The Cache API of the near tier (default `caches.default`). */
  readonly edge?: EdgeCache
}

/** Builds the app and the hit path for these bindings (see `buildApp`). */
export const buildWorker = (env: Env, overrides: Overrides = {}): Built | Misconfigured => {
  const near = decodeNearSettings(env as unknown as Record<string, unknown>)
  if ("problems" in near) return misconfigured(near.problems)
  const config = decodeConfig(env as unknown as Record<string, string | undefined>)
  if (Result.isFailure(config)) return misconfigured(config.failure.problems)
  const settings = config.success
  if (settings.cache.enabled && (env.ORGKIT_CACHE_SHARDS === undefined || env.ORGKIT_CACHE_REGISTRY === undefined)) {
    return misconfigured([
      "ORGKIT_CACHE: is on but the Durable Object bindings ORGKIT_CACHE_SHARDS / ORGKIT_CACHE_REGISTRY are missing"
    ])
  }
  if (settings.audit && (env.AUDIT_LOG === undefined || env.AUDIT_DB === undefined)) {
    return misconfigured([
      "ORGKIT_AUDIT: is on but the bindings AUDIT_LOG (Durable Object) / AUDIT_DB (D1) are missing"
    ])
  }
  const limited =
    settings.upstreamBudget !== undefined ||
    settings.defaultRateLimit !== undefined ||
    settings.apiKeys.some((key) => key.rateLimit !== undefined)
  if (limited && env.ORGKIT_LIMITS === undefined) {
    return misconfigured([
      "ORGKIT_UPSTREAM_BUDGET / rateLimit: quotas or a budget are set but the Durable Object binding ORGKIT_LIMITS is missing"
    ])
  }
  const platform = overrides.platform ?? webPlatform
  const log = atLevel(overrides.log ?? jsonLines, settings.logLevel)
  const upstream = fetchUpstream({
    origin: settings.logtoEndpoint,
    fetch: overrides.fetch ?? ((request) => fetch(request))
  })
  const strict = settings.cache.enabled
    ? durableCache(env, settings.cache, {
        now: platform.now,
        log,
        leaseMs: 2 * settings.upstreamTimeoutMs + 1_000,
        // Near mode's hits never ask the objects, so they grant no read leases to wait out.
        readLeaseMs: near.settings.mode === "strict" ? near.settings.readLeaseMs : 0
      })
    : undefined
  const near_ =
    strict === undefined || near.settings.mode === "strict"
      ? undefined
      : nearCache({
          strict,
          settings: near.settings,
          now: platform.now,
          memory: new NearMemory(settings.cache.maxBytes),
          edge: overrides.edge ?? (caches as unknown as { readonly default: EdgeCache }).default
        })
  const cache = near_ ?? strict
  const keyStore = makeKeyStore(settings.apiKeys, platform.digest)
  const metrics = makeMetricsRegistry()
  const auditStore = settings.audit ? workersAuditStore(env, { now: platform.now }) : undefined
  const audit =
    auditStore === undefined
      ? undefined
      : makeRecorder({
          store: auditStore,
          log: observing(metrics, log),
          now: platform.now,
          ...recorderSettings(settings.auditSettings)
        })
  const app = createApp({
    ...makeDeps(settings, {
      upstream,
      ...(env.ORGKIT_LIMITS === undefined
        ? {}
        : { limits: durableLimits(env.ORGKIT_LIMITS, { budget: settings.upstreamBudget, now: platform.now }) }),
      platform,
      log,
      ...(cache === undefined ? {} : { cache }),
      ...(audit === undefined || auditStore === undefined ? {} : { audit, auditStore }),
      keyStore
    }),
    metrics
  })
  const source: HitSource | undefined =
    strict === undefined
      ? undefined
      : near_ === undefined
        ? { counters: strict.counters, tokenBoundMs: undefined, find: strict.peekHeld }
        : {
            counters: near_.counters,
            tokenBoundMs: near_.boundMs,
            find: (key, at) => {
              const copy = near_.memory.fresh(key, at, near_.boundMs)
              if (copy !== undefined) near_.near.memoryHits++
              return copy
            }
          }
  const hit =
    source === undefined
      ? undefined
      : hitPath({
          source,
          keys: keyStore,
          now: platform.now,
          randomId: platform.randomId,
          // A hit is a 200 or 304: its line is an info line.
          log: settings.logLevel === "info" ? log : undefined,
          metrics,
          defaultRateLimit: settings.defaultRateLimit
        })
  return { app, hit, near: near_ }
}

/**
 * The Worker's `fetch` for these bindings: the hit path, else the pipeline, then the drain (tests
 * build a second one over the same Durable Object namespaces).
 */
export const handle = async (
  current: Built | Misconfigured,
  request: Request,
  env: Env,
  ctx?: ExecutionContext
): Promise<Response> => {
  if ("problems" in current) {
    await drainUnread(request)
    return misconfiguredResponse()
  }
  const hit = await current.hit?.(request)
  if (hit !== undefined) return hit
  const response = await current.app.fetch(request, env, ctx)
  // workerd stops reading the request once the Worker answers: a caller still writing a body the
  // app refused or did not need (413, 401, 403) would see a reset instead of the answer.
  if (request.body !== null) await drainUnread(request)
  return response
}

export default {
  // The app is built on first use in this isolate.
  fetch: (request, env, ctx) => handle((built ??= buildWorker(env)), request, env, ctx)
} satisfies ExportedHandler<Env>
