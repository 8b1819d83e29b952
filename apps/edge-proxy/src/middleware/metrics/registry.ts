/**
 * The proxy's one metrics registry: request counters and latency histograms, fed by the request
 * log's line of every request (`request-log`, and the Node hit path's line), and the audit recorder's
 * line of every event (`observing`), so that every outcome is counted exactly where it is logged.
 * Observing a line is a few map lookups and additions.
 */
import type { RequestRecord } from "../request-log/request-log.ts"

/** Upper bounds (seconds) of the latency histograms' buckets. */
export const latencyBuckets: ReadonlyArray<number> = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** A Prometheus histogram without labels. */
interface Histogram {
  readonly counts: Array<number>
  sum: number
  count: number
}

const histogram = (): Histogram => ({ counts: latencyBuckets.map(() => 0), sum: 0, count: 0 })

const record = (h: Histogram, ms: number) => {
  const seconds = ms / 1000
  for (let i = 0; i < latencyBuckets.length; i++) if (seconds <= latencyBuckets[i]!) h.counts[i]!++
  h.sum += seconds
  h.count++
}

const renderHistogram = (name: string, labels: string, h: Histogram): string => {
  const sep = labels === "" ? "" : ","
  let text = ""
  for (let i = 0; i < latencyBuckets.length; i++) {
    text += `${name}_bucket{${labels}${sep}le="${latencyBuckets[i]}"} ${h.counts[i]}\n`
  }
  text += `${name}_bucket{${labels}${sep}le="+Inf"} ${h.count}\n`
  const braces = labels === "" ? "" : `{${labels}}`
  return `${text}${name}_sum${braces} ${h.sum}\n${name}_count${braces} ${h.count}\n`
}

/** Prometheus label value escaping (backslash, quote, newline). */
const label = (value: string): string => value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))

/** The proxy's codes for an exchange with Logto that produced no usable answer, and their reason label. */
const upstreamFailures: Readonly<Record<string, string>> = {
  "proxy.upstream_timeout": "timeout",
  "proxy.upstream_unavailable": "unavailable",
  "proxy.upstream_auth_failed": "auth_failed"
}

/** The counters and histograms; `observe` takes request lines, `render` writes Prometheus text. */
export interface MetricsRegistry {
  /** Counts one request from its log line (other lines are ignored). */
  readonly observe: (line: Readonly<Record<string, unknown>>) => void
  /**
   * Counts one cache hit as `observe` counts its line (operation, status, `HIT`, no time spent), for
   * the hit paths, which build a line only when it is logged.
   */
  readonly hit: (operationId: string, status: number) => void
  /** The Prometheus text of everything observed. */
  readonly render: () => string
  /** The last write the audit trail accepted or refused, and when (ms since the epoch). */
  readonly lastAudit: () => { readonly result: "accepted" | "refused"; readonly at: number } | undefined
}

const help = (name: string, type: "counter" | "histogram", text: string) =>
  `# HELP ${name} ${text}\n# TYPE ${name} ${type}\n`

/**
 * A log sink that shows every line to `registry` (before any level filter in `sink`): give it to the
 * audit recorder so that its deliveries are counted.
 *
 * @example
 * makeRecorder({ store, log: observing(metrics, log), now })
 */
export const observing =
  (registry: MetricsRegistry, sink: (line: Readonly<Record<string, unknown>>) => void) =>
  (line: Readonly<Record<string, unknown>>): void => {
    registry.observe(line)
    sink(line)
  }

/**
 * A registry (per process on Node, per isolate on Workers).
 *
 * @example
 * const metrics = makeMetricsRegistry()
 * app.use(requestLog({ log, now, metrics }))
 */
