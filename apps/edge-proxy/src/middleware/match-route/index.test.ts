import { RouteTable } from "@orgkit/core"
import { Hono } from "hono"
import { describe, expect, it } from "vitest"
import { at, testApp } from "../../../test/fixtures/ports.ts"
import type { AppEnv } from "../../env.ts"
import { matchRoute } from "./index.ts"

/** A tiny app that shows what `match-route` decided. */
const probe = new Hono<AppEnv>()
  .use(matchRoute())
  .all("*", (c) => c.json({ operationId: c.get("route").operationId, params: c.get("params") }))

const samplePath = (route: RouteTable.Route) =>
  RouteTable.buildPath(route, Object.fromEntries(route.pathParams.map((p) => [p, `${p}-1`])))

describe("match-route", () => {
  it("matches each of the 36 operations", async () => {
    expect(RouteTable.routes).toHaveLength(36)
    for (const route of RouteTable.routes) {
      const response = await probe.request(at(samplePath(route)), { method: route.method })
      expect(await response.json()).toMatchObject({ operationId: route.operationId })
    }
  })

  it("answers an unknown path with Logto's plain-text 404 and no upstream call", async () => {
    const { app, upstream } = testApp()
    for (const path of [
      "/api/organizations/x/members",
      "/api/organizations//users",
      "/api/users",
      "/index.html",
      "/api"
    ]) {
      const response = await app.request(at(path))
      expect(response.status).toBe(404)
      expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8")
      expect(await response.text()).toBe("Not Found")
    }
    expect(upstream.requests).toHaveLength(0)
  })

  it("answers another method on a known path with 405 and Allow, before authentication", async () => {
    const { app, upstream } = testApp()
    const response = await app.request(at("/api/organizations/o1/users"), { method: "PATCH" })
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("HEAD, GET, POST, PUT")
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8")
    expect(await response.text()).toBe("Method Not Allowed")
    expect(upstream.requests).toHaveLength(0)
  })

  it("answers OPTIONS with 200, an empty body and Allow, without a key", async () => {
    const { app, upstream } = testApp()
    const response = await app.request(at("/api/organizations/o1"), { method: "OPTIONS" })
    expect(response.status).toBe(200)
    expect(response.headers.get("allow")).toBe("HEAD, GET, PATCH, DELETE")
    expect(await response.text()).toBe("")
    expect(upstream.requests).toHaveLength(0)
  })

  it("decodes path parameters and ignores one trailing slash", async () => {
    const slash = await probe.request(at("/api/organizations/a%2Fb/users/"))
    expect(await slash.json()).toEqual({ operationId: "ListOrganizationUsers", params: { id: "a/b" } })
    const literal = await probe.request(at("/api/organizations/o1/users/roles"), { method: "POST" })
    expect(await literal.json()).toMatchObject({ operationId: "AssignOrganizationRolesToUsers" })
  })

  it("sees dot segments after URL normalization, so they never reach another route", async () => {
    const dots = await probe.request(at("/api/organizations/o1/users/%2e%2e/%2e%2e/o2"))
    expect(await dots.json()).toEqual({ operationId: "GetOrganization", params: { id: "o2" } })
    const escaped = await probe.request(at("/api/organizations/..%2F..%2Fusers"))
    expect(await escaped.json()).toEqual({ operationId: "GetOrganization", params: { id: "../../users" } })
  })
})
