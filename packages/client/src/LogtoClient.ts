/**
 * The Effect API: a `LogtoClient` service whose methods are those `HttpApiClient` derives from
 * core's `OrganizationsApi` (`client.users.addOrganizationUsers({ params, payload })`), with typed
 * success values and typed `LogtoError.*` failures per operation. Its layers add what calling Logto
 * needs: base URL, bearer token (`Auth`), retries (`Retry`), a per-call timeout and an
 * `x-request-id` on every request.
 *
 * @since 0.1.0
 */
import { type LogtoError, OrganizationsApi, RouteTable } from "@orgkit/core"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import * as Auth from "./Auth.ts"
import { RequestTimeout, type TokenError } from "./ClientError.ts"
import { newRequestId } from "./internal/requestId.ts"
import * as Transport from "./internal/transport.ts"
import * as Retry from "./Retry.ts"

/**
 * The typed client: one group per core group (`organizations`, `users`, `applications`, `jit`),
 * one method per operation. Besides each operation's `LogtoError.*` failures, any call can fail
 * with `HttpClientError` (network, undeclared status such as 429/5xx after retries), `SchemaError`
 * (a request that does not satisfy the schemas, or an unexpected response), `RequestTimeout` and
 * `TokenError`.
 *
 * @category models
 * @since 0.1.0
 */
export type Client = HttpApiClient.ForApi<typeof OrganizationsApi.OrganizationsApi, RequestTimeout | TokenError>

/**
 * Logto's answers to a call, one class per status (core's `LogtoError`).
 *
 * @category models
 * @since 0.1.0
 */
export type LogtoFailure = LogtoError.LogtoError

/**
 * Per-call settings, provided around a call with {@link withCallOptions}.
 *
 * @category models
 * @since 0.1.0
 */
export interface CallOptions {
  /** The `x-request-id` to send (default: a random UUID per call, kept across retries). */
  readonly requestId?: string | undefined
  /** Extra request headers (e.g. `accept-language`). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Overrides the client's timeout for this call. */
  readonly timeout?: Duration.Input | undefined
  /** Sees every response received for the call (retried ones included), before it is decoded. */
  readonly onResponse?: ((response: HttpClientResponse.HttpClientResponse) => void) | undefined
}

/**
 * The per-call settings in effect (none by default).
 *
 * @category services
 * @since 0.1.0
 */
export const CurrentCallOptions = Context.Reference<CallOptions>("@orgkit/client/LogtoClient/CallOptions", {
  defaultValue: () => ({})
})

/**
 * Runs calls with the given per-call settings.
 *
 * @category constructors
 * @since 0.1.0
 */
export const withCallOptions =
  (options: CallOptions) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(self, CurrentCallOptions, options)

/**
 * Where the client sends requests and how long a call may take.
 *
 * @category models
 * @since 0.1.0
 */
