/**
 * Bad input of every kind gets Logto's exact answer from the proxy (the fake's, byte for byte) and
 * never reaches the fake; Logto's 500s for caller mistakes and its 404 for huge bodies are the
 * proxy's two deliberate differences.
 */
import { describe, expect, it } from "vitest"
import { ids, keys } from "../fixtures/e2e.ts"
import { as, direct, jsonBody, snapshot, type Target, upstreamCallsDuring } from "./harness.ts"

const org = ids.organizations.acme
const o = `/api/organizations/${org}`
const { users } = ids

const bad: Array<[string, string, RequestInit]> = [
  ["malformed JSON", "/api/organizations", jsonBody("POST", '{"name": "x",}')],
  ["trailing garbage", "/api/organizations", jsonBody("POST", '{"name":"x"} x')],
  ["JSON null", "/api/organizations", jsonBody("POST", "null")],
  ["a JSON string", "/api/organizations", jsonBody("POST", '"name"')],
  ["a JSON number", "/api/organizations", jsonBody("POST", "42")],
  ["whitespace only", "/api/organizations", jsonBody("POST", "   ")],
  ["an empty body", "/api/organizations", jsonBody("POST", "")],
  ["an array for an object", "/api/organizations", jsonBody("POST", "[]")],
  [
    "a text/plain body",
    "/api/organizations",
    { method: "POST", headers: { "content-type": "text/plain" }, body: "name=x" }
  ],
  [
    "JSON without Content-Type",
    "/api/organizations",
    { method: "POST", body: new TextEncoder().encode('{"name":"x"}') }
  ],
  ["an empty name", "/api/organizations", jsonBody("POST", { name: "" })],
  ["a name of 129 characters", "/api/organizations", jsonBody("POST", { name: "n".repeat(129) })],
  [
    "wrong types everywhere",
    "/api/organizations",
    jsonBody("POST", { name: 1, description: 2, customData: [], isMfaRequired: "yes" })
  ],
  [
    "a bad color and URL",
    "/api/organizations",
    jsonBody("POST", { name: "x", color: { primaryColor: "red" }, branding: { logoUrl: "logo.png" } })
  ],
  ["null name in PATCH", o, jsonBody("PATCH", { name: null })],
  ["a string createdAt in PATCH", o, jsonBody("PATCH", { createdAt: "now" })],
  ["an empty userIds", `${o}/users`, jsonBody("POST", { userIds: [] })],
  ["userIds of numbers", `${o}/users`, jsonBody("POST", { userIds: [1, 2] })],
  ["missing organizationRoleIds", `${o}/users/roles`, jsonBody("POST", { userIds: [users.alice] })],
  [
    "an application/csp-report body with an empty name (koa-body parses it as JSON)",
    "/api/organizations",
    { method: "POST", headers: { "content-type": "application/csp-report" }, body: '{"name":""}' }
  ],
  [
    "a form whose dotted key nests a bad color (qs)",
    "/api/organizations",
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "name=x&color.primaryColor=red"
    }
  ],
  ["a __proto__ key", "/api/organizations", jsonBody("POST", '{"name":"x","__proto__":{"a":1}}')],
  ["a PATCH with nothing but id", o, jsonBody("PATCH", { id: 5 })],
  ["an offset that is not a whole number", "/api/organizations?page=1.5&page_size=1", {}],
  ["an empty email domain", `${o}/jit/email-domains`, jsonBody("POST", { emailDomain: "" })],
  [
    "a form body with a missing field",
    "/api/organizations",
    { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "description=x" }
  ],
  ["page=0", "/api/organizations?page=0", {}],
  ["page=abc", "/api/organizations?page=abc", {}],
  ["page_size=101", "/api/organizations?page_size=101", {}],
  ["a repeated page", "/api/organizations?page=1&page=2", {}],
  ["page=-1 on an optional list", `${o}/jit/roles?page=-1`, {}],
  ["a fractional page_size", `${o}/users?page_size=2.5`, {}],
  ["page=Infinity", "/api/organizations?page=Infinity", {}],
  ["a repeated q", "/api/organizations?q=a&q=b", {}],
  ["a repeated showFeatured", "/api/organizations?showFeatured=1&showFeatured=0", {}],
  ["an empty organizationRoleId filter", `${o}/users?organizationRoleId=`, {}]
]

