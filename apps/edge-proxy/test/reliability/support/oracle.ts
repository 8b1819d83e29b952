/**
 * What the proxy must answer to a request, computed from the spec as encoded in `@orgkit/core`
 * (route table, Logto's body parser, pagination and validation rules, error bodies) and the
 * proxy's documented rules (keys and scopes, 413 over 1 MiB, 400 where Logto answers a caller's
 * mistake with a 500): either an exact rejection (status, content type, body bytes, `Allow`), or
 * "forwarded" (Logto decides). The request target is resolved as the Node adapter resolves it
 * (WHATWG URL: dot segments, `%2e%2e`, percent-encoding of stray characters).
 */
import { LogtoError, RouteTable, Validation } from "@orgkit/core"
import { Result } from "effect"
import { directToken, type KeyName, keys } from "./stack.ts"

/** Who calls. */
export type Auth =
  | { readonly _tag: "Key"; readonly key: KeyName }
  | { readonly _tag: "None" }
  /** A raw `Authorization` value (wrong scheme, unknown key, …). */
  | { readonly _tag: "Header"; readonly value: string }

/** One request of the suite. */
export interface Case {
  /** What is wrong with it (the summary groups by the part before `:`). */
  readonly label: string
  readonly method: string
  /** The request target, sent verbatim. */
  readonly target: string
  readonly auth: Auth
  /** Other headers, in order. */
  readonly headers?: ReadonlyArray<readonly [string, string]>
  readonly body?: Uint8Array
  /** Send the body chunked, in pieces of this size. */
  readonly chunkBytes?: number
}

/** The exact answer expected from the proxy, or "Logto decides". */
export type Expected =
  | {
      readonly _tag: "Reject"
      readonly status: number
      readonly contentType: string
      readonly body: string
      readonly allow?: string
      /** Which rule rejects it. */
      readonly rule: "route" | "auth" | "size" | "parse" | "pagination" | "validation"
      readonly route?: RouteTable.Route
      readonly params?: Readonly<Record<string, string>>
      /** Logto's own body when it answers a 500 for this caller's mistake (the proxy answers 400). */
      readonly logto500?: string
    }
  | { readonly _tag: "Forward"; readonly route: RouteTable.Route; readonly params: Readonly<Record<string, string>> }
  /**
   * Invalid, but on a per-member role route, where Logto checks membership before anything else:
   * the proxy passes it on and the caller gets Logto's answer, except that a 500 from Logto (a
   * member's caller mistake) becomes `instead`, the 400 the proxy answers for it.
   */
  | {
      readonly _tag: "Defer"
      readonly route: RouteTable.Route
      readonly params: Readonly<Record<string, string>>
      readonly instead: Extract<Expected, { _tag: "Reject" }>
    }

/** Logto's JSON content type. */
export const jsonType = "application/json; charset=utf-8"
/** Koa's plain-text content type. */
export const textType = "text/plain; charset=utf-8"

const decoder = new TextDecoder()

const json = (
  status: number,
  body: unknown,
  rule: Extract<Expected, { _tag: "Reject" }>["rule"],
  where?: { route: RouteTable.Route; params: Readonly<Record<string, string>> }
): Extract<Expected, { _tag: "Reject" }> => ({
  _tag: "Reject",
  status,
  contentType: jsonType,
  body: JSON.stringify(body),
  rule,
  ...(where === undefined ? {} : { route: where.route, params: where.params })
})

/** The headers of a case with the given name, joined as a `Headers` object joins them. */
export const headerOf = (c: Case, name: string): string | undefined => {
  const values = (c.headers ?? []).filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim())
  return values.length === 0 ? undefined : values.join(", ")
}

/** The request target resolved against the proxy's origin as the Node adapter resolves it. */
export const resolveTarget = (target: string): URL => new URL(target, "http://127.0.0.1")