export interface Config {
  /** Logto's (or the proxy's) origin, e.g. `https://tenant.logto.app`; paths start with `/api`. */
  readonly baseUrl: string | URL
  /** The timeout of a whole call, retries included (default 30 s). */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The resolved configuration.
 *
 * @category services
 * @since 0.1.0
 */
export class LogtoClientConfig extends Context.Service<
  LogtoClientConfig,
  {
    readonly baseUrl: string
    readonly timeoutMillis: number
  }
>()("@orgkit/client/LogtoClient/LogtoClientConfig") {}

/**
 * The default timeout of a call.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(30)

const toMillis = (input: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * Provides the configuration.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerConfig = (config: Config): Layer.Layer<LogtoClientConfig> =>
  Layer.succeed(
    LogtoClientConfig,
    LogtoClientConfig.of({
      baseUrl: String(config.baseUrl).replace(/\/+$/, ""),
      timeoutMillis: toMillis(config.timeout ?? defaultTimeout)
    })
  )

/**
 * The client service.
 *
 * @category services
 * @since 0.1.0
 */
export class LogtoClient extends Context.Service<LogtoClient, Client>()("@orgkit/client/LogtoClient") {}

/**
 * The Logto pipeline as a plain `HttpClient`: requests go to the base URL with the bearer token
 * (refreshed once on 401 when the token source can), an `x-request-id`, and retries under the
 * retry policy. `LogtoClient` is built on it; use it directly for raw requests.
 *
 * @category services
 * @since 0.1.0
 */
export class LogtoHttpClient extends Context.Service<
  LogtoHttpClient,
  HttpClient.HttpClient.With<HttpClientError.HttpClientError | TokenError>
>()("@orgkit/client/LogtoClient/LogtoHttpClient") {}

/**
 * Builds the pipeline from the configuration, the token source, the transport `HttpClient` and the
 * retry policy in context (default {@link Retry.make}`()`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeHttpClient: Effect.Effect<
  HttpClient.HttpClient.With<HttpClientError.HttpClientError | TokenError>,
  never,
  LogtoClientConfig | Auth.Auth | HttpClient.HttpClient
> = Effect.gen(function* () {
  const config = yield* LogtoClientConfig
  return Transport.make({
    http: yield* HttpClient.HttpClient,
    auth: yield* Auth.Auth,
    policy: yield* Retry.RetryPolicy,
    baseUrl: config.baseUrl
  })
})

/**
 * The pipeline from its configuration, token source and transport.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerHttpClient: Layer.Layer<
  LogtoHttpClient,
  never,
  LogtoClientConfig | Auth.Auth | HttpClient.HttpClient
> = Layer.effect(LogtoHttpClient, makeHttpClient)

/**
 * Builds the typed client on the pipeline.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: Effect.Effect<Client, never, LogtoClientConfig | LogtoHttpClient> = Effect.gen(function* () {
  const config = yield* LogtoClientConfig
  const raw = (yield* HttpApiClient.makeWith(OrganizationsApi.OrganizationsApi, {
    httpClient: yield* LogtoHttpClient
  })) as unknown as Record<string, Record<string, (request: unknown) => Effect.Effect<unknown, unknown>>>
  const client: Record<string, Record<string, (request: unknown) => Effect.Effect<unknown, unknown>>> = {}
  for (const route of RouteTable.routes) {
    const method = raw[route.group]![route.name]!
    const group = (client[route.group] ??= {})
    group[route.name] = (request) => call(route.operationId, config.timeoutMillis, method(request))
  }
  return client as unknown as Client
})

const call = <A, E, R>(operationId: string, defaultTimeoutMillis: number, effect: Effect.Effect<A, E, R>) =>
  Effect.withFiber<A, E | RequestTimeout, R>((fiber) => {
    const options = fiber.getRef(CurrentCallOptions)
    const requestId = options.requestId ?? newRequestId()
    const timeoutMillis = options.timeout === undefined ? defaultTimeoutMillis : toMillis(options.timeout)
    const withCall = Effect.provideService(effect, Transport.CurrentCall, {
      operationId,
      requestId,
      headers: options.headers,
      onResponse: options.onResponse
    })
    // No timer (and no race of two fibers) for a call that may take forever.
    if (timeoutMillis === Number.POSITIVE_INFINITY) return withCall
    return timeoutAfter(withCall, timeoutMillis, () => new RequestTimeout({ operationId, requestId, timeoutMillis }))
  })

/**
 * `effect`, failing with `onTimeout()` instead when it has not finished after `millis` on the
 * fiber's `Clock` (a `TestClock` in tests). As `Effect.timeoutOrElse` does, it runs the effect in a
 * fiber of its own, raced against a fiber that sleeps; the loser is interrupted, and a timeout
 * fails once the interrupted call has finished (its request aborted). It leaves out what that
 * generic race costs on every call: an `Option` for each outcome, a set of racers, a finalizer on
 * the caller, and a fiber that awaits the interrupted sleeper.
 */
const timeoutAfter = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  millis: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.withFiber((parent) => {
    const run = Effect.runForkWith(parent.context as Context.Context<R>)
    return Effect.callback<A, E | E2>((resume) => {
      const work = run(effect)
      const done = work.pollUnsafe()
      if (done !== undefined) return resume(done)
      const timer = run(Effect.sleep(millis))
      let timedOut = false
      timer.addObserver((exit) => {
        if (exit._tag !== "Success") return
        timedOut = true
        work.interruptUnsafe(parent.id)
      })
      work.addObserver((exit) => {
        timer.interruptUnsafe(parent.id)
        resume(timedOut ? Effect.fail(onTimeout()) : exit)
      })
      // The caller was interrupted: so are both, and it waits for the call to finish.
      return Effect.suspend(() => {
        timer.interruptUnsafe(parent.id)
        work.interruptUnsafe(parent.id)
        return Effect.asVoid(Fiber.await(work))
      })
    })
  })

/**
 * The client from its configuration, token source and transport.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  LogtoClient | LogtoHttpClient,
  never,
  LogtoClientConfig | Auth.Auth | HttpClient.HttpClient
> = Layer.effect(LogtoClient, make).pipe(Layer.provideMerge(layerHttpClient))

/**
 * Everything {@link layerOptions} accepts.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options extends Config {
  /** A static bearer token. */
  readonly token?: string | Redacted.Redacted<string> | undefined
  /**
   * Logto's client-credentials grant. `tokenEndpoint` defaults to `<baseUrl>/oidc/token`.
   */
  readonly clientCredentials?:
    | (Omit<Auth.ClientCredentials, "tokenEndpoint"> & { readonly tokenEndpoint?: string | undefined })
    | undefined
  /** Retry settings (default: {@link Retry.defaults}). */
  readonly retry?: Retry.Options | undefined
}

/**
 * The token source described by options: client credentials, else a static token, else none.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerAuth = (options: Options): Layer.Layer<Auth.Auth, never, HttpClient.HttpClient> => {
  if (options.clientCredentials !== undefined) {
    return Auth.layerClientCredentials({
      ...options.clientCredentials,
      tokenEndpoint:
        options.clientCredentials.tokenEndpoint ?? `${String(options.baseUrl).replace(/\/+$/, "")}/oidc/token`
    })
  }
  return options.token === undefined ? Auth.layerNone : Auth.layerToken(options.token)
}

/**
 * The client from plain options; needs only an `HttpClient` (e.g. `FetchHttpClient.layer`).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerOptions = (
  options: Options
): Layer.Layer<LogtoClient | LogtoHttpClient, never, HttpClient.HttpClient> =>
  layer.pipe(
    Layer.provide(Layer.mergeAll(layerConfig(options), layerAuth(options))),
    Layer.provide(Retry.layer(options.retry))
  )
