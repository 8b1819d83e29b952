import { LogtoError } from "@orgkit/core"
import type { UpstreamTrace } from "../../env.ts"
import { ProxyError } from "../../errors.ts"
import type { TokenSource, Upstream, UpstreamRequest, UpstreamResponse } from "../../ports.ts"

/** One authenticated request to Logto, with the 401 retry. */
export type Exchange = (trace: UpstreamTrace, request: Omit<UpstreamRequest, "timeoutMs">) => Promise<UpstreamResponse>

/** Options of `makeExchange`. */
export interface ExchangeOptions {
  readonly upstream: Upstream
  readonly tokens: TokenSource
  readonly timeoutMs: number
  readonly now: () => number
}

/** A fresh, empty trace. */
export const newTrace = (): UpstreamTrace => ({ requests: 0, status: undefined, ms: 0, tokenRefreshed: false })

/**
 * Sends a request to Logto with the proxy's Management API token. On a 401 the token is dropped
 * and the request is sent once more with a fresh one (concurrent 401s share one refresh). Logto
 * rejecting the proxy's own credentials (401 again, or 403 `auth.forbidden`: the token lacks scope
 * `all`) is the proxy's failure, not the caller's: 502 `proxy.upstream_auth_failed`.
 */
export const makeExchange =
  (options: ExchangeOptions): Exchange =>
  async (trace, request) => {
    const started = options.now()
    const send = async (token: string) => {
      trace.requests++
      const response = await options.upstream.send({
        ...request,
        headers: { ...request.headers, authorization: `Bearer ${token}` },
        timeoutMs: options.timeoutMs
      })
      trace.status = response.status
      return response
    }
    try {
      const token = await options.tokens.get()
      let response = await send(token)
      if (response.status === 401) {
        options.tokens.invalidate(token)
        trace.tokenRefreshed = true
        response = await send(await options.tokens.get())
        if (response.status === 401) throw ProxyError.upstreamAuthFailed("Logto answered 401 to a fresh token")
      }
      if (
        response.status === 403 &&
        LogtoError.codeOf(403, response.headers.get("content-type"), response.body) === LogtoError.codes.forbidden
      ) {
        throw ProxyError.upstreamAuthFailed("the token lacks the Management API scope `all`")
      }
      return response
    } finally {
      trace.ms += options.now() - started
    }
  }
