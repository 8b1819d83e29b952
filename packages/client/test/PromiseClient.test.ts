/**
 * The Promise API against the fake Logto over real HTTP: every operation, errors, pagination,
 * `paginate`, request ids, retries, aborts and timeouts.
 */
import { PromiseClient } from "@orgkit/client"
import { RouteTable } from "@orgkit/core"
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest"
import { control, ids, m2m, requests, reset, type Server, setFaults, start, token } from "./fixtures/fake.ts"
import { rejection } from "./fixtures/rejection.ts"

const { createOrgkitClient, LogtoApiError, LogtoCallError, LogtoNetworkError, LogtoRequestError, LogtoTimeoutError } =
  PromiseClient

let server: Server
let client: PromiseClient.OrgkitClient
// Every method the suite calls, so that the last test can check that all 36 were exercised.
const called = new Set<string>()

beforeAll(async () => {
  server = await start()
  const raw = createOrgkitClient({ baseUrl: server.url, token })
  client = new Proxy(raw, {
    get: (target, name, receiver) => {
      if (typeof name === "string") called.add(name)
      return Reflect.get(target, name, receiver)
    }
  })
})
afterAll(async () => {
  await client.close()
  await server.close()
})
beforeEach(() => reset(server))

const names = <A extends { readonly name: string | null }>(items: ReadonlyArray<A>) => items.map((i) => i.name).sort()
const idsOf = <A extends { readonly id: string }>(items: ReadonlyArray<A>) => items.map((i) => i.id).sort()

describe("organizations", () => {
  it("lists with a total count, search, featured users and pages", async () => {
    const all = await client.listOrganizations()
    expect(names(all.items)).toEqual(["Acme", "Globex"])
    expect(all.totalCount).toBe(2)
    const found = await client.listOrganizations({ q: "acm" })
    expect(found).toMatchObject({ totalCount: 1, items: [{ id: ids.org }] })
    const featured = await client.listOrganizations({ q: "acme", showFeatured: "true" })
    expect(featured.items[0]!.usersCount).toBe(2)
    const second = await client.listOrganizations({ page: 2, pageSize: 1 })
    expect(second.items).toHaveLength(1)
    expect(second.totalCount).toBe(2)
  })

  it("creates, gets, updates and deletes an organization", async () => {
    const created = await client.createOrganization({ name: "Initech", customData: { tier: "gold" } })
    expect(created).toMatchObject({ name: "Initech", customData: { tier: "gold" }, description: null })
    expect(await client.getOrganization(created.id)).toEqual(created)
    const updated = await client.updateOrganization(created.id, { description: "Office space" })
    expect(updated).toMatchObject({ id: created.id, name: "Initech", description: "Office space" })
    expect(await client.deleteOrganization(created.id)).toBeUndefined()
    const error = await rejection(client.getOrganization(created.id))
    expect(error).toBeInstanceOf(LogtoApiError)
    expect(error).toMatchObject({
      status: 404,
      code: "entity.not_exists_with_id",
      message: `The organizations with ID \`${created.id}\` does not exist.`,
      operationId: "GetOrganization"
    })
  })
})

