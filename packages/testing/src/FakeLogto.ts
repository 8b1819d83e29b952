/**
 * A stateful fake of Logto's Organizations Management API, built with `HttpApiBuilder` from
 * `@orgkit/core`'s `OrganizationsApi`, usable three ways:
 *
 * 1. `FakeLogto.make(options)` → `{ fetch }`: a `fetch(Request) => Promise<Response>` handler that
 *    works in Node, in workerd and as a Workers service binding;
 * 2. `FakeLogto.layer(options)`: an Effect layer for in-process tests, with `layerHttpClient`
 *    (an `HttpClient` that talks to the fake) and `client` (a typed `HttpApiClient`);
 * 3. `FakeLogto.serve(options)`: a real HTTP server on Node (also the `orgkit-fake` CLI).
 *
 * Besides the 36 operations it serves `POST /oidc/token` (client credentials) and the control
 * API under `/__orgkit/`.
 *
 * @since 0.1.0
 */
import { OrganizationsApi } from "@orgkit/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpRouter, HttpServer } from "effect/http"
import { HttpApiBuilder, HttpApiClient } from "effect/http-api"
import * as Faults from "./Faults.ts"
import { type Counts, FakeStore, Store, type StoreOptions } from "./FakeStore.ts"
import * as Applications from "./handlers/Applications.ts"
import * as Jit from "./handlers/Jit.ts"
import * as Organizations from "./handlers/Organizations.ts"
import * as Users from "./handlers/Users.ts"
import * as Auth from "./internal/auth.ts"
import { type Client, managementApiResource, type StaticToken, Tokens } from "./internal/auth.ts"
import * as Control from "./internal/control.ts"
import { FakeApi } from "./internal/api.ts"
import * as Entry from "./internal/entry.ts"
import * as Http from "./internal/http.ts"
import * as Rules from "./internal/rules.ts"
import * as NodeServer from "./internal/node-server.ts"
import * as Seed from "./Seed.ts"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options extends StoreOptions {
  /** Data to start with. */
  readonly seed?: Seed.Input | undefined
  /**
   * Static bearer tokens (scope `all` unless given). Default: `[defaultToken]` when neither
   * `tokens` nor `clients` is given.
   */
  readonly tokens?: ReadonlyArray<StaticToken> | undefined
  /** Machine-to-machine clients for `POST /oidc/token`. */
  readonly clients?: ReadonlyArray<Client> | undefined
  /** Lifetime of issued tokens (default 3600, Logto's). */
  readonly tokenTtlSeconds?: number | undefined
  /** The Management API resource indicator (default `https://default.logto.app/api`). */
  readonly resource?: string | undefined
  /** Faults to start with. */
  readonly faults?: Faults.Config | undefined
  /** How many requests the log keeps, most recent last (default 10 000). */
  readonly maxLoggedRequests?: number | undefined
}

/**
 * One request as `GET /__orgkit/requests` reports it: path without the query string, `status` 0
 * for a dropped connection, `at` in epoch milliseconds.
 *
 * @category models
 * @since 0.1.0
 */
export type LoggedRequest = Entry.LoggedRequest

/**
 * A running fake.
 *
 * @category models
 * @since 0.1.0
 */
export interface Instance {
  /** Logto over fetch. A dropped connection (outage `refuse`) rejects with a `TypeError`, as `fetch` does. */
  readonly fetch: (request: Request) => Promise<Response>
  /** Like `fetch`, but answers `undefined` where the connection should be dropped. */
  readonly handle: (request: Request) => Promise<Response | undefined>
  /** The state, for direct setup and assertions. */
  readonly store: Store
  /** The first static token, if any. */
  readonly token: string | undefined
  /** Merges a seed (JSON form); throws an `Error` listing every problem, changing nothing. */
  readonly seed: (input: Seed.Input) => Counts
  /** Empties the state, the request log and the faults; then loads `seed` if given. */
  readonly reset: (seed?: Seed.Input) => void
  readonly faults: () => Faults.Config
  readonly setFaults: (config: Faults.Config) => void
  /** Requests received since the last reset, most recent last. */
  readonly requests: () => ReadonlyArray<LoggedRequest>
  readonly clearRequests: () => void
  /** Issues a token as `/oidc/token` would (default scope `all`). */
  readonly issueToken: (options?: { readonly scopes?: ReadonlyArray<string>; readonly ttlSeconds?: number }) => string
  /** Revokes every issued token (static tokens stay valid). */
  readonly revokeTokens: () => void
  /** Expires every issued token. */
  readonly expireTokens: () => void
  /** The fake's clock, in epoch milliseconds. */
  readonly now: () => number
  /** Moves the fake's clock forward (token expiry, timestamps). */
  readonly advanceClock: (ms: number) => void
  /** Releases the HttpApi runtime. */
  readonly dispose: () => Promise<void>
}

