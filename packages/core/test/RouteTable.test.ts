import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { OrganizationsApi, RouteTable } from "../src/index.ts"
import { HttpApi } from "effect/http-api"
import { seedOperations } from "./fixtures/seed.ts"

describe("RouteTable", () => {
  it("has exactly the 36 operations of the seed, with Logto's ids, methods and paths", () => {
    expect(RouteTable.routes).toHaveLength(36)
    const ours = RouteTable.routes.map((r) => `${r.method} ${r.template} ${r.operationId} ${r.name}`).sort()
    const seed = seedOperations.map((s) => `${s.method} ${s.path} ${s.operationId} ${s.camelName}`).sort()
    expect(ours).toEqual(seed)
  })

  it("is derived from the HttpApi: one route per endpoint, in definition order", () => {
    const endpoints: Array<string> = []
    HttpApi.reflect(OrganizationsApi.OrganizationsApi, {
      onGroup: () => {},
      onEndpoint: ({ endpoint }) => endpoints.push(`${endpoint.method} ${endpoint.path}`)
    })
    expect(RouteTable.routes.map((r) => `${r.method} ${r.path}`)).toEqual(endpoints)
    for (const route of RouteTable.routes) expect(route.endpoint.path).toBe(route.path)
  })

  it("lists path parameters in the order of the seed's signatures", () => {
    for (const seed of seedOperations) {
      expect(RouteTable.byName.get(seed.camelName as RouteTable.Name)?.pathParams, seed.name).toEqual(seed.pathArgs)
    }
  })

  it("marks GETs as reads, everything else as writes, and names the organization parameter", () => {
    for (const route of RouteTable.routes) {
      expect(route.kind).toBe(route.method === "GET" ? "read" : "write")
      expect(route.organizationParam).toBe(route.path === "/api/organizations" ? undefined : "id")
    }
  })

  it("knows which lists paginate always, optionally or never", () => {
    const modes = Object.fromEntries(
      RouteTable.routes.filter((r) => r.method === "GET").map((r) => [r.operationId, r.pagination])
    )
    expect(modes).toEqual({
      ListOrganizations: "mandatory",
      GetOrganization: "none",
      ListOrganizationUsers: "mandatory",
      ListOrganizationUserRoles: "optional",
      ListOrganizationUserScopes: "none",
      ListOrganizationApplications: "mandatory",
      ListOrganizationApplicationRoles: "optional",
      ListOrganizationJitEmailDomains: "optional",
      ListOrganizationJitRoles: "optional",
      ListOrganizationJitSsoConnectors: "optional"
    })
  })

  it("records each operation's success status", () => {
    const status = (id: RouteTable.OperationId) => RouteTable.byOperationId.get(id)?.successStatus
    expect(status("CreateOrganization")).toBe(201)
    expect(status("AddOrganizationApplications")).toBe(201)
    expect(status("GetOrganization")).toBe(200)
    expect(status("DeleteOrganization")).toBe(204)
    expect(status("ReplaceOrganizationUsers")).toBe(204)
  })
})

describe("RouteTable.match", () => {
  const op = (method: string, path: string) => {
    const m = RouteTable.match(method, path)
    return m._tag === "Route"
      ? [m.route.operationId, m.params]
      : [m._tag, "allow" in m ? [...m.allow].sort() : undefined]
  }

  it("matches every route with its decoded parameters", () => {
    expect(op("GET", "/api/organizations")).toEqual(["ListOrganizations", {}])
    expect(op("DELETE", "/api/organizations/o1/users/u1/roles/r1")).toEqual([
      "DeleteOrganizationUserRole",
      { id: "o1", userId: "u1", organizationRoleId: "r1" }
    ])
    expect(op("DELETE", "/api/organizations/o1/jit/email-domains/%40corp.example")).toEqual([
      "DeleteOrganizationJitEmailDomain",
      { id: "o1", emailDomain: "@corp.example" }
    ])
  })

  it("prefers a literal segment over a parameter", () => {
    expect(op("POST", "/api/organizations/o1/users/roles")[0]).toBe("AssignOrganizationRolesToUsers")
    expect(op("DELETE", "/api/organizations/o1/users/roles")).toEqual([
      "DeleteOrganizationUser",
      { id: "o1", userId: "roles" }
    ])
    expect(op("POST", "/api/organizations/o1/applications/roles")[0]).toBe("AssignOrganizationRolesToApplications")
  })

  it("decodes percent-escapes but keeps an encoded slash inside its segment", () => {
    expect(op("GET", "/api/organizations/a%2Fb")).toEqual(["GetOrganization", { id: "a/b" }])
    expect(op("GET", "/api/organizations/ab%63d")).toEqual(["GetOrganization", { id: "abcd" }])
    expect(op("GET", "/api/organizations/%E0%A4%A")).toEqual(["GetOrganization", { id: "%E0%A4%A" }])
    expect(op("GET", "/api/organizations/..")).toEqual(["GetOrganization", { id: ".." }])
  })

  it("ignores one trailing slash and answers HEAD with the GET route", () => {
    expect(op("GET", "/api/organizations/")[0]).toBe("ListOrganizations")
    expect(op("HEAD", "/api/organizations/o1/")[0]).toBe("GetOrganization")
  })

  it("answers 405 with the path's methods for a known path and another method", () => {
    expect(op("PUT", "/api/organizations")).toEqual(["MethodNotAllowed", ["GET", "HEAD", "POST"]])
    expect(op("GET", "/api/organizations/o1/users/u1")).toEqual(["MethodNotAllowed", ["DELETE"]])
    expect(op("PATCH", "/api/organizations/o1/users")).toEqual(["MethodNotAllowed", ["GET", "HEAD", "POST", "PUT"]])
  })

  it("answers OPTIONS with the path's methods", () => {
    expect(op("OPTIONS", "/api/organizations/o1")).toEqual(["Options", ["DELETE", "GET", "HEAD", "PATCH"]])
  })

  it("finds nothing for unknown paths, empty segments and extra segments", () => {
    for (const path of [
      "/api/organizations/o1/members",
      "/api/organizations//users",
      "/api/organizations/o1/users/u1/x/y",
      "/api/users",
      "/"
    ]) {
      expect(op("GET", path)[0], path).toBe("NotFound")
    }
  })
})

