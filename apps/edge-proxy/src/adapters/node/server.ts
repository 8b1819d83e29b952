/**
 * The proxy as a Node HTTP server (`@hono/node-server`'s request listener), with the keep-alive
 * upstream, the in-memory cache and its hit path in front of Hono. With `ORGKIT_CACHE_REDIS_URL` the
 * cache is in Redis (no hit path: every read asks Redis) and with `ORGKIT_AUDIT_DATABASE_URL` the audit
 * trail is in PostgreSQL, both shared with the other processes configured the same way.
 */
import { getRequestListener, RequestError } from "@hono/node-server"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { createApp, makeDeps } from "../../app.ts"
import { type AuditStore, makeRecorder } from "../../audit/index.ts"
import { loadAuditKeys, recorderSettings, storeSettings } from "../../audit/settings.ts"
import { openNodeAuditStore } from "../../audit/node/index.ts"
import { openPostgresAuditStore } from "../../audit/postgres/index.ts"
import { type MemoryCache, memoryCache } from "../../cache/memory-cache.ts"
import { fastPath } from "../../cache/node/fast-path.ts"
import { type RedisCache, redisCache } from "../../cache/redis/index.ts"
import { redisLimits } from "../../limits/redis.ts"
import type { NodeConfig } from "../../config.ts"
import { makeKeyStore } from "../../middleware/authenticate/index.ts"
import type { LogSink, Platform, Upstream } from "../../ports.ts"
import { atLevel, webPlatform } from "../web-platform.ts"
import { nodeHttpUpstream } from "./http-upstream.ts"
import { nodeDocsAssets } from "../../docs/node/serve.ts"
import { makeMetricsRegistry, observing } from "../../middleware/metrics/index.ts"
import { prettyLines } from "../../middleware/request-log/index.ts"
import { bufferedJsonLines } from "./log.ts"

/** A running proxy. */
export interface NodeProxy {
  /** Where it listens, e.g. `http://127.0.0.1:8787`. */
  readonly url: string
  readonly port: number
  /** The in-memory cache (`undefined` with `ORGKIT_CACHE=off` or `ORGKIT_CACHE_REDIS_URL`). */
  readonly cache: MemoryCache | undefined
  /** The cache in Redis (`ORGKIT_CACHE_REDIS_URL`), shared with other processes. */
  readonly sharedCache: RedisCache | undefined
  /**
   * Stops accepting, lets requests in flight finish for up to `graceMs` (default 0), then ends every
   * connection, drops the upstream's idle sockets and flushes the audit trail and the log.
   */
  readonly close: (graceMs?: number) => Promise<void>
}

/** Options of `startNodeProxy`. */
export interface StartOptions {
  /** Where log lines go (default: JSON lines on stdout, batched). `ORGKIT_LOG_LEVEL` applies. */
  readonly log?: LogSink
  /** The upstream (default: keep-alive `node:http` to `config.logtoEndpoint`). */
  readonly upstream?: Upstream
  /** Clock, ids and digests (default: the Web platform). */
  readonly platform?: Platform
  /** A cache to share with another server in this process (default: a new one from `config.cache`). */
  readonly cache?: MemoryCache
  /**
   * The audit store (default: PostgreSQL at `config.auditDatabaseUrl` if set, else SQLite at
   * `config.auditDbPath`; closed with the server).
   */
  readonly auditStore?: AuditStore
}

const displayHost = (host: string): string =>
  host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host

