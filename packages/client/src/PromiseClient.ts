/**
 * The Promise API, for teams that do not use Effect: `createOrgkitClient(options)` returns one
 * async method per operation, named and ordered as the seed's operations
 * (`addOrganizationUsers(id, { userIds })`, `listOrganizations({ q, page, pageSize })`, …).
 *
 * It is a thin facade over the Effect API: each method runs the `LogtoClient` method of the same
 * name (derived from core's route table) on one `ManagedRuntime`, so transport, auth, retries,
 * timeouts, request ids, encoding and decoding are the Effect client's, and nothing else. What the
 * facade adds is the mapping of arguments (positional, camelCase query keys) to the Effect request,
 * of results (`{ items, totalCount }` for pages), and of every failure to one of the documented
 * error classes below. It is the only place that throws.
 *
 * @since 0.1.0
 */
import type { OrganizationsApi } from "@orgkit/core"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Tracer from "effect/Tracer"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as HttpApi from "effect/http-api/HttpApi"
import type * as HttpApiClient from "effect/http-api/HttpApiClient"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import type * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as Auth from "./Auth.ts"
import * as FetchClient from "./internal/fetchClient.ts"
import { byName, type Operation } from "./internal/operations.ts"
import { newRequestId, requestIdHeader } from "./internal/requestId.ts"
import * as LogtoClient from "./LogtoClient.ts"
import * as Paginate from "./Paginate.ts"
import * as PromiseError from "./internal/promiseErrors.ts"
import { LogtoCallError } from "./internal/promiseErrors.ts"
import * as Retry from "./Retry.ts"

export {
  LogtoApiError,
  LogtoCallError,
  LogtoDecodeError,
  LogtoNetworkError,
  LogtoRequestError,
  LogtoTimeoutError
} from "./internal/promiseErrors.ts"

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
 * Per-call options, always the last argument: the Effect API's call options (`headers`; an
 * `x-request-id` among them is the call's request id), with the timeout in milliseconds and an
 * `AbortSignal`.
 *
 * @category models
 * @since 0.1.0
 */
export interface CallOptions extends Pick<LogtoClient.CallOptions, "headers"> {
  /** Aborts the call; it then rejects with the signal's reason (an `AbortError` by default). */
  readonly signal?: AbortSignal | undefined
  /** Overrides the client's timeout for this call. */
  readonly timeoutMs?: number | undefined
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
 * The Effect API's retry settings (`Retry.Options`) with the delays in milliseconds; `false`
 * disables retrying.
 *
 * @category models
 * @since 0.1.0
 */
export interface RetryOptions extends Omit<Retry.Options, "baseDelay" | "maxDelay" | "maxRetryAfter" | "schedule"> {
  /** First backoff ceiling (default 250). */
  readonly baseDelayMs?: number | undefined
  /** Largest backoff ceiling (default 8000). */
  readonly maxDelayMs?: number | undefined
  /** A longer `Retry-After` is not waited for (default 60000). */
  readonly maxRetryAfterMs?: number | undefined
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
  /**
   * Logto's machine-to-machine client-credentials grant, as the Effect API takes it (cached token,
   * one refresh for all callers): `{ clientId, clientSecret, tokenEndpoint?, resource?, scope? }`,
   * defaults `<baseUrl>/oidc/token`, `https://default.logto.app/api`, `all`.
   */
  readonly clientCredentials?: LogtoClient.Options["clientCredentials"]
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
  const { baseDelayMs, maxDelayMs, maxRetryAfterMs, ...rest } = retry
  return { ...rest, baseDelay: baseDelayMs, maxDelay: maxDelayMs, maxRetryAfter: maxRetryAfterMs }
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
 * The runtime of one Promise client: the Effect API's layers (`LogtoClient.layer`) built from the
 * options, on a lean `fetch` transport (`internal/fetchClient.ts`). Spans are off: a Promise caller
 * has no tracer to receive them.
 */
const layerOf = (options: OrgkitClientOptions) =>
  LogtoClient.layer.pipe(
    Layer.provide(
      Layer.mergeAll(
        LogtoClient.layerConfig({
          baseUrl: options.baseUrl,
          timeout: options.timeoutMs === undefined ? undefined : Duration.millis(options.timeoutMs)
        }),
        authLayer(options),
        Retry.layer(retryOptions(options.retry))
      )
    ),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, FetchClient.make(fetchOf(options)))),
    Layer.merge(Layer.succeed(Tracer.DisablePropagation, true))
  )

type Method = (request: EffectRequest) => Effect.Effect<unknown, unknown>

/** The request of an Effect API method: `{ params, payload, query }`. */
interface EffectRequest {
  params?: Record<string, unknown>
  payload?: unknown
  query?: Record<string, unknown>
}

