/**
 * Where the client's bearer token comes from: a static token, an effect that yields one, or
 * Logto's machine-to-machine client-credentials grant. Client-credentials tokens are cached until
 * shortly before they expire, fetched once for any number of concurrent callers, and refreshed
 * once more when Logto answers 401.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { TokenError } from "./ClientError.ts"
import { newRequestId, requestIdHeader } from "./internal/requestId.ts"

/**
 * The token source a `LogtoClient` uses.
 *
 * @category services
 * @since 0.1.0
 */
export class Auth extends Context.Service<
  Auth,
  {
    /** The bearer token for the next request, or `undefined` to send no `Authorization` header. */
    readonly token: Effect.Effect<string | undefined, TokenError>
    /**
     * Logto answered 401 to a request sent with `token`. Returns `true` when one more attempt with a
     * fresh token is worthwhile (client credentials), `false` when it is not (a static token).
     */
    readonly invalidate: (token: string) => Effect.Effect<boolean>
  }
>()("@orgkit/client/Auth") {}

/**
 * A fixed bearer token.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerToken = (token: string | Redacted.Redacted<string>): Layer.Layer<Auth> => {
  const plain = Redacted.isRedacted(token) ? Redacted.value(token) : token
  return Layer.succeed(
    Auth,
    Auth.of({
      token: Effect.succeed(plain),
      invalidate: () => Effect.succeed(false)
    })
  )
}

/**
 * A token obtained by an effect, run before every request (cache it yourself if it is costly). A
 * 401 is returned to the caller as it is.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerTokenEffect = <E, R>(
  token: Effect.Effect<string | Redacted.Redacted<string>, E, R>,
  onError: (error: E) => TokenError
): Layer.Layer<Auth, never, R> =>
  Layer.effect(
    Auth,
    Effect.map(Effect.context<R>(), (context) =>
      Auth.of({
        token: token.pipe(
          Effect.map((t) => (Redacted.isRedacted(t) ? Redacted.value(t) : t)),
          Effect.mapError(onError),
          Effect.provideContext(context)
        ),
        invalidate: () => Effect.succeed(false)
      })
    )
  )

/**
 * Sends no `Authorization` header (e.g. behind a proxy that adds its own).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerNone: Layer.Layer<Auth> = Layer.succeed(
  Auth,
  Auth.of({
    token: Effect.succeed(undefined),
    invalidate: () => Effect.succeed(false)
  })
)

/**
 * Logto's client-credentials grant settings.
 *
 * @category models
 * @since 0.1.0
 */
export interface ClientCredentials {
  readonly clientId: string
  readonly clientSecret: string | Redacted.Redacted<string>
  /** The token endpoint, e.g. `https://tenant.logto.app/oidc/token`. */
  readonly tokenEndpoint: string
  /** The API resource indicator (default `https://default.logto.app/api`, the Management API of OSS Logto). */
  readonly resource?: string | undefined
  /** The scope to ask for (default `all`). */
  readonly scope?: string | undefined
  /**
   * How long before `expires_in` runs out the token is refreshed (default 60 s, at most half the
   * token's lifetime).
   */
  readonly refreshBefore?: Duration.Input | undefined
}

/**
 * The resource indicator of the Management API on Logto OSS.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultResource = "https://default.logto.app/api"

/**
 * The scope that grants the whole Management API.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultScope = "all"

const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  expires_in: Schema.optionalKey(Schema.Number),
  token_type: Schema.optionalKey(Schema.String)
})

const OAuthError = Schema.Struct({
  error: Schema.String,
  error_description: Schema.optionalKey(Schema.String)
})

interface Cached {
  readonly token: string
  readonly refreshAt: number
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before they go into Basic auth. */
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, "+")

