/**
 * The Promise API, for teams that do not use Effect: `createOrgkitClient(options)` returns one
 * async method per operation, named and ordered as the seed's operations
 * (`addOrganizationUsers(id, { userIds })`, `listOrganizations({ q, page, pageSize })`, …).
 *
 * One behaviour, two paths. The Effect API's pipeline (`LogtoClient.LogtoHttpClient`: base URL,
 * token source and refresh, `x-request-id`, retry policy) runs on one `ManagedRuntime`, so auth and
 * retries behave exactly as in the Effect API. A call whose token is at hand (a static token, a
 * cached client-credentials token: `Auth.cached`; or the caller's token function's answer) is first
 * sent directly, with one `fetch` and no fiber; if the answer is one the pipeline would act on (a
 * 401 to refresh, a status to retry, a network failure: `Transport.isFinal`), the pipeline takes
 * the call over from that first attempt, as if it had made it. Everything else goes through the
 * pipeline from the start. Both paths encode and decode with core's schemas, compiled
 * (`internal/compiled.ts`), and put the same request on the wire (a test compares them). Measured
 * against `@logto/api` on the same fake (README, "Overhead"): the thin facade over `LogtoClient`
 * cost 1.2-1.3x its time per call, the pipeline-only facade 1.07-1.18x on a GET, this 1.0-1.07x. It
 * is the only place that throws, and what it throws is one of the documented error classes below.
 *
 * @since 0.1.0
 */
import { type OrganizationsApi, RouteTable } from "@orgkit/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"
import type * as HttpApi from "effect/http-api/HttpApi"
import type * as HttpApiClient from "effect/http-api/HttpApiClient"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as Auth from "./Auth.ts"
import { TokenError } from "./ClientError.ts"
import * as Compiled from "./internal/compiled.ts"
import * as FetchClient from "./internal/fetchClient.ts"
import { byName, type Operation } from "./internal/operations.ts"
import { newRequestId, requestIdHeader } from "./internal/requestId.ts"
import * as Transport_ from "./internal/transport.ts"
import * as LogtoClient from "./LogtoClient.ts"
import * as Paginate from "./Paginate.ts"
import * as Retry from "./Retry.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * What every error of a call carries: the operation and the call's request id. The errors below
 * extend it (`error instanceof LogtoCallError` catches them all); it is thrown as itself when the
 * client was closed before or during the call.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoCallError extends Error {
  override readonly name: string = "LogtoCallError"
  /** The operation called, e.g. `AddOrganizationUsers`. */
  readonly operationId: string
  /** The `x-request-id` sent with the call. */
  readonly requestId: string
  constructor(
    message: string,
    call: { readonly operationId: string; readonly requestId: string },
    options?: ErrorOptions
  ) {
    super(message, options)
    this.operationId = call.operationId
    this.requestId = call.requestId
  }
}

/**
 * Logto (or a gateway in front of it) answered with an error status: 400, 401, 403, 404, 422,
 * 405, 429/5xx once retries are exhausted, or the token endpoint refused the client credentials
 * (then `code` is the OAuth error, e.g. `invalid_client`).
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoApiError extends LogtoCallError {
  override readonly name = "LogtoApiError"
  /** The HTTP status. */
  readonly status: number
  /** Logto's error code (`entity.not_found`, `guard.invalid_input`, …); absent for bodies without one. */
  readonly code: string | undefined
  /** Logto's `data` (for validation errors: `{ issues, name: "ZodError" }`). */
  readonly data: unknown
  /** Logto's `details` (validation errors: one line per issue). */
  readonly details: string | undefined
  constructor(fields: {
    readonly status: number
    readonly code: string | undefined
    readonly message: string
    readonly data: unknown
    readonly details: string | undefined
    readonly operationId: string
    readonly requestId: string
  }) {
    super(fields.message, fields)
    this.status = fields.status
    this.code = fields.code
    this.data = fields.data
    this.details = fields.details
  }
}