/** The Promise API's camelCase query (`pageSize`) in core's wire names (`page_size`). */
const wireQuery = (op: Operation, query: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> => {
  const wire: Record<string, unknown> = {}
  if (query === undefined) return wire
  for (const key in query) {
    const value = query[key]
    if (value === undefined) continue
    const name = op.query?.get(key)
    if (name === undefined) {
      const known = [...(op.query?.keys() ?? [])].join(", ")
      throw new TypeError(`unknown query parameter "${key}" (${op.name} takes ${known})`)
    }
    wire[name] = value
  }
  return wire
}

/** What the Effect API's success value becomes: a page, the value, or `undefined`. */
const toResult = (op: Operation, value: unknown): unknown => {
  if (op.result === "empty") return undefined
  if (op.result === "value") return value
  const { body, headers } = value as { body: ReadonlyArray<unknown>; headers: { "total-number"?: number } }
  const totalCount = headers["total-number"]
  return totalCount === undefined ? { items: body } : { items: body, totalCount }
}

const Closed = Symbol("Closed")

/**
 * Creates the Promise client.
 *
 * @category constructors
 * @since 0.1.0
 */
export const createOrgkitClient = (options: OrgkitClientOptions): OrgkitClient => {
  const runtime = ManagedRuntime.make(layerOf(options))
  const logto = runtime.runSync(LogtoClient.LogtoClient) as unknown as Record<string, Record<string, Method>>
  // Calls run on the runtime's services, without the runtime's per-fiber bookkeeping (each fiber
  // joins a scope, so that `dispose` can interrupt it): `close` stops the calls in flight itself.
  const run = Effect.runForkWith(runtime.runSync(Effect.context<LogtoClient.LogtoClient>()))
  const defaultHeaders = options.headers
  // Calls in flight, stopped by `close`.
  const inFlight = new Set<(reason: unknown) => void>()
  let closed = false

  const invoke = (op: Operation, args: ReadonlyArray<unknown>): Promise<unknown> => {
    const method = logto[op.group]![op.name]!
    let i = op.pathParams.length
    const request: EffectRequest = {}
    if (i > 0) {
      const params: Record<string, unknown> = {}
      for (let p = 0; p < i; p++) params[op.pathParams[p]!] = args[p]
      request.params = params
    }
    if (op.hasPayload) request.payload = args[i++]
    const query = op.query === undefined ? undefined : (args[i++] as Record<string, unknown> | undefined)
    const callOptions = args[i] as CallOptions | undefined
    const signal = callOptions?.signal
    if (signal?.aborted) return Promise.reject(abortError(signal))

    const headers =
      callOptions?.headers === undefined
        ? defaultHeaders
        : defaultHeaders === undefined
          ? callOptions.headers
          : { ...defaultHeaders, ...callOptions.headers }
    const call: PromiseError.Call = {
      operationId: op.operationId,
      requestId: headers?.[requestIdHeader] ?? newRequestId()
    }
    if (closed) return Promise.reject(closedError(call))
    if (op.query !== undefined) {
      try {
        request.query = wireQuery(op, query)
      } catch (cause) {
        return Promise.reject(new PromiseError.LogtoRequestError({ ...call, cause }))
      }
    }

    let last: HttpClientResponse.HttpClientResponse | undefined
    // A failure becomes the error to throw (reading the answer's body, for an API error); the
    // success value is mapped once the fiber is done.
    const effect = method(request).pipe(
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.failCause(cause)
          : Effect.flatMap(PromiseError.fromCause(cause, call, last), Effect.fail)
      ),
      LogtoClient.withCallOptions({
        requestId: call.requestId,
        headers,
        timeout: callOptions?.timeoutMs === undefined ? undefined : Duration.millis(callOptions.timeoutMs),
        onResponse: (response) => {
          last = response
        }
      })
    )

    return new Promise<unknown>((resolve, reject) => {
      const fiber = run(effect)
      let stopped: unknown
      const stop = (reason: unknown) => {
        if (stopped !== undefined) return
        stopped = reason
        fiber.interruptUnsafe()
      }
      const onAbort = () => stop(abortError(signal!))
      signal?.addEventListener("abort", onAbort, { once: true })
      inFlight.add(stop)
      fiber.addObserver((exit) => {
        signal?.removeEventListener("abort", onAbort)
        inFlight.delete(stop)
        if (stopped !== undefined) return reject(stopped === Closed ? closedError(call) : stopped)
        return Exit.isSuccess(exit) ? resolve(toResult(op, exit.value)) : reject(Cause.squash(exit.cause))
      })
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
    // Refused here, before any page is asked for (a misspelt page size would be ignored otherwise).
    wireQuery(op, query)
    const pageSize = query.pageSize ?? Paginate.maxPageSize
    return {
      async *[Symbol.asyncIterator]() {
        for (let page = query.page ?? 1; ; page++) {
          const pageArgs = [...args]
          pageArgs[queryIndex] = { ...query, page, pageSize }
          const result = (await invoke(op, pageArgs)) as { items: ReadonlyArray<unknown>; totalCount?: number }
          yield* result.items
          if (Paginate.isLastPage({ items: result.items, totalCount: result.totalCount, page, page_size: pageSize })) {
            return
          }
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

const closedError = (call: PromiseError.Call) =>
  new LogtoCallError(`${call.operationId}: the client was closed (request id ${call.requestId})`, call)

const abortError = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError")
