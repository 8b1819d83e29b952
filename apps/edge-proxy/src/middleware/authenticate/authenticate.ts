import { LogtoError, type RouteTable } from "@orgkit/core"
import type { MiddlewareHandler } from "hono"
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

const invalidToken = { code: "ERR_JWS_INVALID", name: "JWSInvalid" }

/** The scope a route needs: `read` for reads, `write` for writes. */
export const scopeFor = (route: RouteTable.Route | undefined): Scope =>
  route === undefined || route.kind === "read" ? "read" : "write"

/**
 * Whether `principal` may make this request: it holds `scope`, and an organization-restricted key
 * touches only its organizations (never CreateOrganization; ListOrganizations is filtered to them).
 *
 * @example
 * permits(principal, "read", route, { id: "org1" })
 */
export const permits = (
  principal: Principal,
  scope: Scope,
  route: RouteTable.Route | undefined,
  params: Readonly<Record<string, string>>
): boolean => {
  if (!principal.scopes.has(scope)) return false
  if (route === undefined || principal.organizations === undefined) return true
  switch (route.subject) {
    case "new-organization":
      return false
    case "organizations":
      return true
    case "organization":
      return mayTouch(principal, params[route.organizationParam!]!)
  }
}

/** Why a request is refused: Logto's 401 and 403 bodies. */
export type Refusal = { readonly status: 401 | 403; readonly body: LogtoError.LogtoErrorBody }

/**
 * The caller behind an `Authorization` header, as Logto answers it: no header (or an empty one) is
 * 401 `auth.authorization_header_missing`; a header not starting with `Bearer` (case-sensitive) is
 * 401 `auth.authorization_token_type_not_supported`; the token is what follows `Bearer` and one
 * character, and an empty one (whatever the configured keys) or one matching no key is 401
 * `auth.unauthorized`. A header seen before resolves through the key store's memo without hashing.
 *
 * @example
 * const caller = await identify(keys, c.req.header("authorization"))
 */
export const identify = async (keys: KeyStore, authorization: string | undefined): Promise<Principal | Refusal> => {
  if (authorization === undefined || authorization === "") {
    return { status: 401, body: LogtoError.body(LogtoError.codes.authorizationHeaderMissing) }
  }
  const known = keys.cached(authorization)
  if (known !== undefined) return known
  if (!authorization.startsWith(scheme)) {
    return {
      status: 401,
      body: LogtoError.body(LogtoError.codes.tokenTypeNotSupported, undefined, { supportedTypes: [scheme] })
    }
  }
  const token = authorization.slice(scheme.length + 1)
  const principal = token === "" ? undefined : await keys.verify(authorization, token)
  return principal ?? { status: 401, body: LogtoError.body(LogtoError.codes.unauthorized, undefined, invalidToken) }
}

const isRefusal = (value: Principal | Refusal): value is Refusal => "status" in value

/**
 * Authenticates the caller with a proxy key and authorizes the request (`identify`, then
 * `permits`), answering Logto's 401 or 403. Keys are stored hashed and compared in constant time.
 *
 * @param options.keys the key store
 * @param options.scope the scope needed (default: from the route)
 * @example
 * app.use(matchRoute(), authenticate({ keys }))
 */
export const authenticate =
  (options: AuthenticateOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const caller = await identify(options.keys, c.req.header("authorization"))
    if (isRefusal(caller)) return logtoError(c, caller.status, caller.body)
    c.set("principal", caller)
    const route = c.get("route")
    if (!permits(caller, options.scope ?? scopeFor(route), route, c.get("params") ?? {})) {
      return logtoError(c, 403, LogtoError.body(LogtoError.codes.forbidden))
    }
    return next()
  }
