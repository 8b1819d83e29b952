import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { ids, world } from "./fixtures/world.ts"
import { logtoError, messages, setup } from "./helpers.ts"

const { fake, call } = setup()
beforeEach(() => fake.reset(world))
afterAll(() => fake.dispose())

const base = `/api/organizations/${ids.org}`
const idsOf = (list: ReadonlyArray<{ id: string }>) => list.map((x) => x.id)
const fk = logtoError("entity.relation_foreign_key_not_found", messages.foreignKey)
const constraint = logtoError("entity.db_constraint_violated", messages.constraint)
const unique = logtoError("entity.unique_integrity_violation", messages.unique)
const membership = logtoError("organization.require_membership", messages.membership)
const notFound = logtoError("entity.not_found", messages.notFound)

describe("ListOrganizationApplications", () => {
  it("lists member applications by id with their roles and Total-Number", async () => {
    await call("POST", `${base}/applications`, { body: { applicationIds: [ids.m2m2] } })
    const r = await call("GET", `${base}/applications`)
    expect(r.status).toBe(200)
    expect(r.headers.get("total-number")).toBe("2")
    expect(idsOf(r.body)).toEqual([ids.m2m1, ids.m2m2])
    expect(r.body[0]).toEqual({
      tenantId: "default",
      id: ids.m2m1,
      name: "Billing sync",
      description: "Nightly export",
      type: "MachineToMachine",
      oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
      customClientMetadata: {},
      protectedAppMetadata: null,
      customData: {},
      isThirdParty: false,
      appLevelAccessControlEnabled: false,
      createdAt: 1000,
      organizationRoles: [{ id: ids.sync, name: "sync" }]
    })
  })

  it("filters with q over id, name and description", async () => {
    await call("POST", `${base}/applications`, { body: { applicationIds: [ids.m2m2] } })
    expect(idsOf((await call("GET", `${base}/applications?q=NIGHTLY`)).body)).toEqual([ids.m2m1])
    expect(idsOf((await call("GET", `${base}/applications?q=report`)).body)).toEqual([ids.m2m2])
    expect(idsOf((await call("GET", `${base}/applications?q=m2m02`)).body)).toEqual([ids.m2m2])
  })

  it("answers 200 [] for an unknown organization", async () => {
    const r = await call("GET", `/api/organizations/${ids.missing}/applications`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual([])
    expect(r.headers.get("total-number")).toBe("0")
  })

  it("answers 400 for bad pagination", async () => {
    expect((await call("GET", `${base}/applications?page=-1`)).body.code).toBe("guard.invalid_pagination")
  })
})

describe("AddOrganizationApplications", () => {
  it("adds machine-to-machine applications idempotently with the plain-text Created", async () => {
    const r = await call("POST", `${base}/applications`, { body: { applicationIds: [ids.m2m2, ids.m2m2, ids.m2m1] } })
    expect(r.status).toBe(201)
    expect(r.text).toBe("Created")
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8")
    const list = await call("GET", `${base}/applications`)
    expect(idsOf(list.body)).toEqual([ids.m2m1, ids.m2m2])
    expect(list.body[0].organizationRoles).toEqual([{ id: ids.sync, name: "sync" }])
  })

  it("answers 422 db_constraint_violated for a non-M2M application, even next to an unknown one", async () => {
    for (const applicationIds of [[ids.spa], ["nope", ids.trad], [ids.trad, "nope"]]) {
      const r = await call("POST", `${base}/applications`, { body: { applicationIds } })
      expect(r.status).toBe(422)
      expect(r.body).toEqual(constraint)
    }
  })

  it("answers 422 relation_foreign_key_not_found for an unknown application or organization", async () => {
    expect((await call("POST", `${base}/applications`, { body: { applicationIds: ["nope"] } })).body).toEqual(fk)
    expect(
      (await call("POST", `/api/organizations/${ids.missing}/applications`, { body: { applicationIds: [ids.m2m2] } }))
        .body
    ).toEqual(fk)
  })

  it("answers 400 for an empty list", async () => {
    const r = await call("POST", `${base}/applications`, { body: { applicationIds: [] } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe("guard.invalid_input")
  })
})

describe("ReplaceOrganizationApplications", () => {
  it("applies a delta: applications that stay keep their roles", async () => {
    expect(
      (await call("PUT", `${base}/applications`, { body: { applicationIds: [ids.m2m1, ids.m2m2, ids.m2m2] } })).status
    ).toBe(204)
    const list = await call("GET", `${base}/applications`)
    expect(idsOf(list.body)).toEqual([ids.m2m1, ids.m2m2])
    expect(list.body[0].organizationRoles).toHaveLength(1)
    expect(list.body[1].organizationRoles).toEqual([])
    expect((await call("PUT", `${base}/applications`, { body: { applicationIds: [] } })).status).toBe(204)
    expect((await call("GET", `${base}/applications`)).body).toEqual([])
  })

  it("answers 422 for a non-M2M or unknown application, and 204 for [] on an unknown organization", async () => {
    expect((await call("PUT", `${base}/applications`, { body: { applicationIds: [ids.spa] } })).body).toEqual(
      constraint
    )
    expect((await call("PUT", `${base}/applications`, { body: { applicationIds: ["nope"] } })).body).toEqual(fk)
    expect(
      (await call("PUT", `/api/organizations/${ids.missing}/applications`, { body: { applicationIds: [] } })).status
    ).toBe(204)
    expect(
      (await call("PUT", `/api/organizations/${ids.missing}/applications`, { body: { applicationIds: [ids.m2m1] } }))
        .body
    ).toEqual(fk)
    expect(idsOf((await call("GET", `${base}/applications`)).body)).toEqual([ids.m2m1])
  })

  it("answers 400 for a missing list", async () => {
    expect((await call("PUT", `${base}/applications`, { body: {} })).status).toBe(400)
  })
})

describe("DeleteOrganizationApplication", () => {
  it("removes the application and its roles", async () => {
    expect((await call("DELETE", `${base}/applications/${ids.m2m1}`)).status).toBe(204)
    await call("POST", `${base}/applications`, { body: { applicationIds: [ids.m2m1] } })
    expect((await call("GET", `${base}/applications/${ids.m2m1}/roles`)).body).toEqual([])
  })

  it("answers 404 entity.not_found for a non-member or an unknown organization", async () => {
    for (const path of [
      `${base}/applications/${ids.m2m2}`,
      `/api/organizations/${ids.missing}/applications/${ids.m2m1}`
    ]) {
      const r = await call("DELETE", path)
      expect(r.status).toBe(404)
      expect(r.body).toEqual(notFound)
    }
  })
})

describe("AssignOrganizationRolesToApplications", () => {
  it("assigns every M2M role to every member application", async () => {
    await call("POST", `${base}/applications`, { body: { applicationIds: [ids.m2m2] } })
    const r = await call("POST", `${base}/applications/roles`, {
      body: { applicationIds: [ids.m2m1, ids.m2m2], organizationRoleIds: [ids.audit, ids.sync] }
    })
    expect(r.status).toBe(201)
    expect(r.text).toBe("Created")
    expect(idsOf((await call("GET", `${base}/applications/${ids.m2m2}/roles`)).body)).toEqual(
      [ids.audit, ids.sync].sort()
    )
  })

  it("answers 422 db_constraint_violated for a User role and relation_foreign_key_not_found for a non-member", async () => {
    expect(
      (
        await call("POST", `${base}/applications/roles`, {
          body: { applicationIds: [ids.m2m1], organizationRoleIds: [ids.admin] }
        })
      ).body
    ).toEqual(constraint)
    expect(
      (
        await call("POST", `${base}/applications/roles`, {
          body: { applicationIds: [ids.m2m2], organizationRoleIds: [ids.sync] }
        })
      ).body
    ).toEqual(fk)
    expect(
      (
        await call("POST", `${base}/applications/roles`, {
          body: { applicationIds: [ids.m2m1], organizationRoleIds: ["nope"] }
        })
      ).body
    ).toEqual(fk)
  })

  it("answers 400 for empty lists", async () => {
    expect(
      (
        await call("POST", `${base}/applications/roles`, {
          body: { applicationIds: [], organizationRoleIds: [ids.sync] }
        })
      ).status
    ).toBe(400)
  })
})

describe("ListOrganizationApplicationRoles", () => {
  it("lists the application's roles, paginated only when asked", async () => {
    const r = await call("GET", `${base}/applications/${ids.m2m1}/roles`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual([
      { tenantId: "default", id: ids.sync, name: "sync", description: null, type: "MachineToMachine" }
    ])
    expect(r.headers.get("total-number")).toBeNull()
    expect((await call("GET", `${base}/applications/${ids.m2m1}/roles?page=1`)).headers.get("total-number")).toBe("1")
  })

  it("answers 422 require_membership before pagination, and 400 for a member's bad pagination", async () => {
    expect((await call("GET", `${base}/applications/${ids.m2m2}/roles?page=x`)).body).toEqual(membership)
    expect((await call("GET", `${base}/applications/${ids.m2m1}/roles?page=x`)).status).toBe(400)
  })
})

describe("ReplaceOrganizationApplicationRoles", () => {
  it("replaces the application's roles", async () => {
    expect(
      (await call("PUT", `${base}/applications/${ids.m2m1}/roles`, { body: { organizationRoleIds: [ids.audit] } }))
        .status
    ).toBe(204)
    expect(idsOf((await call("GET", `${base}/applications/${ids.m2m1}/roles`)).body)).toEqual([ids.audit])
  })

  it("answers 400 for [] (unlike the user variant)", async () => {
    const r = await call("PUT", `${base}/applications/${ids.m2m1}/roles`, { body: { organizationRoleIds: [] } })
    expect(r.status).toBe(400)
    expect(r.body.data.issues[0]).toMatchObject({ code: "too_small", path: ["organizationRoleIds"] })
  })

  it("answers 422 unique_integrity_violation for repeated ids and keeps the old roles", async () => {
    const r = await call("PUT", `${base}/applications/${ids.m2m1}/roles`, {
      body: { organizationRoleIds: [ids.audit, ids.audit] }
    })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(unique)
    expect(idsOf((await call("GET", `${base}/applications/${ids.m2m1}/roles`)).body)).toEqual([ids.sync])
  })

  it("answers require_membership first, then db_constraint_violated and relation_foreign_key_not_found", async () => {
    expect(
      (await call("PUT", `${base}/applications/${ids.m2m2}/roles`, { body: { organizationRoleIds: [] } })).body
    ).toEqual(membership)
    expect(
      (
        await call("PUT", `${base}/applications/${ids.m2m1}/roles`, {
          body: { organizationRoleIds: ["nope", ids.admin] }
        })
      ).body
    ).toEqual(constraint)
    expect(
      (await call("PUT", `${base}/applications/${ids.m2m1}/roles`, { body: { organizationRoleIds: ["nope"] } })).body
    ).toEqual(fk)
  })
})

describe("AssignOrganizationRolesToApplication", () => {
  it("adds roles idempotently with the plain-text Created", async () => {
    const r = await call("POST", `${base}/applications/${ids.m2m1}/roles`, {
      body: { organizationRoleIds: [ids.audit, ids.audit, ids.sync] }
    })
    expect(r.status).toBe(201)
    expect(r.text).toBe("Created")
    expect(idsOf((await call("GET", `${base}/applications/${ids.m2m1}/roles`)).body)).toEqual(
      [ids.audit, ids.sync].sort()
    )
  })

  it("answers require_membership, 400, relation_foreign_key_not_found and db_constraint_violated", async () => {
    expect(
      (await call("POST", `${base}/applications/${ids.spa}/roles`, { body: { organizationRoleIds: [ids.sync] } })).body
    ).toEqual(membership)
    expect(
      (await call("POST", `${base}/applications/${ids.m2m1}/roles`, { body: { organizationRoleIds: [] } })).status
    ).toBe(400)
    expect(
      (await call("POST", `${base}/applications/${ids.m2m1}/roles`, { body: { organizationRoleIds: ["nope"] } })).body
    ).toEqual(fk)
    expect(
      (await call("POST", `${base}/applications/${ids.m2m1}/roles`, { body: { organizationRoleIds: [ids.member] } }))
        .body
    ).toEqual(constraint)
  })
})

describe("DeleteOrganizationApplicationRole", () => {
  it("removes one role", async () => {
    expect((await call("DELETE", `${base}/applications/${ids.m2m1}/roles/${ids.sync}`)).status).toBe(204)
    expect((await call("GET", `${base}/applications/${ids.m2m1}/roles`)).body).toEqual([])
  })

  it("answers 422 require_membership (also for an unknown organization), then 404 for a role not assigned", async () => {
    expect(
      (await call("DELETE", `/api/organizations/${ids.missing}/applications/${ids.m2m1}/roles/${ids.sync}`)).body
    ).toEqual(membership)
    const r = await call("DELETE", `${base}/applications/${ids.m2m1}/roles/${ids.audit}`)
    expect(r.status).toBe(404)
    expect(r.body).toEqual(notFound)
  })
})
