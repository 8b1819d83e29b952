/**
 * The authorization step's decisions on their own: the scope a request needs (`scopeFor`) and
 * whether a principal may make it (`permits`), per route subject. The end-to-end auth matrix is in
 * `test/suite/auth.ts`; the Node hit path asks `permits` too (`test/suite/cache.ts`).
 */
import { RouteTable } from "@orgkit/core"
import { describe, expect, it } from "vitest"
import { permits, scopeFor } from "../../src/middleware/authenticate/authenticate.ts"
import type { Principal } from "../../src/principal.ts"

const route = (operationId: RouteTable.OperationId) => RouteTable.byOperationId.get(operationId)!
const principal = (scopes: Array<"read" | "write">, organizations?: Array<string>): Principal => ({
  id: "k",
  name: "k",
  scopes: new Set(scopes),
  organizations: organizations === undefined ? undefined : new Set(organizations)
})

describe("scopeFor", () => {
  it("asks read for reads and for no route at all, write for writes", () => {
    expect([scopeFor(undefined), scopeFor(route("GetOrganization")), scopeFor(route("UpdateOrganization"))]).toEqual([
      "read",
      "read",
      "write"
    ])
  })
})

describe("permits", () => {
  it("refuses a key restricted to organizations a new organization, lets it list, and touch only its own", () => {
    const acme = principal(["read", "write"], ["acme"])
    expect([
      permits(acme, "write", route("CreateOrganization"), {}),
      permits(acme, "read", route("ListOrganizations"), {}),
      permits(acme, "read", route("GetOrganization"), { id: "acme" }),
      permits(acme, "read", route("GetOrganization"), { id: "globex" }),
      permits(acme, "read", undefined, {})
    ]).toEqual([false, true, true, false, true])
    const unrestricted = principal(["write"])
    expect([
      permits(unrestricted, "write", route("CreateOrganization"), {}),
      permits(unrestricted, "read", route("GetOrganization"), { id: "acme" })
    ]).toEqual([true, false])
  })
})
