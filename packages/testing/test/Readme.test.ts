import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { FakeLogto } from "../src/index.ts"
import { makeCall } from "./helpers.ts"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

describe("README", () => {
  it("the complete seed example loads and means what it says", async () => {
    const block = /A complete example:\n\n```json\n([\s\S]*?)\n```/.exec(readme)
    expect(block).not.toBeNull()
    const fake = FakeLogto.make({ seed: JSON.parse(block![1]!) })
    const call = makeCall(fake.fetch, "http://logto.test", fake.token)
    const users = await call("GET", "/api/organizations/acmecorp0001/users")
    // bob has no explicit id, so his generated id may sort before or after alice's: compare by name.
    expect(
      users.body
        .map((u: { username: string; organizationRoles: Array<{ name: string }> }) => [
          u.username,
          u.organizationRoles.map((r) => r.name)
        ])
        .sort((a: [string], b: [string]) => a[0].localeCompare(b[0]))
    ).toEqual([
      ["alice", ["admin"]],
      ["bob", []]
    ])
    const apps = await call("GET", "/api/organizations/acmecorp0001/applications")
    expect(apps.body[0].organizationRoles.map((r: { name: string }) => r.name)).toEqual(["sync"])
    const scopes = await call("GET", "/api/organizations/acmecorp0001/users/alice0000001/scopes")
    expect(scopes.body.map((s: { name: string }) => s.name).sort()).toEqual(["read:data", "write:data"])
    expect((await call("GET", "/api/organizations/acmecorp0001/jit/sso-connectors")).body[0].id).toBe("acmeokta0001")
    expect(fake.store.counts()).toMatchObject({ organizations: 2, applications: 2, organizationRoles: 3 })
    await fake.dispose()
  })
})
