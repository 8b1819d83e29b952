import { RouteTable } from "@orgkit/core"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { dependencies, markdownTable } from "../../src/cache/dependency-map.ts"
import { changesList, readTag, writeTags } from "../../src/cache/dependencies.ts"
import { webhookInvalidation } from "../../src/cache/webhooks.ts"

const route = (operationId: RouteTable.OperationId) => RouteTable.byOperationId.get(operationId)!

/** The writes that change what ListOrganizations shows (names, existence, user memberships). */
const listWriters = [
  "CreateOrganization",
  "UpdateOrganization",
  "DeleteOrganization",
  "AddOrganizationUsers",
  "ReplaceOrganizationUsers",
  "DeleteOrganizationUser"
].sort()

describe("dependency map", () => {
  it("covers all 36 operations: every read has a tag, every write invalidates at least one", () => {
    expect(dependencies.map((d) => d.operationId).sort()).toEqual(RouteTable.routes.map((r) => r.operationId).sort())
    for (const d of dependencies) expect(d.tags.length).toBeGreaterThan(0)
    expect(dependencies.filter((d) => d.kind === "read")).toHaveLength(10)
  })

  it("stores the list under orgs and every organization read under that organization", () => {
    expect(readTag(route("ListOrganizations"), {})).toBe("orgs")
    for (const r of RouteTable.routes.filter((r) => r.kind === "read" && r.operationId !== "ListOrganizations")) {
      expect(readTag(r, { id: "o1", userId: "u", applicationId: "a" })).toBe("org:o1")
    }
  })

  it("invalidates the list exactly for the writes that change it (organizations, user memberships)", () => {
    const listWrites = dependencies
      .filter((d) => d.kind === "write" && d.tags.includes("orgs"))
      .map((d) => d.operationId)
    expect(listWrites.sort()).toEqual(listWriters)
  })

  it("adds orgs to a write's tags exactly for the writes that change the list (writeTags, as the cache calls it)", () => {
    const params = { id: "o1", userId: "u", applicationId: "a", organizationRoleId: "r" }
    const listWrites = RouteTable.routes
      .filter((r) => r.kind === "write" && writeTags(r, params).includes("orgs"))
      .map((r) => r.operationId)
    expect(listWrites.sort()).toEqual(listWriters)
    // No read changes the list; the user-role writes (in the users group) do not either.
    expect(RouteTable.routes.filter((r) => changesList(r)).every((r) => r.kind === "write")).toBe(true)
    expect(changesList(route("AssignOrganizationRolesToUser"))).toBe(false)
  })

  it("invalidates the organization of every organization-scoped write, and nothing of another", () => {
    for (const r of RouteTable.routes.filter((r) => r.kind === "write" && r.organizationParam !== undefined)) {
      const tags = writeTags(r, { id: "o1", userId: "u", applicationId: "a", organizationRoleId: "r" })
      expect(tags.filter((t) => t.startsWith("org:"))).toEqual(["org:o1"])
    }
  })

  it("invalidates a created organization's own id", () => {
    const body = new TextEncoder().encode('{"id":"neworg000001","name":"x"}')
    expect(writeTags(route("CreateOrganization"), {}, body)).toEqual(["orgs", "org:neworg000001"])
    expect(writeTags(route("CreateOrganization"), {}, undefined)).toEqual(["orgs"])
  })

  it("is documented in README.md exactly as derived", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
    expect(readme).toContain(markdownTable())
  })
})

describe("webhook events", () => {
  it("drops an organization and the list for Organization.* events, by data.id, organizationId or params.id", () => {
    expect(webhookInvalidation({ event: "Organization.Data.Updated", data: { id: "o1", name: "x" } })).toEqual({
      event: "Organization.Data.Updated",
      tags: ["org:o1", "orgs"]
    })
    expect(webhookInvalidation({ event: "Organization.Membership.Updated", organizationId: "o2" }).tags).toEqual([
      "org:o2",
      "orgs"
    ])
    expect(webhookInvalidation({ event: "Organization.Deleted", data: null, params: { id: "o3" } }).tags).toEqual([
      "org:o3",
      "orgs"
    ])
    expect(webhookInvalidation({ event: "Organization.Created" }).tags).toEqual(["all"])
  })

  it("finds the organization in data.id, organizationId, data.organizationId, then params.id, skipping empty ones", () => {
    const tags = (payload: Record<string, unknown>) =>
      webhookInvalidation({ event: "Organization.Membership.Updated", ...payload }).tags
    expect(tags({ data: { organizationId: "o4" } })).toEqual(["org:o4", "orgs"])
    expect(tags({ data: { id: "o1", organizationId: "o4" }, organizationId: "o2", params: { id: "o3" } })).toEqual([
      "org:o1",
      "orgs"
    ])
    expect(tags({ data: { organizationId: "o4" }, organizationId: "o2", params: { id: "o3" } })).toEqual([
      "org:o2",
      "orgs"
    ])
    expect(tags({ data: { organizationId: "o4" }, params: { id: "o3" } })).toEqual(["org:o4", "orgs"])
    expect(tags({ data: { id: "" }, organizationId: "", params: { id: "o3" } })).toEqual(["org:o3", "orgs"])
    // Ids that are not non-empty strings, or containers that are not objects, name no organization.
    expect(tags({ data: { id: 7 }, organizationId: ["o2"], params: ["o3"] })).toEqual(["all"])
    expect(tags({ data: [{ id: "o1" }], params: "o3" })).toEqual(["all"])
    expect(tags({ params: { id: "" } })).toEqual(["all"])
  })

  it("reads the event only from a payload object with a non-empty string event", () => {
    expect(webhookInvalidation(null)).toEqual({ event: undefined, tags: [] })
    expect(webhookInvalidation([{ event: "Organization.Deleted" }])).toEqual({ event: undefined, tags: [] })
    expect(webhookInvalidation({ event: "", data: { id: "o1" } })).toEqual({ event: undefined, tags: [] })
    expect(webhookInvalidation({ event: 1, data: { id: "o1" } })).toEqual({ event: undefined, tags: [] })
  })

  it("drops everything for role, scope, user and application changes", () => {
    for (const event of [
      "OrganizationRole.Created",
      "OrganizationRole.Data.Updated",
      "OrganizationRole.Deleted",
      "OrganizationRole.Scopes.Updated",
      "OrganizationScope.Created",
      "OrganizationScope.Data.Updated",
      "OrganizationScope.Deleted",
      "User.Deleted",
      "User.Data.Updated",
      "User.SuspensionStatus.Updated",
      "Application.Data.Updated",
      "Application.Deleted"
    ]) {
      expect(webhookInvalidation({ event, data: { id: "x" } }).tags).toEqual(["all"])
    }
  })

  it("drops nothing for events that change no cached read, or unknown ones", () => {
    for (const event of ["User.Created", "Application.Created", "PostSignIn", "Role.Created", "Something.New"]) {
      expect(webhookInvalidation({ event }).tags).toEqual([])
    }
    expect(webhookInvalidation("nope")).toEqual({ event: undefined, tags: [] })
  })
})
