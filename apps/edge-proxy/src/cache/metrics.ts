/**
 * The cache's counters, and their rendering in the Prometheus text format (`GET /metrics`).
 */

/** Counters of one process (Node) or one isolate (Workers). */
export interface CacheCounters {
  /** Answered from a fresh entry. */
  hits: number
  /** Went to Logto (revalidations included). */
  misses: number
  /** Served a stale entry because Logto failed. */
  stale: number
  /** Of those, served stale because the upstream budget was spent (nothing was asked). */
  staleForBudget: number
  /** `Cache-Control: no-cache`/`no-store`, HEAD, or the cache itself unreachable. */
  bypass: number
  /** Waited on a concurrent identical miss instead of asking Logto again. */
  coalesced: number
  /** An expired entry confirmed by Logto's 304. */
  revalidated: number
  /** Tags invalidated (writes and webhooks). */
  invalidations: number
  /** Invalidations that failed (Workers: the Durable Object could not be reached). */
  invalidationFailures: number
  /** Cache operations that failed and were answered without the cache. */
  errors: number
}

/** Zeroed counters. */
export const makeCounters = (): CacheCounters => ({
  hits: 0,
  misses: 0,
  stale: 0,
  staleForBudget: 0,
  bypass: 0,
  coalesced: 0,
  revalidated: 0,
  invalidations: 0,
  invalidationFailures: 0,
  errors: 0
})

/** What only a store that holds entries in this process can tell (Redis: its totals, as last read). */
export interface StoreGauges {
  readonly entries: number
  readonly bytes: number
  readonly maxBytes: number
  readonly evictions: number
  /** The shared store's connection (`ORGKIT_CACHE_REDIS_URL`), when the entries live in Redis. */
  readonly remote?: RemoteGauges
}

/** The state of the connection to a shared cache store. */
export interface RemoteGauges {
  readonly kind: "redis"
  /** Connected now. */
  readonly up: boolean
  /** Calls to it that failed (each answered without the cache). */
  readonly errors: number
  /** Invalidations not yet applied there (this process's reads bypass the cache until they are). */
  readonly pendingInvalidations: number
}

const metric = (name: string, type: "counter" | "gauge", help: string, value: number): string =>
  `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`

const remoteMetrics = (remote: RemoteGauges): string =>
  metric(`orgkit_cache_${remote.kind}_up`, "gauge", "1 when the shared cache store is reachable.", remote.up ? 1 : 0) +
  metric(
    `orgkit_cache_${remote.kind}_errors_total`,
    "counter",
    "Calls to the shared cache store that failed.",
    remote.errors
  ) +
  metric(
    `orgkit_cache_${remote.kind}_pending_invalidations`,
    "gauge",
    "Invalidations waiting for the shared cache store.",
    remote.pendingInvalidations
  )

/** The Prometheus text exposition of the counters (and the store's gauges when given). */
export const renderMetrics = (counters: CacheCounters, store?: StoreGauges): string =>
  metric("orgkit_cache_enabled", "gauge", "1 when the read cache is on.", 1) +
  metric("orgkit_cache_hits_total", "counter", "Reads answered from a fresh cache entry.", counters.hits) +
  metric(
    "orgkit_cache_stale_for_budget_total",
    "counter",
    "Reads answered STALE because the upstream budget was spent.",
    counters.staleForBudget
  ) +
  metric(
    "orgkit_cache_misses_total",
    "counter",
    "Reads that went to Logto (revalidations included).",
    counters.misses
  ) +
  metric("orgkit_cache_stale_total", "counter", "Stale entries served because Logto failed.", counters.stale) +
  metric("orgkit_cache_bypass_total", "counter", "Reads that bypassed the cache.", counters.bypass) +
  metric(
    "orgkit_cache_coalesced_total",
    "counter",
    "Reads that waited on a concurrent identical miss.",
    counters.coalesced
  ) +
  metric(
    "orgkit_cache_revalidated_total",
    "counter",
    "Expired entries confirmed by Logto's 304.",
    counters.revalidated
  ) +
  metric("orgkit_cache_invalidations_total", "counter", "Tags invalidated.", counters.invalidations) +
  metric(
    "orgkit_cache_invalidation_failures_total",
    "counter",
    "Invalidations that could not be completed.",
    counters.invalidationFailures
  ) +
  metric("orgkit_cache_errors_total", "counter", "Cache operations that failed.", counters.errors) +
  (store === undefined
    ? ""
    : metric("orgkit_cache_entries", "gauge", "Entries held.", store.entries) +
      metric("orgkit_cache_bytes", "gauge", "Bytes held (estimated).", store.bytes) +
      metric("orgkit_cache_max_bytes", "gauge", "The byte bound.", store.maxBytes) +
      metric("orgkit_cache_evictions_total", "counter", "Entries evicted for room.", store.evictions) +
      (store.remote === undefined ? "" : remoteMetrics(store.remote)))

/** The exposition when caching is off. */
export const disabledMetrics = metric("orgkit_cache_enabled", "gauge", "1 when the read cache is on.", 0)