/**
 * No usable answer: the connection failed (DNS, refused, reset, TLS) after the retries the policy
 * allows, the body could not be read, or the token endpoint could not be reached. `cause` holds the
 * underlying error.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoNetworkError extends LogtoCallError {
  override readonly name = "LogtoNetworkError"
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly cause: unknown }) {
    super(`${fields.operationId}: network error (request id ${fields.requestId})`, fields, { cause: fields.cause })
  }
}

/**
 * The call did not finish within `timeoutMs` (token, attempts, backoff and body included); the
 * request in flight was aborted.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoTimeoutError extends LogtoCallError {
  override readonly name = "LogtoTimeoutError"
  readonly timeoutMs: number
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly timeoutMs: number }) {
    super(`${fields.operationId} timed out after ${fields.timeoutMs} ms (request id ${fields.requestId})`, fields)
    this.timeoutMs = fields.timeoutMs
  }
}

/**
 * The arguments do not satisfy core's schemas (e.g. an empty `userIds`, a `pageSize` over 100), so
 * nothing was sent. `cause` is the Effect `SchemaError` naming the offending value.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoRequestError extends LogtoCallError {
  override readonly name = "LogtoRequestError"
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly cause: unknown }) {
    super(`${fields.operationId}: invalid request, nothing was sent: ${messageOf(fields.cause)}`, fields, {
      cause: fields.cause
    })
  }
}

/**
 * A success status whose body does not match core's schema for the operation (a server that is
 * not Logto, or a Logto version with a different shape).
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoDecodeError extends LogtoCallError {
  override readonly name = "LogtoDecodeError"
  readonly status: number | undefined
  constructor(fields: {
    readonly status: number | undefined
    readonly operationId: string
    readonly requestId: string
    readonly cause: unknown
  }) {
    super(`${fields.operationId}: unexpected response (${fields.status ?? "?"}): ${messageOf(fields.cause)}`, fields, {
      cause: fields.cause
    })
    this.status = fields.status
  }
}

const messageOf = (u: unknown): string => (u instanceof Error ? u.message : String(u))

// ---------------------------------------------------------------------------------------------
// Types, all derived from core's HttpApi
// ---------------------------------------------------------------------------------------------

type Groups = typeof OrganizationsApi.OrganizationsApi extends HttpApi.HttpApi<string, infer G> ? G : never
type AnyEndpoint = HttpApiGroup.Endpoints<Groups>

/**
 * The 36 method names (`listOrganizations`, `addOrganizationUsers`, …).
 *
 * @category models
 * @since 0.1.0
 */
export type OperationName = AnyEndpoint["identifier"]

type EndpointOf<N extends OperationName> = Extract<AnyEndpoint, { readonly identifier: N }>

type ParamNames<P extends string> = P extends `${infer _Head}:${infer Name}/${infer Rest}`
  ? [Name, ...ParamNames<Rest>]
  : P extends `${infer _Head}:${infer Name}`
    ? [Name]
    : []

type PathArgs<Names extends ReadonlyArray<string>> = { [K in keyof Names]: string }

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S

/**
 * The query object of a list method, with camelCase keys (`{ q, page, pageSize, … }`); every key
 * is optional and `undefined` means absent.
 *
 * @category models
 * @since 0.1.0
 */
export type QueryOf<N extends OperationName> = [HttpApiEndpoint.Query<EndpointOf<N>>] extends [never]
  ? never
  : {
      readonly [K in keyof HttpApiEndpoint.Query<EndpointOf<N>>["Type"] as CamelCase<K & string>]?:
        | Exclude<HttpApiEndpoint.Query<EndpointOf<N>>["Type"][K], undefined>
        | undefined
    }

/**
 * The request body of a method (core's payload type).
 *
 * @category models
 * @since 0.1.0
 */
export type BodyOf<N extends OperationName> = [HttpApiEndpoint.Payload<EndpointOf<N>>] extends [never]
  ? never
  : HttpApiEndpoint.Payload<EndpointOf<N>>["Type"]

