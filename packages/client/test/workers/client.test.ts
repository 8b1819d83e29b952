/**
 * The client inside workerd (no nodejs_compat): the Promise API against the fake's fetch handler in
 * the isolate, the same over real loopback HTTP with workerd's own `fetch`, the Effect API with
 * TestClock, and a Worker that uses the client.
 */
import { assert, it as effect } from "@effect/vitest"
import { ClientError, LogtoClient, PromiseClient } from "@orgkit/client"
import { FakeLogto } from "@orgkit/testing"
import { exports } from "cloudflare:workers"
import { Cause, Effect, Exit, Fiber, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { describe, expect, inject, it } from "vitest"
import { m2m, token, world } from "./world.ts"
import { rejection } from "../fixtures/rejection.ts"

const { createOrgkitClient, LogtoApiError, LogtoRequestError } = PromiseClient

const inIsolate = (options: Partial<PromiseClient.OrgkitClientOptions> = {}) => {
  const fake = FakeLogto.make({ seed: world, tokens: [token], clients: [m2m] })
  const client = createOrgkitClient({ baseUrl: FakeLogto.baseUrl, token, fetch: fake.fetch, ...options })
  return { fake, client }
}

describe("Promise API in workerd (the fake's fetch handler)", () => {
  it("creates, lists, pages and deletes", async () => {
    const { client } = inIsolate()
    const created = await client.createOrganization({ name: "Umbrella" })
    expect(await client.addOrganizationUsers(created.id, { userIds: ["user-alice", "user-bob"] })).toEqual({
      userIds: ["user-alice", "user-bob"]
    })
    expect(
      await client.assignOrganizationRolesToUsers(created.id, {
        userIds: ["user-bob"],
        organizationRoleIds: ["role-member"]
      })
    ).toBeUndefined()
    const page = await client.listOrganizations({ pageSize: 2 })
    expect(page.items).toHaveLength(2)
    expect(page.totalCount).toBe(4)
    const all: Array<string> = []
    for await (const org of client.paginate("listOrganizations", { pageSize: 3 })) all.push(org.name)
    expect(all.sort()).toEqual(["Acme", "Globex", "Initech", "Umbrella"])
    expect(await client.deleteOrganization(created.id)).toBeUndefined()
    await client.close()
  })

  it("throws LogtoApiError with Logto's code, and LogtoRequestError for invalid input", async () => {
    const { client, fake } = inIsolate()
    const missing = await rejection(client.getOrganization("org-missing"))
    expect(missing).toBeInstanceOf(LogtoApiError)
    expect(missing).toMatchObject({ status: 404, code: "entity.not_exists_with_id", operationId: "GetOrganization" })
    expect((missing as PromiseClient.LogtoApiError).requestId).toMatch(/^[0-9a-f-]{36}$/)
    const invalid = await rejection(client.addOrganizationUsers("org-acme", { userIds: [] as unknown as [string] }))
    expect(invalid).toBeInstanceOf(LogtoRequestError)
    expect(fake.requests().map((r) => r.path)).toEqual(["/api/organizations/org-missing"])
    await client.close()
  })

  it("uses client credentials: one token for concurrent calls", async () => {
    const { client, fake } = inIsolate({ token: undefined, clientCredentials: m2m })
    const orgs = await Promise.all(Array.from({ length: 10 }, () => client.getOrganization("org-acme")))
    expect(orgs.every((o) => o.name === "Acme")).toBe(true)
    expect(fake.requests().filter((r) => r.path === "/oidc/token")).toHaveLength(1)
    await client.close()
  })

  it("retries GETs through an outage and a 429", async () => {
    const { client, fake } = inIsolate({ retry: { baseDelayMs: 0 } })
    fake.setFaults({
      rules: [
        { type: "outage", operations: ["GetOrganization"], times: 2 },
        { type: "rateLimit", operations: ["ListOrganizations"], times: 1, retryAfter: 0 }
      ]
    })
    expect((await client.getOrganization("org-acme")).name).toBe("Acme")
    expect((await client.listOrganizations()).totalCount).toBe(3)
    expect(fake.requests().map((r) => r.status)).toEqual([503, 503, 200, 429, 200])
    await client.close()
  })
})

describe("Promise API in workerd over real loopback HTTP", () => {
  it("talks to the fake with workerd's fetch", async () => {
    const client = createOrgkitClient({ baseUrl: inject("fakeUrl"), clientCredentials: m2m })
    const page = await client.listOrganizationUsers("org-acme")
    expect(page.items.map((u) => u.id)).toEqual(["user-alice"])
    expect(page.totalCount).toBe(1)
    const error = await rejection(client.deleteOrganizationUser("org-acme", "user-bob"))
    expect(error).toMatchObject({ status: 404, code: "entity.not_found" })
    await client.close()
  })
})

describe("Effect API in workerd", () => {
  const layer = () => {
    const fake = FakeLogto.make({ seed: world, tokens: [token] })
    const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
      fake.fetch(new Request(input, init))) as typeof globalThis.fetch
    const http = FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)))
    return { fake, layer: LogtoClient.layerOptions({ baseUrl: FakeLogto.baseUrl, token }).pipe(Layer.provide(http)) }
  }

  effect.effect("retries on TestClock and times out after 30 s", () =>
    Effect.gen(function* () {
      const { fake, layer: clientLayer } = layer()
      fake.setFaults({ rules: [{ type: "outage", operations: ["GetOrganization"], times: 1 }] })
      const client = yield* Effect.provide(LogtoClient.LogtoClient, clientLayer)
      const retried = yield* Effect.forkChild(client.organizations.getOrganization({ params: { id: "org-acme" } }))
      for (let i = 0; i < 50 && retried.pollUnsafe() === undefined; i++) {
        yield* TestClock.adjust("100 millis")
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 0)))
      }
      const org = yield* Fiber.join(retried)
      assert.strictEqual(org.name, "Acme")
      assert.deepStrictEqual(
        fake.requests().map((r) => r.status),
        [503, 200]
      )

      fake.setFaults({ rules: [{ type: "latency", operations: ["GetOrganization"], ms: 60_000 }] })
      const slow = yield* Effect.forkChild(client.organizations.getOrganization({ params: { id: "org-acme" } }))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 0)))
      yield* TestClock.adjust("30 seconds")
      for (let i = 0; i < 50 && slow.pollUnsafe() === undefined; i++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 0)))
      }
      const exit = slow.pollUnsafe()!
      assert.isTrue(Exit.isFailure(exit))
      const error = Cause.findErrorOption((exit as Exit.Failure<unknown, unknown>).cause)
      assert.instanceOf(Option.getOrThrow(error), ClientError.RequestTimeout)
    })
  )
})

describe("a Worker using the client", () => {
  it("answers from Logto through the client", async () => {
    const response = await exports.default.fetch(new Request("https://worker.example/organizations"))
    expect(response.status).toBe(200)
    const body = (await response.json()) as { names: Array<string>; total: number }
    expect(body.total).toBe(3)
    expect(body.names).toHaveLength(2)
  })
})
