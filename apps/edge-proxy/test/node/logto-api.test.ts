/**
 * Logto's official client, `@logto/api`, used unchanged against the proxy: its base URL is the
 * proxy's and its token is a proxy key. It runs against its own fake and proxy (real HTTP).
 */
import { createApiClient } from "@logto/api/management"
import { Demo, FakeLogto } from "@orgkit/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NodeProxy } from "../../src/adapters/node/server.ts"
import { client, directToken, keys, proxyEnv } from "../fixtures/e2e.ts"
import { startLoopbackProxy } from "../fixtures/node-proxy.ts"
import { collectingLog } from "../fixtures/ports.ts"

let fake: FakeLogto.Server
let proxy: NodeProxy

beforeAll(async () => {
  fake = await FakeLogto.serve({
    host: "127.0.0.1",
    port: 0,
    seed: Demo.seed,
    tokens: [directToken],
    clients: [client]
  })
  proxy = await startLoopbackProxy(proxyEnv(fake.url), { log: collectingLog() })
})
afterAll(async () => {
  await proxy?.close()
  await fake?.close()
})

const api = () => createApiClient({ baseUrl: proxy.url, getToken: async () => keys.admin.key })
const { acme } = Demo.ids.organizations
const { alice, carol } = Demo.ids.users

describe("@logto/api against the proxy", () => {
  it("lists organizations with Total-Number and reads one", async () => {
    const list = await api().GET("/api/organizations", { params: { query: { page: 1, page_size: 2 } } })
    expect(list.response.status).toBe(200)
    expect(list.data?.map((org) => org.id)).toEqual([acme, Demo.ids.organizations.globex])
    expect(list.response.headers.get("total-number")).toBe("3")
    const one = await api().GET("/api/organizations/{id}", { params: { path: { id: acme } } })
    expect(one.data).toMatchObject({ id: acme, name: "Acme", customData: { plan: "enterprise" } })
  })

  it("creates, updates and deletes an organization", async () => {
    const created = await api().POST("/api/organizations", {
      body: { name: "Made with @logto/api", description: "via proxy" }
    })
    expect(created.response.status).toBe(201)
    const id = created.data!.id
    const updated = await api().PATCH("/api/organizations/{id}", {
      params: { path: { id } },
      body: { isMfaRequired: true }
    })
    expect(updated.data).toMatchObject({ id, isMfaRequired: true, description: "via proxy" })
    const deleted = await api().DELETE("/api/organizations/{id}", { params: { path: { id } } })
    expect(deleted.response.status).toBe(204)
    const gone = await api().GET("/api/organizations/{id}", { params: { path: { id } } })
    expect([gone.response.status, gone.error]).toEqual([
      404,
      {
        code: "entity.not_exists_with_id",
        message: `The organizations with ID \`${id}\` does not exist.`
      }
    ])
  })

  it("manages members and their roles", async () => {
    const added = await api().POST("/api/organizations/{id}/users", {
      params: { path: { id: acme } },
      body: { userIds: [carol] }
    })
    expect([added.response.status, added.data]).toEqual([201, { userIds: [carol] }])
    // Logto answers this 201 with the text "Created"; the client is told not to parse JSON, as with Logto.
    const assigned = await api().POST("/api/organizations/{id}/users/roles", {
      params: { path: { id: acme } },
      body: { userIds: [carol], organizationRoleIds: [Demo.ids.roles.viewer] },
      parseAs: "text"
    })
    expect([assigned.response.status, assigned.data]).toEqual([201, "Created"])
    const roles = await api().GET("/api/organizations/{id}/users/{userId}/roles", {
      params: { path: { id: acme, userId: carol } }
    })
    expect(roles.data?.map((r) => r.name)).toEqual(["viewer"])
    const scopes = await api().GET("/api/organizations/{id}/users/{userId}/scopes", {
      params: { path: { id: acme, userId: alice } }
    })
    expect(scopes.data?.map((s) => s.name).sort()).toEqual(["invite:member", "read:data", "write:data"])
  })

  it("gets Logto's validation and auth errors back as Logto sends them", async () => {
    const invalid = await api().POST("/api/organizations", { body: { name: "" } })
    expect(invalid.response.status).toBe(400)
    expect(invalid.error).toMatchObject({ code: "guard.invalid_input", details: expect.stringContaining('"name"') })
    const readOnly = createApiClient({ baseUrl: proxy.url, getToken: async () => keys.reader.key })
    const forbidden = await readOnly.DELETE("/api/organizations/{id}", { params: { path: { id: acme } } })
    expect([forbidden.response.status, forbidden.error]).toEqual([
      403,
      {
        code: "auth.forbidden",
        message: "Forbidden. Please check your user roles and permissions."
      }
    ])
  })
})