/**
 * Per-call options, always the last argument.
 *
 * @category models
 * @since 0.1.0
 */
export interface CallOptions {
  /** Aborts the call; it then rejects with the signal's reason (an `AbortError` by default). */
  readonly signal?: AbortSignal | undefined
  /** Overrides the client's timeout for this call. */
  readonly timeoutMs?: number | undefined
  /** Extra headers; an `x-request-id` given here is used as the call's request id. */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * A method's arguments: path parameters in path order, the body (if any), the query (if any,
 * optional), then per-call options (optional).
 *
 * @category models
 * @since 0.1.0
 */
export type ArgsOf<N extends OperationName> = [
  ...PathArgs<ParamNames<EndpointOf<N>["path"]>>,
  ...([BodyOf<N>] extends [never] ? [] : [body: BodyOf<N>]),
  ...([QueryOf<N>] extends [never] ? [] : [query?: QueryOf<N>]),
  options?: CallOptions
]

type SuccessOf<N extends OperationName> = HttpApiClient.SuccessType<HttpApiEndpoint.Success<EndpointOf<N>>>

/**
 * A page of a paginated list. `totalCount` is Logto's `Total-Number`: always there for the three
 * always-paginated lists, absent when an optionally paginated list was not paginated.
 *
 * @category models
 * @since 0.1.0
 */
export type Page<A, H> = { readonly items: ReadonlyArray<A> } & (H extends { readonly "total-number": number }
  ? { readonly totalCount: number }
  : { readonly totalCount?: number })

type ToResult<S> =
  S extends HttpApiSchema.withHeaders<ReadonlyArray<infer A>, infer H>
    ? Page<A, H>
    : [S] extends [string]
      ? undefined
      : [S] extends [void]
        ? undefined
        : S

/**
 * What a method resolves to: the decoded body, a {@link Page} for paginated lists, `undefined`
 * for 204s and Logto's plain-text 201 `Created` answers.
 *
 * @category models
 * @since 0.1.0
 */
export type ResultOf<N extends OperationName> = ToResult<SuccessOf<N>>

/**
 * The methods whose result is a {@link Page}: the ones `paginate` walks.
 *
 * @category models
 * @since 0.1.0
 */
export type PaginatedName = {
  [N in OperationName]: SuccessOf<N> extends HttpApiSchema.withHeaders<ReadonlyArray<unknown>, unknown> ? N : never
}[OperationName]

/**
 * An item of a paginated list.
 *
 * @category models
 * @since 0.1.0
 */
export type ItemOf<N extends PaginatedName> =
  SuccessOf<N> extends HttpApiSchema.withHeaders<ReadonlyArray<infer A>, unknown> ? A : never

/**
 * The client: one method per operation, plus `paginate` and `close`.
 *
 * @category models
 * @since 0.1.0
 */
export type OrgkitClient = { readonly [N in OperationName]: (...args: ArgsOf<N>) => Promise<ResultOf<N>> } & {
  /**
   * Every item of every page of a paginated list, fetched page after page (page size 100 unless
   * the query sets `pageSize`; starting at the query's `page`, default 1).
   */
  readonly paginate: <N extends PaginatedName>(name: N, ...args: ArgsOf<N>) => AsyncIterable<ItemOf<N>>
  /**
   * Releases the client's runtime. Calls in flight are aborted, and they and calls made afterwards
   * reject with a {@link LogtoCallError} saying the client was closed.
   */
  readonly close: () => Promise<void>
}

/**
 * Retry settings in milliseconds (see `Retry.Options`); `false` disables retrying.
 *
 * @category models
 * @since 0.1.0
 */
