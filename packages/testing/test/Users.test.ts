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
const membership = logtoError("organization.require_membership", messages.membership)
const notFound = logtoError("entity.not_found", messages.notFound)

describe("ListOrganizationUsers", () => {
  it("lists members by user id with their roles sorted by name, and Total-Number", async () => {
    const r = await call("GET", `${base}/users`)
    expect(r.status).toBe(200)
    expect(r.headers.get("total-number")).toBe("3")
    expect(idsOf(r.body)).toEqual([ids.u1, ids.u2, ids.u3])
    expect(r.body[0]).toEqual({
      id: ids.u1,
      username: "alice",
      primaryEmail: "alice@acme.example",
      primaryPhone: null,
      name: "Alice",
      avatar: "https://a.example/a.png",
      customData: {},
      identities: {},
      lastSignInAt: null,
      createdAt: 1000,
      updatedAt: 2000,
      profile: {},
      applicationId: null,
      cimdClientId: null,
      isSuspended: false,
      organizationRoles: [
        { id: ids.admin, name: "admin" },
        { id: ids.member, name: "member" }
      ]
    })
    expect(r.body[2].organizationRoles).toEqual([])
  })

  it("filters with q over id, email, phone, username and name, and with organizationRoleId", async () => {
    expect(idsOf((await call("GET", `${base}/users?q=acme.example`)).body)).toEqual([ids.u1, ids.u2])
    expect(idsOf((await call("GET", `${base}/users?q=0100`)).body)).toEqual([ids.u2])
    expect(idsOf((await call("GET", `${base}/users?q=CAROL`)).body)).toEqual([ids.u3])
    const byRole = await call("GET", `${base}/users?organizationRoleId=${ids.viewer}`)
    expect(idsOf(byRole.body)).toEqual([ids.u2])
    expect(byRole.headers.get("total-number")).toBe("1")
    expect((await call("GET", `${base}/users?organizationRoleId=${ids.admin}&q=bob`)).body).toEqual([])
    expect((await call("GET", `${base}/users?organizationRoleId=unknown`)).body).toEqual([])
  })

  it("answers 200 [] with Total-Number 0 for an unknown organization", async () => {
    const r = await call("GET", `/api/organizations/${ids.missing}/users`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual([])
    expect(r.headers.get("total-number")).toBe("0")
  })

  it("answers 400 for an empty organizationRoleId and for a page_size over 100", async () => {
    const empty = await call("GET", `${base}/users?organizationRoleId=`)
    expect(empty.status).toBe(400)
    expect(empty.body.code).toBe("guard.invalid_input")
    const big = await call("GET", `${base}/users?page_size=101`)
    expect(big.status).toBe(400)
    expect(big.body).toEqual(logtoError("guard.invalid_pagination", messages.pagination))
  })
})

describe("AddOrganizationUsers", () => {
  it("adds members idempotently and echoes the ids as sent", async () => {
    const r = await call("POST", `${base}/users`, { body: { userIds: [ids.u4, ids.u4, ids.u1] } })
    expect(r.status).toBe(201)
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8")
    expect(r.body).toEqual({ userIds: [ids.u4, ids.u4, ids.u1] })
    const list = await call("GET", `${base}/users`)
    expect(idsOf(list.body)).toEqual([ids.u1, ids.u2, ids.u3, ids.u4])
    expect(list.body[0].organizationRoles).toHaveLength(2)
  })

  it("answers 400 for an empty list or an empty id", async () => {
    expect((await call("POST", `${base}/users`, { body: { userIds: [] } })).status).toBe(400)
    const r = await call("POST", `${base}/users`, { body: { userIds: [""] } })
    expect(r.status).toBe(400)
    expect(r.body.data.issues[0].path).toEqual(["userIds", 0])
  })

  it("answers 422 relation_foreign_key_not_found for an unknown user or organization, adding nothing", async () => {
    const r = await call("POST", `${base}/users`, { body: { userIds: [ids.u4, "nobody"] } })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(fk)
    expect((await call("GET", `${base}/users`)).headers.get("total-number")).toBe("3")
    expect(
      (await call("POST", `/api/organizations/${ids.missing}/users`, { body: { userIds: [ids.u1] } })).body
    ).toEqual(fk)
  })

  it("answers 422 entity.value_too_long for an organization id over 21 characters", async () => {
    const r = await call("POST", `/api/organizations/${"o".repeat(22)}/users`, { body: { userIds: [ids.u1] } })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(
      logtoError("entity.value_too_long", messages.tooLong, {
        message: "value too long for type character varying(21)"
      })
    )
  })

  it("answers 403 when a configured users-per-organization quota is exceeded by new members", async () => {
    const limited = setup({ quotas: { usersPerOrganization: 3 } })
    const existing = await limited.call("POST", `${base}/users`, { body: { userIds: [ids.u1] } })
    expect(existing.status).toBe(201)
    const r = await limited.call("POST", `${base}/users`, { body: { userIds: [ids.u4] } })
    expect(r.status).toBe(403)
    expect(r.body.code).toBe("subscription.limit_exceeded")
    await limited.fake.dispose()
  })
})

describe("ReplaceOrganizationUsers", () => {
  it("applies a delta: members that stay keep their roles, departing members lose theirs", async () => {
    const r = await call("PUT", `${base}/users`, { body: { userIds: [ids.u1, ids.u4, ids.u1] } })
    expect(r.status).toBe(204)
    const list = await call("GET", `${base}/users`)
    expect(idsOf(list.body)).toEqual([ids.u1, ids.u4])
    expect(list.body[0].organizationRoles).toHaveLength(2)
    await call("POST", `${base}/users`, { body: { userIds: [ids.u2] } })
    expect((await call("GET", `${base}/users/${ids.u2}/roles`)).body).toEqual([])
  })

  it("removes every member with []", async () => {
    expect((await call("PUT", `${base}/users`, { body: { userIds: [] } })).status).toBe(204)
    expect((await call("GET", `${base}/users`)).body).toEqual([])
  })

  it("answers 204 for [] and 422 for a non-empty list on an unknown organization", async () => {
    expect((await call("PUT", `/api/organizations/${ids.missing}/users`, { body: { userIds: [] } })).status).toBe(204)
    const r = await call("PUT", `/api/organizations/${ids.missing}/users`, { body: { userIds: [ids.u1] } })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(fk)
  })

  it("answers 422 for an unknown user and changes nothing", async () => {
    const r = await call("PUT", `${base}/users`, { body: { userIds: [ids.u1, "nobody"] } })
    expect(r.body).toEqual(fk)
    expect((await call("GET", `${base}/users`)).headers.get("total-number")).toBe("3")
  })

  it("answers 422 value_too_long for a long organization id even with []", async () => {
    const r = await call("PUT", `/api/organizations/${"o".repeat(22)}/users`, { body: { userIds: [] } })
    expect(r.status).toBe(422)
    expect(r.body.code).toBe("entity.value_too_long")
  })

  it("answers 400 when userIds is missing", async () => {
    const r = await call("PUT", `${base}/users`, { body: {} })
    expect(r.status).toBe(400)
    expect(r.body.data.issues[0]).toMatchObject({ code: "invalid_type", path: ["userIds"], message: "Required" })
  })
})

describe("DeleteOrganizationUser", () => {
  it("removes the member and its roles", async () => {
    const r = await call("DELETE", `${base}/users/${ids.u1}`)
    expect(r.status).toBe(204)
    await call("POST", `${base}/users`, { body: { userIds: [ids.u1] } })
    expect((await call("GET", `${base}/users/${ids.u1}/roles`)).body).toEqual([])
    expect((await call("GET", `${base}/users/${ids.u1}/scopes`)).body).toEqual([])
  })

  it("answers 404 entity.not_found for a non-member, unknown user or unknown organization", async () => {
    for (const path of [
      `${base}/users/${ids.u4}`,
      `${base}/users/nobody`,
      `/api/organizations/${ids.missing}/users/${ids.u1}`
    ]) {
      const r = await call("DELETE", path)
      expect(r.status).toBe(404)
      expect(r.body).toEqual(notFound)
    }
  })
})

describe("AssignOrganizationRolesToUsers", () => {
  it("assigns every role to every user and answers the plain-text Created", async () => {
    const r = await call("POST", `${base}/users/roles`, {
      body: { userIds: [ids.u2, ids.u3], organizationRoleIds: [ids.member, ids.viewer, ids.member] }
    })
    expect(r.status).toBe(201)
    expect(r.text).toBe("Created")
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8")
    expect(idsOf((await call("GET", `${base}/users/${ids.u3}/roles`)).body)).toEqual([ids.member, ids.viewer].sort())
  })

  it("answers 422 db_constraint_violated for a machine-to-machine role, even next to an unknown user", async () => {
    const r = await call("POST", `${base}/users/roles`, {
      body: { userIds: ["nobody"], organizationRoleIds: [ids.sync] }
    })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(constraint)
  })

  it("answers 422 relation_foreign_key_not_found for a non-member, an unknown role or organization", async () => {
    for (const [path, body] of [
      [base, { userIds: [ids.u4], organizationRoleIds: [ids.member] }],
      [base, { userIds: [ids.u1], organizationRoleIds: ["nope"] }],
      [`/api/organizations/${ids.missing}`, { userIds: [ids.u1], organizationRoleIds: [ids.member] }]
    ] as const) {
      const r = await call("POST", `${path}/users/roles`, { body })
      expect(r.status).toBe(422)
      expect(r.body).toEqual(fk)
    }
  })

  it("answers 400 for empty lists", async () => {
    const r = await call("POST", `${base}/users/roles`, { body: { userIds: [ids.u1], organizationRoleIds: [] } })
    expect(r.status).toBe(400)
    expect(r.body.data.issues[0]).toMatchObject({ code: "too_small", path: ["organizationRoleIds"], type: "array" })
  })
})

describe("ListOrganizationUserRoles", () => {
  it("lists full roles in id order without pagination headers unless asked", async () => {
    const r = await call("GET", `${base}/users/${ids.u1}/roles`)
    expect(r.status).toBe(200)
    expect(r.headers.get("total-number")).toBeNull()
    expect(r.headers.get("link")).toBeNull()
    expect(r.body).toEqual([
      { tenantId: "default", id: ids.admin, name: "admin", description: null, type: "User" },
      { tenantId: "default", id: ids.member, name: "member", description: "Member", type: "User" }
    ])
    const paged = await call("GET", `${base}/users/${ids.u1}/roles?page_size=1`)
    expect(paged.headers.get("total-number")).toBe("2")
    expect(idsOf(paged.body)).toEqual([ids.admin])
  })

  it("answers 422 require_membership before pagination for a non-member or unknown organization", async () => {
    for (const path of [
      `${base}/users/${ids.u4}/roles?page=abc`,
      `/api/organizations/${ids.missing}/users/${ids.u1}/roles`
    ]) {
      const r = await call("GET", path)
      expect(r.status).toBe(422)
      expect(r.body).toEqual(membership)
    }
  })

  it("answers 400 for bad pagination of a member", async () => {
    const r = await call("GET", `${base}/users/${ids.u1}/roles?page=1&page=2`)
    expect(r.status).toBe(400)
    expect(r.body.code).toBe("guard.invalid_pagination")
  })
})

describe("ReplaceOrganizationUserRoles", () => {
  it("replaces roles with ids and names; an empty body removes them all", async () => {
    const r = await call("PUT", `${base}/users/${ids.u2}/roles`, {
      body: { organizationRoleIds: [ids.admin], organizationRoleNames: ["member", "admin"] }
    })
    expect(r.status).toBe(204)
    expect(idsOf((await call("GET", `${base}/users/${ids.u2}/roles`)).body)).toEqual([ids.admin, ids.member])
    expect((await call("PUT", `${base}/users/${ids.u2}/roles`, { body: {} })).status).toBe(204)
    expect((await call("GET", `${base}/users/${ids.u2}/roles`)).body).toEqual([])
  })

  it("answers 422 require_membership first, even for a bad body", async () => {
    const r = await call("PUT", `${base}/users/${ids.u4}/roles`, { body: { organizationRoleIds: "x" } })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(membership)
  })

  it("answers 422 role_names_not_found listing unknown names in request order, keeping the old roles", async () => {
    const r = await call("PUT", `${base}/users/${ids.u2}/roles`, {
      body: { organizationRoleIds: ["nope"], organizationRoleNames: ["x", "admin", "Admin", "x"] }
    })
    expect(r.status).toBe(422)
    expect(r.body).toEqual({
      code: "organization.role_names_not_found",
      message: "Invalid role names detected: x, Admin, and x. Please create these roles first before proceeding."
    })
    expect(idsOf((await call("GET", `${base}/users/${ids.u2}/roles`)).body)).toEqual([ids.viewer])
  })

  it("answers db_constraint_violated for a machine-to-machine role before an unknown id", async () => {
    const r = await call("PUT", `${base}/users/${ids.u2}/roles`, { body: { organizationRoleIds: ["nope", ids.sync] } })
    expect(r.body).toEqual(constraint)
    const byName = await call("PUT", `${base}/users/${ids.u2}/roles`, { body: { organizationRoleNames: ["sync"] } })
    expect(byName.body).toEqual(constraint)
  })

  it("answers relation_foreign_key_not_found for an unknown role id", async () => {
    const r = await call("PUT", `${base}/users/${ids.u2}/roles`, {
      body: { organizationRoleIds: ["nope"], organizationRoleNames: ["admin"] }
    })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(fk)
  })
})

describe("AssignOrganizationRolesToUser", () => {
  it("answers the deduplicated ids: given ids first, then names in role creation order", async () => {
    const r = await call("POST", `${base}/users/${ids.u3}/roles`, {
      body: {
        organizationRoleIds: [ids.viewer, ids.member, ids.viewer],
        organizationRoleNames: ["viewer", "member", "admin"]
      }
    })
    expect(r.status).toBe(201)
    expect(r.body).toEqual({ organizationRoleIds: [ids.viewer, ids.member, ids.admin] })
    expect(idsOf((await call("GET", `${base}/users/${ids.u3}/roles`)).body)).toEqual([
      ids.admin,
      ids.member,
      ids.viewer
    ])
  })

  it("accepts empty or absent lists and answers []", async () => {
    for (const body of [{}, { organizationRoleIds: [], organizationRoleNames: [] }]) {
      const r = await call("POST", `${base}/users/${ids.u3}/roles`, { body })
      expect(r.status).toBe(201)
      expect(r.body).toEqual({ organizationRoleIds: [] })
    }
  })

  it("keeps existing roles (adds only)", async () => {
    await call("POST", `${base}/users/${ids.u2}/roles`, { body: { organizationRoleNames: ["admin"] } })
    expect(idsOf((await call("GET", `${base}/users/${ids.u2}/roles`)).body)).toEqual([ids.admin, ids.viewer])
  })

  it("answers the same errors as the replace route", async () => {
    expect((await call("POST", `${base}/users/${ids.u4}/roles`, { body: {} })).body).toEqual(membership)
    expect(
      (await call("POST", `${base}/users/${ids.u3}/roles`, { body: { organizationRoleNames: ["ghost"] } })).body.code
    ).toBe("organization.role_names_not_found")
    expect(
      (await call("POST", `${base}/users/${ids.u3}/roles`, { body: { organizationRoleIds: ["ghost"] } })).body
    ).toEqual(fk)
    expect(
      (await call("POST", `${base}/users/${ids.u3}/roles`, { body: { organizationRoleIds: [ids.audit] } })).body
    ).toEqual(constraint)
    const bad = await call("POST", `${base}/users/${ids.u3}/roles`, { body: { organizationRoleIds: [1] } })
    expect(bad.status).toBe(400)
  })
})

describe("DeleteOrganizationUserRole", () => {
  it("removes one role", async () => {
    expect((await call("DELETE", `${base}/users/${ids.u1}/roles/${ids.admin}`)).status).toBe(204)
    expect(idsOf((await call("GET", `${base}/users/${ids.u1}/roles`)).body)).toEqual([ids.member])
  })

  it("answers 422 require_membership first, then 404 for a role not assigned or unknown", async () => {
    expect((await call("DELETE", `${base}/users/${ids.u4}/roles/${ids.admin}`)).body).toEqual(membership)
    expect((await call("DELETE", `/api/organizations/${ids.missing}/users/${ids.u1}/roles/${ids.admin}`)).body).toEqual(
      membership
    )
    for (const role of [ids.viewer, "unknown"]) {
      const r = await call("DELETE", `${base}/users/${ids.u1}/roles/${role}`)
      expect(r.status).toBe(404)
      expect(r.body).toEqual(notFound)
    }
  })
})

describe("ListOrganizationUserScopes", () => {
  it("answers the union of the member's role scopes here, once each, by scope id", async () => {
    const r = await call("GET", `${base}/users/${ids.u1}/scopes`)
    expect(r.status).toBe(200)
    expect(r.headers.get("total-number")).toBeNull()
    // "scope000000000000read" < "scope00000000000write" < "scope0000000000invite" in byte order
    expect(r.body).toEqual([
      { tenantId: "default", id: ids.s1, name: "read:data", description: "Read" },
      { tenantId: "default", id: ids.s2, name: "write:data", description: null },
      { tenantId: "default", id: ids.s3, name: "invite:member", description: null }
    ])
    expect(
      (await call("GET", `${base}/users/${ids.u2}/scopes?page=abc`)).body.map((s: { id: string }) => s.id)
    ).toEqual([ids.s1])
  })

  it("answers 200 [] for a non-member, a member without roles, or an unknown organization", async () => {
    for (const path of [
      `${base}/users/${ids.u4}/scopes`,
      `${base}/users/${ids.u3}/scopes`,
      `/api/organizations/${ids.missing}/users/${ids.u1}/scopes`
    ]) {
      const r = await call("GET", path)
      expect(r.status).toBe(200)
      expect(r.body).toEqual([])
    }
  })
})
