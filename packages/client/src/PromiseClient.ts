/**
 * The Promise API, for teams that do not use Effect: `createOrgkitClient(options)` returns one
 * async method per operation, named and ordered as the seed's operations
 * (`addOrganizationUsers(id, { userIds })`, `listOrganizations({ q, page, pageSize })`, …).
 * It is a thin facade over the Effect API (`LogtoClient`), run on one `ManagedRuntime`; it is
 * the only place that throws, and what it throws is one of the documented error classes below.
 *
 * @since 0.1.0
 */
import { LogtoError, type OrganizationsApi } from "@orgkit/core"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Schema } from "effect"
import { FetchHttpClient, HttpClientError, type HttpClientResponse } from "effect/http"
import type { HttpApi, HttpApiClient, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import * as Auth from "./Auth.ts"
import { RequestTimeout, TokenError } from "./ClientError.ts"
import { byName, type Operation } from "./internal/operations.ts"
import { newRequestId, requestIdHeader } from "./internal/requestId.ts"
import * as LogtoClient from "./LogtoClient.ts"
import * as Paginate from "./Paginate.ts"
import * as Retry from "./Retry.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Logto (or a gateway in front of it) answered with an error status: 400, 401, 403, 404, 422,
 * 405, 429/5xx once retries are exhausted, or the token endpoint refused the client credentials
 * (then `code` is the OAuth error, e.g. `invalid_client`).
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoApiError extends Error {
  override readonly name = "LogtoApiError"
  /** The HTTP status. */
  readonly status: number
  /** Logto's error code (`entity.not_found`, `guard.invalid_input`, …); absent for bodies without one. */
  readonly code: string | undefined
  /** Logto's `data` (for validation errors: `{ issues, name: "ZodError" }`). */
  readonly data: unknown
  /** Logto's `details` (validation errors: one line per issue). */
  readonly details: string | undefined
  /** The operation called, e.g. `AddOrganizationUsers`. */
  readonly operationId: string
  /** The `x-request-id` sent with the call. */
  readonly requestId: string
  constructor(fields: {
    readonly status: number
    readonly code: string | undefined
    readonly message: string
    readonly data: unknown
    readonly details: string | undefined
    readonly operationId: string
    readonly requestId: string
  }) {
    super(fields.message)
    this.status = fields.status
    this.code = fields.code
    this.data = fields.data
    this.details = fields.details
    this.operationId = fields.operationId
    this.requestId = fields.requestId
  }
}

/**
 * No answer: the connection failed (DNS, refused, reset, TLS), after the retries the policy allows.
 * `cause` holds the underlying error.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoNetworkError extends Error {
  override readonly name = "LogtoNetworkError"
  readonly operationId: string
  readonly requestId: string
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly cause: unknown }) {
    super(`${fields.operationId}: network error (request id ${fields.requestId})`, { cause: fields.cause })
    this.operationId = fields.operationId
    this.requestId = fields.requestId
  }
}

/**
 * The call did not finish within `timeoutMs` (token, attempts, backoff and body included); the
 * request in flight was aborted.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoTimeoutError extends Error {
  override readonly name = "LogtoTimeoutError"
  readonly operationId: string
  readonly requestId: string
  readonly timeoutMs: number
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly timeoutMs: number }) {
    super(`${fields.operationId} timed out after ${fields.timeoutMs} ms (request id ${fields.requestId})`)
    this.operationId = fields.operationId
    this.requestId = fields.requestId
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
export class LogtoRequestError extends Error {
  override readonly name = "LogtoRequestError"
  readonly operationId: string
  readonly requestId: string
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly cause: unknown }) {
    super(`${fields.operationId}: invalid request, nothing was sent: ${messageOf(fields.cause)}`, {
      cause: fields.cause
    })
    this.operationId = fields.operationId
    this.requestId = fields.requestId
  }
}

/**
 * A success status whose body does not match core's schema for the operation (a server that is
 * not Logto, or a Logto version with a different shape).
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoDecodeError extends Error {
  override readonly name = "LogtoDecodeError"
  readonly status: number | undefined
  readonly operationId: string
  readonly requestId: string
  constructor(fields: {
    readonly status: number | undefined
    readonly operationId: string
    readonly requestId: string
    readonly cause: unknown
  }) {
    super(`${fields.operationId}: unexpected response (${fields.status ?? "?"}): ${messageOf(fields.cause)}`, {
      cause: fields.cause
    })
    this.status = fields.status
    this.operationId = fields.operationId
    this.requestId = fields.requestId
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
 * The query object of a list method, with camelCase keys (`{ q, page, pageSize, … }`).
 *
 * @category models
 * @since 0.1.0
 */
export type QueryOf<N extends OperationName> = [HttpApiEndpoint.Query<EndpointOf<N>>] extends [never]
  ? never
  : {
      readonly [
        K in keyof HttpApiEndpoint.Query<EndpointOf<N>>["Type"] as CamelCase<K & string>
      ]: HttpApiEndpoint.Query<EndpointOf<N>>["Type"][K]
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
  /** Releases the client's runtime. Calls made afterwards fail. */
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

const statusOf = new Map<unknown, number>(
  Object.entries(LogtoError.byStatus).map(([status, cls]) => [cls, Number(status)])
)

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

const fetchLayer = (options: OrgkitClientOptions) => {
  const custom = options.fetch
  if (custom === undefined) return FetchHttpClient.layer
  const adapted = ((input: RequestInfo | URL, init?: RequestInit) => custom(new Request(input, init))) as typeof fetch
  return FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, adapted)))
}

