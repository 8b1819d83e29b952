import { describe, expect, it } from "vitest"
import { answer, at, bearer, keys, scriptedUpstream, testApp } from "../../../test/fixtures/ports.ts"
import type { AuditSink } from "../../ports.ts"
import { prettyLine } from "./index.ts"

describe("request-log", () => {
  it("writes one JSON line per request with the request id, operation, key, status and upstream figures", async () => {
    const { app, log, platform } = testApp({
      upstream: scriptedUpstream(() => {
        platform.advance(7)
        return answer(200, { id: "o1" })
      })
    })
    await app.request(at("/api/organizations/o1"), { headers: { ...bearer(keys.reader), "x-request-id": "abc" } })
    expect(log.lines).toEqual([
      {
        time: "2023-11-14T22:13:20.000Z",
        level: "info",
        msg: "request",
        requestId: "abc",
        method: "GET",
        path: "/api/organizations/o1",
        operationId: "GetOrganization",
        keyId: "reader",
        status: 200,
        code: undefined,
        upstream: { requests: 1, status: 200, ms: 7, tokenRefreshed: false },
        durationMs: 7
      }
    ])
  })

  it("records the error code of denials and upstream errors, and never the key", async () => {
    const { app, log } = testApp({
      upstream: scriptedUpstream(() => answer(404, { code: "entity.not_exists_with_id", message: "nope" }))
    })
    await app.request(at("/api/organizations"), { method: "POST", headers: bearer(keys.reader) })
    await app.request(at("/api/organizations/o1"), { headers: bearer(keys.admin) })
    await app.request(at("/api/organizations"), { headers: { authorization: "Bearer secret-guess-123" } })
    expect(log.lines.map((l) => [l["status"], l["code"], l["level"]])).toEqual([
      [403, "auth.forbidden", "warn"],
      [404, "entity.not_exists_with_id", "warn"],
      [401, "auth.unauthorized", "warn"]
    ])
    const text = JSON.stringify(log.lines)
    expect(text).not.toContain(keys.admin.key)
    expect(text).not.toContain("secret-guess-123")
  })

  it("caps very long paths in the log line", async () => {
    const { app, log } = testApp()
    await app.request(at(`/api/organizations/${"x".repeat(5000)}`), { headers: bearer(keys.admin) })
    expect((log.lines[0]!["path"] as string).length).toBe(2049)
  })

  it("hands writes and denied requests to the audit sink, but not answered reads", async () => {
    const settled: Array<string> = []
    const audit: AuditSink = {
      accept: () => Promise.resolve({ id: "e" }),
      settle: (attempt, _receipt, outcome) => {
        settled.push(`${attempt.method} ${attempt.route.operationId} ${outcome.status}`)
        return Promise.resolve()
      }
    }
    const { app } = testApp({ audit })
    await app.request(at("/api/organizations/o1"), { headers: bearer(keys.admin) })
    await app.request(at("/api/organizations/o1"))
    await app.request(at("/api/organizations?page=0"), { headers: bearer(keys.admin) })
    await app.request(at("/api/organizations/o1"), { method: "DELETE", headers: bearer(keys.admin) })
    await app.request(at("/api/nowhere"))
    expect(settled).toEqual(["GET GetOrganization 401", "GET ListOrganizations 400", "DELETE DeleteOrganization 200"])
  })
})

describe("prettyLine", () => {
  it("writes a request line for people: time, status, method, path, operation, key, cache, times", async () => {
    const { app, log, platform } = testApp({
      upstream: scriptedUpstream(() => {
        platform.advance(7)
        return answer(200, { id: "o1" })
      })
    })
    await app.request(at("/api/organizations/o1"), { headers: bearer(keys.reader) })
    await app.request(at("/api/organizations"), { method: "POST", headers: bearer(keys.reader) })
    expect(log.lines.map(prettyLine)).toEqual([
      "22:13:20.000 200 GET /api/organizations/o1 GetOrganization key=reader 7 ms (Logto 1× 7 ms)",
      "22:13:20.007 403 POST /api/organizations CreateOrganization key=reader auth.forbidden 0 ms"
    ])
  })

  it("writes any other line as time, level, message and its fields", () => {
    expect(
      prettyLine({
        time: "2026-12-03T19:00:00.123Z",
        level: "warn",
        msg: "audit checkpoints are off",
        reason: "no key"
      })
    ).toBe("19:00:00.123 WARN audit checkpoints are off reason=no key")
  })
})