/**
 * The static token used when no `tokens` and no `clients` are configured.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultToken = "orgkit-fake-token"

/**
 * The base URL the in-process client and HttpClient use (any origin works with `fetch`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const baseUrl = "http://logto.fake"

/**
 * The Management API resource indicator the token endpoint expects by default.
 *
 * @category constructors
 * @since 0.1.0
 */
export const resource = managementApiResource

/**
 * All four handler groups of the fake's HttpApi (core's `OrganizationsApi` with the fake's
 * authentication and Logto's request rules on every endpoint), backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerGroups = Layer.mergeAll(Organizations.layer, Users.layer, Applications.layer, Jit.layer)

/**
 * The fake's HttpApi routes of the 36 operations (`layerGroups` served by `HttpApiBuilder`), backed
 * by `FakeStore`; provide `layerMiddleware` for its authentication and Logto's request rules, and
 * add `layerHttp` for Logto's HTTP details (404/405/OPTIONS, HEAD, ETag and 304, `Link`).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerRoutes = HttpApiBuilder.layer(FakeApi).pipe(Layer.provide(layerGroups))

/**
 * Logto's HTTP details as one global router middleware: 404, 405 and `OPTIONS` before anything
 * else, HEAD, `ETag` and 304, `Total-Number` and `Link`, Logto's content types and headers.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerHttp = HttpRouter.middleware(Http.middleware, { global: true })

/**
 * The fake's HttpApi: core's `OrganizationsApi` with `Authorization` and Logto's request rules on
 * every endpoint (for `HttpApiTest.groups` and typed clients of `layerGroups`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const api = FakeApi

/**
 * The bearer security middleware of the fake's HttpApi (a typed client adds its token with
 * `HttpApiMiddleware.layerClient(FakeLogto.Authorization, …)`).
 *
 * @category services
 * @since 0.1.0
 */
export const Authorization = Auth.Authorization

/**
 * The two middlewares `layerGroups` needs, `Authorization` accepting the given static tokens
 * (default `[defaultToken]`) and Logto's request rules over `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMiddleware = (
  options: { readonly tokens?: ReadonlyArray<StaticToken> | undefined } = {}
): Layer.Layer<Auth.Authorization | Rules.LogtoRules, never, FakeStore> =>
  middlewareOver(
    new Tokens(
      { tokens: options.tokens ?? [defaultToken], clients: [], ttlSeconds: 3600, resource: managementApiResource },
      Date.now
    )
  )

const middlewareOver = (tokens: Tokens) =>
  Layer.mergeAll(Rules.layer, Auth.layerAuthorization).pipe(Layer.provide(Layer.succeed(Auth.FakeTokens, tokens)))

const seedOrThrow = (store: Store, input: Seed.Input): Counts => {
  const decoded = Seed.decode(input)
  if (Result.isFailure(decoded)) throw new Error(`invalid seed: ${decoded.failure}`)
  const applied = store.seed(decoded.success)
  if (Result.isFailure(applied)) throw new Error(`invalid seed:\n${applied.failure.join("\n")}`)
  return applied.success
}

const refused = () =>
  new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) })

/**
 * Creates a fake. Throws if `options.seed` is invalid.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Instance => {
  let offset = 0
  const baseNow = options.now ?? Date.now
  const now = () => baseNow() + offset
  const store = new Store({ ...options, now })
  const staticTokens = options.tokens ?? (options.clients === undefined ? [defaultToken] : [])
  const tokens = new Tokens(
    {
      tokens: staticTokens,
      clients: options.clients ?? [],
      ttlSeconds: options.tokenTtlSeconds ?? 3600,
      resource: options.resource ?? managementApiResource
    },
    now
  )
  let injector = new Faults.Injector(options.faults, now)
  const maxLogged = options.maxLoggedRequests ?? 10_000
  let log: Array<LoggedRequest> = []
  const web = HttpRouter.toWebHandler(
    Layer.mergeAll(layerRoutes, layerHttp).pipe(
      Layer.provide(middlewareOver(tokens)),
      Layer.provide(FakeStore.layerStore(store)),
      Layer.provide(HttpServer.layerServices)
    ),
    // Logto takes path parameters of any length; find-my-way's default limit is 100 characters.
    { disableLogger: true, routerConfig: { maxParamLength: 1 << 20 } }
  )
  const setFaults = (config: Faults.Config) => {
    injector = new Faults.Injector(config, now)
  }
  const clearRequests = () => {
    log = []
  }
  const requests = (): ReadonlyArray<LoggedRequest> => (log.length > maxLogged ? log.slice(-maxLogged) : log.slice())
  const reset = () => {
    store.reset()
    clearRequests()
    setFaults({ rules: [] })
  }
  const advanceClock = (ms: number) => {
    offset += ms
  }
  const controlDeps: Control.ControlDeps = {
    store,
    tokens,
    now,
    getFaults: () => injector.config,
    setFaults,
    requests,
    clearRequests,
    advanceClock,
    reset
  }
  const deps: Entry.Deps = {
    tokens,
    now,
    faults: () => injector,
    log: (entry) => {
      log.push(entry)
      // Trimmed in chunks, so that a full log does not copy itself on every request.
      if (log.length > maxLogged + 1024) log = log.slice(-maxLogged)
    },
    web: (request) => web.handler(request),
    control: (request, url) => Control.handle(controlDeps, request, url)
  }
  const handle = async (request: Request) => {
    const response = await Entry.handle(deps, request)
    return response === Entry.DROP ? undefined : response
  }
  if (options.seed !== undefined) seedOrThrow(store, options.seed)
  const first = staticTokens[0]
  return {
    fetch: async (request) => {
      const response = await handle(request)
      if (response === undefined) throw refused()
      return response
    },
    handle,
    store,
    token: first === undefined ? undefined : typeof first === "string" ? first : first.token,
    seed: (input) => seedOrThrow(store, input),
    reset: (seed) => {
      reset()
      if (seed !== undefined) seedOrThrow(store, seed)
    },
    faults: () => injector.config,
    setFaults,
    requests,
    clearRequests,
    issueToken: (o) => tokens.issue(o?.scopes ?? ["all"], o?.ttlSeconds ?? tokens.ttlSeconds),
    revokeTokens: () => void tokens.revokeAll(),
    expireTokens: () => void tokens.expireAll(),
    now,
    advanceClock,
    dispose: () => web.dispose()
  }
}

/**
 * A fake listening on a real socket (Node only).
 *
 * @category models
 * @since 0.1.0
 */
