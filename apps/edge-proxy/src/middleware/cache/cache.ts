import { RouteTable } from "@orgkit/core"
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { respond } from "../../internal/respond.ts"
import { rawQuery } from "../../internal/url.ts"
import type { CacheStore, LoadOptions, UpstreamResponse } from "../../ports.ts"
import { consistencyHeader } from "../../cache/consistency.ts"

/** Options of `cache`. */
export interface CacheOptions {
  readonly cache: CacheStore
}

/**
 * The cache step. A read is answered by the `CacheStore`: from a stored entry, or by letting the
 * rest of the chain (`forward`) ask Logto once, as the store says how (`load`); its `X-Cache` goes
 * to the caller. A write runs the rest of the chain, then tells the store what Logto answered (or
 * that no answer came, so the write may have happened) before the answer leaves: read-your-writes.
 * With the near tier, a write's answer also carries the consistency token (`Orgkit-Consistency`).
 *
 * @param options.cache the read-through cache (`passThroughCache` when caching is off)
 * @example
 * app.use(validate(), cache({ cache: store }), audit(sink), forward({ exchange, platform }))
 */
export const cache =
  (options: CacheOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const route = c.get("route")
    const params = c.get("params")
    if (route.kind === "write") {
      await next()
      // Nothing reached Logto (the audit trail refused it): nothing to invalidate.
      if (c.get("upstream") === undefined) return
      const answer = c.get("answer")
      await options.cache.written({
        route,
        params,
        payload: c.get("valid")?.payload,
        status: answer?.status,
        body: answer?.body
      })
      // The near tier (Workers, `ORGKIT_CACHE_MODE=near`): the token a caller sends back to read its
      // own write before the staleness bound has passed (`cache/workers/near.ts`).
      const token = (options.cache as { readonly consistencyToken?: () => string }).consistencyToken?.()
      if (token !== undefined) c.res.headers.set(consistencyHeader, token)
      return
    }
    let asked = false
    const load = async (loadOptions?: LoadOptions): Promise<UpstreamResponse> => {
      asked = true
      c.set("load", loadOptions ?? {})
      await next()
      const answer = c.get("answer")
      // `forward` failed: its error (no answer, a timeout) is the cache's to handle (stale-if-error).
      if (answer === undefined) throw c.error
      return answer
    }
    const read = await options.cache.read(
      {
        method: c.req.method,
        url: c.req.url,
        route,
        params,
        query: rawQuery(c.req.url),
        principal: c.get("principal"),
        headers: c.req.raw.headers
      },
      load
    )
    c.set("cache", read.xCache)
    const response = respond(c, read.response, RouteTable.buildPath(route, params), read)
    // Replace, not merge: `forward`'s own response (when the store asked Logto) must leave no header.
    if (asked) c.res = undefined
    c.res = response
  }
