/**
 * Logto's Management API authentication: bearer tokens checked as `koaAuth` does (with its 401 and
 * 403 codes and `data`) by the `Authorization` security middleware of the fake's HttpApi, and the
 * OIDC client-credentials grant at `/oidc/token` that issues opaque, expiring tokens for the
 * Management API resource.
 */
import { LogtoError } from "@orgkit/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { randomString, secure } from "./random.ts"

/** The Management API resource indicator of Logto's default tenant. */
export const managementApiResource = "https://default.logto.app/api"

/** A static token, optionally without the `all` scope (its requests get 403). */
export type StaticToken = string | { readonly token: string; readonly scopes?: ReadonlyArray<string> | undefined }

/** A machine-to-machine client allowed to use the client-credentials grant. */
export interface Client {
  readonly clientId: string
  readonly clientSecret: string
}

interface Grant {
  readonly scopes: ReadonlySet<string>
  readonly expiresAt: number | undefined
}

/** The outcome of checking a request's `Authorization` header. */
export type Verdict =
  | { readonly _tag: "Ok" }
  | { readonly _tag: "Denied"; readonly status: 401 | 403; readonly body: LogtoError.LogtoErrorBody }

const { codes } = LogtoError

const unauthorized = (code: string, name: string): Verdict => ({
  _tag: "Denied",
  status: 401,
  body: LogtoError.body(codes.unauthorized, undefined, { code, name })
})

const tokenAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"

/** Issued and static tokens, and the clients that may ask for tokens. */
export class Tokens {
  private readonly grants = new Map<string, Grant>()
  private readonly statics = new Map<string, Grant>()
  private readonly clients: ReadonlyMap<string, string>
  private readonly now: () => number
  readonly ttlSeconds: number
  readonly resource: string

  constructor(
    options: {
      readonly tokens: ReadonlyArray<StaticToken>
      readonly clients: ReadonlyArray<Client>
      readonly ttlSeconds: number
      readonly resource: string
    },
    now: () => number
  ) {
    this.now = now
    for (const t of options.tokens) {
      const token = typeof t === "string" ? t : t.token
      const scopes = typeof t === "string" ? ["all"] : (t.scopes ?? ["all"])
      this.statics.set(token, { scopes: new Set(scopes), expiresAt: undefined })
    }
    this.clients = new Map(options.clients.map((c) => [c.clientId, c.clientSecret]))
    this.ttlSeconds = options.ttlSeconds
    this.resource = options.resource
  }

  /** Issues a token as the token endpoint would (default scope `all`). */
  issue(scopes: ReadonlyArray<string> = ["all"], ttlSeconds: number = this.ttlSeconds): string {
    const token = randomString(secure, 43, tokenAlphabet)
    this.grants.set(token, { scopes: new Set(scopes), expiresAt: this.now() + ttlSeconds * 1000 })
    return token
  }

  /** Forgets every issued token (static tokens stay valid). */
  revokeAll(): number {
    const n = this.grants.size
    this.grants.clear()
    return n
  }

  /** Expires every issued token now, as if its lifetime had passed. */
  expireAll(): number {
    const at = this.now()
    for (const [token, grant] of this.grants) this.grants.set(token, { ...grant, expiresAt: at })
    return this.grants.size
  }