export const describeValidation = (target: () => Target) =>
  describe("validation at the edge", () => {
    it.each(bad)("%s gets the fake's exact answer and never reaches it", async (_, path, init) => {
      const t = target()
      const [viaProxy, calls] = await upstreamCallsDuring(t, async () =>
        snapshot(await t.call(path, as(keys.admin, init)))
      )
      const viaFake = await snapshot(await direct(t, path, init))
      expect(viaFake.status).toBeGreaterThanOrEqual(400)
      expect(viaProxy).toEqual(viaFake)
      expect(calls).toEqual([])
    })

    it("accepts what Logto accepts: unknown keys, a form body, Number() pagination", async () => {
      const t = target()
      const accepted: Array<[string, RequestInit]> = [
        ["/api/organizations?page=1e0&page_size=0x2&unknown=1", {}],
        [`${o}/jit/roles?page=&page_size=`, {}],
        [
          o,
          jsonBody("PATCH", { description: "kept", isTrustedDeviceAllowed: true, id: "ignored", color: { extra: 1 } })
        ]
      ]
      for (const [path, init] of accepted) {
        const [viaProxy, calls] = await upstreamCallsDuring(t, async () =>
          snapshot(await t.call(path, as(keys.admin, init)))
        )
        expect(calls).toHaveLength(1)
        expect(viaProxy.status).toBe(200)
      }
      const form = await t.call(
        "/api/organizations",
        as(keys.admin, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "name=Foo+Bar"
        })
      )
      expect([form.status, ((await form.json()) as { name: string }).name]).toEqual([201, "Foo Bar"])
    })

    it("applies what koa-body parses as JSON: an application/csp-report PATCH is validated, audited and applied", async () => {
      const t = target()
      const init = {
        method: "PATCH",
        headers: { "content-type": "application/csp-report" },
        body: '{"description":"csp"}'
      }
      const [viaProxy, calls] = await upstreamCallsDuring(t, () => t.call(o, as(keys.admin, init)))
      expect(calls).toHaveLength(1)
      expect([viaProxy.status, ((await viaProxy.json()) as { description: string }).description]).toEqual([200, "csp"])
    })

    it("sends a per-member role request that fails edge validation to Logto, which checks membership first", async () => {
      const t = target()
      // Not a member: Logto's 422 organization.require_membership, whatever else is wrong.
      const outsider = `${o}/users/not-a-member/roles?page=abc`
      const [viaProxy, calls] = await upstreamCallsDuring(t, async () =>
        snapshot(await t.call(outsider, as(keys.admin)))
      )
      expect(calls).toHaveLength(1)
      expect(viaProxy).toEqual(await snapshot(await direct(t, outsider)))
      expect(JSON.parse(viaProxy.body)).toMatchObject({ code: "organization.require_membership" })
      // A member: Logto's own validation answer, forwarded.
      const member = `${o}/applications/${ids.applications.billing}/roles`
      const init = jsonBody("PUT", { organizationRoleIds: [] })
      const [viaProxyMember, memberCalls] = await upstreamCallsDuring(t, async () =>
        snapshot(await t.call(member, as(keys.admin, init)))
      )
      expect(memberCalls).toHaveLength(1)
      expect(viaProxyMember).toEqual(await snapshot(await direct(t, member, init)))
      expect(viaProxyMember.status).toBe(400)
    })

    it("answers page=0.5 with 400 guard.invalid_pagination where Logto (and the fake) answer 500", async () => {
      const t = target()
      const [viaProxy, calls] = await upstreamCallsDuring(t, async () =>
        snapshot(await t.call("/api/organizations?page=0.5", as(keys.admin)))
      )
      expect(calls).toEqual([])
      expect(viaProxy.status).toBe(400)
      expect(JSON.parse(viaProxy.body)).toEqual({
        code: "guard.invalid_pagination",
        message: "The request pagination value is invalid."
      })
      expect((await direct(t, "/api/organizations?page=0.5")).status).toBe(500)
    })

    it("answers an out-of-range createdAt with 400 where Logto (and the fake) answer 500", async () => {
      const t = target()
      const init = jsonBody("PATCH", { createdAt: 1e20 })
      const [viaProxy, calls] = await upstreamCallsDuring(t, () => t.call(o, as(keys.admin, init)))
      expect(calls).toEqual([])
      expect(viaProxy.status).toBe(400)
      expect(await viaProxy.json()).toMatchObject({
        code: "guard.invalid_input",
        data: { issues: [{ path: ["createdAt"] }] }
      })
      expect((await direct(t, o, init)).status).toBe(500)
    })

    it("answers customData nested past 1,000 levels with 400 where Logto (and the fake) answer 500; a wide body passes", async () => {
      const t = target()
      const deep = `{"customData":{"a":${"[".repeat(50_000)}${"]".repeat(50_000)}}}`
      const init: RequestInit = { method: "PATCH", headers: { "content-type": "application/json" }, body: deep }
      const [viaProxy, calls] = await upstreamCallsDuring(t, () => t.call(o, as(keys.admin, init)))
      expect([viaProxy.status, calls]).toEqual([400, []])
      expect(await viaProxy.json()).toMatchObject({
        code: "guard.invalid_input",
        data: { issues: [{ code: "custom", path: ["customData"] }] }
      })
      const logto = await direct(t, o, init)
      expect([logto.status, await logto.json()]).toEqual([500, { message: "Internal server error." }])
      const wide = `{"name":"wide","customData":{"a":[${Array(400_000).fill("0").join(",")}]}}`
      const created = await t.call("/api/organizations", as(keys.admin, { ...init, method: "POST", body: wide }))
      expect(created.status).toBe(201)
    })

    it("counts a streamed body (no Content-Length) as it arrives: 1 MiB is forwarded, one byte more is 413", async () => {
      const t = target()
      const prefix = '{"name":"streamed","customData":{"pad":"'
      const exact = prefix + "a".repeat(1_048_576 - prefix.length - 3) + '"}}'
      expect(exact.length).toBe(1_048_576)
      const streamed = (text: string): RequestInit => {
        const bytes = new TextEncoder().encode(text)
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(bytes.slice(i, i + 65_536))
            controller.close()
          }
        })
        return { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" } as RequestInit
      }
      const [over, refusedCalls] = await upstreamCallsDuring(t, () =>
        t.call("/api/organizations", as(keys.admin, streamed(exact.replace('"pad":"', '"pad":"a'))))
      )
      expect([over.status, await over.json(), refusedCalls]).toEqual([
        413,
        { code: "proxy.payload_too_large", message: "The request body is larger than 1048576 bytes." },
        []
      ])
      const [ok, calls] = await upstreamCallsDuring(t, () =>
        t.call("/api/organizations", as(keys.admin, streamed(exact)))
      )
      expect([ok.status, ((await ok.json()) as { name: string }).name]).toEqual([201, "streamed"])
      expect(calls.filter((c) => c.path !== "/oidc/token").map((c) => [c.method, c.path, c.status])).toEqual([
        ["POST", "/api/organizations", 201]
      ])
    })

    it("refuses a body over 1 MiB with 413 proxy.payload_too_large where Logto answers a plain 404", async () => {
      const t = target()
      const init = jsonBody("POST", { name: "x", customData: { pad: "a".repeat(1_048_576) } })
      const [viaProxy, calls] = await upstreamCallsDuring(t, () => t.call("/api/organizations", as(keys.admin, init)))
      expect(calls).toEqual([])
      expect([viaProxy.status, await viaProxy.json()]).toEqual([
        413,
        {
          code: "proxy.payload_too_large",
          message: "The request body is larger than 1048576 bytes."
        }
      ])
      const viaFake = await direct(t, "/api/organizations", init)
      expect([viaFake.status, await viaFake.text()]).toEqual([404, "Not Found"])
    })
  })
