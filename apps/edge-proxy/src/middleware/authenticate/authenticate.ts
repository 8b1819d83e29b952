import { LogtoError } from "@orgkit/core"
import type { Context, MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { logtoError } from "../../errors.ts"
import { mayTouch, type Principal, type Scope } from "../../principal.ts"
import type { KeyStore } from "./key-store.ts"

/** Options of `authenticate`. */
export interface AuthenticateOptions {
  readonly keys: KeyStore
  /**
   * The scope the request needs. Default: from the matched route, `read` for GET and HEAD and
   * `write` for everything else (the audit API passes `audit:read`).
   */
  readonly scope?: Scope
}

const scheme = "Bearer"

// The same data Logto attaches when the bearer token is not a verifiable JWT: callers that branch
// on Logto's 401 see the same body from the proxy.
const invalidToken = { code: "ERR_JWS_INVALID", name: "JWSInvalid" }

/** Whether the principal lacks the scope, or the matched operation touches an organization outside its list. */
const forbidden = (principal: Principal, needed: Scope, c: Context<AppEnv>): boolean => {
  if (!principal.scopes.has(needed)) return true
  const route = c.get("route")
  if (route === undefined || principal.organizations === undefined) return false
  // An organization-restricted key cannot create organizations: the new one is outside its list.
  if (route.operationId === "CreateOrganization") return true
  const param = route.organizationParam
  return param !== undefined && !mayTouch(principal, c.get("params")[param]!)
}

/**
 * Authenticates the caller with a proxy key (`Authorization: Bearer <key>`) and authorizes the
 * matched operation: the key needs the operation's scope and, for an organization-restricted key,
 * the organization in the path must be on its list. Answers with Logto's codes: 401
 * `auth.authorization_header_missing`, `auth.authorization_token_type_not_supported` (the scheme
 * is case-sensitive, as in Logto), `auth.unauthorized`; 403 `auth.forbidden`.
 *
 * A key seen before costs one `Map` lookup; only an unknown header is hashed.
 *
 * @param options.keys the configured keys
 * @param options.scope the scope to require instead of the route's
 * @example
 * app.use(matchRoute(), authenticate({ keys: makeKeyStore(config.apiKeys, platform.digest) }))
 */
export const authenticate =
  (options: AuthenticateOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const authorization = c.req.header("authorization")
    let principal = authorization === undefined ? undefined : options.keys.cached(authorization)
    if (principal === undefined) {
      if (authorization === undefined || authorization === "") {
        return logtoError(c, 401, LogtoError.body(LogtoError.codes.authorizationHeaderMissing))
      }
      if (!authorization.startsWith(scheme)) {
        return logtoError(
          c,
          401,
          LogtoError.body(LogtoError.codes.tokenTypeNotSupported, undefined, { supportedTypes: [scheme] })
        )
      }
      principal = await options.keys.verify(authorization, authorization.slice(scheme.length + 1))
      if (principal === undefined) {
        return logtoError(c, 401, LogtoError.body(LogtoError.codes.unauthorized, undefined, invalidToken))
      }
    }
    c.set("principal", principal)
    const route = c.get("route")
    const needed = options.scope ?? (route === undefined || route.kind === "read" ? "read" : "write")
    if (forbidden(principal, needed, c)) return logtoError(c, 403, LogtoError.body(LogtoError.codes.forbidden))
    return next()
  }
