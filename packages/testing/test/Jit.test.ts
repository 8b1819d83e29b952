import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { ids, world } from "./fixtures/world.ts"
import { logtoError, messages, notExistsWithId, setup } from "./helpers.ts"

const { fake, call } = setup()
beforeEach(() => fake.reset(world))
afterAll(() => fake.dispose())

const base = `/api/organizations/${ids.org}`
const missing = `/api/organizations/${ids.missing}`
const idsOf = (list: ReadonlyArray<{ id: string }>) => list.map((x) => x.id)
const fk = logtoError("entity.relation_foreign_key_not_found", messages.foreignKey)
const unique = logtoError("entity.unique_integrity_violation", messages.unique)
const notFound = logtoError("entity.not_found", messages.notFound)
const domainsOf = (list: ReadonlyArray<{ emailDomain: string }>) => list.map((d) => d.emailDomain)

describe("ListOrganizationJitEmailDomains", () => {
  it("lists domains in byte order without pagination headers unless asked", async () => {
    await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: ["b.example", "B.example", "a.example"] } })
    const r = await call("GET", `${base}/jit/email-domains`)
    expect(r.status).toBe(200)
    expect(r.headers.get("total-number")).toBeNull()
    expect(r.body).toEqual([
      { tenantId: "default", organizationId: ids.org, emailDomain: "B.example" },
      { tenantId: "default", organizationId: ids.org, emailDomain: "a.example" },
      { tenantId: "default", organizationId: ids.org, emailDomain: "b.example" }
    ])
    const paged = await call("GET", `${base}/jit/email-domains?page=2&page_size=2`)
    expect(domainsOf(paged.body)).toEqual(["b.example"])
    expect(paged.headers.get("total-number")).toBe("3")
  })

  it("answers 200 [] for an unknown organization", async () => {
    const r = await call("GET", `${missing}/jit/email-domains`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual([])
  })

  it("answers Logto's 500 while an empty domain is stored (Logto's response guard rejects it)", async () => {
    expect(
      (await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: ["ok.example", ""] } })).status
    ).toBe(204)
    const r = await call("GET", `${base}/jit/email-domains`)
    expect(r.status).toBe(500)
    expect(r.body).toEqual({ message: "Internal server error." })
    await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: ["ok.example"] } })
    expect((await call("GET", `${base}/jit/email-domains`)).status).toBe(200)
  })

  it("answers 400 for bad pagination", async () => {
    expect((await call("GET", `${base}/jit/email-domains?page_size=0`)).body.code).toBe("guard.invalid_pagination")
  })
})

describe("CreateOrganizationJitEmailDomain", () => {
  it("stores the domain verbatim and answers it as JSON", async () => {
    const r = await call("POST", `${base}/jit/email-domains`, { body: { emailDomain: " Example.COM " } })
    expect(r.status).toBe(201)
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8")
    expect(r.body).toEqual({ tenantId: "default", organizationId: ids.org, emailDomain: " Example.COM " })
    expect((await call("POST", `${base}/jit/email-domains`, { body: { emailDomain: "example.com" } })).status).toBe(201)
  })

  it("answers 422 unique_integrity_violation for an exact duplicate", async () => {
    const r = await call("POST", `${base}/jit/email-domains`, { body: { emailDomain: "acme.example" } })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(unique)
  })

  it("answers 422 relation_foreign_key_not_found for an unknown organization", async () => {
    expect((await call("POST", `${missing}/jit/email-domains`, { body: { emailDomain: "x.example" } })).body).toEqual(
      fk
    )
  })

  it("accepts 128 characters and answers 422 value_too_long above, even for an unknown organization", async () => {
    expect((await call("POST", `${base}/jit/email-domains`, { body: { emailDomain: "d".repeat(128) } })).status).toBe(
      201
    )
    const r = await call("POST", `${missing}/jit/email-domains`, { body: { emailDomain: "d".repeat(129) } })
    expect(r.status).toBe(422)
    expect(r.body).toEqual(
      logtoError("entity.value_too_long", messages.tooLong, {
        message: "value too long for type character varying(128)"
      })
    )
  })

  it("answers 400 for an empty, missing or non-string domain", async () => {
    for (const body of [{ emailDomain: "" }, {}, { emailDomain: 1 }]) {
      const r = await call("POST", `${base}/jit/email-domains`, { body })
      expect(r.status).toBe(400)
      expect(r.body.code).toBe("guard.invalid_input")
    }
  })
})

