/**
 * The Effect API against the fake Logto over real HTTP. Retries, `Retry-After`, timeouts and token
 * expiry run on Effect's `TestClock`: virtual time is advanced in steps while the real requests
 * complete, so nothing waits for a backoff or a timeout in real time.
 */
import { assert, describe, it } from "@effect/vitest"
import { LogtoError, OrganizationsApi } from "@orgkit/core"
import { Cause, Effect, Exit, Layer, Option, Stream } from "effect"
import { FetchHttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { ClientError, LogtoClient, Paginate } from "@orgkit/client"
import { drive, until } from "./fixtures/clock.ts"
import { control, ids, m2m, requests, reset, type Server, setFaults, start, token } from "./fixtures/fake.ts"

let server: Server
beforeAll(async () => {
  server = await start()
})
afterAll(() => server.close())
beforeEach(() => reset(server))

const layer = (options: Partial<LogtoClient.Options> = {}) =>
  LogtoClient.layerOptions({ baseUrl: server.url, token, ...options }).pipe(Layer.provide(FetchHttpClient.layer))

const withClient = <A, E>(
  f: (client: LogtoClient.Client) => Effect.Effect<A, E>,
  options: Partial<LogtoClient.Options> = {}
) => Effect.flatMap(LogtoClient.LogtoClient, f).pipe(Effect.provide(layer(options)))

const log = Effect.promise(() => requests(server))
const fake = (method: string, path: string, body?: unknown) => Effect.promise(() => control(server, method, path, body))
const faults = (rules: ReadonlyArray<Record<string, unknown>>) => Effect.promise(() => setFaults(server, rules))

describe("LogtoClient against the fake", () => {
  it.effect("returns typed values per operation: entities, pages with Total-Number, Created text, 204", () =>
    withClient((client) =>
      Effect.gen(function* () {
        const org = yield* client.organizations.getOrganization({ params: { id: ids.org } })
        assert.strictEqual(org.name, "Acme")
        const members = yield* client.users.listOrganizationUsers({ params: { id: ids.org }, query: { page_size: 1 } })
        assert.strictEqual(members.body.length, 1)
        assert.strictEqual(members.headers["total-number"], 2)
        const roles = yield* client.users.listOrganizationUserRoles({
          params: { id: ids.org, userId: ids.u1 },
          query: {}
        })
        assert.strictEqual(roles.headers["total-number"], undefined)
        const created = yield* client.users.assignOrganizationRolesToUsers({
          params: { id: ids.org },
          payload: { userIds: [ids.u2], organizationRoleIds: [ids.member] }
        })
        assert.strictEqual(created, "Created")
        yield* client.users.deleteOrganizationUser({ params: { id: ids.org, userId: ids.u2 } })
        const after = yield* client.users.listOrganizationUsers({ params: { id: ids.org }, query: {} })
        assert.deepStrictEqual(
          after.body.map((u) => u.id),
          [ids.u1]
        )
      })
    )
  )

  it.effect("fails with core's typed Logto errors, matchable by tag", () =>
    withClient((client) =>
      Effect.gen(function* () {
        const missing = yield* client.organizations.getOrganization({ params: { id: "org-missing" } }).pipe(Effect.flip)
        assert.instanceOf(missing, LogtoError.NotFound)
        assert.strictEqual((missing as LogtoError.NotFound).code, "entity.not_exists_with_id")
        const code = yield* client.users
          .assignOrganizationRolesToUser({
            params: { id: ids.org, userId: ids.outsider },
            payload: { organizationRoleIds: [ids.member] }
          })
          .pipe(
            Effect.as("assigned"),
            Effect.catchTag("UnprocessableEntity", (e) => Effect.succeed(e.code))
          )
        assert.strictEqual(code, "organization.require_membership")
      })
    )
  )

  it.effect("decodes Logto's 400 with data and details from a raw request through the pipeline", () =>
    Effect.gen(function* () {
      const http = yield* LogtoClient.LogtoHttpClient
      const response = yield* http.execute(
        HttpClientRequest.post("/api/organizations").pipe(HttpClientRequest.bodyJsonUnsafe({ name: "" }))
      )
      const decode = HttpApiClient.decodeResponse(OrganizationsApi.OrganizationsApi, {
        group: "organizations",
        endpoint: "createOrganization"
      })
      const error = yield* Effect.flip(decode(response))
      assert.instanceOf(error, LogtoError.BadRequest)
      const bad = error as LogtoError.BadRequest
      assert.strictEqual(bad.code, "guard.invalid_input")
      assert.strictEqual((bad.data as { name: string }).name, "ZodError")
      assert.match(bad.details!, /Error in key path "name": \(too_small\)/)
    }).pipe(Effect.provide(layer()))
  )

  it.effect("streams every item of every page with Paginate", () =>
    Effect.gen(function* () {
      const bulk = Array.from({ length: 23 }, (_, i) => ({
        id: `org-bulk-${String(i).padStart(2, "0")}`,
        name: `Bulk ${i}`
      }))
      yield* fake("POST", "seed", { organizations: bulk })
      const all = yield* withClient((client) =>
        Stream.runCollect(
          Paginate.items((page) => client.organizations.listOrganizations({ query: { ...page, q: "bulk" } }), {
            page_size: 5
          })
        )
      )
      assert.deepStrictEqual(
        all.map((o) => o.id).sort(),
        bulk.map((o) => o.id)
      )
      assert.strictEqual((yield* log).filter((r) => r.path === "/api/organizations").length, 5)
    })
  )

  it.effect(
    "stops at a Total-Number that is an exact multiple of the page size, without asking for an empty page",
    () =>
      Effect.gen(function* () {
        const bulk = Array.from({ length: 20 }, (_, i) => ({
          id: `org-bulk-${String(i).padStart(2, "0")}`,
          name: `Bulk ${i}`
        }))
        yield* fake("POST", "seed", { organizations: bulk })
        const pages = yield* withClient((client) =>
          Stream.runCollect(
            Paginate.pages((page) => client.organizations.listOrganizations({ query: { ...page, q: "bulk" } }), {
              page_size: 5
            })
          )
        )
        assert.deepStrictEqual(
          pages.map((p) => [p.page, p.items.length, p.totalCount]),
          [
            [1, 5, 20],
            [2, 5, 20],
            [3, 5, 20],
            [4, 5, 20]
          ]
        )
        assert.strictEqual((yield* log).filter((r) => r.path === "/api/organizations").length, 4)
      })
  )

  it.effect("refuses a list call that overrides the page size it was given, saying how to set it", () =>
    Effect.gen(function* () {
      const bulk = Array.from({ length: 5 }, (_, i) => ({ id: `org-bulk-${i}`, name: `Bulk ${i}` }))
      yield* fake("POST", "seed", { organizations: bulk })
      const exit = yield* withClient((client) =>
        Stream.runCollect(
          Paginate.items((page) =>
            client.organizations.listOrganizations({ query: { ...page, q: "bulk", page_size: 2 } })
          )
        )
      ).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(defect, RangeError)
      assert.match(
        (defect as RangeError).message,
        /page 1 has 2 items of 5, but 100 per page were asked for.*pass \{ page_size \}/
      )
      // Honoured when given where Paginate can see it: all five, in three pages.
      const all = yield* withClient((client) =>
        Stream.runCollect(
          Paginate.items((page) => client.organizations.listOrganizations({ query: { ...page, q: "bulk" } }), {
            page_size: 2
          })
        )
      )
      assert.strictEqual(all.length, 5)
      assert.strictEqual((yield* log).filter((r) => r.path === "/api/organizations").length, 1 + 3)
    })
  )

  describe("retries (TestClock)", () => {
    it.effect("retries a GET through a 503 outage and keeps one request id", () =>
      Effect.gen(function* () {
        yield* faults([{ type: "outage", operations: ["GetOrganization"], times: 2 }])
        const requestIds: Array<string | undefined> = []
        const fiber = yield* Effect.forkChild(
          withClient((client) =>
            client.organizations
              .getOrganization({ params: { id: ids.org } })
              .pipe(
                LogtoClient.withCallOptions({ onResponse: (r) => requestIds.push(r.request.headers["x-request-id"]) })
              )
          )
        )
        const exit = yield* drive(fiber, { step: "100 millis" })
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(
          (yield* log).map((r) => r.status),
          [503, 503, 200]
        )
        assert.strictEqual(requestIds.length, 3)
        assert.strictEqual(new Set(requestIds).size, 1)
      })
    )

    it.effect("waits what Retry-After asks for on a 429", () =>
      Effect.gen(function* () {
        yield* faults([{ type: "rateLimit", operations: ["ListOrganizations"], times: 1, retryAfter: 4 }])
        let now = 0
        const arrivals: Array<number> = []
        const fiber = yield* Effect.forkChild(
          withClient((client) =>
            client.organizations
              .listOrganizations({ query: {} })
              .pipe(LogtoClient.withCallOptions({ onResponse: () => arrivals.push(now) }))
          )
        )
        const exit = yield* drive(fiber, { step: "250 millis", onTime: (t) => (now = t) })
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(arrivals, [0, 4000])
      })
    )

    it.effect("retries a refused connection", () =>
      Effect.gen(function* () {
        yield* faults([{ type: "outage", operations: ["GetOrganization"], mode: "refuse", times: 1 }])
        const fiber = yield* Effect.forkChild(
          withClient((client) => client.organizations.getOrganization({ params: { id: ids.org } }))
        )
        const exit = yield* drive(fiber, { step: "100 millis" })
        assert.isTrue(Exit.isSuccess(exit))
      })
    )

    it.effect("times out a call after 30 s and aborts the request in flight", () =>
      Effect.gen(function* () {
        yield* faults([{ type: "latency", operations: ["GetOrganization"], ms: 45_000 }])
        const signals: Array<AbortSignal> = []
        const recording = ((input: RequestInfo | URL, init?: RequestInit) => {
          if (init?.signal) signals.push(init.signal)
          return fetch(input, init)
        }) as typeof fetch
        const http = FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, recording)))
        const fiber = yield* Effect.forkChild(
          Effect.flatMap(LogtoClient.LogtoClient, (client) =>
            client.organizations.getOrganization({ params: { id: ids.org } })
          ).pipe(Effect.provide(LogtoClient.layerOptions({ baseUrl: server.url, token }).pipe(Layer.provide(http))))
        )
        yield* until(() => signals.length === 1)
        assert.isFalse(signals[0]!.aborted)
        let last = 0
        const exit = yield* drive(fiber, { step: "1 second", onStep: (t) => (last = t) })
        assert.isTrue(Exit.isFailure(exit))
        const error = Cause.findErrorOption((exit as Exit.Failure<unknown, unknown>).cause)
        assert.instanceOf(Option.getOrThrow(error), ClientError.RequestTimeout)
        assert.strictEqual(last, 30_000)
        assert.isTrue(signals[0]!.aborted)
      })
    )
  })

  describe("client credentials", () => {
    const tokenRequests = Effect.map(log, (l) => l.filter((r) => r.path === "/oidc/token").length)

    it.effect("fetches one token for twenty concurrent calls", () =>
      Effect.gen(function* () {
        const orgs = yield* withClient(
          (client) =>
            Effect.all(
              Array.from({ length: 20 }, () => client.organizations.getOrganization({ params: { id: ids.org } })),
              { concurrency: "unbounded" }
            ),
          { token: undefined, clientCredentials: m2m }
        )
        assert.strictEqual(orgs.length, 20)
        assert.strictEqual(yield* tokenRequests, 1)
      })
    )

    it.effect("refreshes the token 60 s before it expires (client and fake clocks moved together)", () =>
      Effect.gen(function* () {
        const counts = yield* withClient(
          (client) =>
            Effect.gen(function* () {
              const get = client.organizations.getOrganization({ params: { id: ids.org } })
              const advance = (seconds: number) =>
                Effect.andThen(
                  TestClock.adjust(`${seconds} seconds`),
                  fake("POST", "clock", { advanceSeconds: seconds })
                )
              yield* get
              const first = yield* tokenRequests
              yield* advance(3539)
              yield* get
              const cached = yield* tokenRequests
              yield* advance(1)
              yield* get
              return [first, cached, yield* tokenRequests]
            }),
          { token: undefined, clientCredentials: m2m }
        )
        assert.deepStrictEqual(counts, [1, 1, 2])
        assert.isTrue((yield* log).every((r) => r.status === 200))
      })
    )

    it.effect("refreshes once when Logto answers 401, then succeeds", () =>
      Effect.gen(function* () {
        const org = yield* withClient(
          (client) =>
            Effect.gen(function* () {
              yield* client.organizations.getOrganization({ params: { id: ids.org } })
              yield* fake("POST", "tokens/expire")
              return yield* client.organizations.getOrganization({ params: { id: ids.org } })
            }),
          { token: undefined, clientCredentials: m2m }
        )
        assert.strictEqual(org.id, ids.org)
        assert.deepStrictEqual(
          (yield* log).map((r) => `${r.status} ${r.path}`),
          [
            "200 /oidc/token",
            `200 /api/organizations/${ids.org}`,
            `401 /api/organizations/${ids.org}`,
            "200 /oidc/token",
            `200 /api/organizations/${ids.org}`
          ]
        )
      })
    )

    it.effect("concurrent callers that all hit an expired token refresh it once", () =>
      Effect.gen(function* () {
        const results = yield* withClient(
          (client) =>
            Effect.gen(function* () {
              yield* client.organizations.getOrganization({ params: { id: ids.org } })
              yield* fake("POST", "tokens/expire")
              return yield* Effect.all(
                Array.from({ length: 8 }, () => client.organizations.getOrganization({ params: { id: ids.org } })),
                { concurrency: "unbounded" }
              )
            }),
          { token: undefined, clientCredentials: m2m }
        )
        assert.strictEqual(results.length, 8)
        assert.strictEqual(yield* tokenRequests, 2)
      })
    )
  })

  it.effect("sends no request at all when the arguments do not satisfy core's schemas", () =>
    Effect.gen(function* () {
      const error = yield* withClient((client) =>
        client.users.addOrganizationUsers({ params: { id: ids.org }, payload: { userIds: [] as unknown as [string] } })
      ).pipe(Effect.flip)
      assert.strictEqual(error._tag, "SchemaError")
      yield* until(() => true)
      assert.deepStrictEqual(yield* log, [])
    })
  )
})