/** What the proxy must answer. */
export const expected = (c: Case): Expected => {
  const url = resolveTarget(c.target)
  const match = RouteTable.match(c.method, url.pathname)
  switch (match._tag) {
    case "NotFound":
      return { _tag: "Reject", status: 404, contentType: textType, body: "Not Found", rule: "route" }
    case "MethodNotAllowed":
      return {
        _tag: "Reject",
        status: 405,
        contentType: textType,
        body: "Method Not Allowed",
        allow: match.allow.join(", "),
        rule: "route"
      }
    case "Options":
      throw new Error(`OPTIONS is answered with 200, not a bad input: ${c.target}`)
  }
  const { route, params } = match
  const where = { route, params }

  // Authentication (Node trims the header value) and authorization.
  const authorization =
    c.auth._tag === "None" ? undefined : c.auth._tag === "Key" ? `Bearer ${keys[c.auth.key].key}` : c.auth.value.trim()
  if (authorization === undefined || authorization === "")
    return json(401, LogtoError.body(LogtoError.codes.authorizationHeaderMissing), "auth", where)
  if (!authorization.startsWith("Bearer"))
    return json(
      401,
      LogtoError.body(LogtoError.codes.tokenTypeNotSupported, undefined, { supportedTypes: ["Bearer"] }),
      "auth",
      where
    )
  const presented = authorization.slice("Bearer ".length)
  const key = Object.values(keys).find((k) => k.key === presented)
  if (key === undefined)
    return json(
      401,
      LogtoError.body(LogtoError.codes.unauthorized, undefined, { code: "ERR_JWS_INVALID", name: "JWSInvalid" }),
      "auth",
      where
    )
  const scope = route.kind === "read" ? "read" : "write"
  const organizations = "organizations" in key ? (key.organizations as ReadonlyArray<string>) : undefined
  const outside =
    organizations !== undefined &&
    (route.operationId === "CreateOrganization" ||
      (route.organizationParam !== undefined && !organizations.includes(params[route.organizationParam]!)))
  if (!(key.scopes as ReadonlyArray<string>).includes(scope) || outside)
    return json(403, LogtoError.body(LogtoError.codes.forbidden), "auth", where)

  // The body, for operations that take one. The limit is Logto's for the content type (56 KiB of a
  // form or text, 1 MiB of JSON), and 1 MiB for a body Logto does not read.
  let body: unknown
  if (route.endpoint.payload.size > 0) {
    const declared = headerOf(c, "content-length")
    const bytes = c.body ?? new Uint8Array(0)
    const limit = Validation.bodyLimit(headerOf(c, "content-type")) ?? Validation.maxBodyBytes
    if ((declared !== undefined && Number(declared) > limit) || bytes.byteLength > limit)
      return json(
        413,
        { code: "proxy.payload_too_large", message: `The request body is larger than ${limit} bytes.` },
        "size",
        where
      )
    const parsed = Validation.parseBody(headerOf(c, "content-type"), decoder.decode(bytes))
    if (Result.isFailure(parsed)) return deferred(json(parsed.failure.status, parsed.failure.body, "parse", where))
    body = parsed.success
  }
  const result = Validation.validate(route, { params, search: new URLSearchParams(url.search), body })
  if (Result.isFailure(result)) {
    const { status, body: rejection } = result.failure
    // Logto's 500s for a caller's mistake are the proxy's 400s (core's `callerError`).
    if (status === 500) {
      const instead = result.failure.callerError!
      const rule =
        "code" in instead.body && instead.body.code === LogtoError.codes.invalidInput ? "validation" : "pagination"
      return deferred({ ...json(instead.status, instead.body, rule, where), logto500: JSON.stringify(rejection) })
    }
    const rule = "code" in rejection && rejection.code === LogtoError.codes.invalidInput ? "validation" : "pagination"
    return deferred(json(status, rejection, rule, where))
  }
  return { _tag: "Forward", route, params }
}