/** Starts the proxy on `config.host:config.port` and resolves once it is listening. */
export const startNodeProxy = async (config: NodeConfig, options: StartOptions = {}): Promise<NodeProxy> => {
  const own = options.upstream === undefined ? nodeHttpUpstream({ origin: config.logtoEndpoint }) : undefined
  const upstream = options.upstream ?? own!
  const platform = options.platform ?? webPlatform
  const buffered = options.log === undefined ? bufferedJsonLines() : undefined
  // On a terminal (a local run) the log is for people; piped or collected, it stays JSON lines.
  const sink =
    buffered === undefined || !process.stdout.isTTY ? buffered : prettyLines((text) => buffered.raw(text.slice(0, -1)))
  const log = atLevel(options.log ?? sink!, config.logLevel)
  const leaseMs = 2 * config.upstreamTimeoutMs + 1_000
  const shared =
    config.cache.enabled && options.cache === undefined && config.cacheRedisUrl !== undefined
      ? redisCache(config.cache, { url: config.cacheRedisUrl, now: platform.now, log, leaseMs })
      : undefined
  const cache =
    !config.cache.enabled || shared !== undefined
      ? undefined
      : (options.cache ?? memoryCache(config.cache, { now: platform.now, log, leaseMs }))
  // Not reachable yet: start anyway (reads go to Logto until it is; /metrics says so).
  await shared?.backend.ready
  const keyStore = makeKeyStore(config.apiKeys, platform.digest)
  // The witness lines (signed checkpoints) go to the sink that ORGKIT_LOG_LEVEL does not filter.
  const signing =
    options.auditStore === undefined && config.audit
      ? {
          ...storeSettings(config.auditSettings, await loadAuditKeys(config.auditSettings)),
          log: options.log ?? buffered!
        }
      : undefined
  const ownAudit =
    options.auditStore === undefined && config.audit
      ? config.auditDatabaseUrl === undefined
        ? openNodeAuditStore({ path: config.auditDbPath, now: platform.now, ...signing })
        : await openPostgresAuditStore({ url: config.auditDatabaseUrl, now: platform.now, ...signing }).catch(
            async (error: unknown) => {
              await shared?.close()
              throw error
            }
          )
      : undefined
  const auditStore = options.auditStore ?? ownAudit
  // One registry for both paths (the hit path's request lines are counted like the app's) and for the
  // audit recorder's deliveries.
  const metrics = makeMetricsRegistry()
  const audit =
    auditStore === undefined
      ? undefined
      : makeRecorder({
          store: auditStore,
          log: observing(metrics, log),
          now: platform.now,
          ...recorderSettings(config.auditSettings)
        })
  // With Redis, quotas and the upstream budget are counted there, for every process.
  const sharedLimits =
    config.cacheRedisUrl === undefined
      ? undefined
      : redisLimits({ url: config.cacheRedisUrl, budget: config.upstreamBudget, now: platform.now, log })
  const app = createApp({
    ...makeDeps(config, {
      upstream,
      platform,
      log,
      keyStore,
      ...(sharedLimits === undefined ? {} : { limits: sharedLimits }),
      ...(audit === undefined || auditStore === undefined ? {} : { audit, auditStore }),
      ...(cache === undefined && shared === undefined ? {} : { cache: (cache ?? shared)!.store })
    }),
    metrics,
    docsAssets: nodeDocsAssets()
  })
  const hono = getRequestListener(app.fetch, {
    hostname: config.host,
    // A request line Node accepts but no URL can be built from (`a\\b`, a bad Host) fails before the app
    // runs: answer it Logto-shaped, with a request id and a log line, not with an empty 400.
    errorHandler: (error) => {
      const requestId = platform.randomId()
      const unparsable = error instanceof RequestError
      const [status, code, message] = unparsable
        ? [400, "proxy.invalid_request", "The request target or Host header cannot be parsed."]
        : [500, "proxy.internal_error", "Internal server error."]
      log({ level: unparsable ? "warn" : "error", msg: "request", requestId, status, code, error: String(error) })
      return new Response(JSON.stringify({ code, message }), {
        status,
        headers: { "content-type": "application/json; charset=utf-8", "x-request-id": requestId }
      })
    }
  })
  const hit =
    cache === undefined
      ? undefined
      : fastPath({
          memory: cache.memory,
          counters: cache.counters,
          keys: keyStore,
          now: platform.now,
          randomId: platform.randomId,
          log: config.logLevel === "info" ? log : undefined,
          metrics,
          defaultRateLimit: config.defaultRateLimit
        })
  const server = http.createServer(
    {
      headersTimeout: config.server.headersTimeoutMs,
      requestTimeout: config.server.requestTimeoutMs,
      keepAliveTimeout: config.server.keepAliveTimeoutMs,
      // Node looks at those timeouts this often (30 s by default, longer than the timeouts).
      connectionsCheckingInterval: Math.min(1_000, config.server.headersTimeoutMs)
    },
    hit === undefined ? hono : (req, res) => void (hit(req, res) || hono(req, res))
  )
  server.maxConnections = config.server.maxConnections
  let inFlight = 0
  let drained: (() => void) | undefined
  const finished = () => {
    inFlight--
    if (inFlight === 0) drained?.()
  }
  server.on("request", (_req, res: http.ServerResponse) => {
    inFlight++
    res.once("close", finished)
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port))
  })
  return {
    url: `http://${displayHost(config.host)}:${port}`,
    port,
    cache,
    sharedCache: shared,
    close: async (graceMs = 0) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // New connections are refused now; idle keep-alive ones go; requests in flight may finish.
      server.closeIdleConnections()
      if (inFlight > 0 && graceMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs)
          drained = () => (clearTimeout(timer), resolve())
        })
      }
      server.closeAllConnections()
      await closed
      own?.close()
      await (audit?.flush() ?? Promise.resolve())
      await ownAudit?.close()
      await shared?.close()
      await sharedLimits?.close()
      buffered?.flush()
    }
  }
}