describe("users", () => {
  it("lists members with search, role filter and pagination", async () => {
    const all = await client.listOrganizationUsers(ids.org)
    expect(idsOf(all.items)).toEqual([ids.u1, ids.u2])
    expect(all.totalCount).toBe(2)
    expect(all.items.find((u) => u.id === ids.u1)!.organizationRoles).toEqual([{ id: ids.admin, name: "admin" }])
    expect(idsOf((await client.listOrganizationUsers(ids.org, { q: "ali" })).items)).toEqual([ids.u1])
    const admins = await client.listOrganizationUsers(ids.org, { organizationRoleId: ids.admin })
    expect(idsOf(admins.items)).toEqual([ids.u1])
    const page = await client.listOrganizationUsers(ids.org, { page: 2, pageSize: 1 })
    expect(page.items).toHaveLength(1)
    expect(page.totalCount).toBe(2)
  })

  it("adds, replaces and removes members", async () => {
    expect(await client.addOrganizationUsers(ids.org, { userIds: [ids.u3] })).toEqual({ userIds: [ids.u3] })
    expect(await client.replaceOrganizationUsers(ids.org, { userIds: [ids.u1, ids.u3] })).toBeUndefined()
    expect(idsOf((await client.listOrganizationUsers(ids.org)).items)).toEqual([ids.u1, ids.u3])
    expect(await client.deleteOrganizationUser(ids.org, ids.u3)).toBeUndefined()
    expect(idsOf((await client.listOrganizationUsers(ids.org)).items)).toEqual([ids.u1])
  })

  it("assigns, lists, replaces and removes member roles; computes scopes", async () => {
    expect(
      await client.assignOrganizationRolesToUsers(ids.org, {
        userIds: [ids.u1, ids.u2],
        organizationRoleIds: [ids.member]
      })
    ).toBeUndefined()
    const roles = await client.listOrganizationUserRoles(ids.org, ids.u1)
    expect(names(roles.items)).toEqual(["admin", "member"])
    expect(roles.totalCount).toBeUndefined()
    const paged = await client.listOrganizationUserRoles(ids.org, ids.u1, { page: 1, pageSize: 1 })
    expect(paged.items).toHaveLength(1)
    expect(paged.totalCount).toBe(2)
    expect(
      await client.replaceOrganizationUserRoles(ids.org, ids.u2, { organizationRoleIds: [ids.admin] })
    ).toBeUndefined()
    expect(await client.assignOrganizationRolesToUser(ids.org, ids.u2, { organizationRoleNames: ["member"] })).toEqual({
      organizationRoleIds: [ids.member]
    })
    expect(names((await client.listOrganizationUserRoles(ids.org, ids.u2)).items)).toEqual(["admin", "member"])
    expect(await client.deleteOrganizationUserRole(ids.org, ids.u2, ids.admin)).toBeUndefined()
    expect(names((await client.listOrganizationUserRoles(ids.org, ids.u2)).items)).toEqual(["member"])
    const scopes = await client.listOrganizationUserScopes(ids.org, ids.u1)
    expect(names(scopes)).toEqual(["read:data", "write:data"])
  })

  it("rejects roles for a non-member with Logto's 422", async () => {
    const error = await rejection(
      client.assignOrganizationRolesToUser(ids.org, ids.outsider, { organizationRoleIds: [ids.member] })
    )
    expect(error).toBeInstanceOf(LogtoApiError)
    expect(error).toMatchObject({
      status: 422,
      code: "organization.require_membership",
      operationId: "AssignOrganizationRolesToUser",
      data: undefined,
      details: undefined
    })
  })
})

describe("applications", () => {
  it("adds, lists, replaces and removes applications and their roles", async () => {
    expect(await client.addOrganizationApplications(ids.org, { applicationIds: [ids.app1] })).toBeUndefined()
    const listed = await client.listOrganizationApplications(ids.org)
    expect(idsOf(listed.items)).toEqual([ids.app1])
    expect(listed.totalCount).toBe(1)
    expect(
      await client.replaceOrganizationApplications(ids.org, { applicationIds: [ids.app1, ids.app2] })
    ).toBeUndefined()
    expect(
      await client.assignOrganizationRolesToApplications(ids.org, {
        applicationIds: [ids.app1, ids.app2],
        organizationRoleIds: [ids.sync]
      })
    ).toBeUndefined()
    expect(names((await client.listOrganizationApplicationRoles(ids.org, ids.app1)).items)).toEqual(["sync"])
    expect(await client.deleteOrganizationApplicationRole(ids.org, ids.app1, ids.sync)).toBeUndefined()
    expect((await client.listOrganizationApplicationRoles(ids.org, ids.app1)).items).toEqual([])
    expect(
      await client.assignOrganizationRolesToApplication(ids.org, ids.app1, { organizationRoleIds: [ids.sync] })
    ).toBeUndefined()
    expect(
      await client.replaceOrganizationApplicationRoles(ids.org, ids.app2, { organizationRoleIds: [ids.sync] })
    ).toBeUndefined()
    expect(await client.deleteOrganizationApplication(ids.org, ids.app2)).toBeUndefined()
    const left = await client.listOrganizationApplications(ids.org, { q: "billing" })
    expect(idsOf(left.items)).toEqual([ids.app1])
    expect(left.items[0]!.organizationRoles).toEqual([{ id: ids.sync, name: "sync" }])
  })
})

