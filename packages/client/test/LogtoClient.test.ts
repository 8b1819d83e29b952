import { assert, describe, it } from "@effect/vitest"
import { LogtoError } from "@orgkit/core"
import { Cause, Effect, Exit, Layer } from "effect"
import { HttpClientError } from "effect/http"
import { TestClock } from "effect/testing"
import { ClientError, LogtoClient } from "@orgkit/client"
import { drive, until } from "./fixtures/clock.ts"
import { json, makeStub, type Handler } from "./fixtures/stub.ts"

const org = {
  tenantId: "default",
  id: "org1",
  name: "Acme",
  description: null,
  customData: {},
  isMfaRequired: false,
  color: {},
  branding: {},
  customCss: null,
  createdAt: 1
}

const setup = (handler: Handler, options: Partial<LogtoClient.Options> = {}) => {
  const stub = makeStub(handler)
  const layer = LogtoClient.layerOptions({ baseUrl: "http://logto.test/", token: "static-token", ...options }).pipe(
    Layer.provide(stub.layer)
  )
  const run = <A, E>(f: (client: LogtoClient.Client) => Effect.Effect<A, E>) =>
    Effect.flatMap(LogtoClient.LogtoClient, f).pipe(Effect.provide(layer))
  return { stub, run }
}

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit))
  const found = Cause.findError((exit as Exit.Failure<A, E>).cause)
  assert.strictEqual(found._tag, "Success")
  return (found as { success: E }).success
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe("LogtoClient", () => {
  it.effect("sends the base URL, the bearer token and a fresh x-request-id on every request", () =>
    Effect.gen(function* () {
      const { run, stub } = setup(() => json(org))
      const got = yield* run((c) => c.organizations.getOrganization({ params: { id: "org1" } }))
      yield* run((c) => c.organizations.getOrganization({ params: { id: "a/b" } }))
      assert.strictEqual(got.name, "Acme")
      assert.strictEqual(stub.requests[0]!.url.href, "http://logto.test/api/organizations/org1")
      assert.strictEqual(stub.requests[1]!.url.pathname, "/api/organizations/a%2Fb")
      for (const r of stub.requests) {
        assert.strictEqual(r.headers.get("authorization"), "Bearer static-token")
        assert.match(r.headers.get("x-request-id")!, uuid)
      }
      assert.notStrictEqual(
        stub.requests[0]!.headers.get("x-request-id"),
        stub.requests[1]!.headers.get("x-request-id")
      )
    })
  )

  it.effect("sends back the latest consistency token the orgkit proxy returned, by itself", () =>
    Effect.gen(function* () {
      const tokens = ["1764790000100", undefined, "not-a-time", "1764790000050", "1764790000200"]
      const { run, stub } = setup((_, i) =>
        json(org, 200, tokens[i] === undefined ? {} : { "orgkit-consistency": tokens[i]! })
      )
      yield* run((c) =>
        Effect.gen(function* () {
          yield* c.organizations.getOrganization({ params: { id: "org1" } })
          yield* c.organizations.updateOrganization({ params: { id: "org1" }, payload: { name: "B" } })
          yield* c.organizations.getOrganization({ params: { id: "org1" } })
          yield* c.organizations.getOrganization({ params: { id: "org1" } })
          yield* c.organizations.getOrganization({ params: { id: "org1" } })
          yield* c.organizations.getOrganization({ params: { id: "org1" } })
        })
      )
      assert.deepStrictEqual(
        stub.requests.map((r) => r.headers.get("orgkit-consistency")),
        // None before the first; a malformed or older one never replaces the latest.
        [null, "1764790000100", "1764790000100", "1764790000100", "1764790000100", "1764790000200"]
      )
    })
  )

  it.effect("uses the request id and headers given in the call options", () =>
    Effect.gen(function* () {
      const { run, stub } = setup(() => json(org))
      yield* run((c) =>
        c.organizations
          .getOrganization({ params: { id: "org1" } })
          .pipe(LogtoClient.withCallOptions({ requestId: "req-42", headers: { "accept-language": "fr" } }))
      )
      assert.strictEqual(stub.requests[0]!.headers.get("x-request-id"), "req-42")
      assert.strictEqual(stub.requests[0]!.headers.get("accept-language"), "fr")
    })
  )

  it.effect("decodes Logto's plain-text 201 Created and 204 without a parse error", () =>
    Effect.gen(function* () {
      const { run } = setup((r) =>
        r.method === "POST"
          ? new Response("Created", { status: 201, headers: { "content-type": "text/plain; charset=utf-8" } })
          : new Response(null, { status: 204 })
      )
      const created = yield* run((c) =>
        c.users.assignOrganizationRolesToUsers({
          params: { id: "org1" },
          payload: { userIds: ["u1"], organizationRoleIds: ["r1"] }
        })
      )
      const deleted = yield* run((c) => c.organizations.deleteOrganization({ params: { id: "org1" } }))
      assert.strictEqual(created, "Created")
      assert.strictEqual(deleted, undefined)
    })
  )

  it.effect("fails with the operation's typed Logto error", () =>
    Effect.gen(function* () {
      const { run } = setup(() => json(LogtoError.notExistsWithId("nope"), 404))
      const error = yield* run((c) => c.organizations.getOrganization({ params: { id: "nope" } })).pipe(Effect.flip)
      assert.instanceOf(error, LogtoError.NotFound)
      assert.strictEqual((error as LogtoError.NotFound).code, "entity.not_exists_with_id")
    })
  )

  describe("retries", () => {
    it.effect("retries a GET on 503 and keeps the request id", () =>
      Effect.gen(function* () {
        const { run, stub } = setup((_, i) => (i < 2 ? new Response("busy", { status: 503 }) : json(org)))
        const fiber = yield* Effect.forkChild(run((c) => c.organizations.getOrganization({ params: { id: "org1" } })))
        const exit = yield* drive(fiber, { step: "50 millis" })
        assert.isTrue(Exit.isSuccess(exit))
        assert.strictEqual(stub.requests.length, 3)
        assert.strictEqual(new Set(stub.requests.map((r) => r.headers.get("x-request-id"))).size, 1)
      })
    )

    it.effect("waits what Retry-After asks for on 429", () =>
      Effect.gen(function* () {
        const { run, stub } = setup((_, i) =>
          i === 0 ? new Response("slow down", { status: 429, headers: { "retry-after": "5" } }) : json(org)
        )
        const arrivals: Array<number> = []
        const fiber = yield* Effect.forkChild(run((c) => c.organizations.getOrganization({ params: { id: "org1" } })))
        const exit = yield* drive(fiber, {
          step: "100 millis",
          onStep: (t) => {
            while (arrivals.length < stub.requests.length) arrivals.push(t)
          }
        })
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(arrivals, [0, 5000])
      })
    )

    it.effect("hands back the last answer once the retries are exhausted", () =>
      Effect.gen(function* () {
        const { run, stub } = setup(() => new Response("down", { status: 502 }))
        const fiber = yield* Effect.forkChild(run((c) => c.organizations.getOrganization({ params: { id: "org1" } })))
        const error = failureOf(yield* drive(fiber, { step: "100 millis" }))
        assert.strictEqual(stub.requests.length, 3)
        assert.isTrue(HttpClientError.isHttpClientError(error))
        assert.strictEqual((error as HttpClientError.HttpClientError).response?.status, 502)
      })
    )

    it.effect("retries network failures", () =>
      Effect.gen(function* () {
        const { run, stub } = setup((_, i) => {
          if (i === 0) throw new TypeError("fetch failed")
          return json(org)
        })
        const fiber = yield* Effect.forkChild(run((c) => c.organizations.getOrganization({ params: { id: "org1" } })))
        assert.isTrue(Exit.isSuccess(yield* drive(fiber, { step: "50 millis" })))
        assert.strictEqual(stub.requests.length, 2)
      })
    )

    it.effect("does not retry a POST unless it is an idempotent one that opted in", () =>
      Effect.gen(function* () {
        const busy: Handler = (r) =>
          r.method === "POST" && r.headers.get("x-attempt") === null ? new Response("busy", { status: 503 }) : json(org)
        const plain = setup(busy)
        const fiber = yield* Effect.forkChild(
          plain.run((c) => c.users.addOrganizationUsers({ params: { id: "org1" }, payload: { userIds: ["u1"] } }))
        )
        failureOf(yield* drive(fiber, { step: "100 millis" }))
        assert.strictEqual(plain.stub.requests.length, 1)

        const optIn = setup(() => new Response("busy", { status: 503 }), { retry: { idempotentPosts: true } })
        const retried = yield* Effect.forkChild(
          optIn.run((c) => c.users.addOrganizationUsers({ params: { id: "org1" }, payload: { userIds: ["u1"] } }))
        )
        failureOf(yield* drive(retried, { step: "100 millis" }))
        assert.strictEqual(optIn.stub.requests.length, 3)

        const create = yield* Effect.forkChild(
          optIn.run((c) => c.organizations.createOrganization({ payload: { name: "x" } }))
        )
        failureOf(yield* drive(create, { step: "100 millis" }))
        assert.strictEqual(optIn.stub.requests.length, 4)
      })
    )
  })

  describe("timeouts", () => {
    const hanging: Handler = () => new Promise<Response>(() => {})

    it.effect("fails the call with RequestTimeout after 30 s by default", () =>
      Effect.gen(function* () {
        const { run, stub } = setup(hanging)
        const fiber = yield* Effect.forkChild(run((c) => c.organizations.getOrganization({ params: { id: "org1" } })))
        yield* until(() => stub.requests.length === 1)
        const arrivals: Array<number> = []
        const error = failureOf(yield* drive(fiber, { step: "1 second", onStep: (t) => arrivals.push(t) }))
        assert.instanceOf(error, ClientError.RequestTimeout)
        assert.strictEqual((error as ClientError.RequestTimeout).timeoutMillis, 30_000)
        assert.strictEqual((error as ClientError.RequestTimeout).operationId, "GetOrganization")
        assert.strictEqual(arrivals.at(-1), 30_000)
      })
    )

    it.effect("aborts the request in flight before it fails with RequestTimeout", () =>
      Effect.gen(function* () {
        const { run, stub } = setup(hanging, { timeout: "2 seconds" })
        const fiber = yield* Effect.forkChild(run((c) => c.organizations.getOrganization({ params: { id: "org1" } })))
        yield* until(() => stub.requests.length === 1)
        assert.isFalse(stub.requests[0]!.signal.aborted)
        const error = failureOf(yield* drive(fiber, { step: "500 millis" }))
        assert.instanceOf(error, ClientError.RequestTimeout)
        assert.isTrue(stub.requests[0]!.signal.aborted)
      })
    )

    it.effect("takes a per-call timeout", () =>
      Effect.gen(function* () {
        const { run } = setup(hanging, { timeout: "10 seconds" })
        const fiber = yield* Effect.forkChild(
          run((c) =>
            c.organizations
              .getOrganization({ params: { id: "org1" } })
              .pipe(LogtoClient.withCallOptions({ timeout: "2 seconds" }))
          )
        )
        const steps: Array<number> = []
        const error = failureOf(yield* drive(fiber, { step: "500 millis", onStep: (t) => steps.push(t) }))
        assert.instanceOf(error, ClientError.RequestTimeout)
        assert.strictEqual(steps.at(-1), 2000)
      })
    )
  })

  describe("client credentials", () => {
    const tokenEndpoint = "http://logto.test/oidc/token"
    const credentials = { clientId: "m2m", clientSecret: "s3cret" }

    const m2m = (api: Handler, token: Handler) =>
      setup((r, i) => (r.url.pathname === "/oidc/token" ? token(r, i) : api(r, i)), {
        token: undefined,
        clientCredentials: credentials
      })

    it.effect("asks the token endpoint with Basic auth, resource and scope", () =>
      Effect.gen(function* () {
        const { run, stub } = m2m(
          () => json(org),
          () => json({ access_token: "t1", expires_in: 3600 })
        )
        yield* run((c) => c.organizations.getOrganization({ params: { id: "org1" } }))
        const [token, api] = stub.requests
        assert.strictEqual(token!.url.href, tokenEndpoint)
        assert.match(token!.headers.get("x-request-id")!, uuid)
        assert.strictEqual(token!.headers.get("authorization"), `Basic ${btoa("m2m:s3cret")}`)
        const form = new URLSearchParams(token!.body)
        assert.deepStrictEqual(Object.fromEntries(form), {
          grant_type: "client_credentials",
          resource: "https://default.logto.app/api",
          scope: "all"
        })
        assert.strictEqual(api!.headers.get("authorization"), "Bearer t1")
      })
    )

    it.effect("fetches one token for many concurrent calls", () =>
      Effect.gen(function* () {
        let release!: () => void
        const gate = new Promise<void>((resolve) => (release = resolve))
        const { run, stub } = m2m(
          () => json(org),
          async () => {
            await gate
            return json({ access_token: "t1", expires_in: 3600 })
          }
        )
        const fiber = yield* Effect.forkChild(
          run((c) =>
            Effect.all(
              Array.from({ length: 20 }, () => c.organizations.getOrganization({ params: { id: "org1" } })),
              {
                concurrency: "unbounded"
              }
            )
          )
        )
        yield* until(() => stub.requests.length === 1)
        release()
        const exit = yield* drive(fiber, { step: "10 millis" })
        assert.isTrue(Exit.isSuccess(exit))
        const tokens = stub.requests.filter((r) => r.url.pathname === "/oidc/token")
        assert.strictEqual(tokens.length, 1)
        assert.strictEqual(stub.requests.length, 21)
      })
    )

    it.effect("reuses the token until shortly before it expires", () =>
      Effect.gen(function* () {
        let n = 0
        const { run, stub } = m2m(
          () => json(org),
          () => json({ access_token: `t${++n}`, expires_in: 3600 })
        )
        const tokenCount = () => stub.requests.filter((r) => r.url.pathname === "/oidc/token").length
        const counts = yield* run((c) =>
          Effect.gen(function* () {
            const get = c.organizations.getOrganization({ params: { id: "org1" } })
            yield* get
            const first = tokenCount()
            // refreshed 60 s before expiry: still cached at 3539 s, refreshed at 3540 s
            yield* TestClock.adjust("3539 seconds")
            yield* get
            const before = tokenCount()
            yield* TestClock.adjust("1 second")
            yield* get
            return [first, before, tokenCount()]
          })
        )
        assert.deepStrictEqual(counts, [1, 1, 2])
        assert.strictEqual(stub.requests.at(-1)!.headers.get("authorization"), "Bearer t2")
      })
    )

    it.effect("refreshes the token once more when Logto answers 401", () =>
      Effect.gen(function* () {
        let n = 0
        const { run, stub } = m2m(
          (r) =>
            r.headers.get("authorization") === "Bearer t1"
              ? json(LogtoError.body(LogtoError.codes.unauthorized), 401)
              : json(org),
          () => json({ access_token: `t${++n}`, expires_in: 3600 })
        )
        const got = yield* run((c) => c.organizations.getOrganization({ params: { id: "org1" } }))
        assert.strictEqual(got.id, "org1")
        assert.deepStrictEqual(
          stub.requests.map((r) => `${r.url.pathname} ${r.headers.get("authorization")?.slice(0, 8)}`),
          [
            "/oidc/token Basic bT",
            "/api/organizations/org1 Bearer t",
            "/oidc/token Basic bT",
            "/api/organizations/org1 Bearer t"
          ]
        )
      })
    )

    it.effect("gives up after one refresh when Logto keeps answering 401", () =>
      Effect.gen(function* () {
        let n = 0
        const { run, stub } = m2m(
          () => json(LogtoError.body(LogtoError.codes.unauthorized), 401),
          () => json({ access_token: `t${++n}`, expires_in: 3600 })
        )
        const error = yield* run((c) => c.organizations.getOrganization({ params: { id: "org1" } })).pipe(Effect.flip)
        assert.instanceOf(error, LogtoError.Unauthorized)
        assert.strictEqual(stub.requests.length, 4)
      })
    )

    it.effect("reports a refused client as a TokenError with the OAuth error", () =>
      Effect.gen(function* () {
        const { run } = m2m(
          () => json(org),
          () => json({ error: "invalid_client", error_description: "client authentication failed" }, 401)
        )
        const error = yield* run((c) => c.organizations.getOrganization({ params: { id: "org1" } })).pipe(Effect.flip)
        assert.instanceOf(error, ClientError.TokenError)
        const tokenError = error as ClientError.TokenError
        assert.strictEqual(tokenError.status, 401)
        assert.strictEqual(tokenError.error, "invalid_client")
        assert.isFalse(tokenError.transient)
      })
    )
  })
})
