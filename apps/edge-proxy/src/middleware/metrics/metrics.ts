import type { Handler } from "hono"
import { disabledMetrics } from "../../cache/metrics.ts"
import type { AppEnv } from "../../env.ts"
import type { AuditSink, CacheStore } from "../../ports.ts"
import type { MetricsRegistry } from "./registry.ts"
import { LogtoError } from "@orgkit/core"
import { logtoError } from "../../errors.ts"
import { identify } from "../authenticate/authenticate.ts"
import { constantTimeEqual, type KeyStore } from "../authenticate/key-store.ts"
import type { WebhookCounters } from "../webhooks/webhooks.ts"

/** Options of `metrics`. */
export interface MetricsOptions {
  readonly cache: CacheStore
  readonly webhooks: WebhookCounters
  readonly keys: KeyStore
  /**
   * `ORGKIT_METRICS_TOKEN`: a bearer token for the scraper, besides any proxy key with scope `read`
   * that is not restricted to organizations (the metrics are the whole process's).
   */
  readonly token: string | undefined
  /** The request counters and latency histograms (fed by the request log). */
  readonly registry?: MetricsRegistry
  /** The audit sink; its own counters are added when it has any (`metrics()`). */
  readonly audit?: AuditSink
  /** More Prometheus text (quotas and the upstream budget). */
  readonly extra?: () => Promise<string>
}

const encoder = new TextEncoder()

/** The audit recorder's own counters (what it counted instead of recording), when the sink has them. */
const auditLines = (audit: AuditSink | undefined): string => {
  const metricsOf = (audit as { readonly metrics?: () => string } | undefined)?.metrics
  return typeof metricsOf === "function" ? metricsOf.call(audit) : ""
}

const webhookLines = (counters: WebhookCounters): string =>
  "# HELP orgkit_webhooks_total Logto webhook deliveries by result.\n" +
  "# TYPE orgkit_webhooks_total counter\n" +
  `orgkit_webhooks_total{result="accepted"} ${counters.accepted}\n` +
  `orgkit_webhooks_total{result="ignored"} ${counters.ignored}\n` +
  `orgkit_webhooks_total{result="rejected"} ${counters.rejected}\n` +
  `orgkit_webhooks_total{result="replayed"} ${counters.replayed}\n`

/**
 * `GET /metrics`: the cache and webhook counters in the Prometheus text format (per process on Node,
 * per isolate on Workers). Needs `Authorization: Bearer <ORGKIT_METRICS_TOKEN>` or a proxy key with
 * scope `read` (Logto-shaped 401/403 otherwise).
 *
 * @example
 * app.get("/metrics", metrics({ cache, webhooks, keys, token: config.metricsToken }))
 */
const sha256 = async (text: string): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)))

export const metrics = (options: MetricsOptions): Handler<AppEnv> => {
  // Digests of equal length, compared in constant time: the token's length is not revealed either.
  const expected = options.token === undefined ? undefined : sha256(`Bearer ${options.token}`)
  const render = async (c: Parameters<Handler<AppEnv>>[0]) =>
    c.body(
      (options.registry?.render() ?? "") +
        (options.cache.metrics() || disabledMetrics) +
        webhookLines(options.webhooks) +
        auditLines(options.audit) +
        ((await options.extra?.()) ?? ""),
      200,
      { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" }
    )
  return async (c) => {
    const given = c.req.header("authorization")
    if (expected !== undefined && given !== undefined && constantTimeEqual(await sha256(given), await expected)) {
      return render(c)
    }
    const caller = await identify(options.keys, given)
    if ("status" in caller) return logtoError(c, caller.status, caller.body)
    c.set("principal", caller)
    if (!caller.scopes.has("read") || caller.organizations !== undefined) {
      return logtoError(c, 403, LogtoError.body(LogtoError.codes.forbidden))
    }
    return render(c)
  }
}