describe("jit", () => {
  it("manages email domains", async () => {
    expect(await client.createOrganizationJitEmailDomain(ids.org, { emailDomain: "acme.example" })).toMatchObject({
      organizationId: ids.org,
      emailDomain: "acme.example"
    })
    const listed = await client.listOrganizationJitEmailDomains(ids.org)
    expect(listed.items.map((d) => d.emailDomain)).toEqual(["acme.example"])
    expect(listed.totalCount).toBeUndefined()
    expect(
      await client.replaceOrganizationJitEmailDomains(ids.org, { emailDomains: ["a.example", "b.example"] })
    ).toBeUndefined()
    expect(await client.deleteOrganizationJitEmailDomain(ids.org, "a.example")).toBeUndefined()
    const paged = await client.listOrganizationJitEmailDomains(ids.org, { page: 1 })
    expect(paged).toMatchObject({ totalCount: 1, items: [{ emailDomain: "b.example" }] })
  })

  it("reports a too-long email domain with Logto's 422 and its data", async () => {
    const error = await rejection(
      client.createOrganizationJitEmailDomain(ids.org, { emailDomain: `${"x".repeat(129)}` })
    )
    expect(error).toMatchObject({
      status: 422,
      code: "entity.value_too_long",
      data: { message: "value too long for type character varying(128)" }
    })
  })

  it("manages default roles and SSO connectors", async () => {
    expect(await client.createOrganizationJitRole(ids.org, { organizationRoleIds: [ids.member] })).toBeUndefined()
    expect(names((await client.listOrganizationJitRoles(ids.org)).items)).toEqual(["member"])
    expect(await client.replaceOrganizationJitRoles(ids.org, { organizationRoleIds: [ids.admin] })).toBeUndefined()
    expect(await client.deleteOrganizationJitRole(ids.org, ids.admin)).toBeUndefined()
    expect((await client.listOrganizationJitRoles(ids.org)).items).toEqual([])

    expect(await client.createOrganizationJitSsoConnector(ids.org, { ssoConnectorIds: [ids.okta] })).toBeUndefined()
    expect(idsOf((await client.listOrganizationJitSsoConnectors(ids.org)).items)).toEqual([ids.okta])
    expect(await client.replaceOrganizationJitSsoConnectors(ids.org, { ssoConnectorIds: [ids.saml] })).toBeUndefined()
    expect(await client.deleteOrganizationJitSsoConnector(ids.org, ids.saml)).toBeUndefined()
    expect((await client.listOrganizationJitSsoConnectors(ids.org)).items).toEqual([])
  })

  it("answers 404 for the JIT roles of a missing organization", async () => {
    const error = await rejection(client.listOrganizationJitRoles("org-missing"))
    expect(error).toMatchObject({
      status: 404,
      code: "entity.not_exists_with_id",
      operationId: "ListOrganizationJitRoles"
    })
  })
})