describe("ReplaceOrganizationJitEmailDomains", () => {
  it("replaces the list verbatim; [] clears it", async () => {
    expect(
      (await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: ["x.example", "X.example"] } })).status
    ).toBe(204)
    expect(domainsOf((await call("GET", `${base}/jit/email-domains`)).body)).toEqual(["X.example", "x.example"])
    expect((await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: [] } })).status).toBe(204)
    expect((await call("GET", `${base}/jit/email-domains`)).body).toEqual([])
  })

  it("answers 422 unique_integrity_violation for duplicates and keeps the old list", async () => {
    expect(
      (await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: ["a.example", "a.example"] } })).body
    ).toEqual(unique)
    expect(domainsOf((await call("GET", `${base}/jit/email-domains`)).body)).toEqual(["acme.example"])
  })

  it("answers 204 for [] and 422 for a non-empty list on an unknown organization", async () => {
    expect((await call("PUT", `${missing}/jit/email-domains`, { body: { emailDomains: [] } })).status).toBe(204)
    expect((await call("PUT", `${missing}/jit/email-domains`, { body: { emailDomains: ["a.example"] } })).body).toEqual(
      fk
    )
  })

  it("answers 422 value_too_long for a domain over 128 characters and 400 for a non-array", async () => {
    expect(
      (await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: ["d".repeat(129)] } })).body.code
    ).toBe("entity.value_too_long")
    expect((await call("PUT", `${base}/jit/email-domains`, { body: { emailDomains: "a.example" } })).status).toBe(400)
  })
})

describe("DeleteOrganizationJitEmailDomain", () => {
  it("deletes by exact, percent-decoded match", async () => {
    await call("POST", `${base}/jit/email-domains`, { body: { emailDomain: "@corp.example" } })
    expect((await call("DELETE", `${base}/jit/email-domains/%40corp.example`)).status).toBe(204)
    expect(domainsOf((await call("GET", `${base}/jit/email-domains`)).body)).toEqual(["acme.example"])
  })

  it("answers 404 entity.not_found for another case, an unknown domain or organization", async () => {
    for (const path of [
      `${base}/jit/email-domains/ACME.example`,
      `${base}/jit/email-domains/x`,
      `${missing}/jit/email-domains/acme.example`
    ]) {
      const r = await call("DELETE", path)
      expect(r.status).toBe(404)
      expect(r.body).toEqual(notFound)
    }
  })
})

describe("ListOrganizationJitRoles", () => {
  it("lists full roles of any type, paginated only when asked", async () => {
    await call("POST", `${base}/jit/roles`, { body: { organizationRoleIds: [ids.sync] } })
    const r = await call("GET", `${base}/jit/roles`)
    expect(r.status).toBe(200)
    expect(r.headers.get("total-number")).toBeNull()
    // role-id (byte) order: "role000000000000sync1" < "role0000000000member1"
    expect(r.body).toEqual([
      { tenantId: "default", id: ids.sync, name: "sync", description: null, type: "MachineToMachine" },
      { tenantId: "default", id: ids.member, name: "member", description: "Member", type: "User" }
    ])
    expect((await call("GET", `${base}/jit/roles?page_size=1`)).headers.get("total-number")).toBe("2")
  })

  it("answers 404 entity.not_exists_with_id for an unknown organization", async () => {
    const r = await call("GET", `${missing}/jit/roles`)
    expect(r.status).toBe(404)
    expect(r.body).toEqual(notExistsWithId(ids.missing))
  })

  it("answers 400 for bad pagination", async () => {
    expect((await call("GET", `${base}/jit/roles?page=1&page=1`)).status).toBe(400)
  })
})

describe("CreateOrganizationJitRole", () => {
  it("adds roles idempotently with the plain-text Created", async () => {
    const r = await call("POST", `${base}/jit/roles`, {
      body: { organizationRoleIds: [ids.member, ids.admin, ids.admin] }
    })
    expect(r.status).toBe(201)
    expect(r.text).toBe("Created")
    expect(idsOf((await call("GET", `${base}/jit/roles`)).body)).toEqual([ids.admin, ids.member].sort())
  })

  it("answers 422 for an unknown role or organization, and 400 for []", async () => {
    expect((await call("POST", `${base}/jit/roles`, { body: { organizationRoleIds: ["nope"] } })).body).toEqual(fk)
    expect((await call("POST", `${missing}/jit/roles`, { body: { organizationRoleIds: [ids.member] } })).body).toEqual(
      fk
    )
    expect((await call("POST", `${base}/jit/roles`, { body: { organizationRoleIds: [] } })).status).toBe(400)
  })
})