const jsonBody = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

const str = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)

interface CallState {
  readonly op: Operation
  readonly requestId: string
  lastStatus: number | undefined
}

/** Turns every failure into what the facade throws, reading error bodies the decoder did not. */
const toThrown =
  (state: CallState) =>
  (cause: Cause.Cause<unknown>): Effect.Effect<never, unknown> => {
    const { op, requestId } = state
    const operationId = op.operationId
    const found = Cause.findError(cause)
    if (found._tag === "Failure") {
      const die = Cause.findDefect(cause)
      return die._tag === "Success" ? Effect.fail(die.success) : Effect.failCause(cause)
    }
    const error = found.success
    const status = statusOf.get((error as object)?.constructor)
    if (status !== undefined) {
      const e = error as LogtoError.LogtoError
      return Effect.fail(
        new LogtoApiError({
          status,
          code: e.code,
          message: e.message,
          data: e.data,
          details: e.details,
          operationId,
          requestId
        })
      )
    }
    if (error instanceof RequestTimeout) {
      return Effect.fail(new LogtoTimeoutError({ operationId, requestId, timeoutMs: error.timeoutMillis }))
    }
    if (error instanceof TokenError) {
      if (error.status === undefined)
        return Effect.fail(new LogtoNetworkError({ operationId, requestId, cause: error }))
      return Effect.fail(
        new LogtoApiError({
          status: error.status,
          code: error.error,
          message: error.message,
          data: error.body,
          details: undefined,
          operationId,
          requestId
        })
      )
    }
    if (HttpClientError.isHttpClientError(error)) {
      const reason = error.reason
      if (reason._tag === "TransportError")
        return Effect.fail(new LogtoNetworkError({ operationId, requestId, cause: error }))
      if (reason._tag === "EncodeError" || reason._tag === "InvalidUrlError") {
        return Effect.fail(new LogtoRequestError({ operationId, requestId, cause: error }))
      }
      const response: HttpClientResponse.HttpClientResponse | undefined = reason.response
      if (response !== undefined && (response.status < 200 || response.status >= 300)) {
        return Effect.flatMap(
          Effect.orElseSucceed(response.text, () => ""),
          (text) => {
            const body = jsonBody(text) as Record<string, unknown> | undefined
            const message = str(body?.message) ?? (text.slice(0, 200) || `HTTP ${response.status}`)
            return Effect.fail(
              new LogtoApiError({
                status: response.status,
                code: str(body?.code),
                message,
                data: body?.data,
                details: str(body?.details),
                operationId,
                requestId
              })
            )
          }
        )
      }
      return Effect.fail(new LogtoDecodeError({ status: response?.status, operationId, requestId, cause: error }))
    }
    if (Schema.isSchemaError(error)) {
      return Effect.fail(
        state.lastStatus === undefined
          ? new LogtoRequestError({ operationId, requestId, cause: error })
          : new LogtoDecodeError({ status: state.lastStatus, operationId, requestId, cause: error })
      )
    }
    return Effect.fail(error)
  }

