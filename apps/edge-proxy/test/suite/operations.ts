/**
 * Each of the 36 operations end to end: the proxy's answer must be byte-identical to the fake's
 * direct answer (status, body bytes, `Content-Type`, `Total-Number`, `Link` with the proxy's origin,
 * `ETag`). Reads are sent to the same organization both ways; each write is sent through the proxy to
 * one organization and directly to its twin (seeded identically), and the twin's id is mapped back
 * before comparing; the resulting states of the two organizations must then match as well.
 */
import { RouteTable } from "@orgkit/core"
import { describe, expect, it } from "vitest"
import { ids, keys } from "../fixtures/e2e.ts"
import { as, direct, jsonBody, snapshot, type Target, fake, unique } from "./harness.ts"

const { users, roles, applications, ssoConnectors } = ids

/** A seeded organization with members, roles, applications and JIT settings (also used by the cache suite). */
export const organization = (id: string, name: string) => ({
  id,
  name,
  description: "Seeded twin",
  customData: { tier: "gold" },
  createdAt: 1_767_225_600_000,
  users: [{ id: users.alice, roles: ["admin"] }, { id: users.bob, roles: ["member"] }, users.dave],
  applications: [{ id: applications.billing, roles: ["sync"] }],
  jit: { emailDomains: ["twin.example", "b.twin.example"], roles: ["member"], ssoConnectors: [ssoConnectors.acmeOkta] }
})

/** Seeds two identical organizations and returns their ids. */
const twins = async (t: Target): Promise<readonly [string, string]> => {
  const suffix = unique()
  const pair = [`twa${suffix}0`, `twb${suffix}0`] as const
  await fake.seed(t, { organizations: pair.map((id) => organization(id, `Twin ${suffix}`)) })
  return pair
}

/** Everything the API shows about an organization, read directly from the fake. */
const stateOf = async (t: Target, org: string): Promise<Array<string>> => {
  const paths = [
    `/api/organizations/${org}`,
    `/api/organizations/${org}/users`,
    `/api/organizations/${org}/applications`,
    `/api/organizations/${org}/jit/email-domains`,
    `/api/organizations/${org}/jit/roles`,
    `/api/organizations/${org}/jit/sso-connectors`,
    `/api/organizations/${org}/users/${users.alice}/roles`,
    `/api/organizations/${org}/applications/${applications.billing}/roles`
  ]
  return Promise.all(
    paths.map(async (p) => {
      const response = await direct(t, p)
      return `${p} ${response.status} ${await response.text()}`.replaceAll(org, "ORG")
    })
  )
}

/** One call of an operation on an organization. */
export interface Case {
  readonly operationId: string
  readonly path: (org: string) => string
  readonly init?: RequestInit
}

const o = (org: string) => `/api/organizations/${org}`

/** One representative call per read operation (pagination on where it exists). */
export const reads: ReadonlyArray<Case> = [
  { operationId: "ListOrganizations", path: () => "/api/organizations?page_size=2&page=2&showFeatured=true&q=%" },
  { operationId: "GetOrganization", path: (org) => o(org) },
  { operationId: "ListOrganizationUsers", path: (org) => `${o(org)}/users?page_size=2&page=1` },
  { operationId: "ListOrganizationUserRoles", path: (org) => `${o(org)}/users/${users.alice}/roles?page_size=5` },
  { operationId: "ListOrganizationUserScopes", path: (org) => `${o(org)}/users/${users.alice}/scopes` },
  { operationId: "ListOrganizationApplications", path: (org) => `${o(org)}/applications?q=bill` },
  {
    operationId: "ListOrganizationApplicationRoles",
    path: (org) => `${o(org)}/applications/${applications.billing}/roles`
  },
  { operationId: "ListOrganizationJitEmailDomains", path: (org) => `${o(org)}/jit/email-domains?page=1&page_size=1` },
  { operationId: "ListOrganizationJitRoles", path: (org) => `${o(org)}/jit/roles` },
  { operationId: "ListOrganizationJitSsoConnectors", path: (org) => `${o(org)}/jit/sso-connectors` }
]