describe("paginate", () => {
  it("walks every page of a list", async () => {
    const extra = Array.from({ length: 23 }, (_, i) => ({
      id: `org-bulk-${String(i).padStart(2, "0")}`,
      name: `Bulk ${i}`
    }))
    await control(server, "POST", "seed", { organizations: extra })
    const seen: Array<string> = []
    for await (const org of client.paginate("listOrganizations", { q: "bulk", pageSize: 5 })) seen.push(org.id)
    expect(seen.sort()).toEqual(extra.map((o) => o.id))
    const log = await requests(server)
    expect(log.filter((r) => r.path === "/api/organizations")).toHaveLength(5)
  })

  it("stops at a Total-Number that is an exact multiple of the page size, without asking for an empty page", async () => {
    const extra = Array.from({ length: 20 }, (_, i) => ({
      id: `org-bulk-${String(i).padStart(2, "0")}`,
      name: `Bulk ${i}`
    }))
    await control(server, "POST", "seed", { organizations: extra })
    const seen: Array<string> = []
    for await (const org of client.paginate("listOrganizations", { q: "bulk", pageSize: 5 })) seen.push(org.id)
    expect(seen.sort()).toEqual(extra.map((o) => o.id))
    expect((await requests(server)).filter((r) => r.path === "/api/organizations")).toHaveLength(4)
  })

  it("has one spelling of the page size: the wire name is refused, saying which keys the list takes", async () => {
    const query = { page_size: 2 } as unknown as PromiseClient.QueryOf<"listOrganizations">
    const error = await rejection(client.listOrganizations(query))
    expect(error).toBeInstanceOf(LogtoRequestError)
    expect(String(error)).toMatch(
      /unknown query parameter "page_size" \(listOrganizations takes [^)]*\bpageSize\b[^)]*\)/
    )
    expect(() => client.paginate("listOrganizations", query)).toThrow(TypeError)
    expect(await requests(server)).toEqual([])
  })

  it("walks lists with path parameters and optional pagination", async () => {
    await client.assignOrganizationRolesToUser(ids.org, ids.u1, { organizationRoleIds: [ids.member] })
    const roles: Array<string> = []
    for await (const role of client.paginate("listOrganizationUserRoles", ids.org, ids.u1, { pageSize: 1 })) {
      roles.push(role.name)
    }
    expect(roles.sort()).toEqual(["admin", "member"])
    const empty: Array<unknown> = []
    for await (const d of client.paginate("listOrganizationJitEmailDomains", ids.other)) empty.push(d)
    expect(empty).toEqual([])
  })

  it("refuses an operation that is not a paginated list", () => {
    expect(() => client.paginate("getOrganization" as "listOrganizations")).toThrow(TypeError)
  })
})