describe("ReplaceOrganizationJitRoles", () => {
  it("replaces the list; [] clears it", async () => {
    expect(
      (await call("PUT", `${base}/jit/roles`, { body: { organizationRoleIds: [ids.viewer, ids.audit] } })).status
    ).toBe(204)
    expect(idsOf((await call("GET", `${base}/jit/roles`)).body)).toEqual([ids.audit, ids.viewer].sort())
    expect((await call("PUT", `${base}/jit/roles`, { body: { organizationRoleIds: [] } })).status).toBe(204)
    expect((await call("GET", `${base}/jit/roles`)).body).toEqual([])
  })

  it("answers 422 for duplicates or an unknown role, keeping the old list", async () => {
    expect(
      (await call("PUT", `${base}/jit/roles`, { body: { organizationRoleIds: [ids.viewer, ids.viewer] } })).body
    ).toEqual(unique)
    expect((await call("PUT", `${base}/jit/roles`, { body: { organizationRoleIds: ["nope"] } })).body).toEqual(fk)
    expect(idsOf((await call("GET", `${base}/jit/roles`)).body)).toEqual([ids.member])
    expect((await call("PUT", `${base}/jit/roles`, { body: {} })).status).toBe(400)
  })
})

describe("DeleteOrganizationJitRole", () => {
  it("removes one role", async () => {
    expect((await call("DELETE", `${base}/jit/roles/${ids.member}`)).status).toBe(204)
    expect((await call("GET", `${base}/jit/roles`)).body).toEqual([])
  })

  it("answers 404 entity.not_found when absent (not the declared 422)", async () => {
    const r = await call("DELETE", `${base}/jit/roles/${ids.admin}`)
    expect(r.status).toBe(404)
    expect(r.body).toEqual(notFound)
  })
})

describe("ListOrganizationJitSsoConnectors", () => {
  it("lists full connector rows, config included", async () => {
    const r = await call("GET", `${base}/jit/sso-connectors`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual([
      {
        tenantId: "default",
        id: ids.c1,
        providerName: "OIDC",
        connectorName: "Acme Okta",
        config: { issuer: "https://okta.example" },
        domains: ["acme.example"],
        branding: {},
        syncProfile: false,
        enableTokenStorage: false,
        createdAt: 1000
      }
    ])
    expect(r.headers.get("total-number")).toBeNull()
  })

  it("answers 404 entity.not_exists_with_id for an unknown organization and 400 for bad pagination", async () => {
    expect((await call("GET", `${missing}/jit/sso-connectors`)).body).toEqual(notExistsWithId(ids.missing))
    expect((await call("GET", `${base}/jit/sso-connectors?page=abc`)).status).toBe(400)
  })
})

describe("CreateOrganizationJitSsoConnector", () => {
  it("adds connectors idempotently with the plain-text Created", async () => {
    const r = await call("POST", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: [ids.c2, ids.c1, ids.c2] } })
    expect(r.status).toBe(201)
    expect(r.text).toBe("Created")
    expect(idsOf((await call("GET", `${base}/jit/sso-connectors`)).body)).toEqual([ids.c1, ids.c2])
  })

  it("answers 422 for an unknown connector or organization, and 400 for []", async () => {
    expect((await call("POST", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: ["nope"] } })).body).toEqual(fk)
    expect((await call("POST", `${missing}/jit/sso-connectors`, { body: { ssoConnectorIds: [ids.c1] } })).body).toEqual(
      fk
    )
    expect((await call("POST", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: [] } })).status).toBe(400)
  })
})

describe("ReplaceOrganizationJitSsoConnectors", () => {
  it("replaces the list; [] clears it", async () => {
    expect((await call("PUT", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: [ids.c2] } })).status).toBe(204)
    expect(idsOf((await call("GET", `${base}/jit/sso-connectors`)).body)).toEqual([ids.c2])
    expect((await call("PUT", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: [] } })).status).toBe(204)
    expect((await call("GET", `${base}/jit/sso-connectors`)).body).toEqual([])
  })

  it("answers 422 for duplicates or an unknown connector, and 400 for a bad body", async () => {
    expect(
      (await call("PUT", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: [ids.c2, ids.c2] } })).body
    ).toEqual(unique)
    expect((await call("PUT", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: ["nope"] } })).body).toEqual(fk)
    expect((await call("PUT", `${missing}/jit/sso-connectors`, { body: { ssoConnectorIds: [] } })).status).toBe(204)
    expect((await call("PUT", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: [""] } })).status).toBe(400)
  })
})

describe("DeleteOrganizationJitSsoConnector", () => {
  it("removes one connector", async () => {
    expect((await call("DELETE", `${base}/jit/sso-connectors/${ids.c1}`)).status).toBe(204)
    expect((await call("GET", `${base}/jit/sso-connectors`)).body).toEqual([])
  })

  it("answers 404 entity.not_found when absent", async () => {
    const r = await call("DELETE", `${base}/jit/sso-connectors/${ids.c2}`)
    expect(r.status).toBe(404)
    expect(r.body).toEqual(notFound)
  })
})