/** One representative successful call per write operation on a seeded organization. */
export const writes: ReadonlyArray<Case> = [
  {
    operationId: "UpdateOrganization",
    path: o,
    init: jsonBody("PATCH", { description: "Updated", customData: { a: [1, "ü"] }, color: { primaryColor: "#abc" } })
  },
  { operationId: "DeleteOrganization", path: o, init: { method: "DELETE" } },
  {
    operationId: "AddOrganizationUsers",
    path: (org) => `${o(org)}/users`,
    init: jsonBody("POST", { userIds: [users.carol, users.carol] })
  },
  {
    operationId: "ReplaceOrganizationUsers",
    path: (org) => `${o(org)}/users`,
    init: jsonBody("PUT", { userIds: [users.alice, users.carol] })
  },
  { operationId: "DeleteOrganizationUser", path: (org) => `${o(org)}/users/${users.bob}`, init: { method: "DELETE" } },
  {
    operationId: "AssignOrganizationRolesToUsers",
    path: (org) => `${o(org)}/users/roles`,
    init: jsonBody("POST", { userIds: [users.alice, users.bob], organizationRoleIds: [roles.viewer] })
  },
  {
    operationId: "ReplaceOrganizationUserRoles",
    path: (org) => `${o(org)}/users/${users.alice}/roles`,
    init: jsonBody("PUT", { organizationRoleIds: [roles.member], organizationRoleNames: ["viewer"] })
  },
  {
    operationId: "AssignOrganizationRolesToUser",
    path: (org) => `${o(org)}/users/${users.bob}/roles`,
    init: jsonBody("POST", { organizationRoleNames: ["viewer", "admin"] })
  },
  {
    operationId: "DeleteOrganizationUserRole",
    path: (org) => `${o(org)}/users/${users.alice}/roles/${roles.admin}`,
    init: { method: "DELETE" }
  },
  {
    operationId: "AddOrganizationApplications",
    path: (org) => `${o(org)}/applications`,
    init: jsonBody("POST", { applicationIds: [ids.reportSync] })
  },
  {
    operationId: "ReplaceOrganizationApplications",
    path: (org) => `${o(org)}/applications`,
    init: jsonBody("PUT", { applicationIds: [ids.reportSync] })
  },
  {
    operationId: "DeleteOrganizationApplication",
    path: (org) => `${o(org)}/applications/${applications.billing}`,
    init: { method: "DELETE" }
  },
  {
    operationId: "AssignOrganizationRolesToApplications",
    path: (org) => `${o(org)}/applications/roles`,
    init: jsonBody("POST", { applicationIds: [applications.billing], organizationRoleIds: [roles.sync] })
  },
  {
    operationId: "ReplaceOrganizationApplicationRoles",
    path: (org) => `${o(org)}/applications/${applications.billing}/roles`,
    init: jsonBody("PUT", { organizationRoleIds: [roles.sync] })
  },
  {
    operationId: "AssignOrganizationRolesToApplication",
    path: (org) => `${o(org)}/applications/${applications.billing}/roles`,
    init: jsonBody("POST", { organizationRoleIds: [roles.sync] })
  },
  {
    operationId: "DeleteOrganizationApplicationRole",
    path: (org) => `${o(org)}/applications/${applications.billing}/roles/${roles.sync}`,
    init: { method: "DELETE" }
  },
  {
    operationId: "CreateOrganizationJitEmailDomain",
    path: (org) => `${o(org)}/jit/email-domains`,
    init: jsonBody("POST", { emailDomain: "new.example" })
  },
  {
    operationId: "ReplaceOrganizationJitEmailDomains",
    path: (org) => `${o(org)}/jit/email-domains`,
    init: jsonBody("PUT", { emailDomains: ["c.example", "a.example"] })
  },
  {
    operationId: "DeleteOrganizationJitEmailDomain",
    path: (org) => `${o(org)}/jit/email-domains/b.twin.example`,
    init: { method: "DELETE" }
  },
  {
    operationId: "CreateOrganizationJitRole",
    path: (org) => `${o(org)}/jit/roles`,
    init: jsonBody("POST", { organizationRoleIds: [roles.viewer, roles.sync] })
  },
  {
    operationId: "ReplaceOrganizationJitRoles",
    path: (org) => `${o(org)}/jit/roles`,
    init: jsonBody("PUT", { organizationRoleIds: [roles.admin] })
  },
  {
    operationId: "DeleteOrganizationJitRole",
    path: (org) => `${o(org)}/jit/roles/${roles.member}`,
    init: { method: "DELETE" }
  },
  {
    operationId: "CreateOrganizationJitSsoConnector",
    path: (org) => `${o(org)}/jit/sso-connectors`,
    init: jsonBody("POST", { ssoConnectorIds: [ssoConnectors.acmeOkta] })
  },
  {
    operationId: "ReplaceOrganizationJitSsoConnectors",
    path: (org) => `${o(org)}/jit/sso-connectors`,
    init: jsonBody("PUT", { ssoConnectorIds: [] })
  },
  {
    operationId: "DeleteOrganizationJitSsoConnector",
    path: (org) => `${o(org)}/jit/sso-connectors/${ssoConnectors.acmeOkta}`,
    init: { method: "DELETE" }
  }
]