const abortError = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError")

type RawMethod = (request: {
  readonly params?: Record<string, string>
  readonly payload?: unknown
  readonly query?: Record<string, unknown>
}) => Effect.Effect<unknown, unknown>

/**
 * Creates the Promise client.
 *
 * @category constructors
 * @since 0.1.0
 */
export const createOrgkitClient = (options: OrgkitClientOptions): OrgkitClient => {
  const layer = LogtoClient.layer.pipe(
    Layer.provide(
      Layer.mergeAll(
        LogtoClient.layerConfig({ baseUrl: options.baseUrl, timeout: options.timeoutMs ?? 30_000 }),
        authLayer(options)
      )
    ),
    Layer.provide(Retry.layer(retryOptions(options.retry))),
    Layer.provide(fetchLayer(options))
  )
  const runtime = ManagedRuntime.make(layer)
  const effectClient = runtime.runSync(LogtoClient.LogtoClient) as unknown as Record<string, Record<string, RawMethod>>
  const defaultHeaders = options.headers

  const invoke = (op: Operation, args: ReadonlyArray<unknown>): Promise<unknown> => {
    let i = op.pathParams.length
    const params: Record<string, string> = {}
    for (let p = 0; p < i; p++) params[op.pathParams[p]!] = args[p] as string
    const payload = op.hasPayload ? args[i++] : undefined
    const rawQuery = op.query === undefined ? undefined : (args[i++] as Record<string, unknown> | undefined)
    const call = args[i] as CallOptions | undefined
    const signal = call?.signal
    if (signal?.aborted) return Promise.reject(abortError(signal))

    const headers =
      call?.headers === undefined
        ? defaultHeaders
        : defaultHeaders === undefined
          ? call.headers
          : { ...defaultHeaders, ...call.headers }
    const requestId = headers?.[requestIdHeader] ?? newRequestId()
    const state: CallState = { op, requestId, lastStatus: undefined }

    let query: Record<string, unknown> | undefined
    if (op.query !== undefined) {
      query = {}
      if (rawQuery !== undefined) {
        for (const key in rawQuery) {
          const value = rawQuery[key]
          if (value !== undefined) query[op.query.get(key) ?? key] = value
        }
      }
    }
    const request = {
      ...(op.pathParams.length > 0 ? { params } : {}),
      ...(op.hasPayload ? { payload } : {}),
      ...(query !== undefined ? { query } : {})
    }
    const effect = effectClient[op.group]![op.name]!(request).pipe(
      Effect.catchCause(toThrown(state)),
      LogtoClient.withCallOptions({
        requestId,
        headers,
        timeout: call?.timeoutMs,
        onResponse: (response) => {
          state.lastStatus = response.status
        }
      })
    )
    return runtime.runPromiseExit(effect, signal === undefined ? undefined : { signal }).then((exit) => {
      if (Exit.isSuccess(exit)) return toResult(op, exit.value)
      if (signal?.aborted) throw abortError(signal)
      const found = Cause.findError(exit.cause)
      if (found._tag === "Success") throw found.success
      throw Cause.squash(exit.cause)
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
  client.close = () => runtime.dispose()
  return client as OrgkitClient
}

const toResult = (op: Operation, value: unknown): unknown => {
  switch (op.result) {
    case "empty":
      return undefined
    case "value":
      return value
    case "page": {
      const page = value as HttpApiSchema.withHeaders<ReadonlyArray<unknown>, { readonly "total-number"?: number }>
      const totalCount = page.headers["total-number"]
      return totalCount === undefined ? { items: page.body } : { items: page.body, totalCount }
    }
  }
}
