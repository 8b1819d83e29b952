/**
 * `GET /metrics`: the proxy's counters for Prometheus.
 */
export { metrics, type MetricsOptions } from "./metrics.ts"
export { latencyBuckets, makeMetricsRegistry, type MetricsRegistry, observing } from "./registry.ts"