export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  readonly retries?: number | undefined
  /** First backoff ceiling (default 250). */
  readonly baseDelayMs?: number | undefined
  /** Largest backoff ceiling (default 8000). */
  readonly maxDelayMs?: number | undefined
  /** A longer `Retry-After` is not waited for (default 60000). */
  readonly maxRetryAfterMs?: number | undefined
  /** Retryable statuses (default 429, 502, 503, 504). */
  readonly statuses?: ReadonlyArray<number> | undefined
  /** Retried methods (default GET, PUT, DELETE). */
  readonly methods?: ReadonlyArray<string> | undefined
  /** Also retry Logto's idempotent add/assign POSTs (default false). */
  readonly idempotentPosts?: boolean | undefined
  /** Retry network failures (default true). */
  readonly networkErrors?: boolean | undefined
}

/**
 * The options of {@link createOrgkitClient}.
 *
 * @category models
 * @since 0.1.0
 */
export interface OrgkitClientOptions {
  /** Logto's (or the orgkit proxy's) origin, e.g. `https://tenant.logto.app`. */
  readonly baseUrl: string | URL
  /** A bearer token, or an async function returning one (called before every request). */
  readonly token?: string | (() => string | Promise<string>) | undefined
  /** Logto's machine-to-machine client-credentials grant (cached token, one refresh for all callers). */
  readonly clientCredentials?:
    | {
        readonly clientId: string
        readonly clientSecret: string
        /** Default `<baseUrl>/oidc/token`. */
        readonly tokenEndpoint?: string | undefined
        /** Default `https://default.logto.app/api`. */
        readonly resource?: string | undefined
        /** Default `all`. */
        readonly scope?: string | undefined
      }
    | undefined
  readonly retry?: RetryOptions | false | undefined
  /** Timeout of a whole call, retries included (default 30000). */
  readonly timeoutMs?: number | undefined
  /** Headers sent with every call (per-call `headers` win). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /**
   * The `fetch` to use: `globalThis.fetch` by default; pass a Workers service binding's fetch, or a
   * handler such as `FakeLogto.make().fetch`. It is called with a `Request`.
   */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

const retryOptions = (retry: RetryOptions | false | undefined): Retry.Options => {
  if (retry === false) return { retries: 0 }
  if (retry === undefined) return {}
  return {
    retries: retry.retries,
    baseDelay: retry.baseDelayMs,
    maxDelay: retry.maxDelayMs,
    maxRetryAfter: retry.maxRetryAfterMs,
    statuses: retry.statuses,
    methods: retry.methods,
    idempotentPosts: retry.idempotentPosts,
    networkErrors: retry.networkErrors
  }
}

const authLayer = (options: OrgkitClientOptions) => {
  const token = options.token
  if (options.clientCredentials === undefined && typeof token === "function") {
    // A throwing token function is the caller's own error: it becomes a defect and is rethrown as it is.
    return Auth.layerTokenEffect(
      Effect.promise(async () => token()),
      (e: never) => e
    )
  }
  return LogtoClient.layerAuth({
    baseUrl: options.baseUrl,
    token: typeof token === "string" ? token : undefined,
    clientCredentials: options.clientCredentials
  })
}

/** The `fetch` calls go through: the option's (given a `Request`), else `globalThis.fetch`. */
const fetchOf = (options: OrgkitClientOptions): FetchClient.Fetch => {
  const custom = options.fetch
  // `globalThis.fetch` is looked up per call, so that a fetch installed later (e.g. a mock) is used.
  return custom === undefined
    ? (url, init) => globalThis.fetch(url, init)
    : (url, init) => custom(new Request(url, init))
}

/**
 * The transports: the calls' one reads each body with its response (the facade reads every body);
 * the token endpoint's leaves the body to the token source.
 */
const httpClientLayer = (fetchImpl: FetchClient.Fetch, readBody: boolean) =>
  Layer.succeed(HttpClient.HttpClient, FetchClient.make(fetchImpl, { readBody }))

const parseJson = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const str = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)

type Sync = (input: unknown) => unknown
const encoder = (codec: Schema.Top): Sync => Compiled.encoder(codec, Compiled.jsonSource(codec))
const decoder = (codec: Schema.Top): Sync => Compiled.decoder(codec, Compiled.jsonSource(codec))

