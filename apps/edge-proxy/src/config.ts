/**
 * The proxy's configuration, decoded from environment strings (Workers vars and secrets, or
 * `process.env` on Node) with Effect Schema, one setting at a time (`internal/setting.ts`). Every
 * problem is reported with the name of the setting and never with its value (the secrets live here).
 */
import * as Result from "effect/Result"
import { auditSettingNames, type AuditSettings, decodeAuditSettings } from "./audit/settings.ts"
import { type ApiKey, parseKeys } from "./api-keys.ts"
import { type Env, expecting, Integer, optional, Required, setting, Token } from "./internal/setting.ts"
import type { BudgetPolicy } from "./limits/budget.ts"
import { parseRate, type Rate } from "./limits/rate.ts"

export type { ApiKey } from "./api-keys.ts"

/** The read cache's settings (README.md, Caching). */
export interface CacheSettings {
  /** `ORGKIT_CACHE=on` (the default) or `off`: off passes every read to Logto, with no `X-Cache`. */
  readonly enabled: boolean
  readonly maxAgeMs: number
  readonly staleIfErrorMs: number
  readonly maxEntryBytes: number
  /** Node: the whole cache; Workers: each Durable Object. */
  readonly maxBytes: number
}

/** Which request lines are logged: `info` all, `warn` 4xx and 5xx, `error` 5xx, `silent` none. */
export type LogLevel = "info" | "warn" | "error" | "silent"

/** What the runtime-neutral app needs. */
export interface Config {
  /** Logto's origin, e.g. `https://tenant.logto.app` (no path). */
  readonly logtoEndpoint: string
  readonly clientId: string
  readonly clientSecret: string
  /** The Management API resource indicator. */
  readonly apiResource: string
  readonly apiKeys: ReadonlyArray<ApiKey>
  readonly upstreamTimeoutMs: number
  readonly cache: CacheSettings
  /** The signing key of the Logto webhook (`POST /webhooks/logto`); the endpoint is off without it. */
  readonly webhookSigningKey: string | undefined
  /** A bearer token for `GET /metrics` besides the proxy keys with scope `read`. */
  readonly metricsToken: string | undefined
  readonly logLevel: LogLevel
  /**
   * The audit trail (default on; every write is refused unless its audit record is stored first).
   * `off` runs without one: for local experiments only.
   */
  readonly audit: boolean
  /** `ORGKIT_RATE_LIMIT`: the quota of keys without their own `rateLimit`; none when unset. */
  readonly defaultRateLimit: Rate | undefined
  /** `ORGKIT_UPSTREAM_BUDGET`: what all instances together may send to Logto; none when unset. */
  readonly upstreamBudget: BudgetPolicy | undefined
  /** `ORGKIT_UPSTREAM_BUDGET_WAIT_MS`: how long a request may wait for upstream budget. */
  readonly upstreamBudgetWaitMs: number
  /** The audit trail's settings (signing key, public keys, checkpoints, client IP header, denial ceiling). */
  readonly auditSettings: AuditSettings
}

/** The Node server's extra settings. */
export interface NodeConfig extends Config {
  readonly port: number
  readonly host: string
  /** The audit trail's SQLite file (`:memory:` for a throwaway one); unused with `auditDatabaseUrl`. */
  readonly auditDbPath: string
  /**
   * `ORGKIT_CACHE_REDIS_URL`: the cache lives in this Redis, shared by every process configured with
   * it (read-your-writes and invalidations across them); unset: in this process's memory.
   */
  readonly cacheRedisUrl: string | undefined
  /**
   * `ORGKIT_AUDIT_DATABASE_URL`: the audit trail lives in this PostgreSQL database (schema
   * `orgkit_audit`), one chain for every process configured with it; unset: the SQLite file.
   */
  readonly auditDatabaseUrl: string | undefined
  /** The Node server's limits (see `settings`): slow and idle callers, connections, shutdown. */
  readonly server: ServerLimits
}

/** The Node HTTP server's limits. */
export interface ServerLimits {
  /** A request's headers must arrive within this time (slowloris). */
  readonly headersTimeoutMs: number
  /** A whole request, body included, must arrive within this time. */
  readonly requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this time. */
  readonly keepAliveTimeoutMs: number
  /** Connections beyond this many are refused. */
  readonly maxConnections: number
  /** On SIGTERM, requests in flight get this long to finish before connections are closed. */
  readonly shutdownGraceMs: number
}