describe("requests", () => {
  it("sends an x-request-id per call and surfaces it in errors", async () => {
    const seen: Array<string | null> = []
    const recording = createOrgkitClient({
      baseUrl: server.url,
      token,
      fetch: (request) => {
        seen.push(request.headers.get("x-request-id"))
        return fetch(request)
      }
    })
    await recording.getOrganization(ids.org)
    const error = await rejection(recording.getOrganization("org-missing"))
    const given = await rejection(recording.getOrganization("org-missing", { headers: { "x-request-id": "trace-7" } }))
    await recording.close()
    expect(seen).toHaveLength(3)
    expect(new Set(seen).size).toBe(3)
    expect((error as PromiseClient.LogtoApiError).requestId).toBe(seen[1])
    expect((given as PromiseClient.LogtoApiError).requestId).toBe("trace-7")
    expect(seen[2]).toBe("trace-7")
  })

  it("rejects invalid arguments before sending anything", async () => {
    const error = await rejection(client.addOrganizationUsers(ids.org, { userIds: [] as unknown as [string] }))
    expect(error).toBeInstanceOf(LogtoRequestError)
    expect(await rejection(client.listOrganizations({ pageSize: 101 }))).toBeInstanceOf(LogtoRequestError)
    expect(await requests(server)).toEqual([])
  })

  it("maps a validation error's code, data and details (a 400 injected by the fake)", async () => {
    const body = {
      code: "guard.invalid_input",
      message: "The request body is invalid.",
      data: {
        issues: [{ code: "too_small", path: ["name"], message: "String must contain at least 1 character(s)" }],
        name: "ZodError"
      },
      details: 'Error in key path "name": (too_small) String must contain at least 1 character(s)'
    }
    await setFaults(server, [{ type: "error", operations: ["CreateOrganization"], status: 400, body, times: 1 }])
    const error = await rejection(client.createOrganization({ name: "x" }))
    expect(error).toBeInstanceOf(LogtoApiError)
    expect(error).toMatchObject({ status: 400, ...body, operationId: "CreateOrganization" })
    expect(error).toBeInstanceOf(LogtoCallError)
    expect((error as Error).name).toBe("LogtoApiError")
  })

  it("maps answers that are not Logto's to the documented errors, with the status and the body's text", async () => {
    const answers: Record<string, () => Response> = {
      "/api/organizations/bad-shape": () => Response.json({ id: 7 }),
      "/api/organizations/gateway": () =>
        new Response("<html>Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } }),
      "/api/organizations/not-json": () =>
        new Response("{not json", { status: 400, headers: { "content-type": "application/json" } }),
      "/api/organizations/empty": () => new Response(null, { status: 401 })
    }
    const scripted = createOrgkitClient({
      baseUrl: "http://logto.test",
      token,
      retry: false,
      fetch: async (request) => answers[new URL(request.url).pathname]!()
    })
    const decode = await rejection(scripted.getOrganization("bad-shape"))
    expect(decode).toBeInstanceOf(PromiseClient.LogtoDecodeError)
    expect(decode).toMatchObject({ status: 200, operationId: "GetOrganization" })
    expect(await rejection(scripted.getOrganization("gateway"))).toMatchObject({
      name: "LogtoApiError",
      status: 502,
      code: undefined,
      message: "<html>Bad Gateway</html>"
    })
    expect(await rejection(scripted.getOrganization("not-json"))).toMatchObject({
      name: "LogtoApiError",
      status: 400,
      code: undefined,
      message: "{not json"
    })
    expect(await rejection(scripted.getOrganization("empty"))).toMatchObject({
      name: "LogtoApiError",
      status: 401,
      message: "HTTP 401"
    })
    await scripted.close()
  })

  it("throws LogtoNetworkError when the server cannot be reached", async () => {
    const dead = createOrgkitClient({ baseUrl: "http://127.0.0.1:9", token, retry: false })
    const error = await rejection(dead.getOrganization(ids.org))
    await dead.close()
    expect(error).toBeInstanceOf(LogtoNetworkError)
    expect((error as PromiseClient.LogtoNetworkError).cause).toBeDefined()
  })

  it("rejects with the signal's reason when aborted", async () => {
    await setFaults(server, [{ type: "latency", operations: ["GetOrganization"], ms: 5_000 }])
    const controller = new AbortController()
    const pending = client.getOrganization(ids.org, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error("stop")), 20)
    expect(await rejection(pending)).toEqual(new Error("stop"))
    const aborted = new AbortController()
    aborted.abort()
    const error = await rejection(client.getOrganization(ids.org, { signal: aborted.signal }))
    expect((error as DOMException).name).toBe("AbortError")
  })
})