/**
 * Core's schemas for one operation, as synchronous encoders and decoders (compiled where core's
 * schemas allow, see `internal/compiled.ts`): what `HttpApiClient` does per call, without running
 * it as an Effect (see the README's benchmark section).
 */
interface Codec {
  readonly path: (encoded: Readonly<Record<string, string>>) => string
  readonly params: Sync | undefined
  readonly query: Sync | undefined
  readonly payload: Sync | undefined
  readonly body: Sync | undefined
  readonly headers: Sync | undefined
}

const codecs = new Map<string, Codec>()
const codecOf = (op: Operation): Codec => {
  const cached = codecs.get(op.name)
  if (cached !== undefined) return cached
  const endpoint = op.route.endpoint
  const payload = endpoint.payload.get("application/json")?.schemas[0]
  const [success] = endpoint.success
  const codec: Codec = {
    // Core's encoding, so that no value can leave its segment and the proxy and the client agree.
    path: (encoded) => RouteTable.buildPath(op.route, encoded),
    params: endpoint.params === undefined ? undefined : encoder(endpoint.params),
    query: endpoint.query === undefined ? undefined : encoder(endpoint.query),
    payload: payload === undefined ? undefined : encoder(payload),
    body:
      op.result === "empty" || success === undefined
        ? undefined
        : decoder(HttpApiSchema.isWithHeaders(success) ? success.schema : success),
    headers: success !== undefined && HttpApiSchema.isWithHeaders(success) ? decoder(success.headers) : undefined
  }
  codecs.set(op.name, codec)
  return codec
}

const jsonType = "application/json"

/** A request as the facade builds it, before the base URL, headers and token are added. */
interface Outgoing {
  readonly method: RouteTable.Route["method"]
  readonly path: string
  readonly urlParams: UrlParams.UrlParams
  /** The JSON body, if the operation has one. */
  readonly body: string | undefined
}

/** What came back: status, headers (read only for pages) and the body as text. */
interface Answer {
  readonly status: number
  readonly headers: () => Readonly<Record<string, string>>
  readonly body: string
}

const toRequest = (outgoing: Outgoing): HttpClientRequest.HttpClientRequest => {
  const request = HttpClientRequest.make(outgoing.method)(outgoing.path, { urlParams: outgoing.urlParams })
  return outgoing.body === undefined
    ? request
    : HttpClientRequest.setBody(request, HttpBody.text(outgoing.body, jsonType))
}

/** The body as text: read by the transport with the response (see `FetchClient.textOf`). */
const bodyText = (response: HttpClientResponse.HttpClientResponse) => {
  const text = FetchClient.textOf(response)
  return text === undefined ? response.text : Effect.succeed(text)
}

const TimedOut = Symbol("TimedOut")
const Closed = Symbol("Closed")

type Transport = HttpClient.HttpClient.With<HttpClientError.HttpClientError | TokenError>

/**
 * Creates the Promise client.
 *
 * @category constructors
 * @since 0.1.0
 */
