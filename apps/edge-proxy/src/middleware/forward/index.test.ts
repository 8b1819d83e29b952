import { describe, expect, it } from "vitest"
import { answer, at, bearer, fixedTokens, keys, scriptedUpstream, testApp } from "../../../test/fixtures/ports.ts"
import { UpstreamFailure, type AuditSink, type CacheWrite } from "../../ports.ts"
import type { TokenSource } from "../../ports.ts"

const admin = bearer(keys.admin)

describe("forward", () => {
  it("rebuilds the upstream path from the decoded parameters so nothing escapes its segment", async () => {
    const { app, upstream } = testApp()
    await app.request(at("/api/organizations/a%2Fb/users?q=x%20y&page=2&extra"), { headers: admin })
    await app.request(at("/api/organizations/..%2F..%2Fusers"), { headers: admin })
    await app.request(at("/api/organizations/ab%63d/jit/email-domains/%E0%A4%A"), { method: "DELETE", headers: admin })
    expect(upstream.requests.map((r) => [r.method, r.target])).toEqual([
      ["GET", "/api/organizations/a%2Fb/users?q=x%20y&page=2&extra"],
      ["GET", "/api/organizations/..%2F..%2Fusers"],
      ["DELETE", "/api/organizations/abcd/jit/email-domains/%25E0%25A4%25A"]
    ])
  })

  it("sends the proxy's token and only the headers that change Logto's answer", async () => {
    const { app, upstream } = testApp()
    await app.request(at("/api/organizations/o1"), {
      headers: {
        ...admin,
        "accept-language": "fr",
        "if-none-match": '"x"',
        "cache-control": "max-age=0",
        cookie: "s=1",
        "x-forwarded-for": "1.2.3.4",
        connection: "keep-alive, x-secret",
        "x-secret": "1",
        "content-type": "application/json"
      }
    })
    expect(upstream.requests[0]!.headers).toEqual({
      authorization: "Bearer upstream-token",
      "accept-language": "fr",
      "if-none-match": '"x"',
      "cache-control": "max-age=0"
    })
  })

  it("passes Logto's status, body bytes and the headers that matter, with Link pointing at the proxy", async () => {
    const body = '[{"id":"o1","name":"Ünïcode"}]'
    const { app } = testApp({
      upstream: scriptedUpstream(() =>
        answer(200, body, {
          "content-type": "application/json; charset=utf-8",
          "total-number": "3",
          etag: '"1f-abc"',
          link: '<http://127.0.0.1:3001/organizations?page_size=1&page=1>; rel="first", <http://127.0.0.1:3001/organizations?page_size=1&page=2>; rel="next"',
          "set-cookie": "a=b",
          "x-powered-by": "koa",
          "logto-core-request-id": "r"
        })
      )
    })
    const response = await app.request(at("/api/organizations/?page_size=1"), { headers: admin })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(body)
    expect(Object.fromEntries(response.headers)).toEqual({
      "content-type": "application/json; charset=utf-8",
      "total-number": "3",
      etag: '"1f-abc"',
      link: '<http://proxy.test/organizations/?page_size=1&page=1>; rel="first", <http://proxy.test/organizations/?page_size=1&page=2>; rel="next"',
      "x-request-id": "req-1"
    })
  })

  it("answers 204 and 304 without a body", async () => {
    const statuses = [204, 304]
    const { app } = testApp({
      upstream: scriptedUpstream(() => answer(statuses.shift()!, undefined, { etag: '"e"' }))
    })
    const deleted = await app.request(at("/api/organizations/o1"), { method: "DELETE", headers: admin })
    const notModified = await app.request(at("/api/organizations/o1"), {
      headers: { ...admin, "if-none-match": '"e"' }
    })
    expect([deleted.status, await deleted.text()]).toEqual([204, ""])
    expect([notModified.status, await notModified.text(), notModified.headers.get("etag")]).toEqual([304, "", '"e"'])
  })

  it("forwards HEAD as HEAD and keeps Logto's Content-Length", async () => {
    const { app, upstream } = testApp({
      upstream: scriptedUpstream(() =>
        answer(200, undefined, { "content-type": "application/json", "content-length": "42" })
      )
    })
    const response = await app.request(at("/api/organizations/o1"), { method: "HEAD", headers: admin })
    expect(upstream.requests[0]!.method).toBe("HEAD")
    expect([response.status, response.headers.get("content-length")]).toEqual([200, "42"])
  })

  it("refreshes the token once when Logto answers 401, then answers with the retry", async () => {
    const statuses = [401, 200]
    const tokens = fixedTokens()
    const { app, upstream, log } = testApp({
      tokens,
      upstream: scriptedUpstream(() => answer(statuses.shift()!, { id: "o1" }))
    })
    const response = await app.request(at("/api/organizations/o1"), { headers: admin })
    expect(response.status).toBe(200)
    expect(upstream.requests).toHaveLength(2)
    expect(tokens.invalidated).toEqual(["upstream-token"])
    expect(log.lines.at(-1)?.["upstream"]).toMatchObject({ requests: 2, status: 200, tokenRefreshed: true })
  })

  it("answers 502 proxy.upstream_auth_failed when Logto rejects a fresh token or its scope", async () => {
    const { app } = testApp({ upstream: scriptedUpstream(() => answer(401, { code: "auth.unauthorized" })) })
    const rejected = await app.request(at("/api/organizations/o1"), { headers: admin })
    expect(rejected.status).toBe(502)
    expect(await rejected.json()).toMatchObject({ code: "proxy.upstream_auth_failed" })
    const { app: scoped } = testApp({
      upstream: scriptedUpstream(() => answer(403, { code: "auth.forbidden", message: "Forbidden." }))
    })
    const forbidden = await scoped.request(at("/api/organizations/o1"), { headers: admin })
    expect([forbidden.status, ((await forbidden.json()) as { code: string }).code]).toEqual([
      502,
      "proxy.upstream_auth_failed"
    ])
  })

  it("answers an upstream timeout with 504 and an outage with 502, Logto-shaped", async () => {
    const failures = [new UpstreamFailure("timeout", "t"), new UpstreamFailure("unavailable", "u")]
    const { app } = testApp({
      upstream: { send: () => Promise.reject(failures.shift()) }
    })
    const timeout = await app.request(at("/api/organizations/o1"), { headers: admin })
    const outage = await app.request(at("/api/organizations/o1"), { headers: admin })
    expect([timeout.status, await timeout.json()]).toEqual([
      504,
      {
        code: "proxy.upstream_timeout",
        message: "Logto did not answer in time."
      }
    ])
    expect([outage.status, await outage.json()]).toEqual([
      502,
      {
        code: "proxy.upstream_unavailable",
        message: "Logto could not be reached."
      }
    ])
  })

  it("has a write accepted by the audit sink before it is forwarded, and refuses it when the sink fails", async () => {
    const events: Array<string> = []
    let fail = false
    const audit: AuditSink = {
      accept: (attempt) => {
        events.push(`accept ${attempt.route.operationId} ${attempt.principal?.id}`)
        return fail ? Promise.reject(new Error("down")) : Promise.resolve({ id: "ev1" })
      },
      settle: (attempt, receipt, outcome) => {
        events.push(`settle ${attempt.route.operationId} ${receipt?.id} ${outcome.status} ${outcome.errorCode}`)
        return Promise.resolve()
      }
    }
    const upstream = scriptedUpstream((r) => (events.push(`send ${r.method}`), answer(204, undefined)))
    const { app } = testApp({ audit, upstream })
    await app.request(at("/api/organizations/o1"), { method: "DELETE", headers: admin })
    fail = true
    const refused = await app.request(at("/api/organizations/o1"), { method: "DELETE", headers: admin })
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({ code: "proxy.audit_unavailable" })
    await app.request(at("/api/organizations/o1"), { method: "DELETE" })
    await app.request(at("/api/organizations/o1"), { headers: admin })
    expect(events).toEqual([
      "accept DeleteOrganization admin",
      "send DELETE",
      "settle DeleteOrganization ev1 204 undefined",
      "accept DeleteOrganization admin",
      "settle DeleteOrganization undefined 503 proxy.audit_unavailable",
      "settle DeleteOrganization undefined 401 auth.authorization_header_missing",
      "send GET"
    ])
  })

  it("tells the cache about every forwarded write, also when no answer came", async () => {
    const writes: Array<CacheWrite> = []
    const results = [answer(201, { userIds: ["u1"] }), new UpstreamFailure("timeout", "t")]
    const { app } = testApp({
      cache: {
        read: (_, load) => load().then((response) => ({ response })),
        written: (w) => (writes.push(w), Promise.resolve()),
        invalidate: () => Promise.resolve(),
        metrics: () => ""
      },
      upstream: {
        send: () => {
          const next = results.shift()!
          return next instanceof UpstreamFailure ? Promise.reject(next) : Promise.resolve(next)
        }
      }
    })
    const init = {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: '{"userIds":["u1"]}'
    }
    await app.request(at("/api/organizations/o1/users"), init)
    await app.request(at("/api/organizations/o1/users"), init)
    expect(writes.map((w) => [w.route.operationId, w.params, w.payload, w.status])).toEqual([
      ["AddOrganizationUsers", { id: "o1" }, { userIds: ["u1"] }, 201],
      ["AddOrganizationUsers", { id: "o1" }, { userIds: ["u1"] }, undefined]
    ])
  })

  it("gives an organization-restricted key only its organizations, with Total-Number and Link for them", async () => {
    const all = Array.from({ length: 230 }, (_, i) => ({
      id: i === 7 ? "org-acme" : i === 150 ? "org-acme-2" : `org-${i}`,
      name: `n${i}`
    }))
    const upstream = scriptedUpstream((r) => {
      const url = new URL(`http://x${r.target}`)
      const size = Number(url.searchParams.get("page_size"))
      const page = Number(url.searchParams.get("page"))
      return answer(200, all.slice((page - 1) * size, page * size), { "total-number": String(all.length) })
    })
    const { app } = testApp({ upstream })
    const first = await app.request(at("/api/organizations?q=n&page_size=1&showFeatured=true"), {
      headers: bearer(keys.acme)
    })
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual([{ id: "org-acme", name: "n7" }])
    expect(first.headers.get("total-number")).toBe("2")
    expect(first.headers.get("link")).toBe(
      '<http://proxy.test/organizations?q=n&page_size=1&showFeatured=true&page=1>; rel="first", <http://proxy.test/organizations?q=n&page_size=1&showFeatured=true&page=2>; rel="last", <http://proxy.test/organizations?q=n&page_size=1&showFeatured=true&page=2>; rel="next"'
    )
    expect(upstream.requests.map((r) => r.target)).toEqual([
      "/api/organizations?q=n&showFeatured=true&page_size=100&page=1",
      "/api/organizations?q=n&showFeatured=true&page_size=100&page=2"
    ])
    const etag = first.headers.get("etag")!
    expect(etag).toMatch(/^"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/)
    const again = await app.request(at("/api/organizations?q=n&page_size=1&showFeatured=true"), {
      headers: { ...bearer(keys.acme), "if-none-match": `W/${etag}` }
    })
    expect([again.status, await again.text(), again.headers.get("total-number")]).toEqual([304, "", "2"])
  })

  it("sends no validator upstream for the filtered list, so no full-list header can leak", async () => {
    const upstream = scriptedUpstream((r) =>
      r.headers["if-none-match"] === undefined
        ? answer(200, [{ id: "org-acme" }, { id: "org-x" }], { "total-number": "2" })
        : answer(304, undefined, { "total-number": "2" })
    )
    const { app } = testApp({ upstream })
    const response = await app.request(at("/api/organizations"), {
      headers: { ...bearer(keys.acme), "if-none-match": "*" }
    })
    expect(upstream.requests.map((r) => r.headers["if-none-match"])).toEqual([undefined])
    expect([response.status, response.headers.get("total-number")]).toEqual([304, "1"])
  })

  it("keeps a token refresh to one for concurrent 401s", async () => {
    let current = "t1"
    let fetched = 0
    const tokens: TokenSource = {
      get: () => Promise.resolve(current),
      invalidate: (t) => {
        if (t === current) {
          fetched++
          current = `t${fetched + 1}`
        }
      }
    }
    const upstream = scriptedUpstream((r) => answer(r.headers["authorization"] === "Bearer t1" ? 401 : 200, {}))
    const { app } = testApp({ tokens, upstream })
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => app.request(at("/api/organizations/o1"), { headers: admin }))
    )
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(fetched).toBe(1)
  })
})
