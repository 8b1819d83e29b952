/**
 * The Management API token, obtained with the OAuth 2.0 client-credentials grant from Logto's
 * `/oidc/token` (through the `Upstream` port), cached until shortly before it expires, fetched once
 * for all concurrent callers, and dropped when Logto answers 401 to it.
 */
import { ProxyError } from "./errors.ts"
import type { TokenSource, Upstream } from "./ports.ts"

/** Options of `clientCredentials`. */
export interface ClientCredentialsOptions {
  readonly upstream: Upstream
  readonly clientId: string
  readonly clientSecret: string
  /** The resource indicator of the Management API, e.g. `https://default.logto.app/api`. */
  readonly resource: string
  readonly timeoutMs: number
  readonly now: () => number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** How long before expiry a token is replaced: a tenth of its lifetime, at most a minute. */
export const refreshMarginMs = (lifetimeMs: number): number => Math.min(60_000, lifetimeMs / 10)

const oauthError = (body: Uint8Array): string => {
  try {
    const parsed = JSON.parse(decoder.decode(body)) as { error?: unknown }
    return typeof parsed.error === "string" ? ` (${parsed.error})` : ""
  } catch {
    return ""
  }
}

/**
 * A `TokenSource` using the client-credentials grant with HTTP Basic client authentication and
 * `scope=all`. Transport failures propagate as `UpstreamFailure` (504/502); a refused grant or an
 * unusable answer is a 502 `proxy.upstream_auth_failed`.
 */
export const clientCredentials = (options: ClientCredentialsOptions): TokenSource => {
  const basic = `Basic ${btoa(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`)}`
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    resource: options.resource,
    scope: "all"
  }).toString()
  let current: { readonly token: string; readonly refreshAt: number } | undefined
  let inflight: Promise<string> | undefined

  const fetchToken = async (): Promise<string> => {
    const response = await options.upstream.send({
      method: "POST",
      target: "/oidc/token",
      headers: {
        authorization: basic,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json"
      },
      body: encoder.encode(form),
      timeoutMs: options.timeoutMs,
      idempotent: true
    })
    if (response.status !== 200) {
      throw ProxyError.upstreamAuthFailed(`the token endpoint answered ${response.status}${oauthError(response.body)}`)
    }
    let parsed: { access_token?: unknown; expires_in?: unknown }
    try {
      parsed = JSON.parse(decoder.decode(response.body)) as typeof parsed
    } catch {
      throw ProxyError.upstreamAuthFailed("the token endpoint answered with invalid JSON")
    }
    const token = parsed.access_token
    const expiresIn = parsed.expires_in
    if (typeof token !== "string" || token === "" || typeof expiresIn !== "number" || !(expiresIn > 0)) {
      throw ProxyError.upstreamAuthFailed("the token endpoint answered without access_token or expires_in")
    }
    const lifetime = expiresIn * 1000
    current = { token, refreshAt: options.now() + lifetime - refreshMarginMs(lifetime) }
    return token
  }

  return {
    get: () => {
      if (current !== undefined && options.now() < current.refreshAt) return Promise.resolve(current.token)
      inflight ??= fetchToken().finally(() => {
        inflight = undefined
      })
      return inflight
    },
    invalidate: (token) => {
      if (current?.token === token) current = undefined
    }
  }
}
