/**
 * Only the 36 operations are served: unknown paths, other methods and OPTIONS are answered by the
 * proxy exactly as by the fake, without an upstream call, and path tricks never leave their segment.
 */
import { describe, expect, it } from "vitest"
import { keys } from "../fixtures/e2e.ts"
import { anonymous, as, direct, snapshot, type Target, unique, upstreamCallsDuring } from "./harness.ts"

export const describeRouting = (target: () => Target) =>
  describe("routing", () => {
    const refused: Array<[string, string]> = [
      ["GET", "/api/organizations/o1/members"],
      ["GET", "/api/organizations//users"],
      ["GET", "/api/organizations/o1/users/u1/roles/r1/extra"],
      ["GET", "/api/users"],
      ["GET", "/nothing-here"],
      ["PATCH", "/api/organizations/o1/users"],
      ["PUT", "/api/organizations"],
      ["POST", "/api/organizations/o1"],
      ["GET", "/api/organizations/o1/users/u1"],
      ["DELETE", "/api/organizations/o1/jit/roles"],
      ["OPTIONS", "/api/organizations"],
      ["OPTIONS", "/api/organizations/o1"],
      ["OPTIONS", "/api/organizations/o1/users/roles"]
    ]

    it.each(refused)(
      "%s %s is answered like the fake, without a key and without an upstream call",
      async (method, path) => {
        const t = target()
        const [viaProxy, calls] = await upstreamCallsDuring(t, async () => snapshot(await t.call(path, { method })))
        expect(calls).toEqual([])
        expect(viaProxy).toEqual(await snapshot(await anonymous(t, path, { method })))
        expect([200, 404, 405]).toContain(viaProxy.status)
      }
    )

    it.each([
      ["GET", "/oidc/token"],
      ["POST", "/oidc/token"],
      ["GET", "/__orgkit/requests"],
      ["GET", "/api"]
    ])(
      "%s %s (served by Logto or the fake, but not one of the 36) is a plain 404 from the proxy",
      async (method, path) => {
        const t = target()
        const [response, calls] = await upstreamCallsDuring(t, async () => snapshot(await t.call(path, { method })))
        expect(calls).toEqual([])
        expect([response.status, response.body, response.headers["content-type"]]).toEqual([
          404,
          "Not Found",
          "text/plain; charset=utf-8"
        ])
      }
    )

    it("keeps every path parameter inside its segment", async () => {
      const t = target()
      const tricky = [
        "..%2F..%2Foidc%2Ftoken",
        "a%2Fb",
        "%2e%2e%2Fusers",
        "a%3Fb%23c",
        "%252F",
        "%C3%BC",
        "%E0%A4%A",
        `long${"x".repeat(4_000)}`
      ]
      for (const id of tricky) {
        const path = `/api/organizations/${id}`
        const [response, calls] = await upstreamCallsDuring(t, async () => snapshot(await t.call(path, as(keys.admin))))
        expect(response).toEqual(await snapshot(await direct(t, path)))
        expect(response.status).toBe(404)
        expect(calls).toHaveLength(1)
        const forwarded = calls[0]!.path.slice("/api/organizations/".length)
        expect(calls[0]!.path.startsWith("/api/organizations/")).toBe(true)
        expect(forwarded).not.toContain("/")
        let expected = id
        try {
          expected = decodeURIComponent(id)
        } catch {
          // An invalid escape is kept verbatim, as Logto keeps it.
        }
        expect(decodeURIComponent(forwarded)).toBe(expected)
      }
    })

    it("resolves dot segments before matching, so they cannot reach another route", async () => {
      const t = target()
      const org = `dots${unique()}`
      const [response, calls] = await upstreamCallsDuring(t, () =>
        t.call(`/api/organizations/${org}/users/%2e%2e/%2e%2e/x`, as(keys.admin))
      )
      expect(response.status).toBe(404)
      expect(calls.map((c) => c.path)).toEqual(["/api/organizations/x"])
    })
  })