export const createOrgkitClient = (options: OrgkitClientOptions): OrgkitClient => {
  const fetchImpl = fetchOf(options)
  const layer = LogtoClient.layerHttpClient.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        LogtoClient.layerConfig({ baseUrl: options.baseUrl }),
        authLayer(options).pipe(Layer.provide(httpClientLayer(fetchImpl, false)))
      )
    ),
    Layer.provideMerge(Retry.layer(retryOptions(options.retry))),
    Layer.provide(httpClientLayer(fetchImpl, true)),
    // Spans would go nowhere: a Promise caller has no tracer.
    Layer.merge(Layer.succeed(Tracer.DisablePropagation, true))
  )
  const runtime = ManagedRuntime.make(layer)
  const transport: Transport = runtime.runSync(LogtoClient.LogtoHttpClient)
  const { baseUrl } = runtime.runSync(LogtoClient.LogtoClientConfig)
  const auth = runtime.runSync(Auth.Auth)
  const policy = runtime.runSync(Retry.RetryPolicy)
  const tokenFunction =
    options.clientCredentials === undefined && typeof options.token === "function" ? options.token : undefined
  const defaultHeaders = options.headers
  const defaultTimeoutMs = options.timeoutMs ?? 30_000
  // Calls in flight, stopped by `close`.
  const inFlight = new Set<(reason: unknown) => void>()
  let closed = false

  const send = (request: HttpClientRequest.HttpClientRequest, call: Transport_.Call) =>
    transport.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(bodyText(response), (body): Answer => ({
          status: response.status,
          headers: () => response.headers,
          body
        }))
      ),
      Effect.provideService(Transport_.CurrentCall, call)
    )

  /** The token to send right now without a fiber, when the token source knows it (`Auth.cached`). */
  const cachedToken = (): Option.Option<string | undefined> => {
    if (closed || auth.cached === undefined) return Option.none()
    const cached = auth.cached
    // `Effect.succeed` is already an `Exit`: a static token is read without running anything.
    const exit = Exit.isExit(cached)
      ? (cached as Exit.Exit<Option.Option<string | undefined>>)
      : runtime.runSyncExit(cached)
    return Exit.isSuccess(exit) ? exit.value : Option.none()
  }

  const invoke = (op: Operation, args: ReadonlyArray<unknown>): Promise<unknown> => {
    let i = op.pathParams.length
    const params: Record<string, unknown> = {}
    for (let p = 0; p < i; p++) params[op.pathParams[p]!] = args[p]
    const payload = op.hasPayload ? args[i++] : undefined
    const rawQuery = op.query === undefined ? undefined : (args[i++] as Record<string, unknown> | undefined)
    const callOptions = args[i] as CallOptions | undefined
    const signal = callOptions?.signal
    if (signal?.aborted) return Promise.reject(abortError(signal))

    const headers =
      callOptions?.headers === undefined
        ? defaultHeaders
        : defaultHeaders === undefined
          ? callOptions.headers
          : { ...defaultHeaders, ...callOptions.headers }
    const requestId = headers?.[requestIdHeader] ?? newRequestId()
    const operationId = op.operationId

    if (closed) return Promise.reject(closedError(operationId, requestId))
    let outgoing: Outgoing
    try {
      outgoing = buildRequest(op, params, payload, rawQuery)
    } catch (cause) {
      return Promise.reject(new LogtoRequestError({ operationId, requestId, cause }))
    }
    const timeoutMs = callOptions?.timeoutMs ?? defaultTimeoutMs

    return new Promise<unknown>((resolve, reject) => {
      const controller = new AbortController()
      let fiber: Fiber.Fiber<Answer, unknown> | undefined
      // Whether a `fetch` is in flight: stopping it ends it, and its rejection settles the call.
      let fetching = false
      let stopped: unknown
      const stop = (reason: unknown) => {
        if (stopped !== undefined) return
        stopped = reason
        controller.abort()
        if (fiber !== undefined) fiber.interruptUnsafe()
        // Still waiting for the caller's token function: nothing to interrupt, settle now.
        else if (!fetching) settleStopped()
      }
      const timer = Number.isFinite(timeoutMs) ? setTimeout(stop, timeoutMs, TimedOut) : undefined
      const onAbort = () => stop(abortError(signal!))
      signal?.addEventListener("abort", onAbort, { once: true })
      inFlight.add(stop)

      let settled = false
      const settle = (outcome: () => unknown) => {
        if (settled) return
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener("abort", onAbort)
        inFlight.delete(stop)
        try {
          resolve(outcome())
        } catch (error) {
          reject(error)
        }
      }
      const stoppedError = () =>
        stopped === TimedOut
          ? new LogtoTimeoutError({ operationId, requestId, timeoutMs })
          : stopped === Closed
            ? closedError(operationId, requestId)
            : stopped
      const settleStopped = () =>
        settle(() => {
          throw stoppedError()
        })

      // Everything but a first attempt with a token at hand ends up here: the Effect pipeline
      // (token fetch and refresh, retries), continuing from the first attempt if one was made.
      const viaPipeline = (sent: Transport_.Sent | undefined) => {
        const running = runtime.runFork(
          send(toRequest(outgoing), { operationId, requestId, headers, onResponse: undefined, sent })
        )
        fiber = running
        if (stopped !== undefined) running.interruptUnsafe()
        running.addObserver((exit) =>
          settle(() => {
            if (stopped !== undefined) throw stoppedError()
            if (Exit.isSuccess(exit)) return answer(op, exit.value, requestId)
            throw failure(op, exit.cause, requestId)
          })
        )
      }

      // The direct path: one `fetch`, no fiber. Its answer is the call's answer unless the pipeline
      // would act on it (a 401 to refresh, a status to retry: `Transport.isFinal`).
      const direct = (token: string | undefined) => {
        if (stopped !== undefined) return settleStopped()
        const query = UrlParams.toString(outgoing.urlParams)
        const url = `${baseUrl}${outgoing.path}${query === "" ? "" : `?${query}`}`
        const init: RequestInit = {
          method: outgoing.method,
          headers: wireHeaders(outgoing, headers, requestId, token),
          signal: controller.signal
        }
        if (outgoing.body !== undefined) init.body = outgoing.body
        fetching = true
        fetchImpl(url, init)
          .then((response) => response.text().then((body) => ({ response, body })))
          .then(
            ({ body, response }) => {
              if (stopped !== undefined) return settleStopped()
              if (Transport_.isFinal(policy, { method: outgoing.method, operationId }, response.status, token)) {
                return settle(() =>
                  answer(
                    op,
                    { status: response.status, headers: () => Object.fromEntries(response.headers), body },
                    requestId
                  )
                )
              }
              const request = toRequest(outgoing)
              viaPipeline({
                _tag: "Response",
                response: FetchClient.fromWeb(request, response, body),
                token
              })
            },
            (cause: unknown) => {
              if (stopped !== undefined) return settleStopped()
              const request = toRequest(outgoing)
              viaPipeline({ _tag: "Failure", error: FetchClient.transportError(request, cause), token })
            }
          )
      }

      const known = cachedToken()
      if (Option.isSome(known)) return direct(known.value)
      if (tokenFunction === undefined) return viaPipeline(undefined)
      // A token function is called here for the first attempt, and by the pipeline for each retry,
      // as the pipeline alone would; what it throws is the caller's own error, rethrown as it is.
      new Promise<string>((resolve) => resolve(tokenFunction())).then(direct, (error: unknown) =>
        stopped !== undefined
          ? settleStopped()
          : settle(() => {
              throw error
            })
      )
    })
  }

  const client: Record<string, unknown> = {}
  for (const op of byName.values()) client[op.name] = (...args: Array<unknown>) => invoke(op, args)

  client.paginate = (name: string, ...args: Array<unknown>): AsyncIterable<unknown> => {
    const op = byName.get(name)
    if (op === undefined || op.result !== "page" || op.query === undefined) {
      throw new TypeError(`${name} is not a paginated list`)
    }
    const queryIndex = op.pathParams.length
    const query = (args[queryIndex] ?? {}) as { readonly page?: number; readonly pageSize?: number }
    const pageSize = query.pageSize ?? Paginate.maxPageSize
    return {
      async *[Symbol.asyncIterator]() {
        for (let page = query.page ?? 1; ; page++) {
          const pageArgs = [...args]
          pageArgs[queryIndex] = { ...query, page, pageSize }
          const result = (await invoke(op, pageArgs)) as { items: ReadonlyArray<unknown>; totalCount?: number }
          yield* result.items
          if (Paginate.isLastPage({ items: result.items, totalCount: result.totalCount, page, pageSize })) return
        }
      }
    }
  }
  client.close = () => {
    closed = true
    for (const stop of inFlight) stop(Closed)
    return runtime.dispose()
  }
  return client as OrgkitClient
}

