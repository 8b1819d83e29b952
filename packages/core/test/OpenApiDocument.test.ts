import { describe, expect, it } from "vitest"
import { OpenApiDocument } from "../src/index.ts"
import logto from "./fixtures/logto-openapi-organizations.json" with { type: "json" }
import { seedOperations } from "./fixtures/seed.ts"

type Operation = {
  operationId: string
  responses: Record<string, unknown>
  parameters?: Array<{ name: string; in: string; description?: string; schema: Record<string, unknown> }>
}
const document = OpenApiDocument.make()
const operations = (doc: { paths: Record<string, unknown> }) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => ({
      path,
      method: method.toUpperCase(),
      op
    }))
  )

/**
 * Where our declared statuses differ from Logto's own document, and why (spec §5.1.6, §2.4).
 * Anything not listed here must match Logto's document exactly.
 */
const documentedDifferences: Record<
  string,
  { readonly added?: ReadonlyArray<string>; readonly removed?: ReadonlyArray<string> }
> = {
  // a fractional page_size is 422 entity.invalid_input on every paginated list (§2.4)
  ListOrganizations: { added: ["422"] },
  ListOrganizationJitEmailDomains: { added: ["422"] },
  ListOrganizationJitRoles: { added: ["422"] },
  ListOrganizationJitSsoConnectors: { added: ["422"] },
  // declared 404 never happens: an unknown organization gives [] (§5.1.6)
  ListOrganizationUsers: { added: ["422"], removed: ["404"] },
  ListOrganizationApplications: { added: ["422"], removed: ["404"] },
  // no query and no body, and an empty path segment never routes: the declared 400 cannot happen
  GetOrganization: { removed: ["400"] },
  DeleteOrganization: { removed: ["400"] },
  DeleteOrganizationJitEmailDomain: { removed: ["400"] },
  DeleteOrganizationUserRole: { removed: ["400"] },
  DeleteOrganizationApplicationRole: { removed: ["400"] },
  // declared 422 never happens (§5.1.6)
  DeleteOrganizationUser: { removed: ["400", "422"] },
  ListOrganizationUserScopes: { removed: ["400", "422"] },
  // the real answer is 404 entity.not_found, not the declared 422 (§5.1.6)
  DeleteOrganizationApplication: { added: ["404"], removed: ["400", "422"] },
  DeleteOrganizationJitRole: { added: ["404"], removed: ["400", "422"] },
  DeleteOrganizationJitSsoConnector: { added: ["404"], removed: ["400", "422"] },
  // duplicates, an over-long domain or a missing organization give 422 (§3.4 #27)
  ReplaceOrganizationJitEmailDomains: { added: ["422"] }
}

describe("OpenApiDocument.make", () => {
  it("is OpenAPI 3.1 with exactly the seed's 36 operations (ids, methods, paths)", () => {
    expect(document.openapi).toBe("3.1.0")
    const ours = operations(document)
      .map(({ method, op, path }) => `${method} ${path} ${op.operationId}`)
      .sort()
    const seed = seedOperations.map((s) => `${s.method} ${s.path} ${s.operationId}`).sort()
    expect(ours).toEqual(seed)
  })

  it("matches Logto's own document in ids, methods, paths and success statuses", () => {
    const logtoOps = operations(logto as never)
    expect(logtoOps).toHaveLength(36)
    for (const { method, op, path } of logtoOps) {
      const ours = (document.paths as Record<string, Record<string, Operation>>)[path]?.[method.toLowerCase()]
      expect(ours?.operationId, `${method} ${path}`).toBe(op.operationId)
      const success = (o: Operation) => Object.keys(o.responses).filter((s) => s.startsWith("2"))
      expect(success(ours!), op.operationId).toEqual(success(op))
    }
  })

  it("declares the error statuses Logto's document declares, except the documented differences", () => {
    for (const { method, op, path } of operations(logto as never)) {
      const ours = (document.paths as Record<string, Record<string, Operation>>)[path]![method.toLowerCase()]!
      const errors = (o: Operation) =>
        Object.keys(o.responses)
          .filter((s) => !s.startsWith("2"))
          .sort()
      const difference = documentedDifferences[op.operationId] ?? {}
      const expected = [
        ...errors(op).filter((s) => !difference.removed?.includes(s)),
        ...(difference.added ?? [])
      ].sort()
      expect(errors(ours), op.operationId).toEqual(expected)
    }
  })

  it("keeps page and page_size as bounded integers with descriptions and defaults", () => {
    const list = (document.paths as Record<string, Record<string, Operation>>)["/api/organizations"]!["get"]!
    const parameter = (name: string) => list.parameters!.find((p) => p.name === name)!
    expect(parameter("page").schema).toMatchObject({ type: "integer", minimum: 1, default: 1 })
    expect(parameter("page_size").schema).toEqual({ type: "integer", minimum: 1, maximum: 100, default: 20 })
    expect(parameter("page").description).toBe("Page number (starts from 1).")
    expect(parameter("q").description).toMatch(/substring/)
  })

  it("gives optional-pagination lists no defaults, since omitting both means everything", () => {
    const roles = (document.paths as Record<string, Record<string, Operation>>)["/api/organizations/{id}/jit/roles"]![
      "get"
    ]!
    expect(roles.parameters!.find((p) => p.name === "page_size")!.schema).toEqual({
      type: "integer",
      minimum: 1,
      maximum: 100
    })
  })

  it("describes path parameters", () => {
    const op = (document.paths as Record<string, Record<string, Operation>>)["/api/organizations/{id}/users/{userId}"]![
      "delete"
    ]!
    expect(op.parameters!.map((p) => [p.name, p.in, p.description])).toEqual([
      ["id", "path", "The unique identifier of the organization."],
      ["userId", "path", "The unique identifier of the user."]
    ])
  })

  it("models the six plain-text 201s as text, never JSON", () => {
    for (const { op } of operations(document)) {
      const created = op.responses["201"] as { content: Record<string, unknown> } | undefined
      if (created === undefined) continue
      const types = Object.keys(created.content)
      const text = [
        "AssignOrganizationRolesToUsers",
        "AddOrganizationApplications",
        "AssignOrganizationRolesToApplications",
        "AssignOrganizationRolesToApplication",
        "CreateOrganizationJitRole",
        "CreateOrganizationJitSsoConnector"
      ]
      expect(types, op.operationId).toEqual(
        text.includes(op.operationId) ? ["text/plain; charset=utf-8"] : ["application/json"]
      )
    }
  })

  it("adds servers and bearer security when asked, for the proxy", () => {
    const withServer = OpenApiDocument.make({
      servers: [{ url: "https://proxy.example" }],
      bearer: true
    }) as unknown as {
      servers: Array<{ url: string }>
      components: { securitySchemes: Record<string, unknown> }
      paths: Record<string, Record<string, { security: unknown }>>
    }
    expect(withServer.servers).toEqual([{ url: "https://proxy.example" }])
    expect(withServer.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } })
    expect(withServer.paths["/api/organizations"]!["get"]!.security).toEqual([{ bearer: [] }])
    expect((document as unknown as { servers?: unknown }).servers).toBeUndefined()
  })
})
