import { RouteTable } from "@orgkit/core"
import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { ids, world } from "./fixtures/world.ts"
import { setup } from "./helpers.ts"

const { fake, call } = setup({ tokens: ["full", { token: "no-scope", scopes: [] }] })
beforeEach(() => fake.reset(world))
afterAll(() => fake.dispose())

const params = {
  id: ids.org,
  userId: ids.u1,
  applicationId: ids.m2m1,
  organizationRoleId: ids.admin,
  emailDomain: "acme.example",
  ssoConnectorId: ids.c1
}

describe("every operation", () => {
  it("has 36 routes", () => {
    expect(RouteTable.routes).toHaveLength(36)
  })

  it.each(RouteTable.routes.map((r) => [r.operationId, r] as const))(
    "%s answers 401 without a token and 403 without scope all",
    async (_, route) => {
      const path = RouteTable.buildPath(route, params)
      const body = route.method === "GET" ? {} : { body: {} }
      const missing = await call(route.method, path, { token: null, ...body })
      expect(missing.status).toBe(401)
      expect(missing.body.code).toBe("auth.authorization_header_missing")
      const forbidden = await call(route.method, path, { token: "no-scope", ...body })
      expect(forbidden.status).toBe(403)
      expect(forbidden.body.code).toBe("auth.forbidden")
    }
  )
})

describe("organization ids longer than Logto's column (21 characters)", () => {
  const long = "o".repeat(22)
  const tooLong = {
    code: "entity.value_too_long",
    message: "The length of value is too long and exceeds the limit.",
    data: { message: "value too long for type character varying(21)" }
  }
  const writes: ReadonlyArray<readonly [string, string, unknown]> = [
    ["POST", "users", { userIds: [ids.u1] }],
    ["PUT", "users", { userIds: [] }],
    ["POST", "users/roles", { userIds: [ids.u1], organizationRoleIds: [ids.admin] }],
    ["POST", "applications", { applicationIds: [ids.m2m1] }],
    ["PUT", "applications", { applicationIds: [] }],
    ["POST", "applications/roles", { applicationIds: [ids.m2m1], organizationRoleIds: [ids.sync] }],
    ["POST", "jit/email-domains", { emailDomain: "a.example" }],
    ["PUT", "jit/email-domains", { emailDomains: ["a.example"] }],
    ["POST", "jit/roles", { organizationRoleIds: [ids.admin] }],
    ["PUT", "jit/roles", { organizationRoleIds: [ids.admin] }],
    ["POST", "jit/sso-connectors", { ssoConnectorIds: [ids.c1] }],
    ["PUT", "jit/sso-connectors", { ssoConnectorIds: [ids.c1] }]
  ]

  it.each(writes)("%s %s answers 422 entity.value_too_long", async (method, path, body) => {
    const r = await call(method, `/api/organizations/${long}/${path}`, { body })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(tooLong)
  })

  it("the JIT PUTs with [] still answer 204, and reads answer the usual not-found answers", async () => {
    expect(
      (await call("PUT", `/api/organizations/${long}/jit/email-domains`, { body: { emailDomains: [] } })).status
    ).toBe(204)
    expect(
      (await call("PUT", `/api/organizations/${long}/jit/roles`, { body: { organizationRoleIds: [] } })).status
    ).toBe(204)
    expect(
      (await call("PUT", `/api/organizations/${long}/jit/sso-connectors`, { body: { ssoConnectorIds: [] } })).status
    ).toBe(204)
    expect((await call("GET", `/api/organizations/${"x".repeat(1000)}`)).body.message).toContain("x".repeat(1000))
  })
})

describe("quota on ReplaceOrganizationUsers", () => {
  it("answers 403 when the distinct new ids exceed the configured limit", async () => {
    const limited = setup({ quotas: { usersPerOrganization: 3 } })
    const ok = await limited.call("PUT", `/api/organizations/${ids.org}/users`, {
      body: { userIds: [ids.u1, ids.u2, ids.u4] }
    })
    expect(ok.status).toBe(204)
    const over = await limited.call("PUT", `/api/organizations/${ids.org}/users`, {
      body: { userIds: [ids.u1, ids.u2, ids.u3, ids.u4] }
    })
    expect(over.status).toBe(403)
    expect(over.body.code).toBe("subscription.limit_exceeded")
    await limited.fake.dispose()
  })
})

describe("ReplaceOrganizationUserRoles validation", () => {
  it("answers 400 for a member's malformed body", async () => {
    const r = await call("PUT", `/api/organizations/${ids.org}/users/${ids.u1}/roles`, {
      body: { organizationRoleNames: [""] }
    })
    expect(r.status).toBe(400)
    expect(r.body.data.issues[0].path).toEqual(["organizationRoleNames", 0])
  })
})