/**
 * Builds the client-credentials token source on an `HttpClient` (the transport, without the
 * Logto pipeline).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeClientCredentials = Effect.fnUntraced(function* (options: ClientCredentials) {
  const http = yield* HttpClient.HttpClient
  const cache = yield* Ref.make<Option.Option<Cached>>(Option.none())
  const lock = yield* Semaphore.make(1)
  const refreshBefore = Duration.toMillis(Duration.fromInputUnsafe(options.refreshBefore ?? Duration.seconds(60)))
  const secret = Redacted.isRedacted(options.clientSecret) ? Redacted.value(options.clientSecret) : options.clientSecret
  const request = HttpClientRequest.post(options.tokenEndpoint).pipe(
    HttpClientRequest.basicAuth(formEncode(options.clientId), formEncode(secret)),
    HttpClientRequest.setHeader("accept", "application/json"),
    HttpClientRequest.bodyUrlParams({
      grant_type: "client_credentials",
      resource: options.resource ?? defaultResource,
      scope: options.scope ?? defaultScope
    })
  )
  const fail = (fields: Omit<ConstructorParameters<typeof TokenError>[0], "tokenEndpoint">) =>
    new TokenError({ tokenEndpoint: options.tokenEndpoint, ...fields })

  const fetchToken = Effect.gen(function* () {
    const startedAt = yield* Clock.currentTimeMillis
    const response = yield* http
      .execute(HttpClientRequest.setHeader(request, requestIdHeader, newRequestId()))
      .pipe(Effect.mapError((cause) => fail({ description: cause.message, cause })))
    const text = yield* response.text.pipe(Effect.mapError((cause) => fail({ description: cause.message, cause })))
    const json = yield* Effect.try({
      try: () => (text === "" ? undefined : (JSON.parse(text) as unknown)),
      catch: () => undefined
    }).pipe(Effect.orElseSucceed(() => undefined))
    if (response.status < 200 || response.status >= 300) {
      const oauth = Schema.decodeUnknownOption(OAuthError)(json)
      return yield* fail({
        status: response.status,
        ...(Option.isSome(oauth) ? { error: oauth.value.error } : {}),
        description: Option.isSome(oauth)
          ? (oauth.value.error_description ?? oauth.value.error)
          : text.slice(0, 200) || `HTTP ${response.status}`,
        body: json ?? text
      })
    }
    const parsed = yield* Schema.decodeUnknownEffect(TokenResponse)(json).pipe(
      Effect.mapError((cause) =>
        fail({
          status: response.status,
          description: `unexpected token response: ${cause.message}`,
          body: json ?? text
        })
      )
    )
    const lifetime = parsed.expires_in === undefined ? Number.POSITIVE_INFINITY : parsed.expires_in * 1000
    const refreshAt = startedAt + lifetime - Math.min(refreshBefore, lifetime / 2)
    const cached: Cached = { token: parsed.access_token, refreshAt }
    yield* Ref.set(cache, Option.some(cached))
    return cached.token
  })

  const fresh = (cached: Option.Option<Cached>, now: number): string | undefined =>
    Option.isSome(cached) && now < cached.value.refreshAt ? cached.value.token : undefined

  // Fast path without the lock; under the lock, look again, so that concurrent callers who queued
  // behind the one fetching reuse its token instead of fetching their own.
  const token = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const hit = fresh(yield* Ref.get(cache), now)
    if (hit !== undefined) return hit
    return yield* lock.withPermit(
      Effect.gen(function* () {
        const again = fresh(yield* Ref.get(cache), yield* Clock.currentTimeMillis)
        return again ?? (yield* fetchToken)
      })
    )
  })

  const invalidate = (stale: string) =>
    Ref.update(cache, (cached) =>
      Option.isSome(cached) && cached.value.token === stale ? Option.none() : cached
    ).pipe(Effect.as(true))

  return Auth.of({ token, invalidate })
})

/**
 * Logto's client-credentials grant: `POST tokenEndpoint` with Basic client authentication,
 * `grant_type=client_credentials`, `resource` and `scope`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerClientCredentials = (options: ClientCredentials): Layer.Layer<Auth, never, HttpClient.HttpClient> =>
  Layer.effect(Auth, makeClientCredentials(options))
