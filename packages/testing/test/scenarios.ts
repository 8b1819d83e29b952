/**
 * End-to-end scenarios written once and run twice: in process through the fetch handler, and over
 * real HTTP against the standalone server (the `orgkit-fake` CLI), seeded through the control API.
 */
import { beforeEach, describe, expect, it } from "vitest"
import { ids, world } from "./fixtures/world.ts"
import { type Call, type Fetch, makeCall } from "./helpers.ts"

export interface Target {
  readonly fetch: Fetch
  readonly baseUrl: string
  readonly token: string
  readonly client: { readonly clientId: string; readonly clientSecret: string }
}

export const scenarios = (target: () => Target) => {
  let call: Call
  beforeEach(async () => {
    const t = target()
    call = makeCall(t.fetch, t.baseUrl, t.token)
    const reset = await call("POST", "/__orgkit/reset", { body: world })
    expect(reset.status).toBe(200)
  })

  describe("onboarding a customer organization", () => {
    it("creates an organization, adds members with roles by name, and reads them back", async () => {
      const created = await call("POST", "/api/organizations", {
        body: { name: "Umbrella", customData: { tier: "gold" } }
      })
      expect(created.status).toBe(201)
      const org = created.body.id as string
      expect(
        (await call("POST", `/api/organizations/${org}/users`, { body: { userIds: [ids.u3, ids.u1] } })).body
      ).toEqual({
        userIds: [ids.u3, ids.u1]
      })
      const assigned = await call("POST", `/api/organizations/${org}/users/${ids.u1}/roles`, {
        body: { organizationRoleNames: ["admin"] }
      })
      expect(assigned.body).toEqual({ organizationRoleIds: [ids.admin] })
      const bulk = await call("POST", `/api/organizations/${org}/users/roles`, {
        body: { userIds: [ids.u1, ids.u3], organizationRoleIds: [ids.viewer] }
      })
      expect(bulk.text).toBe("Created")
      const users = await call("GET", `/api/organizations/${org}/users`)
      expect(users.headers.get("total-number")).toBe("2")
      expect(
        users.body.map((u: { id: string; organizationRoles: Array<{ name: string }> }) => [
          u.id,
          u.organizationRoles.map((r) => r.name)
        ])
      ).toEqual([
        [ids.u1, ["admin", "viewer"]],
        [ids.u3, ["viewer"]]
      ])
      const scopes = await call("GET", `/api/organizations/${org}/users/${ids.u1}/scopes`)
      expect(scopes.body.map((s: { name: string }) => s.name).sort()).toEqual([
        "invite:member",
        "read:data",
        "write:data"
      ])
      const featured = await call("GET", `/api/organizations?q=umbrella&showFeatured=true`)
      expect(featured.body[0].usersCount).toBe(2)
      expect(featured.body[0].featuredUsers.map((u: { id: string }) => u.id)).toEqual([ids.u1, ids.u3])
    })

    it("pages through every organization by following Link rel=next", async () => {
      for (let i = 0; i < 4; i++) await call("POST", "/api/organizations", { body: { name: `Extra ${i}` } })
      const seen: Array<string> = []
      let path: string | undefined = "/api/organizations?page_size=3"
      while (path !== undefined) {
        const page = await call("GET", path)
        expect(page.headers.get("total-number")).toBe("7")
        seen.push(...page.body.map((o: { id: string }) => o.id))
        const next = /<([^>]+)>; rel="next"/.exec(page.headers.get("link") ?? "")
        path = next === null ? undefined : `/api${new URL(next[1]!).pathname}${new URL(next[1]!).search}`
      }
      expect(seen).toHaveLength(7)
      expect([...seen].sort()).toEqual(seen)
    })
  })

  describe("membership lifecycle", () => {
    it("keeps roles of members that stay, drops those of members that leave, and re-adding starts empty", async () => {
      const base = `/api/organizations/${ids.org}`
      expect((await call("PUT", `${base}/users`, { body: { userIds: [ids.u1, ids.u4] } })).status).toBe(204)
      expect((await call("GET", `${base}/users/${ids.u1}/roles`)).body).toHaveLength(2)
      expect((await call("GET", `${base}/users/${ids.u2}/roles`)).body.code).toBe("organization.require_membership")
      await call("POST", `${base}/users`, { body: { userIds: [ids.u2] } })
      expect((await call("GET", `${base}/users/${ids.u2}/roles`)).body).toEqual([])
      expect((await call("DELETE", `${base}/users/${ids.u1}`)).status).toBe(204)
      expect((await call("GET", `${base}/users/${ids.u1}/scopes`)).body).toEqual([])
    })
  })

  describe("machine-to-machine members", () => {
    it("adds an M2M application, gives it roles, and refuses other application and role types", async () => {
      const base = `/api/organizations/${ids.org2}`
      expect((await call("POST", `${base}/applications`, { body: { applicationIds: [ids.spa] } })).body.code).toBe(
        "entity.db_constraint_violated"
      )
      expect((await call("POST", `${base}/applications`, { body: { applicationIds: [ids.m2m2] } })).status).toBe(201)
      expect(
        (await call("POST", `${base}/applications/${ids.m2m2}/roles`, { body: { organizationRoleIds: [ids.admin] } }))
          .status
      ).toBe(422)
      expect(
        (await call("PUT", `${base}/applications/${ids.m2m2}/roles`, { body: { organizationRoleIds: [ids.sync] } }))
          .status
      ).toBe(204)
      const apps = await call("GET", `${base}/applications`)
      expect(apps.body[0].organizationRoles).toEqual([{ id: ids.sync, name: "sync" }])
      expect((await call("DELETE", `${base}/applications/${ids.m2m2}/roles/${ids.sync}`)).status).toBe(204)
    })
  })

  describe("just-in-time provisioning", () => {
    it("configures domains, roles and connectors, and loses them with the organization", async () => {
      const base = `/api/organizations/${ids.org2}`
      expect(
        (await call("POST", `${base}/jit/email-domains`, { body: { emailDomain: "globex.example" } })).status
      ).toBe(201)
      expect(
        (await call("POST", `${base}/jit/email-domains`, { body: { emailDomain: "globex.example" } })).status
      ).toBe(422)
      expect(
        (await call("PUT", `${base}/jit/roles`, { body: { organizationRoleIds: [ids.viewer, ids.sync] } })).status
      ).toBe(204)
      expect((await call("POST", `${base}/jit/sso-connectors`, { body: { ssoConnectorIds: [ids.c2] } })).text).toBe(
        "Created"
      )
      expect((await call("GET", `${base}/jit/roles?page_size=1`)).headers.get("total-number")).toBe("2")
      expect((await call("DELETE", base)).status).toBe(204)
      expect((await call("GET", `${base}/jit/email-domains`)).body).toEqual([])
      expect((await call("GET", `${base}/jit/roles`)).status).toBe(404)
      expect((await call("GET", `${base}/jit/sso-connectors`)).body.code).toBe("entity.not_exists_with_id")
    })
  })

  describe("machine-to-machine authentication", () => {
    it("gets a token with client credentials, uses it, sees it expire on the fake's clock, and gets another", async () => {
      const t = target()
      const getToken = async () => {
        const response = await t.fetch(
          new Request(`${t.baseUrl}/oidc/token`, {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              authorization: `Basic ${btoa(`${t.client.clientId}:${t.client.clientSecret}`)}`
            },
            body: "grant_type=client_credentials&resource=https%3A%2F%2Fdefault.logto.app%2Fapi&scope=all"
          })
        )
        expect(response.status).toBe(200)
        return (await response.json()) as { access_token: string; expires_in: number }
      }
      const first = await getToken()
      expect(first.expires_in).toBe(3600)
      const withToken = makeCall(t.fetch, t.baseUrl, first.access_token)
      expect((await withToken("GET", "/api/organizations")).status).toBe(200)
      await call("POST", "/__orgkit/clock", { body: { advanceSeconds: 3600 } })
      expect((await withToken("GET", "/api/organizations")).body.data).toEqual({
        code: "ERR_JWT_EXPIRED",
        name: "JWTExpired"
      })
      const second = await getToken()
      expect((await makeCall(t.fetch, t.baseUrl, second.access_token)("GET", "/api/organizations")).status).toBe(200)
    })
  })

  describe("conditional requests", () => {
    it("revalidates a cached list with If-None-Match until it changes", async () => {
      const first = await call("GET", `/api/organizations/${ids.org}/users`)
      const etag = first.headers.get("etag")!
      const headers = { "if-none-match": etag, "cache-control": "max-age=0" }
      const again = await call("GET", `/api/organizations/${ids.org}/users`, { headers })
      expect(again.status).toBe(304)
      expect(again.text).toBe("")
      expect(again.headers.get("total-number")).toBe("3")
      await call("POST", `/api/organizations/${ids.org}/users`, { body: { userIds: [ids.u4] } })
      const changed = await call("GET", `/api/organizations/${ids.org}/users`, { headers })
      expect(changed.status).toBe(200)
      expect(changed.headers.get("etag")).not.toBe(etag)
    })
  })

  describe("faults", () => {
    it("rate-limits a burst, then recovers; the request log shows it", async () => {
      await call("PUT", "/__orgkit/faults", {
        body: { rules: [{ type: "rateLimit", times: 2, retryAfter: 1, operations: ["GetOrganization"] }] }
      })
      const statuses: Array<number> = []
      for (let i = 0; i < 3; i++) statuses.push((await call("GET", `/api/organizations/${ids.org}`)).status)
      expect(statuses).toEqual([429, 429, 200])
      const log = await call("GET", "/__orgkit/requests")
      expect(
        log.body.requests.map((r: { method: string; path: string; status: number }) => [r.method, r.path, r.status])
      ).toEqual([
        ["GET", `/api/organizations/${ids.org}`, 429],
        ["GET", `/api/organizations/${ids.org}`, 429],
        ["GET", `/api/organizations/${ids.org}`, 200]
      ])
    })

    it("drops connections during a refusing outage, which fetch reports as a TypeError", async () => {
      const t = target()
      await call("PUT", "/__orgkit/faults", {
        body: { rules: [{ type: "outage", mode: "refuse", operations: ["ListOrganizations"] }] }
      })
      await expect(
        t.fetch(new Request(`${t.baseUrl}/api/organizations`, { headers: { authorization: `Bearer ${t.token}` } }))
      ).rejects.toThrow(TypeError)
      expect((await call("GET", `/api/organizations/${ids.org}`)).status).toBe(200)
      await call("DELETE", "/__orgkit/faults")
      expect((await call("GET", "/api/organizations")).status).toBe(200)
    })
  })
}