/** The settings, by environment variable name. */
export const settings = {
  logtoEndpoint: "LOGTO_ENDPOINT",
  clientId: "LOGTO_M2M_CLIENT_ID",
  clientSecret: "LOGTO_M2M_CLIENT_SECRET",
  apiResource: "LOGTO_API_RESOURCE",
  apiKeys: "ORGKIT_API_KEYS",
  upstreamTimeoutMs: "ORGKIT_UPSTREAM_TIMEOUT_MS",
  cache: "ORGKIT_CACHE",
  cacheMaxAge: "ORGKIT_CACHE_MAX_AGE_S",
  cacheStaleIfError: "ORGKIT_CACHE_STALE_IF_ERROR_S",
  cacheMaxEntryBytes: "ORGKIT_CACHE_MAX_ENTRY_BYTES",
  cacheMaxBytes: "ORGKIT_CACHE_MAX_BYTES",
  /** Workers: `strict` or `near` (decoded by `cache/workers/near.ts`, with the bound below). */
  cacheMode: "ORGKIT_CACHE_MODE",
  cacheNearMaxStale: "ORGKIT_CACHE_NEAR_MAX_STALE_MS",
  /** Workers: how long a hit's confirmation by its Durable Object stands (decoded with the mode). */
  cacheReadLease: "ORGKIT_CACHE_READ_LEASE_MS",
  webhookSigningKey: "LOGTO_WEBHOOK_SIGNING_KEY",
  metricsToken: "ORGKIT_METRICS_TOKEN",
  logLevel: "ORGKIT_LOG_LEVEL",
  audit: "ORGKIT_AUDIT",
  rateLimit: "ORGKIT_RATE_LIMIT",
  upstreamBudget: "ORGKIT_UPSTREAM_BUDGET",
  upstreamBudgetWriteShare: "ORGKIT_UPSTREAM_BUDGET_WRITE_SHARE",
  upstreamBudgetWaitMs: "ORGKIT_UPSTREAM_BUDGET_WAIT_MS",
  auditDbPath: "ORGKIT_AUDIT_DB_PATH",
  cacheRedisUrl: "ORGKIT_CACHE_REDIS_URL",
  auditDatabaseUrl: "ORGKIT_AUDIT_DATABASE_URL",
  headersTimeoutMs: "ORGKIT_HEADERS_TIMEOUT_MS",
  requestTimeoutMs: "ORGKIT_REQUEST_TIMEOUT_MS",
  keepAliveTimeoutMs: "ORGKIT_KEEP_ALIVE_TIMEOUT_MS",
  maxConnections: "ORGKIT_MAX_CONNECTIONS",
  shutdownGraceMs: "ORGKIT_SHUTDOWN_GRACE_MS",
  port: "PORT",
  host: "HOST"
} as const

/**
 * `ORGKIT_*` variables read by the project's tools, not by the proxy's configuration: the demo's key
 * (`npm start`) and the test suites' switches. Any other unknown `ORGKIT_*` variable is refused at
 * start, so that a misspelt setting never silently falls back to its default.
 */
export const toolSettings = [
  "ORGKIT_DEMO_KEY",
  "ORGKIT_DEMO_HOST",
  "ORGKIT_RELIABILITY",
  "ORGKIT_RELIABILITY_SEED",
  "ORGKIT_KEEP_CONSUMER"
]

/** Defaults of the optional settings. */
export const defaults = {
  apiResource: "https://default.logto.app/api",
  upstreamTimeoutMs: 10_000,
  cache: "on",
  cacheMaxAgeSeconds: 30,
  cacheStaleIfErrorSeconds: 300,
  cacheMaxEntryBytes: 1_048_576,
  /** Node: the whole in-memory cache. */
  cacheMaxBytesNode: 67_108_864,
  /** Workers: each Durable Object (several can share an isolate's 128 MB). */
  cacheMaxBytesWorkers: 8_388_608,
  logLevel: "info",
  audit: "on",
  upstreamBudgetWriteSharePercent: 25,
  upstreamBudgetWaitMs: 1_000,
  auditDbPath: "./data/audit.sqlite",
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4_096,
  shutdownGraceMs: 10_000,
  port: 8787,
  host: "0.0.0.0"
} as const