describe("the request on the wire", () => {
  it("sends the base URL, the call's and the client's headers and the token; a retry repeats the request exactly", async () => {
    const seen: Array<Record<string, string>> = []
    const record = (request: Request) => {
      seen.push({ method: request.method, url: request.url, ...Object.fromEntries(request.headers) })
      return fetch(request)
    }
    // Each call's first attempt meets a 503; the retry must send the same request.
    const c = createOrgkitClient({
      baseUrl: `${server.url}/`,
      token,
      fetch: record,
      headers: { "X-Team": "t" },
      retry: { baseDelayMs: 0, idempotentPosts: true }
    })
    await setFaults(
      server,
      ["GetOrganization", "AddOrganizationUsers", "ListOrganizationUsers"].map((operation) => ({
        type: "outage",
        operations: [operation],
        times: 1
      }))
    )
    const options = {
      headers: { "X-Trace": "7", authorization: "Bearer not-sent", "Content-Type": "application/json; charset=utf-8" }
    }
    await c.getOrganization(ids.org, options)
    await c.addOrganizationUsers(ids.org, { userIds: [ids.u1] }, options)
    await c.listOrganizationUsers(ids.org, { q: "a b", pageSize: 5 })
    await c.close()
    expect((await requests(server)).map((r) => r.status)).toEqual([503, 200, 503, 201, 503, 200])
    expect(seen).toHaveLength(6)
    for (let i = 0; i < 6; i += 2) expect(seen[i + 1]).toEqual(seen[i])
    expect(seen[2]).toMatchObject({
      method: "POST",
      authorization: `Bearer ${token}`,
      "content-type": "application/json; charset=utf-8",
      "x-team": "t",
      "x-trace": "7"
    })
    expect(seen[4]!.url).toBe(`${server.url}/api/organizations/${ids.org}/users?q=a+b&page_size=5`)
  })

  it("retries a network failure of a GET under the policy, never of a plain POST", async () => {
    let calls = 0
    const flaky = (request: Request) =>
      ++calls === 1 ? Promise.reject(new TypeError("socket hang up")) : fetch(request)
    const c = createOrgkitClient({ baseUrl: server.url, token, fetch: flaky, retry: { baseDelayMs: 0 } })
    expect((await c.getOrganization(ids.org)).id).toBe(ids.org)
    expect(calls).toBe(2)
    calls = 0
    const error = await rejection(c.createOrganization({ name: "never twice" }))
    expect(error).toBeInstanceOf(LogtoNetworkError)
    expect(calls).toBe(1)
    await c.close()
  })

  it("close() stops the calls in flight and refuses later ones", async () => {
    await setFaults(server, [{ type: "latency", operations: ["GetOrganization"], ms: 5_000 }])
    const c = createOrgkitClient({ baseUrl: server.url, token })
    const pending = rejection(c.getOrganization(ids.org))
    await new Promise((resolve) => setTimeout(resolve, 20))
    await c.close()
    const inFlight = await pending
    expect(String(inFlight)).toMatch(/GetOrganization: the client was closed/)
    expect(inFlight).toBeInstanceOf(LogtoCallError)
    expect(inFlight).toMatchObject({ name: "LogtoCallError", operationId: "GetOrganization" })
    expect(String(await rejection(c.listOrganizations()))).toMatch(/ListOrganizations: the client was closed/)
  })
})

describe("retries and timeouts", () => {
  it("retries GETs on 503 and 429 with the default policy", async () => {
    const quick = createOrgkitClient({ baseUrl: server.url, token, retry: { baseDelayMs: 0 } })
    await setFaults(server, [
      { type: "outage", operations: ["GetOrganization"], times: 2 },
      { type: "rateLimit", operations: ["ListOrganizations"], times: 1, retryAfter: 0 }
    ])
    expect((await quick.getOrganization(ids.org)).id).toBe(ids.org)
    expect((await quick.listOrganizations()).totalCount).toBe(2)
    await quick.close()
    const log = await requests(server)
    expect(log.map((r) => `${r.status} ${r.path}`)).toEqual([
      `503 /api/organizations/${ids.org}`,
      `503 /api/organizations/${ids.org}`,
      `200 /api/organizations/${ids.org}`,
      "429 /api/organizations",
      "200 /api/organizations"
    ])
  })

  it("throws the last answer once retries are exhausted, and never retries a plain POST", async () => {
    const quick = createOrgkitClient({ baseUrl: server.url, token, retry: { baseDelayMs: 0, retries: 1 } })
    await setFaults(server, [{ type: "outage", operations: ["GetOrganization", "CreateOrganization"] }])
    expect(await rejection(quick.getOrganization(ids.org))).toMatchObject({ status: 503, code: undefined })
    expect(await rejection(quick.createOrganization({ name: "x" }))).toMatchObject({ status: 503 })
    await quick.close()
    expect((await requests(server)).map((r) => r.path)).toEqual([
      `/api/organizations/${ids.org}`,
      `/api/organizations/${ids.org}`,
      "/api/organizations"
    ])
  })

  it("times out a call after timeoutMs (fake timers)", async () => {
    await setFaults(server, [{ type: "latency", operations: ["GetOrganization"], ms: 60_000 }])
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
    try {
      const pending = rejection(client.getOrganization(ids.org, { timeoutMs: 30_000 }))
      await vi.advanceTimersByTimeAsync(30_000)
      const error = await pending
      expect(error).toBeInstanceOf(LogtoTimeoutError)
      expect(error).toMatchObject({ operationId: "GetOrganization", timeoutMs: 30_000 })
    } finally {
      vi.useRealTimers()
    }
  })
})

