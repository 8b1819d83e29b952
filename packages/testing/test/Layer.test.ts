import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Result } from "effect"
import { HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { HttpApiMiddleware, HttpApiTest } from "effect/http-api"
import { TestClock } from "effect/testing"
import { FakeLogto, FakeStore, Seed } from "../src/index.ts"
import { ids, world } from "./fixtures/world.ts"

describe("FakeLogto.layer", () => {
  layer(FakeLogto.layer({ seed: world }))((it) => {
    it.effect("serves a typed HttpApiClient in process, decoding every answer with core's schemas", () =>
      Effect.gen(function* () {
        const client = yield* FakeLogto.client
        const page = yield* client.organizations.listOrganizations({ query: { page_size: 2 } })
        assert.strictEqual(page.headers["total-number"], 3)
        assert.deepStrictEqual(
          page.body.map((o) => o.id),
          [ids.org, ids.org2]
        )
        const created = yield* client.organizations.createOrganization({ payload: { name: "Typed" } })
        assert.match(created.id, /^[0-9a-z]{12}$/)
        const text = yield* client.users.assignOrganizationRolesToUsers({
          params: { id: ids.org },
          payload: { userIds: [ids.u3], organizationRoleIds: [ids.viewer] }
        })
        assert.strictEqual(text, "Created")
        const error = yield* client.organizations.getOrganization({ params: { id: ids.missing } }).pipe(Effect.flip)
        assert.strictEqual(error._tag, "NotFound")
        const roles = yield* client.users.listOrganizationUserRoles({
          params: { id: ids.org, userId: ids.u3 },
          query: {}
        })
        assert.deepStrictEqual(
          roles.body.map((r) => r.name),
          ["viewer"]
        )
        assert.isUndefined(roles.headers["total-number"])
      })
    )

    it.effect("expires issued tokens on Effect's TestClock", () =>
      Effect.gen(function* () {
        const fake = yield* FakeLogto.FakeLogto
        const token = fake.issueToken({ ttlSeconds: 60 })
        const http = yield* HttpClient.HttpClient
        const get = http.execute(
          HttpClientRequest.get(`${FakeLogto.baseUrl}/api/organizations`).pipe(HttpClientRequest.bearerToken(token))
        )
        assert.strictEqual((yield* get).status, 200)
        yield* TestClock.adjust("60 seconds")
        const expired = yield* get
        assert.strictEqual(expired.status, 401)
        assert.deepStrictEqual(((yield* expired.json) as { data: unknown }).data, {
          code: "ERR_JWT_EXPIRED",
          name: "JWTExpired"
        })
      }).pipe(Effect.provide(FakeLogto.layerHttpClient))
    )
  })
})

describe("FakeLogto.layerGroups with HttpApiTest", () => {
  const Live = Layer.mergeAll(
    FakeLogto.layerGroups,
    HttpServer.layerServices,
    HttpApiMiddleware.layerClient(FakeLogto.Authorization, ({ next, request }) =>
      next(HttpClientRequest.bearerToken(request, "groups-token"))
    )
  ).pipe(
    Layer.provideMerge(FakeLogto.layerMiddleware({ tokens: ["groups-token"] })),
    Layer.provideMerge(FakeStore.FakeStore.layer)
  )
  layer(Live)((it) => {
    it.effect("runs the handler groups with the fake's authentication and Logto's pagination", () =>
      Effect.gen(function* () {
        const store = yield* FakeStore.FakeStore
        yield* store.seed(Result.getOrThrow(Seed.decode(world)))
        const client = yield* HttpApiTest.groups(FakeLogto.api, ["organizations", "users", "applications", "jit"])
        const users = yield* client.users.listOrganizationUsers({
          params: { id: ids.org },
          query: { page: 2, page_size: 2 }
        })
        assert.deepStrictEqual(
          users.body.map((u) => u.id),
          [ids.u3]
        )
        assert.strictEqual(users.headers["total-number"], 3)
        const jit = yield* client.jit.listOrganizationJitRoles({ params: { id: ids.org }, query: {} })
        assert.deepStrictEqual(
          jit.body.map((r) => r.id),
          [ids.member]
        )
      })
    )
  })
})