/** A rejection, unless the route is a per-member role route: then Logto judges it (`Defer`). */
const deferred = (reject: Expected): Expected =>
  reject._tag === "Reject" && reject.route?.membershipParam !== undefined
    ? { _tag: "Defer", route: reject.route, params: reject.params!, instead: reject }
    : reject

/** How the fake (Logto) must answer the same request sent to it directly with its own token. */
export type LogtoAnswer =
  | { readonly _tag: "Same" }
  /** A documented difference: Logto answers this instead. */
  | {
      readonly _tag: "Differs"
      readonly status: number
      readonly contentType: string
      readonly body: string
      readonly why: string
    }
  /** Not comparable (the proxy's own keys and scopes, a request the fake cannot take). */
  | { readonly _tag: "Skip"; readonly why: string }

/**
 * What Logto (the fake) answers to a request the proxy rejects, compared with the proxy's answer:
 * the same, except for the proxy's documented differences (413 where Logto answers a plain 404;
 * 400 where Logto answers 500 to `page=0.5` or to a `createdAt` out of PostgreSQL's range) and one undocumented one: on the per-member role
 * routes Logto checks membership before anything else, so a non-member gets 422
 * `organization.require_membership` from Logto where the proxy, which cannot know membership
 * without asking Logto, answers the validation error.
 */
export const logtoAnswer = (
  c: Case,
  exp: Extract<Expected, { _tag: "Reject" }>,
  isMember: (organizationId: string, memberId: string) => boolean
): LogtoAnswer => {
  if (c.method === "TRACE")
    return { _tag: "Skip", why: "the fake answers TRACE with 500 (undici's Request refuses TRACE)" }
  if (exp.rule === "auth" && c.auth._tag === "Key")
    return { _tag: "Skip", why: "a proxy key's scope or organization list" }
  const path = resolveTarget(c.target).pathname
  if (path === "/oidc/token" || path.startsWith("/__orgkit"))
    return { _tag: "Skip", why: "a path the fake serves itself (token endpoint, control API)" }
  if (c.auth._tag === "Header") {
    const value = c.auth.value
    if (value.includes(directToken) || Object.values(keys).some((k) => value.includes(k.key)))
      return { _tag: "Skip", why: "a proxy key (or the fake's token) in a malformed header" }
    // Logto's koaAuth asserts the header is truthy first: "" is authorization_header_missing.
    if (value.trim() === "" && exp.rule === "auth")
      return {
        _tag: "Skip",
        why: "an empty Authorization (the fake answers token_type_not_supported, Logto header_missing)"
      }
  }
  if (exp.rule === "route" || exp.rule === "auth") return { _tag: "Same" }
  const route = exp.route!
  const params = exp.params!
  if (route.membershipParam !== undefined && !isMember(params["id"]!, params[route.membershipParam]!))
    return {
      _tag: "Differs",
      status: 422,
      contentType: jsonType,
      body: JSON.stringify(LogtoError.body(LogtoError.codes.requireMembership)),
      why: "membership is checked first by Logto"
    }
  if (exp.rule === "size") {
    const limit = Validation.bodyLimit(headerOf(c, "content-type")) ?? Validation.maxBodyBytes
    if ((c.body?.byteLength ?? 0) <= limit)
      return { _tag: "Skip", why: "a declared Content-Length the fake would wait for" }
    return {
      _tag: "Differs",
      status: 404,
      contentType: textType,
      body: "Not Found",
      why: "Logto answers a body over its limit with a plain 404"
    }
  }
  if (exp.logto500 !== undefined)
    return {
      _tag: "Differs",
      status: 500,
      contentType: jsonType,
      body: exp.logto500,
      why:
        exp.rule === "pagination"
          ? "Logto answers a negative offset with a 500"
          : "Logto answers a timestamp out of PostgreSQL's range with a 500"
    }
  return { _tag: "Same" }
}