const linkOrigin = (t: Target): readonly [string, string] => [t.fakeUrl, t.origin]

export const describeOperations = (target: () => Target) =>
  describe("the 36 operations through the proxy", () => {
    it("covers every operation of the route table", () => {
      const covered = new Set([...reads, ...writes].map((c) => c.operationId).concat("CreateOrganization"))
      expect([...covered].sort()).toEqual(RouteTable.routes.map((r) => r.operationId).sort())
    })

    it.each(reads)("$operationId answers exactly as the fake", async (c) => {
      const t = target()
      const [org] = await twins(t)
      const path = c.path(org)
      const viaProxy = await snapshot(await t.call(path, as(keys.admin)))
      const viaFake = await snapshot(await direct(t, path), { replace: [linkOrigin(t)] })
      expect(viaProxy.status).toBe(200)
      expect(viaProxy).toEqual(viaFake)
      expect(viaProxy.headers.etag).toMatch(/^"[0-9a-f]+-/)
    })

    it.each(writes)("$operationId answers exactly as the fake and has the same effect", async (c) => {
      const t = target()
      const [mine, twin] = await twins(t)
      const viaProxy = await snapshot(await t.call(c.path(mine), as(keys.admin, c.init)))
      const viaFake = await snapshot(await direct(t, c.path(twin), c.init), { replace: [[twin, mine]] })
      expect(viaProxy.status).toBeLessThan(300)
      expect(viaProxy).toEqual(viaFake)
      expect(await stateOf(t, mine)).toEqual(await stateOf(t, twin))
    })

    it("CreateOrganization answers as the fake, apart from the generated id and time", async () => {
      const t = target()
      const init = jsonBody("POST", {
        name: `Created ${unique()}`,
        description: "",
        branding: { logoUrl: "mock://x/y.png" }
      })
      const viaProxy = await snapshot(await t.call("/api/organizations", as(keys.admin, init)))
      const viaFake = await direct(t, "/api/organizations", init)
      const mine = JSON.parse(viaProxy.body) as { id: string; createdAt: number }
      const theirs = (await viaFake.clone().json()) as { id: string; createdAt: number }
      const expected = await snapshot(viaFake, {
        replace: [
          [`"id":"${theirs.id}"`, `"id":"${mine.id}"`],
          [`"createdAt":${theirs.createdAt}`, `"createdAt":${mine.createdAt}`]
        ]
      })
      expect(viaProxy.status).toBe(201)
      expect(viaProxy).toEqual(expected)
      expect(mine.id).toMatch(/^[0-9a-z]{12}$/)
    })

    it("HEAD answers like the fake's HEAD", async () => {
      const t = target()
      const [org] = await twins(t)
      const viaProxy = await t.call(`${o(org)}/users?page_size=1`, as(keys.admin, { method: "HEAD" }))
      const viaFake = await direct(t, `${o(org)}/users?page_size=1`, { method: "HEAD" })
      expect(await snapshot(viaProxy)).toEqual(await snapshot(viaFake, { replace: [linkOrigin(t)] }))
      expect(viaProxy.headers.get("content-length")).toBe(viaFake.headers.get("content-length"))
    })

    it("passes 304 through for a matching If-None-Match", async () => {
      const t = target()
      const [org] = await twins(t)
      const first = await t.call(o(org), as(keys.admin))
      const etag = first.headers.get("etag")!
      const again = await t.call(
        o(org),
        as(keys.admin, { headers: { "if-none-match": etag, "cache-control": "max-age=0" } })
      )
      expect([again.status, await again.text(), again.headers.get("etag")]).toEqual([304, "", etag])
    })

    it("answers a missing organization as the fake does, for every flavour of not found", async () => {
      const t = target()
      const missing = `missing${unique()}`
      const cases: Array<[string, RequestInit]> = [
        [o(missing), {}],
        [o(missing), jsonBody("PATCH", { name: "x" })],
        [o(missing), { method: "DELETE" }],
        [`${o(missing)}/users`, {}],
        [`${o(missing)}/jit/roles`, {}],
        [`${o(missing)}/users/${users.alice}/roles`, {}],
        [`${o(missing)}/users`, jsonBody("POST", { userIds: [users.alice] })],
        [o("x".repeat(1_000)), {}]
      ]
      for (const [path, init] of cases) {
        const viaProxy = await snapshot(await t.call(path, as(keys.admin, init)))
        expect(viaProxy).toEqual(await snapshot(await direct(t, path, init), { replace: [linkOrigin(t)] }))
      }
    })
  })
