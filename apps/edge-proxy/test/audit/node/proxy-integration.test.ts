/**
 * The audit trail wired into the proxy's own app, as the integration will do it: the recorder is
 * `deps.audit` (the `AuditSink` port: `forward` accepts before forwarding, `request-log` settles
 * after the answer), and the audit API is mounted at `/audit` behind the proxy's `authenticate`
 * with the `audit:read` scope. Logto is the fake from @orgkit/testing, seeded with the demo data.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RouteTable } from "@orgkit/core"
import { Demo, FakeLogto } from "@orgkit/testing"
import { Hono } from "hono"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { createApp } from "../../../src/app.ts"
import type { AuditEvent } from "../../../src/audit/event.ts"
import { auditRoutes } from "../../../src/audit/index.ts"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { makeRecorder } from "../../../src/audit/recorder.ts"
import type { AuditStore } from "../../../src/audit/store.ts"
import type { ApiKey } from "../../../src/config.ts"
import type { AppEnv } from "../../../src/env.ts"
import { authenticate, makeKeyStore } from "../../../src/middleware/authenticate/index.ts"
import { requestId } from "../../../src/middleware/request-id/index.ts"
import { passThroughCache, type Platform, type Upstream } from "../../../src/ports.ts"
import { writeCases } from "../support/requests.ts"

const keys = [
  { id: "admin", name: "Platform team", key: "integration-admin-key-1", scopes: ["read", "write", "audit:read"] },
  { id: "reader", name: "Support team", key: "integration-reader-key-1", scopes: ["read"] }
] satisfies Array<ApiKey>
const [admin, reader] = keys

const platform: Platform = {
  now: () => Date.now(),
  randomId: () => crypto.randomUUID(),
  digest: async (algorithm, data) => new Uint8Array(await crypto.subtle.digest(algorithm, data as BufferSource))
}

let dir: string
let store: NodeAuditStore
let fake: FakeLogto.Instance

/** The fake as the proxy's `Upstream`. */
const fakeUpstream = (): Upstream => ({
  send: async (request) => {
    const response = await fake.fetch(
      new Request(FakeLogto.baseUrl + request.target, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body as BodyInit })
      })
    )
    return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) }
  }
})

/** The proxy with the audit trail wired in. */
const proxyWith = (auditStore: AuditStore) => {
  const recorder = makeRecorder({ store: auditStore, log: () => {}, retry: { times: 1, baseDelayMs: 1 } })
  const proxy = createApp({
    keys,
    upstream: fakeUpstream(),
    tokens: { get: () => Promise.resolve(FakeLogto.defaultToken), invalidate: () => {} },
    upstreamTimeoutMs: 5_000,
    platform,
    log: () => {},
    cache: passThroughCache,
    audit: recorder
  })
  const app = new Hono<AppEnv>()
    .use(
      "/audit/*",
      requestId({ generate: platform.randomId }),
      authenticate({ keys: makeKeyStore(keys, platform.digest), scope: "audit:read" })
    )
    .route("/audit", auditRoutes({ store: auditStore }))
    .route("/", proxy)
  return { app, recorder }
}

const demoParams: Readonly<Record<string, string>> = {
  id: Demo.ids.organizations.acme,
  userId: Demo.ids.users.alice,
  applicationId: Demo.ids.applications.billing,
  organizationRoleId: Demo.ids.roles.member,
  emailDomain: "acme.example.com",
  ssoConnectorId: Demo.ids.ssoConnectors.acmeOkta
}

const allEvents = async (): Promise<Array<AuditEvent>> => {
  const events: Array<AuditEvent> = []
  for await (const event of store.export({})) events.push(event)
  return events
}

beforeAll(() => {
  fake = FakeLogto.make({ seed: Demo.seed })
})
afterAll(async () => {
  await fake.dispose()
})
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-proxy-"))
  store = openNodeAuditStore({ path: join(dir, "audit.sqlite"), redeliverEveryMs: 0 })
  fake.reset(Demo.seed)
  return () => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

