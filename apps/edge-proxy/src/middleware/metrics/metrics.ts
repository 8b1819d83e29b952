import type { Handler } from "hono"
import { disabledMetrics } from "../../cache/metrics.ts"
import type { AppEnv } from "../../env.ts"
import type { CacheStore } from "../../ports.ts"
import { authenticate } from "../authenticate/authenticate.ts"
import { constantTimeEqual, type KeyStore } from "../authenticate/key-store.ts"
import type { WebhookCounters } from "../webhooks/webhooks.ts"

/** Options of `metrics`. */
export interface MetricsOptions {
  readonly cache: CacheStore
  readonly webhooks: WebhookCounters
  readonly keys: KeyStore
  /** `ORGKIT_METRICS_TOKEN`: a bearer token for the scraper, besides any proxy key with scope `read`. */
  readonly token: string | undefined
}

const encoder = new TextEncoder()

const webhookLines = (counters: WebhookCounters): string =>
  "# HELP orgkit_webhooks_total Logto webhook deliveries by result.\n" +
  "# TYPE orgkit_webhooks_total counter\n" +
  `orgkit_webhooks_total{result="accepted"} ${counters.accepted}\n` +
  `orgkit_webhooks_total{result="ignored"} ${counters.ignored}\n` +
  `orgkit_webhooks_total{result="rejected"} ${counters.rejected}\n`

/**
 * `GET /metrics`: the cache and webhook counters in the Prometheus text format (per process on Node,
 * per isolate on Workers). Needs `Authorization: Bearer <ORGKIT_METRICS_TOKEN>` or a proxy key with
 * scope `read` (Logto-shaped 401/403 otherwise).
 *
 * @example
 * app.get("/metrics", metrics({ cache, webhooks, keys, token: config.metricsToken }))
 */
export const metrics = (options: MetricsOptions): Handler<AppEnv> => {
  const expected = options.token === undefined ? undefined : encoder.encode(`Bearer ${options.token}`)
  const auth = authenticate({ keys: options.keys, scope: "read" })
  const render = (c: Parameters<Handler<AppEnv>>[0]) =>
    c.body((options.cache.metrics() || disabledMetrics) + webhookLines(options.webhooks), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "cache-control": "no-store"
    })
  return async (c) => {
    const given = c.req.header("authorization")
    if (expected !== undefined && given !== undefined && constantTimeEqual(encoder.encode(given), expected)) {
      return render(c)
    }
    let response: Response | undefined
    const denied = await auth(c, async () => {
      response = render(c)
    })
    return denied ?? response!
  }
}
