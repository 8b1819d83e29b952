import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { ids, world } from "./fixtures/world.ts"
import { logtoError, messages, notExistsWithId, setup } from "./helpers.ts"

const { fake, call } = setup()
beforeEach(() => fake.reset(world))
afterAll(() => fake.dispose())

const json = "application/json; charset=utf-8"

describe("ListOrganizations", () => {
  it("lists organizations in id order with Total-Number, Link and ETag", async () => {
    const r = await call("GET", "/api/organizations")
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toBe(json)
    expect(r.headers.get("total-number")).toBe("3")
    expect(r.headers.get("etag")).toMatch(/^"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/)
    expect(r.body.map((o: { id: string }) => o.id)).toEqual([ids.org, ids.org2, ids.empty])
    expect(r.body[0]).toEqual({
      tenantId: "default",
      id: ids.org,
      name: "Acme",
      description: "Acme Corp",
      customData: {},
      isMfaRequired: false,
      color: {},
      branding: {},
      customCss: null,
      createdAt: 1000
    })
    expect("usersCount" in r.body[0]).toBe(false)
  })

  it("paginates with page and page_size and answers [] past the end with the full total", async () => {
    const page2 = await call("GET", "/api/organizations?page=2&page_size=2")
    expect(page2.body.map((o: { id: string }) => o.id)).toEqual([ids.empty])
    expect(page2.headers.get("total-number")).toBe("3")
    const past = await call("GET", "/api/organizations?page=9&page_size=2")
    expect(past.status).toBe(200)
    expect(past.body).toEqual([])
    expect(past.headers.get("total-number")).toBe("3")
  })

  it("filters with q over id and name, case-insensitively", async () => {
    const byName = await call("GET", "/api/organizations?q=ACM")
    expect(byName.body.map((o: { id: string }) => o.id)).toEqual([ids.org])
    expect(byName.headers.get("total-number")).toBe("1")
    const byId = await call("GET", `/api/organizations?q=${ids.org2.toUpperCase()}`)
    expect(byId.body.map((o: { id: string }) => o.id)).toEqual([ids.org2])
  })

  it("adds usersCount and at most three featured users with showFeatured", async () => {
    await call("POST", `/api/organizations/${ids.org}/users`, { body: { userIds: [ids.u4] } })
    const r = await call("GET", "/api/organizations?showFeatured=YES&q=acme")
    expect(r.body[0].usersCount).toBe(4)
    expect(r.body[0].featuredUsers).toEqual([
      { id: ids.u1, avatar: "https://a.example/a.png", name: "Alice" },
      { id: ids.u2, avatar: null, name: "Bob" },
      { id: ids.u3, avatar: null, name: "Carol" }
    ])
    const off = await call("GET", "/api/organizations?showFeatured=on")
    expect("featuredUsers" in off.body[0]).toBe(false)
  })

  it("answers 400 guard.invalid_pagination for a bad page", async () => {
    const r = await call("GET", "/api/organizations?page=0")
    expect(r.status).toBe(400)
    expect(r.body).toEqual(logtoError("guard.invalid_pagination", messages.pagination))
    expect(r.headers.get("etag")).toBeNull()
  })

  it("answers 400 guard.invalid_input for a repeated q", async () => {
    const r = await call("GET", "/api/organizations?q=a&q=b")
    expect(r.status).toBe(400)
    expect(r.body.code).toBe("guard.invalid_input")
    expect(r.body.message).toBe("The request query is invalid.")
    expect(r.body.data.name).toBe("ZodError")
  })

  it("answers 422 entity.invalid_input for a fractional page_size", async () => {
    const r = await call("GET", "/api/organizations?page_size=2.5")
    expect(r.status).toBe(422)
    expect(r.body).toEqual(logtoError("entity.invalid_input", messages.invalidInput))
  })

  it("answers Logto's bodiless 500 for a page below 1 that is not rejected (page=0.5)", async () => {
    const r = await call("GET", "/api/organizations?page=0.5")
    expect(r.status).toBe(500)
    expect(r.body).toEqual({ message: "Internal server error." })
  })
})

describe("CreateOrganization", () => {
  it("creates an organization with defaults and a 12-character id", async () => {
    const r = await call("POST", "/api/organizations", { body: { name: "New" } })
    expect(r.status).toBe(201)
    expect(r.headers.get("content-type")).toBe(json)
    expect(r.headers.get("etag")).toBeNull()
    expect(r.body.id).toMatch(/^[0-9a-z]{12}$/)
    expect(r.body).toEqual({
      tenantId: "default",
      id: r.body.id,
      name: "New",
      description: null,
      customData: {},
      isMfaRequired: false,
      color: {},
      branding: {},
      customCss: null,
      createdAt: r.body.createdAt
    })
    expect(Math.abs(r.body.createdAt - Date.now())).toBeLessThan(60_000)
    const get = await call("GET", `/api/organizations/${r.body.id}`)
    expect(get.body).toEqual(r.body)
  })

  it("ignores tenantId, createdAt, id and unknown keys, and stores empty strings as null", async () => {
    const r = await call("POST", "/api/organizations", {
      body: {
        name: "X",
        tenantId: "admin",
        createdAt: 5,
        id: "chosen",
        isTrustedDeviceAllowed: false,
        description: "",
        customCss: "",
        color: { primaryColor: "#ABC", extra: 1 },
        branding: { logoUrl: "mock://x/y.png", unknown: "z" },
        customData: { nested: { a: [1, 2] } }
      }
    })
    expect(r.status).toBe(201)
    expect(r.body.tenantId).toBe("default")
    expect(r.body.createdAt).not.toBe(5)
    expect(r.body.id).not.toBe("chosen")
    expect("isTrustedDeviceAllowed" in r.body).toBe(false)
    expect(r.body.description).toBeNull()
    expect(r.body.customCss).toBeNull()
    expect(r.body.color).toEqual({ primaryColor: "#ABC" })
    expect(r.body.branding).toEqual({ logoUrl: "mock://x/y.png" })
    expect(r.body.customData).toEqual({ nested: { a: [1, 2] } })
  })

  it("allows duplicate names", async () => {
    const a = await call("POST", "/api/organizations", { body: { name: "Acme" } })
    expect(a.status).toBe(201)
    expect(a.body.id).not.toBe(ids.org)
  })

  it("answers 400 guard.invalid_input with data and details for an empty name", async () => {
    const r = await call("POST", "/api/organizations", { body: { name: "" } })
    expect(r.status).toBe(400)
    expect(r.body).toEqual({
      code: "guard.invalid_input",
      message: "The request body is invalid.",
      data: {
        issues: [
          {
            code: "too_small",
            minimum: 1,
            type: "string",
            inclusive: true,
            exact: false,
            message: "String must contain at least 1 character(s)",
            path: ["name"]
          }
        ],
        name: "ZodError"
      },
      details: 'Error in key path "name": (too_small) String must contain at least 1 character(s)'
    })
  })

  it("answers 403 subscription.limit_exceeded when a configured organization quota is reached", async () => {
    const limited = setup({ quotas: { organizations: 3 } })
    const r = await limited.call("POST", "/api/organizations", { body: { name: "Fourth" } })
    expect(r.status).toBe(403)
    expect(r.body).toEqual(
      logtoError("subscription.limit_exceeded", "You have reached the limit of your subscription plan.")
    )
    await limited.fake.dispose()
  })
})

describe("GetOrganization", () => {
  it("returns the organization", async () => {
    const r = await call("GET", `/api/organizations/${ids.org2}`)
    expect(r.status).toBe(200)
    expect(r.body.name).toBe("Globex")
    expect(r.headers.get("etag")).not.toBeNull()
  })

  it("answers 404 entity.not_exists_with_id with the id in the message", async () => {
    const r = await call("GET", `/api/organizations/${ids.missing}`)
    expect(r.status).toBe(404)
    expect(r.body).toEqual(notExistsWithId(ids.missing))
    expect(r.headers.get("etag")).toBeNull()
  })
})

describe("UpdateOrganization", () => {
  it("changes only the keys sent and replaces JSON fields wholesale", async () => {
    await call("PATCH", `/api/organizations/${ids.org}`, {
      body: {
        color: { primaryColor: "#fff", darkPrimaryColor: "#000", isDarkModeEnabled: true },
        customData: { a: 1, b: 2 }
      }
    })
    const r = await call("PATCH", `/api/organizations/${ids.org}`, {
      body: {
        color: { primaryColor: "#ABCDEF" },
        customData: { plan: "pro" },
        description: "",
        customCss: "",
        id: "ignored"
      }
    })
    expect(r.status).toBe(200)
    expect(r.headers.get("etag")).toBeNull()
    expect(r.body).toMatchObject({
      id: ids.org,
      name: "Acme",
      color: { primaryColor: "#ABCDEF" },
      customData: { plan: "pro" },
      description: null,
      customCss: null
    })
  })

  it("applies createdAt, truncating fractions", async () => {
    const r = await call("PATCH", `/api/organizations/${ids.org}`, { body: { createdAt: 1700000000000.7 } })
    expect(r.body.createdAt).toBe(1700000000000)
    const negative = await call("PATCH", `/api/organizations/${ids.org}`, { body: { createdAt: -5 } })
    expect(negative.body.createdAt).toBe(-5)
  })

  it("answers 422 entity.invalid_input with nothing to update, before looking the organization up", async () => {
    for (const body of [{}, { id: "x" }, { foo: 1 }, { isTrustedDeviceAllowed: true }]) {
      const r = await call("PATCH", `/api/organizations/${ids.missing}`, { body })
      expect(r.status).toBe(422)
      expect(r.body).toEqual(logtoError("entity.invalid_input", messages.invalidInput))
    }
  })

  it("answers 404 entity.not_exists for a missing organization", async () => {
    const r = await call("PATCH", `/api/organizations/${ids.missing}`, { body: { name: "x" } })
    expect(r.status).toBe(404)
    expect(r.body).toEqual(logtoError("entity.not_exists", messages.notExists))
  })

  it("answers 400 for a null name before anything else", async () => {
    const r = await call("PATCH", `/api/organizations/${ids.missing}`, { body: { name: null } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe("guard.invalid_input")
    expect(r.body.data.issues[0].path).toEqual(["name"])
  })

  it("answers Logto's 500 for another tenant's id and changes nothing; its own tenant id is harmless", async () => {
    const r = await call("PATCH", `/api/organizations/${ids.org}`, { body: { tenantId: "admin", name: "Changed" } })
    expect(r.status).toBe(500)
    expect(r.body).toEqual({ message: "Internal server error." })
    expect((await call("GET", `/api/organizations/${ids.org}`)).body.name).toBe("Acme")
    const own = await call("PATCH", `/api/organizations/${ids.org}`, { body: { tenantId: "default" } })
    expect(own.status).toBe(200)
  })

  it("answers Logto's 500 for a createdAt out of PostgreSQL's range", async () => {
    const r = await call("PATCH", `/api/organizations/${ids.org}`, { body: { createdAt: 1e20 } })
    expect(r.status).toBe(500)
    expect(r.body).toEqual({ message: "Internal server error." })
  })
})

describe("DeleteOrganization", () => {
  it("deletes and cascades every relation, leaving users, roles and applications", async () => {
    const r = await call("DELETE", `/api/organizations/${ids.org}`)
    expect(r.status).toBe(204)
    expect(r.text).toBe("")
    expect(r.headers.get("content-type")).toBeNull()
    expect((await call("GET", `/api/organizations/${ids.org}`)).status).toBe(404)
    expect((await call("GET", `/api/organizations/${ids.org}/users`)).body).toEqual([])
    expect((await call("GET", `/api/organizations/${ids.org}/applications`)).body).toEqual([])
    expect((await call("GET", `/api/organizations/${ids.org}/jit/email-domains`)).body).toEqual([])
    expect((await call("GET", `/api/organizations/${ids.org}/users/${ids.u1}/scopes`)).body).toEqual([])
    expect((await call("GET", `/api/organizations/${ids.org}/users/${ids.u1}/roles`)).status).toBe(422)
    expect((await call("GET", `/api/organizations/${ids.org}/jit/roles`)).status).toBe(404)
    expect((await call("GET", `/api/organizations/${ids.org}/jit/sso-connectors`)).status).toBe(404)
    expect(fake.store.getUser(ids.u1)).toBeDefined()
    expect(fake.store.getOrganizationRole(ids.admin)).toBeDefined()
    expect(fake.store.getApplication(ids.m2m1)).toBeDefined()
  })

  it("answers 404 entity.not_found for a missing or already deleted organization", async () => {
    await call("DELETE", `/api/organizations/${ids.org}`)
    const r = await call("DELETE", `/api/organizations/${ids.org}`)
    expect(r.status).toBe(404)
    expect(r.body).toEqual(logtoError("entity.not_found", messages.notFound))
  })
})