/** Path, query and body from the arguments, encoded with core's schemas (throws on invalid input). */
const buildRequest = (
  op: Operation,
  params: Record<string, unknown>,
  payload: unknown,
  rawQuery: Record<string, unknown> | undefined
): Outgoing => {
  const codec = codecOf(op)
  const path = codec.params === undefined ? op.route.path : codec.path(codec.params(params) as Record<string, string>)
  let urlParams = UrlParams.empty
  if (op.query !== undefined && codec.query !== undefined) {
    const query: Record<string, unknown> = {}
    if (rawQuery !== undefined) {
      for (const key in rawQuery) {
        const value = rawQuery[key]
        if (value !== undefined) query[op.query.get(key) ?? key] = value
      }
    }
    urlParams = UrlParams.fromInput(codec.query(query) as UrlParams.Input)
  }
  return {
    method: op.route.method,
    path,
    urlParams,
    body: codec.payload === undefined ? undefined : JSON.stringify(codec.payload(payload))
  }
}

/**
 * The headers the pipeline would send for the call, in the order they win: the body's content
 * type (`toRequest`'s), the call's headers (`Transport.callHeaders`), then the token.
 */
const wireHeaders = (
  outgoing: Outgoing,
  headers: Readonly<Record<string, string>> | undefined,
  requestId: string,
  token: string | undefined
): Record<string, string> => {
  const wire = Transport_.callHeaders(headers, requestId)
  if (outgoing.body !== undefined && wire["content-type"] === undefined) wire["content-type"] = jsonType
  if (token !== undefined) wire.authorization = `Bearer ${token}`
  return wire
}