export const makeMetricsRegistry = (): MetricsRegistry => {
  // By operation, then by status: counting a request builds no label string.
  const requests = new Map<string, Map<number, number>>()
  const durations = new Map<string, Histogram>()
  const upstream = histogram()
  const upstreamErrors = new Map<string, number>()
  const denials = new Map<string, number>()
  const cacheResults = new Map<string, number>()
  const audit = new Map<string, number>([
    ["accepted", 0],
    ["refused", 0]
  ])
  const deliveries = new Map<string, number>()
  let last: { result: "accepted" | "refused"; at: number } | undefined
  let upstreamRequests = 0
  let tokenRefreshes = 0
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)

  const request = (operation: string, status: number, ms: number, cache: string | undefined) => {
    let byStatus = requests.get(operation)
    if (byStatus === undefined) requests.set(operation, (byStatus = new Map()))
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
    let h = durations.get(operation)
    if (h === undefined) durations.set(operation, (h = histogram()))
    record(h, ms)
    if (cache !== undefined) bump(cacheResults, cache)
  }

  const observe = (line: Readonly<Record<string, unknown>>) => {
    // The audit recorder's line of each event says how its delivery ended.
    if (line["msg"] === "audit" && typeof line["delivery"] === "string") return void bump(deliveries, line["delivery"])
    if (line["msg"] !== "request") return
    const r = line as RequestRecord
    request(r.operationId ?? "none", r.status, r.durationMs, r.cache)
    if (r.audit !== undefined) {
      bump(audit, r.audit)
      last = { result: r.audit, at: Date.parse(r.time) }
    }
    const failure = r.code === undefined ? undefined : upstreamFailures[r.code]
    if (failure !== undefined) bump(upstreamErrors, failure)
    if (r.upstream !== undefined) {
      upstreamRequests += r.upstream.requests
      if (r.upstream.requests > 0) record(upstream, r.upstream.ms)
      if (r.upstream.tokenRefreshed) tokenRefreshes++
      if (r.upstream.status !== undefined && r.upstream.status >= 500) bump(upstreamErrors, "status_5xx")
    } else if (r.status >= 400 && r.status < 500 && r.code !== undefined && r.operationId !== undefined) {
      // Answered by the proxy itself, before Logto: a refusal (key, scope, organization, validation, quota).
      bump(denials, r.code)
    }
  }

  const render = () => {
    let text = help("orgkit_requests_total", "counter", "Requests by operation (Logto's operationId) and status.")
    for (const [operation, byStatus] of requests) {
      for (const [status, n] of byStatus) {
        text += `orgkit_requests_total{operation="${label(operation)}",status="${status}"} ${n}\n`
      }
    }
    text += help("orgkit_request_duration_seconds", "histogram", "Time to answer, by operation.")
    for (const [operation, h] of durations) {
      text += renderHistogram("orgkit_request_duration_seconds", `operation="${label(operation)}"`, h)
    }
    text += help("orgkit_upstream_duration_seconds", "histogram", "Time spent waiting for Logto per request.")
    text += renderHistogram("orgkit_upstream_duration_seconds", "", upstream)
    text += help("orgkit_upstream_requests_total", "counter", "Requests sent to Logto (retries included).")
    text += `orgkit_upstream_requests_total ${upstreamRequests}\n`
    text += help("orgkit_upstream_errors_total", "counter", "Exchanges with Logto that failed, by reason.")
    for (const reason of ["timeout", "unavailable", "auth_failed", "status_5xx"]) {
      text += `orgkit_upstream_errors_total{reason="${reason}"} ${upstreamErrors.get(reason) ?? 0}\n`
    }
    text += help("orgkit_token_refreshes_total", "counter", "Management API tokens refreshed after Logto's 401.")
    text += `orgkit_token_refreshes_total ${tokenRefreshes}\n`
    text += help("orgkit_cache_results_total", "counter", "Reads by X-Cache result.")
    for (const result of ["HIT", "MISS", "STALE", "BYPASS"]) {
      text += `orgkit_cache_results_total{result="${result}"} ${cacheResults.get(result) ?? 0}\n`
    }
    text += help("orgkit_audit_writes_total", "counter", "Writes the audit trail accepted or refused (503).")
    for (const [result, n] of audit) text += `orgkit_audit_writes_total{result="${result}"} ${n}\n`
    text += help(
      "orgkit_audit_deliveries_total",
      "counter",
      "Audit events by how their delivery to the store ended (dead_lettered: kept for redelivery; lost: not even that)."
    )
    for (const delivery of ["recorded", "duplicate", "unknown", "dead_lettered", "lost", "refused"]) {
      text += `orgkit_audit_deliveries_total{delivery="${delivery}"} ${deliveries.get(delivery) ?? 0}\n`
    }
    text += help("orgkit_denials_total", "counter", "Requests the proxy refused itself, by error code.")
    for (const [code, n] of denials) text += `orgkit_denials_total{code="${label(code)}"} ${n}\n`
    return text
  }

  return {
    observe,
    hit: (operationId, status) => request(operationId, status, 0, "HIT"),
    render,
    lastAudit: () => last
  }
}