describe("RouteTable.buildPath", () => {
  it("encodes parameters so that nothing leaves its segment", () => {
    const route = RouteTable.byOperationId.get("DeleteOrganizationUser")!
    expect(RouteTable.buildPath(route, { id: "../..", userId: "a/b?c#d" })).toBe(
      "/api/organizations/..%2F../users/a%2Fb%3Fc%23d"
    )
    expect(RouteTable.buildPath(route, { id: "..", userId: "." })).toBe("/api/organizations/%2E%2E/users/%2E")
    expect(RouteTable.buildPath(route, { id: "50%", userId: "a b\\c" })).toBe(
      "/api/organizations/50%25/users/a%20b%5Cc"
    )
    const built = RouteTable.buildPath(route, { id: "ü x", userId: "u1" })
    expect(RouteTable.match("DELETE", built)).toMatchObject({ _tag: "Route", params: { id: "ü x", userId: "u1" } })
  })

  it("keeps characters a segment allows, so the upstream path is no longer than the caller's", () => {
    const route = RouteTable.byOperationId.get("GetOrganization")!
    const id = ".:@$&+,;=!'()*~-_".repeat(1000)
    const built = RouteTable.buildPath(route, { id })
    expect(built).toBe(`/api/organizations/${id}`)
    expect(RouteTable.match("GET", built)).toMatchObject({ _tag: "Route", params: { id } })
  })

  it("builds paths that match back to the same parameters, for any values on every route", () => {
    const value = fc.oneof(
      fc.string({ minLength: 1, unit: "binary" }),
      fc.constantFrom(".", "..", "a.b", "%2F", "~u-1_", "x%"),
      fc.stringMatching(/^[\w.~-]{1,20}$/)
    )
    for (const route of RouteTable.routes.filter((r) => r.pathParams.length > 0)) {
      fc.assert(
        fc.property(
          fc.array(value, { minLength: route.pathParams.length, maxLength: route.pathParams.length }),
          (values) => {
            const params = Object.fromEntries(route.pathParams.map((name, i) => [name, values[i]!]))
            const built = RouteTable.buildPath(route, params)
            expect(built.split("/").length).toBe(route.path.split("/").length)
            expect(RouteTable.match(route.method, built)).toMatchObject({ _tag: "Route", route, params })
          }
        ),
        { numRuns: 50 }
      )
    }
  })

  it("refuses to build a path with a missing parameter", () => {
    expect(() => RouteTable.buildPath(RouteTable.byOperationId.get("GetOrganization")!, {})).toThrow(
      /missing path parameter id/
    )
  })
})

describe("RouteTable membership", () => {
  it("names the member checked first on the per-member role routes, and only there", () => {
    const checked = RouteTable.routes
      .filter((r) => r.membershipParam !== undefined)
      .map((r) => `${r.operationId} ${r.membershipParam}`)
    expect(checked.sort()).toEqual([
      "AssignOrganizationRolesToApplication applicationId",
      "AssignOrganizationRolesToUser userId",
      "DeleteOrganizationApplicationRole applicationId",
      "DeleteOrganizationUserRole userId",
      "ListOrganizationApplicationRoles applicationId",
      "ListOrganizationUserRoles userId",
      "ReplaceOrganizationApplicationRoles applicationId",
      "ReplaceOrganizationUserRoles userId"
    ])
  })
})

describe("RouteTable idempotency", () => {
  it("marks GET, PUT, DELETE and Logto's on-conflict-do-nothing POSTs as safe to repeat", () => {
    const posts = RouteTable.routes.filter((r) => r.method === "POST")
    expect(
      posts
        .filter((r) => r.idempotent)
        .map((r) => r.operationId)
        .sort()
    ).toEqual([
      "AddOrganizationApplications",
      "AddOrganizationUsers",
      "AssignOrganizationRolesToApplication",
      "AssignOrganizationRolesToApplications",
      "AssignOrganizationRolesToUser",
      "AssignOrganizationRolesToUsers",
      "CreateOrganizationJitRole",
      "CreateOrganizationJitSsoConnector"
    ])
    expect(
      posts
        .filter((r) => !r.idempotent)
        .map((r) => r.operationId)
        .sort()
    ).toEqual(["CreateOrganization", "CreateOrganizationJitEmailDomain"])
    for (const route of RouteTable.routes.filter((r) => r.method !== "POST")) expect(route.idempotent).toBe(true)
  })
})