/** A 2xx decoded as the operation's result; anything else thrown as a `LogtoApiError`. */
const answer = (op: Operation, answer: Answer, requestId: string): unknown => {
  const operationId = op.operationId
  const status = answer.status
  if (status < 200 || status >= 300) {
    const json = parseJson(answer.body) as Record<string, unknown> | undefined
    const text = json === undefined ? answer.body : ""
    throw new LogtoApiError({
      status,
      code: str(json?.code),
      message: str(json?.message) ?? (text.slice(0, 200) || `HTTP ${status}`),
      data: json?.data,
      details: str(json?.details),
      operationId,
      requestId
    })
  }
  if (op.result === "empty") return undefined
  const codec = codecOf(op)
  try {
    const body = codec.body!(answer.body === "" ? undefined : JSON.parse(answer.body))
    if (op.result === "value") return body
    const headers = codec.headers!(answer.headers()) as { readonly "total-number"?: number }
    const totalCount = headers["total-number"]
    return totalCount === undefined ? { items: body } : { items: body, totalCount }
  } catch (cause) {
    throw new LogtoDecodeError({ status, operationId, requestId, cause })
  }
}

/** A failed call (no answer) as what the facade throws. */
const failure = (op: Operation, cause: Cause.Cause<unknown>, requestId: string): unknown => {
  const operationId = op.operationId
  const found = Cause.findError(cause)
  if (found._tag === "Failure") {
    const die = Cause.findDefect(cause)
    return die._tag === "Success" ? die.success : Cause.squash(cause)
  }
  const error = found.success
  if (error instanceof TokenError) {
    return error.status === undefined
      ? new LogtoNetworkError({ operationId, requestId, cause: error })
      : new LogtoApiError({
          status: error.status,
          code: error.error,
          message: error.message,
          data: error.body,
          details: undefined,
          operationId,
          requestId
        })
  }
  if (
    HttpClientError.isHttpClientError(error) &&
    (error.reason._tag === "EncodeError" || error.reason._tag === "InvalidUrlError")
  ) {
    return new LogtoRequestError({ operationId, requestId, cause: error })
  }
  return new LogtoNetworkError({ operationId, requestId, cause: error })
}

const closedError = (operationId: string, requestId: string) =>
  new LogtoCallError(`${operationId}: the client was closed (request id ${requestId})`, { operationId, requestId })

const abortError = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError")