/** Invalid configuration: one line per problem, each naming its setting. */
export class ConfigError extends Error {
  readonly problems: ReadonlyArray<string>
  constructor(problems: ReadonlyArray<string>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`)
    this.name = "ConfigError"
    this.problems = problems
  }
}

const isOrigin = (s: string): boolean => {
  if (!URL.canParse(s)) return false
  const url = new URL(s)
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    url.pathname === "/" &&
    url.search === "" &&
    url.hash === "" &&
    url.username === "" &&
    url.password === "" &&
    !/[?#]$/.test(s)
  )
}

const Endpoint = expecting(
  "an http(s) origin such as https://tenant.logto.app (no path, query or credentials)",
  isOrigin
)
const AbsoluteUrl = expecting("an absolute URL", (s) => URL.canParse(s))
const urlWith = (protocols: ReadonlyArray<string>, example: string) =>
  expecting(
    `a URL such as ${example}`,
    (s) => URL.canParse(s) && protocols.includes(new URL(s).protocol) && new URL(s).hostname !== ""
  )
const RedisUrl = urlWith(["redis:", "rediss:"], "redis://host:6379 (or rediss://)")
const PostgresUrl = urlWith(["postgres:", "postgresql:"], "postgres://user:password@host:5432/database")

const RateText = expecting('a rate such as "200/10s" (requests/seconds)', (s) => parseRate(s) !== undefined)
const OnOff = expecting('"on" or "off"', (s) => s === "on" || s === "off")
const Level = expecting('"info", "warn", "error" or "silent"', (s) => ["info", "warn", "error", "silent"].includes(s))

const decodeCache = (problems: Array<string>, env: Env, maxBytesDefault: number): CacheSettings | undefined => {
  const enabled = setting(problems, env, settings.cache, OnOff, defaults.cache)
  const maxAge = setting(problems, env, settings.cacheMaxAge, Integer(1, 86_400), String(defaults.cacheMaxAgeSeconds))
  const staleIfError = setting(
    problems,
    env,
    settings.cacheStaleIfError,
    Integer(0, 604_800),
    String(defaults.cacheStaleIfErrorSeconds)
  )
  const maxEntryBytes = setting(
    problems,
    env,
    settings.cacheMaxEntryBytes,
    Integer(1_024, 67_108_864),
    String(defaults.cacheMaxEntryBytes)
  )
  const maxBytes = setting(
    problems,
    env,
    settings.cacheMaxBytes,
    Integer(65_536, 17_179_869_184),
    String(maxBytesDefault)
  )
  if ([enabled, maxAge, staleIfError, maxEntryBytes, maxBytes].includes(undefined)) return undefined
  if (Number(maxEntryBytes) > Number(maxBytes)) {
    problems.push(`${settings.cacheMaxEntryBytes}: must not exceed ${settings.cacheMaxBytes}`)
    return undefined
  }
  return {
    enabled: enabled === "on",
    maxAgeMs: Number(maxAge) * 1000,
    staleIfErrorMs: Number(staleIfError) * 1000,
    maxEntryBytes: Number(maxEntryBytes),
    maxBytes: Number(maxBytes)
  }
}

const decodeBase = (problems: Array<string>, env: Env, cacheMaxBytes: number, clientIpHeader: string | undefined) => ({
  auditSettings: decodeAuditSettings(env, problems, clientIpHeader),
  logtoEndpoint: setting(problems, env, settings.logtoEndpoint, Endpoint)?.replace(/\/$/, ""),
  clientId: setting(problems, env, settings.clientId, Required),
  clientSecret: setting(problems, env, settings.clientSecret, Required),
  apiResource: setting(problems, env, settings.apiResource, AbsoluteUrl, defaults.apiResource),
  apiKeys: parseKeys(problems, settings.apiKeys, env[settings.apiKeys]),
  upstreamTimeoutMs: setting(
    problems,
    env,
    settings.upstreamTimeoutMs,
    Integer(1, 300_000),
    String(defaults.upstreamTimeoutMs)
  ),
  cache: decodeCache(problems, env, cacheMaxBytes),
  webhookSigningKey: optional(problems, env, settings.webhookSigningKey, Required),
  metricsToken: optional(problems, env, settings.metricsToken, Token),
  logLevel: setting(problems, env, settings.logLevel, Level, defaults.logLevel) as LogLevel | undefined,
  audit: setting(problems, env, settings.audit, OnOff, defaults.audit) !== "off",
  defaultRateLimit: parseRate(optional(problems, env, settings.rateLimit, RateText) ?? ""),
  upstreamBudget: budgetPolicy(problems, env),
  upstreamBudgetWaitMs: Number(
    setting(problems, env, settings.upstreamBudgetWaitMs, Integer(0, 60_000), String(defaults.upstreamBudgetWaitMs))
  )
})

/** `ORGKIT_UPSTREAM_BUDGET` with its write share, or `undefined` when unset. */
const budgetPolicy = (problems: Array<string>, env: Env): BudgetPolicy | undefined => {
  const rate = optional(problems, env, settings.upstreamBudget, RateText)
  const share = setting(
    problems,
    env,
    settings.upstreamBudgetWriteShare,
    Integer(0, 90),
    String(defaults.upstreamBudgetWriteSharePercent)
  )
  const parsed = rate === undefined ? undefined : parseRate(rate)
  return parsed === undefined || share === undefined ? undefined : { rate: parsed, writeShare: Number(share) / 100 }
}

/**
 * Every `ORGKIT_*` variable the proxy or its tools read; `extra` adds runtime-specific names (the
 * audit trail's settings, Workers bindings).
 */
const knownSettings = (extra: ReadonlyArray<string>): ReadonlySet<string> =>
  new Set([...Object.values(settings), ...Object.values(auditSettingNames), ...toolSettings, ...extra])

/** Refuses `ORGKIT_*` variables (strings; Workers bindings are objects) that nothing reads. */
const unknownSettings = (problems: Array<string>, env: Env, extra: ReadonlyArray<string>): void => {
  const known = knownSettings(extra)
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("ORGKIT_") && typeof value === "string" && !known.has(name)) {
      problems.push(`${name}: is not a setting of the proxy (misspelt? see README.md, Configuration)`)
    }
  }
}

const finish = <A>(problems: ReadonlyArray<string>, value: () => A): Result.Result<A, ConfigError> =>
  problems.length > 0 ? Result.fail(new ConfigError(problems)) : Result.succeed(value())

/**
 * Decodes the app's settings from environment strings.
 */
export const decodeConfig = (env: Env): Result.Result<Config, ConfigError> => {
  const problems: Array<string> = []
  unknownSettings(problems, env, [])
  // Workers: Cloudflare sets CF-Connecting-IP itself; callers cannot forge it.
  const base = decodeBase(problems, env, defaults.cacheMaxBytesWorkers, "cf-connecting-ip")
  return finish(problems, () => ({ ...base, upstreamTimeoutMs: Number(base.upstreamTimeoutMs) }) as Config)
}

/**
 * Decodes the Node server's settings (the app's plus `PORT` and `HOST`).
 */
export const decodeNodeConfig = (env: Env): Result.Result<NodeConfig, ConfigError> => {
  const problems: Array<string> = []
  unknownSettings(problems, env, [])
  // Node: no client IP unless a trusted header is configured (ORGKIT_AUDIT_CLIENT_IP_HEADER).
  const base = decodeBase(problems, env, defaults.cacheMaxBytesNode, undefined)
  const port = setting(problems, env, settings.port, Integer(0, 65_535), String(defaults.port))
  const host = setting(problems, env, settings.host, Required, defaults.host)
  const auditDbPath = setting(problems, env, settings.auditDbPath, Required, defaults.auditDbPath)
  const cacheRedisUrl = optional(problems, env, settings.cacheRedisUrl, RedisUrl)
  const auditDatabaseUrl = optional(problems, env, settings.auditDatabaseUrl, PostgresUrl)
  const ms = (name: string, fallback: number, max: number) =>
    Number(setting(problems, env, name, Integer(1, max), String(fallback)))
  const server: ServerLimits = {
    headersTimeoutMs: ms(settings.headersTimeoutMs, defaults.headersTimeoutMs, 600_000),
    requestTimeoutMs: ms(settings.requestTimeoutMs, defaults.requestTimeoutMs, 3_600_000),
    keepAliveTimeoutMs: ms(settings.keepAliveTimeoutMs, defaults.keepAliveTimeoutMs, 600_000),
    maxConnections: ms(settings.maxConnections, defaults.maxConnections, 1_000_000),
    shutdownGraceMs: ms(settings.shutdownGraceMs, defaults.shutdownGraceMs, 600_000)
  }
  if (server.headersTimeoutMs > server.requestTimeoutMs) {
    problems.push(`${settings.headersTimeoutMs}: must not exceed ${settings.requestTimeoutMs}`)
  }
  return finish(
    problems,
    () =>
      ({
        ...base,
        upstreamTimeoutMs: Number(base.upstreamTimeoutMs),
        port: Number(port),
        host,
        auditDbPath,
        cacheRedisUrl,
        auditDatabaseUrl,
        server
      }) as NodeConfig
  )
}
