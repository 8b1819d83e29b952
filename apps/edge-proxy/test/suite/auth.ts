/**
 * The auth matrix: the proxy's 401s are Logto's (the fake's) bodies for the same conditions, its
 * 403s are Logto's `auth.forbidden`, nothing denied reaches the fake, and an organization-restricted
 * key sees and touches only its organizations.
 */
import { describe, expect, it } from "vitest"
import { ids, keys } from "../fixtures/e2e.ts"
import { anonymous, as, direct, jsonBody, snapshot, type Target, upstreamCallsDuring } from "./harness.ts"

const { acme, globex, initech } = ids.organizations

const withAuthorization = (authorization: string | undefined): RequestInit =>
  authorization === undefined ? {} : { headers: { authorization } }

export const describeAuth = (target: () => Target) =>
  describe("the auth matrix", () => {
    const unauthenticated: Array<[string, string | undefined, string | undefined]> = [
      ["no Authorization header", undefined, undefined],
      ["the Basic scheme", "Basic ZTJlOnNlY3JldA==", "Basic ZTJlOnNlY3JldA=="],
      ["a lower-case bearer", `bearer ${keys.admin.key}`, "bearer e2e-direct-token"],
      ["an unknown key", "Bearer not-a-configured-key", "Bearer not-a-configured-key"],
      ["Bearer without a key", "Bearer", "Bearer"]
    ]

    it.each(unauthenticated)("%s gets the fake's 401 and no upstream call", async (_, toProxy, toFake) => {
      const t = target()
      const path = `/api/organizations/${acme}`
      const [viaProxy, calls] = await upstreamCallsDuring(t, async () =>
        snapshot(await t.call(path, withAuthorization(toProxy)))
      )
      expect(calls).toEqual([])
      expect(viaProxy.status).toBe(401)
      expect(viaProxy).toEqual(await snapshot(await anonymous(t, path, withAuthorization(toFake))))
    })

    it("a read-only key reads, and its writes get 403 auth.forbidden without an upstream call", async () => {
      const t = target()
      const read = await t.call(`/api/organizations/${acme}`, as(keys.reader))
      expect(read.status).toBe(200)
      const writes: Array<[string, RequestInit]> = [
        ["/api/organizations", jsonBody("POST", { name: "nope" })],
        [`/api/organizations/${acme}`, jsonBody("PATCH", { name: "nope" })],
        [`/api/organizations/${acme}/users/${ids.users.alice}`, { method: "DELETE" }]
      ]
      for (const [path, init] of writes) {
        const [response, calls] = await upstreamCallsDuring(t, async () =>
          snapshot(await t.call(path, as(keys.reader, init)))
        )
        expect(calls).toEqual([])
        expect(response).toEqual({
          status: 403,
          body: '{"code":"auth.forbidden","message":"Forbidden. Please check your user roles and permissions."}',
          headers: {
            "content-type": "application/json; charset=utf-8",
            "total-number": null,
            link: null,
            etag: null,
            allow: null
          }
        })
      }
    })

    it("an organization-restricted key gets its own organizations exactly as the fake answers them", async () => {
      const t = target()
      for (const path of [
        `/api/organizations/${acme}`,
        `/api/organizations/${acme}/users`,
        `/api/organizations/${initech}/jit/roles`
      ]) {
        expect(await snapshot(await t.call(path, as(keys.acme)))).toEqual(
          await snapshot(await direct(t, path), { replace: [[t.fakeUrl, t.origin]] })
        )
      }
    })

    it("an organization-restricted key gets 403 elsewhere, and cannot create organizations", async () => {
      const t = target()
      const denied: Array<[string, RequestInit]> = [
        [`/api/organizations/${globex}`, {}],
        [`/api/organizations/${globex}/users`, jsonBody("POST", { userIds: [ids.users.alice] })],
        [`/api/organizations/${globex}/users/${ids.users.carol}/roles`, {}],
        ["/api/organizations", jsonBody("POST", { name: "mine" })]
      ]
      for (const [path, init] of denied) {
        const [response, calls] = await upstreamCallsDuring(t, () => t.call(path, as(keys.acme, init)))
        expect(calls).toEqual([])
        expect(response.status).toBe(403)
        expect(await response.json()).toEqual({
          code: "auth.forbidden",
          message: "Forbidden. Please check your user roles and permissions."
        })
      }
    })

    it("an organization-restricted key lists only its organizations, paginated over them", async () => {
      const t = target()
      const everything = (await (await direct(t, "/api/organizations?page_size=100&showFeatured=1")).json()) as Array<{
        id: string
      }>
      const mine = everything.filter((org) => org.id === acme || org.id === initech)
      expect(mine).toHaveLength(2)
      const page1 = await t.call("/api/organizations?page_size=1&showFeatured=1", as(keys.acme))
      const page2 = await t.call("/api/organizations?page_size=1&page=2&showFeatured=1", as(keys.acme))
      const all = await t.call("/api/organizations?showFeatured=1", as(keys.acme))
      expect(await page1.text()).toBe(JSON.stringify(mine.slice(0, 1)))
      expect(await page2.text()).toBe(JSON.stringify(mine.slice(1, 2)))
      expect(await all.text()).toBe(JSON.stringify(mine))
      expect([page1.headers.get("total-number"), all.headers.get("total-number")]).toEqual(["2", "2"])
      expect(page1.headers.get("link")).toBe(
        `<${t.origin}/organizations?page_size=1&showFeatured=1&page=1>; rel="first", ` +
          `<${t.origin}/organizations?page_size=1&showFeatured=1&page=2>; rel="last", ` +
          `<${t.origin}/organizations?page_size=1&showFeatured=1&page=2>; rel="next"`
      )
      const searched = await t.call("/api/organizations?q=acme", as(keys.acme))
      expect(((await searched.json()) as Array<{ id: string }>).map((org) => org.id)).toEqual([acme])
    })
  })