export type Server = NodeServer.Server<Instance>

/**
 * Options of `serve`: the fake's options plus where to listen (default `127.0.0.1`, a free port).
 *
 * @category models
 * @since 0.1.0
 */
export interface ServeOptions extends Options {
  readonly port?: number | undefined
  readonly host?: string | undefined
}

/**
 * Starts the fake on a real HTTP server (Node only); `close()` stops it and its connections.
 *
 * @category constructors
 * @since 0.1.0
 */
export const serve = (options: ServeOptions = {}): Promise<Server> =>
  NodeServer.listen(make(options), { port: options.port ?? 0, host: options.host ?? "127.0.0.1" })

/**
 * The fake as a service.
 *
 * @category services
 * @since 0.1.0
 */
export class FakeLogto extends Context.Service<FakeLogto, Instance>()("@orgkit/testing/FakeLogto") {}

/**
 * A fake for the lifetime of the layer. Its clock is Effect's `Clock` unless `options.now` is
 * given, so `TestClock.adjust` expires tokens and dates timestamps.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<FakeLogto> =>
  Layer.effect(
    FakeLogto,
    Effect.acquireRelease(
      Effect.clockWith((clock) =>
        Effect.sync(() => make({ ...options, now: options.now ?? (() => clock.currentTimeMillisUnsafe()) }))
      ),
      (fake) => Effect.promise(() => fake.dispose())
    )
  )

/**
 * An `HttpClient` whose requests go to the fake in process.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient, never, FakeLogto> = Layer.unwrap(
  Effect.gen(function* () {
    const fake = yield* FakeLogto
    const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
      fake.fetch(new Request(input, init))) as typeof globalThis.fetch
    return FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)))
  })
)

/**
 * A typed `HttpApiClient` of the 36 operations talking to the fake in process, with a fresh token.
 *
 * @category constructors
 * @since 0.1.0
 */
export const client: Effect.Effect<
  HttpApiClient.ForApi<typeof OrganizationsApi.OrganizationsApi>,
  never,
  FakeLogto
> = Effect.gen(function* () {
  const fake = yield* FakeLogto
  const token = fake.issueToken()
  return yield* HttpApiClient.make(OrganizationsApi.OrganizationsApi, {
    baseUrl,
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
  }).pipe(Effect.provide(layerHttpClient.pipe(Layer.provide(Layer.succeed(FakeLogto, fake)))))
})