describe("audit in the proxy app", () => {
  it("records every write operation once, with the status and code the caller got", async () => {
    const { app, recorder } = proxyWith(store)
    const answers: Array<{
      requestId: string
      status: number
      code: string | null
      path: string
      operationId: string
    }> = []
    for (const [i, c] of writeCases.entries()) {
      const path = RouteTable.buildPath(c.route, Object.fromEntries(c.route.pathParams.map((p) => [p, demoParams[p]!])))
      const response = await app.request(`http://proxy.test${path}`, {
        method: c.route.method,
        headers: {
          authorization: `Bearer ${admin.key}`,
          "x-request-id": `proxy-write-${i}`,
          "user-agent": "integration",
          ...(c.body === undefined ? {} : { "content-type": "application/json" })
        },
        ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) })
      })
      const text = await response.text()
      const code = response.status >= 400 ? ((JSON.parse(text) as { code?: string }).code ?? null) : null
      answers.push({
        requestId: `proxy-write-${i}`,
        status: response.status,
        code,
        path,
        operationId: c.route.operationId
      })
    }
    await recorder.flush()
    const apiCalls = fake.requests().filter((r) => r.path.startsWith("/api/"))
    expect(apiCalls).toHaveLength(26)
    const events = await allEvents()
    expect(events).toHaveLength(26)
    for (const answer of answers) {
      const mine = events.filter((e) => e.requestId === answer.requestId)
      expect(mine, answer.operationId).toHaveLength(1)
      expect(mine[0]).toMatchObject({
        kind: "write",
        operationId: answer.operationId,
        path: answer.path,
        actor: { id: "admin", name: "Platform team" },
        status: answer.status,
        errorCode: answer.code,
        userAgent: "integration",
        outcome: "completed"
      })
    }
    // A created organization's event is filed under the id Logto gave it.
    const created = answers.find((a) => a.operationId === "CreateOrganization")!
    const createdEvent = events.find((e) => e.requestId === created.requestId)!
    expect(created.status).toBe(201)
    expect(createdEvent.organizationId).toMatch(/^[0-9a-z]{12}$/)
    // Some succeeded at the fake, some were refused by it: both are recorded as they ended.
    expect(events.some((e) => e.status! < 300)).toBe(true)
    expect(events.some((e) => e.status! >= 400)).toBe(true)
    expect(await store.verify()).toMatchObject({ ok: true, events: 26, entries: 52 })
  })

  it("records a known key's denials (403, 400) once each and only counts a 401, without reaching Logto", async () => {
    const { app, recorder } = proxyWith(store)
    const path = `http://proxy.test/api/organizations/${Demo.ids.organizations.acme}/users`
    const send = (headers: Record<string, string>, body: string) =>
      app.request(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body })
    expect((await send({}, '{"userIds":["x"]}')).status).toBe(401)
    expect((await send({ authorization: `Bearer ${reader.key}` }, '{"userIds":["x"]}')).status).toBe(403)
    expect((await send({ authorization: `Bearer ${admin.key}` }, '{"userIds":[]}')).status).toBe(400)
    await recorder.flush()
    expect(fake.requests().filter((r) => r.path.startsWith("/api/"))).toEqual([])
    const events = await allEvents()
    expect(
      events.map((e) => [e.kind, e.status, e.errorCode, e.actor === "anonymous" ? "anonymous" : e.actor.id])
    ).toEqual([
      ["denial", 400, "guard.invalid_input", "admin"],
      ["denial", 403, "auth.forbidden", "reader"]
    ])
    expect(recorder.counters).toEqual({ unauthenticated: 1, denialsOverCeiling: 0 })
    expect(recorder.metrics()).toContain('orgkit_audit_unrecorded_total{reason="unauthenticated"} 1')
  })

  it("answers 503 proxy.audit_unavailable and forwards nothing when the store is down", async () => {
    const { app, recorder } = proxyWith({ ...store, accept: () => Promise.reject(new Error("D1 unavailable")) })
    const response = await app.request(`http://proxy.test/api/organizations/${Demo.ids.organizations.acme}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.key}` }
    })
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ code: "proxy.audit_unavailable" })
    await recorder.flush()
    expect(fake.requests().filter((r) => r.path.startsWith("/api/"))).toEqual([])
  })

  it("serves the audit API behind the proxy's authentication with the audit:read scope", async () => {
    const { app, recorder } = proxyWith(store)
    await app.request(`http://proxy.test/api/organizations/${Demo.ids.organizations.acme}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${admin.key}`, "content-type": "application/json" },
      body: '{"name":"Acme Corp"}'
    })
    await recorder.flush()
    const none = await app.request("http://proxy.test/audit/events")
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ code: "auth.authorization_header_missing" })
    const forbidden = await app.request("http://proxy.test/audit/events", {
      headers: { authorization: `Bearer ${reader.key}` }
    })
    expect(forbidden.status).toBe(403)
    expect(await forbidden.json()).toMatchObject({ code: "auth.forbidden" })
    const ok = await app.request("http://proxy.test/audit/events", {
      headers: { authorization: `Bearer ${admin.key}` }
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({
      events: [{ operationId: "UpdateOrganization", status: 200, request: { name: "Acme Corp" } }]
    })
    // Reading the audit trail is not itself audited.
    expect(await allEvents()).toHaveLength(1)
  })
})