describe("client credentials", () => {
  it("fetches one token for many concurrent calls, and refreshes once after Logto's 401", async () => {
    const machine = createOrgkitClient({ baseUrl: server.url, clientCredentials: m2m })
    const results = await Promise.all(Array.from({ length: 12 }, () => machine.getOrganization(ids.org)))
    expect(results.every((o) => o.id === ids.org)).toBe(true)
    const tokenRequests = async () => (await requests(server)).filter((r) => r.path === "/oidc/token")
    expect(await tokenRequests()).toHaveLength(1)
    await control(server, "POST", "tokens/expire")
    expect((await machine.getOrganization(ids.org)).id).toBe(ids.org)
    expect(await tokenRequests()).toHaveLength(2)
    const statuses = (await requests(server)).slice(-3).map((r) => `${r.status} ${r.path}`)
    expect(statuses).toEqual([
      `401 /api/organizations/${ids.org}`,
      "200 /oidc/token",
      `200 /api/organizations/${ids.org}`
    ])
    await machine.close()
  })

  it("reports refused credentials as a 401 LogtoApiError with the OAuth code", async () => {
    const wrong = createOrgkitClient({ baseUrl: server.url, clientCredentials: { ...m2m, clientSecret: "nope" } })
    const error = await rejection(wrong.getOrganization(ids.org))
    await wrong.close()
    expect(error).toBeInstanceOf(LogtoApiError)
    expect(error).toMatchObject({ status: 401, code: "invalid_client" })
  })

  it("calls a token function once per attempt, retries included", async () => {
    const tokenFn = vi.fn<() => Promise<string>>(async () => token)
    const c = createOrgkitClient({ baseUrl: server.url, token: tokenFn, retry: { baseDelayMs: 0 } })
    await setFaults(server, [{ type: "outage", operations: ["GetOrganization"], times: 2 }])
    expect((await c.getOrganization(ids.org)).id).toBe(ids.org)
    await c.close()
    expect(tokenFn).toHaveBeenCalledTimes(3)
  })

  it("times out a call whose token function never answers (fake timers)", async () => {
    const stuck = createOrgkitClient({ baseUrl: server.url, token: () => new Promise<string>(() => {}) })
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
    try {
      const pending = rejection(stuck.getOrganization(ids.org, { timeoutMs: 5_000 }))
      await vi.advanceTimersByTimeAsync(5_000)
      expect(await pending).toBeInstanceOf(LogtoTimeoutError)
    } finally {
      vi.useRealTimers()
    }
    await stuck.close()
    expect(await requests(server)).toEqual([])
  })

  it("calls a token function before each request", async () => {
    const tokenFn = vi.fn<() => Promise<string>>(async () => token)
    const dynamic = createOrgkitClient({ baseUrl: server.url, token: tokenFn })
    await dynamic.getOrganization(ids.org)
    await dynamic.getOrganization(ids.org)
    const failing = createOrgkitClient({
      baseUrl: server.url,
      token: () => Promise.reject(new Error("vault is sealed"))
    })
    expect(await rejection(failing.getOrganization(ids.org))).toEqual(new Error("vault is sealed"))
    await dynamic.close()
    await failing.close()
    expect(tokenFn).toHaveBeenCalledTimes(2)
  })
})

describe("coverage", () => {
  it("called every one of the 36 operations against the fake", () => {
    const missing = RouteTable.routes.map((r) => r.name).filter((name) => !called.has(name))
    expect(missing).toEqual([])
    expect(RouteTable.routes).toHaveLength(36)
  })
})