  /** Checks an `Authorization` header as Logto's `koaAuth` does. */
  verify(authorization: string | null): Verdict {
    // koaAuth checks `!authorization`, so an empty header counts as missing.
    if (authorization === null || authorization === "") {
      return { _tag: "Denied", status: 401, body: LogtoError.body(codes.authorizationHeaderMissing) }
    }
    if (!authorization.startsWith("Bearer")) {
      return {
        _tag: "Denied",
        status: 401,
        body: LogtoError.body(codes.tokenTypeNotSupported, undefined, { supportedTypes: ["Bearer"] })
      }
    }
    const token = authorization.slice("Bearer ".length)
    const grant = this.statics.get(token) ?? this.grants.get(token)
    if (grant === undefined) {
      const trimmed = token.trim()
      // A valid token after extra spaces fails signature verification in Logto, not parsing.
      if (trimmed !== token && (this.statics.has(trimmed) || this.grants.has(trimmed))) {
        return unauthorized("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "JWSSignatureVerificationFailed")
      }
      return unauthorized("ERR_JWS_INVALID", "JWSInvalid")
    }
    if (grant.expiresAt !== undefined && this.now() >= grant.expiresAt) {
      this.grants.delete(token)
      return unauthorized("ERR_JWT_EXPIRED", "JWTExpired")
    }
    if (!grant.scopes.has("all")) return { _tag: "Denied", status: 403, body: LogtoError.body(codes.forbidden) }
    return { _tag: "Ok" }
  }

  /** `POST /oidc/token`: the client-credentials grant for the Management API. */
  async tokenEndpoint(request: Request): Promise<Response> {
    if (request.method !== "POST")
      return new Response("Method Not Allowed", {
        status: 405,
        headers: { allow: "POST", "content-type": "text/plain; charset=utf-8" }
      })
    const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase()
    if (type !== "application/x-www-form-urlencoded") {
      return oauthError(
        400,
        "invalid_request",
        "only application/x-www-form-urlencoded content-type bodies are supported on POST /token"
      )
    }
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()))
    const basic = parseBasic(request.headers.get("authorization"))
    if (basic === "invalid") return oauthError(400, "invalid_request", "invalid authorization header value format")
    const formId = form.get("client_id")
    const formSecret = form.get("client_secret")
    if (basic !== undefined && formSecret !== null) {
      return oauthError(400, "invalid_request", "client authentication must only be provided using one mechanism")
    }
    const clientId = basic?.clientId ?? formId
    const clientSecret = basic?.clientSecret ?? formSecret
    if (clientId === null || clientId === "")
      return oauthError(400, "invalid_request", "no client authentication mechanism provided")
    const expected = this.clients.get(clientId)
    if (expected === undefined || clientSecret === null || clientSecret !== expected) {
      return oauthError(401, "invalid_client", "client authentication failed")
    }
    const grantType = form.get("grant_type")
    if (grantType === null || grantType === "")
      return oauthError(400, "invalid_request", "missing required parameter 'grant_type'")
    if (grantType !== "client_credentials")
      return oauthError(400, "unsupported_grant_type", "unsupported grant_type requested")
    const resources = form.getAll("resource")
    if (resources.length !== 1 || resources[0] !== this.resource) {
      return oauthError(400, "invalid_target", "resource indicator is missing, or unknown")
    }
    const requested = (form.get("scope") ?? "").split(" ").filter((s) => s !== "")
    const unknown = requested.filter((s) => s !== "all")
    if (unknown.length > 0) return oauthError(400, "invalid_scope", "requested scope is not allowed")
    const token = this.issue(requested)
    return json(200, {
      access_token: token,
      expires_in: this.ttlSeconds,
      token_type: "Bearer",
      ...(requested.length > 0 ? { scope: requested.join(" ") } : {})
    })
  }
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", pragma: "no-cache" }
  })

const oauthError = (status: number, error: string, description: string): Response =>
  json(status, { error, error_description: description })

/** Basic client authentication: both parts are form-urlencoded (RFC 6749 §2.3.1). */
const parseBasic = (header: string | null): { clientId: string; clientSecret: string } | undefined | "invalid" => {
  if (header === null || !/^basic /i.test(header)) return undefined
  let decoded: string
  try {
    decoded = atob(header.slice(6).trim())
  } catch {
    return "invalid"
  }
  const colon = decoded.indexOf(":")
  if (colon < 0) return "invalid"
  const part = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "))
    } catch {
      return s
    }
  }
  return { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)) }
}

/** The fake's tokens, for the `Authorization` middleware. */
export class FakeTokens extends Context.Service<FakeTokens, Tokens>()("@orgkit/testing/FakeTokens") {}

/**
 * The bearer security of every endpoint of the fake's HttpApi, failing with Logto's 401 and 403.
 * The scheme's own parsing is not enough for Logto's answers (`bearer x`, `Bearer` alone, a token
 * after two spaces), so the middleware reads the raw header.
 */
export class Authorization extends HttpApiMiddleware.Service<Authorization>()("@orgkit/testing/Authorization", {
  security: { bearer: HttpApiSecurity.bearer },
  error: [LogtoError.Unauthorized, LogtoError.Forbidden]
}) {}

/** `Authorization` over the `FakeTokens` service. */
export const layerAuthorization: Layer.Layer<Authorization, never, FakeTokens> = Layer.effect(
  Authorization,
  Effect.gen(function* () {
    const tokens = yield* FakeTokens
    return Authorization.of({
      bearer: (httpEffect) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const verdict = tokens.verify(request.headers["authorization"] ?? null)
          if (verdict._tag === "Ok") return yield* httpEffect
          return yield* verdict.status === 401
            ? Effect.fail(new LogtoError.Unauthorized(verdict.body))
            : Effect.fail(new LogtoError.Forbidden(verdict.body))
        })
    })
  })
)
