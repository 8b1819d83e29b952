import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { AuditEvent } from "../../../src/audit/event.ts"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { makeRecorder } from "../../../src/audit/recorder.ts"
import { redactedValue } from "../../../src/audit/redact.ts"
import type { AuditStore } from "../../../src/audit/store.ts"
import { harness } from "../support/harness.ts"
import { pathOf, requestOf, stubUpstream, writeCases } from "../support/requests.ts"

let dir: string
let store: NodeAuditStore
let lines: Array<Record<string, unknown>>

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-writes-"))
  store = openNodeAuditStore({ path: join(dir, "audit.sqlite"), redeliverEveryMs: 0 })
  lines = []
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

const setup = (auditStore: AuditStore = store) => {
  const upstream = stubUpstream()
  const recorder = makeRecorder({
    store: auditStore,
    log: (line) => void lines.push({ ...line }),
    retry: { times: 2, baseDelayMs: 1 },
    deadLetterRetry: { times: 1, baseDelayMs: 1 },
    clientIpHeader: "x-forwarded-for"
  })
  const app = harness({ recorder, upstream: upstream.fetch })
  return { app, upstream, recorder }
}

const allEvents = async (): Promise<Array<AuditEvent>> => {
  const events: Array<AuditEvent> = []
  for await (const event of store.export({})) events.push(event)
  return events
}

describe("every write operation", () => {
  it("yields exactly one event per write with the right fields and targets (all 26 write operations)", async () => {
    const { app, upstream, recorder } = setup()
    const statuses = new Map<string, number>()
    for (const [i, c] of writeCases.entries()) {
      const response = await app.request(
        pathOf(c),
        requestOf(c, {
          key: "admin-key",
          headers: {
            "x-request-id": `write-${i}`,
            "user-agent": "audit-suite/1",
            "x-forwarded-for": "203.0.113.9, 10.0.0.1"
          }
        })
      )
      expect(response.status, c.route.operationId).toBe(c.route.successStatus)
      statuses.set(`write-${i}`, response.status)
    }
    await recorder.flush()
    expect(upstream.seen).toHaveLength(26)
    const events = await allEvents()
    expect(events).toHaveLength(26)
    for (const [i, c] of writeCases.entries()) {
      const matching = events.filter((e) => e.requestId === `write-${i}`)
      expect(matching, c.route.operationId).toHaveLength(1)
      const event = matching[0]!
      expect(event).toMatchObject({
        kind: "write",
        actor: { id: "admin", name: "Platform team" },
        operationId: c.route.operationId,
        method: c.route.method,
        path: pathOf(c),
        // CreateOrganization: the id from Logto's 201 body (the stub answers org-new).
        organizationId: c.params["id"] ?? "org-new",
        targets: c.targets,
        status: statuses.get(`write-${i}`),
        errorCode: null,
        // The trusted header's last address: the one the operator's own proxy appended.
        clientIp: "10.0.0.1",
        userAgent: "audit-suite/1",
        outcome: "completed"
      })
      expect(event.latencyMs).toBeGreaterThanOrEqual(0)
      expect(event.request === null, c.route.operationId).toBe(c.body === undefined)
    }
    // Secrets in bodies are redacted; other fields stay.
    const create = events.find((e) => e.operationId === "CreateOrganization")!
    expect(create.request).toEqual({
      name: "Acme",
      description: "created by the audit suite",
      customData: { apiToken: redactedValue, nested: { password: redactedValue, plan: "pro" } }
    })
    const update = events.find((e) => e.operationId === "UpdateOrganization")!
    expect(update.request).toEqual({ name: "Acme 2", customData: { clientSecret: redactedValue, region: "eu" } })
    // One JSON log line per event, after its outcome was recorded.
    const auditLines = lines.filter((l) => l["msg"] === "audit")
    expect(auditLines).toHaveLength(26)
    expect(new Set(auditLines.map((l) => l["auditEventId"]))).toEqual(new Set(events.map((e) => e.id)))
    expect(auditLines.every((l) => l["delivery"] === "recorded")).toBe(true)
    expect(JSON.stringify(lines)).not.toContain("hunter2")
    expect(await store.verify()).toMatchObject({ ok: true, events: 26, entries: 52 })
  })

  it("records Logto's error code and status when the write fails upstream", async () => {
    const recorder = makeRecorder({ store, log: () => {} })
    const app = harness({
      recorder,
      upstream: async () =>
        Response.json(
          { code: "entity.not_exists_with_id", message: "The entity with id `x` does not exist." },
          { status: 404 }
        )
    })
    const c = writeCases.find((w) => w.route.operationId === "DeleteOrganization")!
    const response = await app.request(pathOf(c), requestOf(c, { key: "admin-key" }))
    expect(response.status).toBe(404)
    await recorder.flush()
    expect((await allEvents())[0]).toMatchObject({
      status: 404,
      errorCode: "entity.not_exists_with_id",
      outcome: "completed"
    })
  })

  it("refuses the write with 503 and forwards nothing when the store cannot accept it", async () => {
    const down: AuditStore = { ...store, accept: () => Promise.reject(new Error("disk full")) }
    const { app, upstream, recorder } = setup(down)
    const c = writeCases.find((w) => w.route.operationId === "AddOrganizationUsers")!
    const response = await app.request(pathOf(c), requestOf(c, { key: "admin-key" }))
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({
      code: "proxy.audit_unavailable",
      message: "The audit trail is unavailable; the write was not forwarded."
    })
    await recorder.flush()
    expect(upstream.seen).toHaveLength(0)
    expect(await allEvents()).toHaveLength(0)
    expect(lines.filter((l) => l["msg"] === "audit")).toEqual([
      expect.objectContaining({
        delivery: "refused",
        status: 503,
        errorCode: "proxy.audit_unavailable",
        closedAs: "unknown"
      })
    ])
  })

  it("closes an intent whose acceptance was lost as refused, so it cannot pass for a forwarded write", async () => {
    const lostAck: AuditStore = {
      ...store,
      accept: async (intent) => {
        await store.accept(intent)
        throw new Error("acknowledgement lost")
      }
    }
    const { app, upstream, recorder } = setup(lostAck)
    const c = writeCases.find((w) => w.route.operationId === "DeleteOrganization")!
    expect((await app.request(pathOf(c), requestOf(c, { key: "admin-key" }))).status).toBe(503)
    await recorder.flush()
    expect(upstream.seen).toHaveLength(0)
    const events = await allEvents()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      kind: "write",
      status: 503,
      errorCode: "proxy.audit_unavailable",
      outcome: "completed"
    })
  })

  it("dead-letters an outcome the store keeps refusing, and the event shows as unrecorded until redelivery", async () => {
    let completes = 0
    const flaky: AuditStore = {
      ...store,
      complete: (id, outcome) => (++completes <= 3 ? Promise.reject(new Error("busy")) : store.complete(id, outcome))
    }
    const { app, upstream, recorder } = setup(flaky)
    const c = writeCases.find((w) => w.route.operationId === "ReplaceOrganizationUsers")!
    expect((await app.request(pathOf(c), requestOf(c, { key: "admin-key" }))).status).toBe(204)
    await recorder.flush()
    expect(upstream.seen).toHaveLength(1)
    expect(completes).toBe(3)
    const letters = await store.deadLetters()
    expect(letters).toHaveLength(1)
    expect(letters[0]).toMatchObject({ kind: "outcome", payload: { status: 204 }, attempts: 3, error: "Error: busy" })
    expect((await allEvents())[0]).toMatchObject({ outcome: "pending", status: null })
    expect(lines.find((l) => l["msg"] === "audit")).toMatchObject({ delivery: "dead_lettered", status: 204 })
    expect(await store.redeliver()).toMatchObject({ recorded: 1 })
    expect((await allEvents())[0]).toMatchObject({ outcome: "completed", status: 204 })
  })
})

describe("denied attempts", () => {
  const addUsers = writeCases.find((w) => w.route.operationId === "AddOrganizationUsers")!

  const cases: ReadonlyArray<{
    readonly name: string
    readonly path: string
    readonly init: RequestInit
    readonly status: number
    readonly errorCode: string | null
    readonly actor: string
  }> = [
    {
      name: "no key",
      path: pathOf(addUsers),
      init: requestOf(addUsers),
      status: 401,
      errorCode: "auth.authorization_header_missing",
      actor: "anonymous"
    },
    {
      name: "unknown key",
      path: pathOf(addUsers),
      init: requestOf(addUsers, { key: "nope" }),
      status: 401,
      errorCode: "auth.unauthorized",
      actor: "anonymous"
    },
    {
      name: "read-only key writing",
      path: pathOf(addUsers),
      init: requestOf(addUsers, { key: "reader-key" }),
      status: 403,
      errorCode: "auth.forbidden",
      actor: "reader"
    },
    {
      name: "organization outside the key's list",
      path: "/api/organizations/org-globex/users",
      init: requestOf(addUsers, { key: "acme-key" }),
      status: 403,
      errorCode: "auth.forbidden",
      actor: "acme"
    },
    {
      name: "invalid body",
      path: pathOf(addUsers),
      init: {
        method: "POST",
        headers: { authorization: "Bearer admin-key", "content-type": "application/json" },
        body: '{"userIds":[]}'
      },
      status: 400,
      errorCode: "guard.invalid_input",
      actor: "admin"
    },
    {
      name: "malformed JSON",
      path: pathOf(addUsers),
      init: {
        method: "POST",
        headers: { authorization: "Bearer admin-key", "content-type": "application/json" },
        body: '{"userIds":'
      },
      status: 400,
      errorCode: null,
      actor: "admin"
    },
    {
      name: "read without a key",
      path: "/api/organizations",
      init: { method: "GET" },
      status: 401,
      errorCode: "auth.authorization_header_missing",
      actor: "anonymous"
    }
  ]

  const send = async (d: (typeof cases)[number]) => {
    const { app, upstream, recorder } = setup()
    const response = await app.request(d.path, {
      ...d.init,
      headers: { ...(d.init.headers as Record<string, string>), "x-request-id": "denied-1" }
    })
    expect(response.status).toBe(d.status)
    await recorder.flush()
    expect(upstream.seen).toHaveLength(0)
    return { recorder, events: await allEvents() }
  }

  for (const d of cases.filter((c) => c.actor === "anonymous")) {
    it(`only counts ${d.name} (no record, no audit line) and forwards nothing`, async () => {
      const { recorder, events } = await send(d)
      expect(events).toEqual([])
      expect(recorder.counters.unauthenticated).toBe(1)
      expect(lines.filter((l) => l["msg"] === "audit")).toEqual([])
      expect(lines.filter((l) => String(l["msg"]).startsWith("audit: unauthenticated"))).toEqual([
        expect.objectContaining({ count: 1, total: 1 })
      ])
    })
  }

  for (const d of cases.filter((c) => c.actor !== "anonymous")) {
    it(`records one completed denial for ${d.name} and forwards nothing`, async () => {
      const { events } = await send(d)
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({
        kind: "denial",
        requestId: "denied-1",
        status: d.status,
        errorCode: d.errorCode,
        outcome: "completed",
        outcomeHash: null,
        actor: { id: d.actor }
      })
      expect(lines.filter((l) => l["msg"] === "audit")).toEqual([
        expect.objectContaining({ kind: "denial", delivery: "recorded" })
      ])
    })
  }

  it("records the path and its targets for a write rejected by validation (the pipeline hands no unvalidated body)", async () => {
    const { app, recorder } = setup()
    const response = await app.request("/api/organizations/org-acme/users/roles", {
      method: "POST",
      headers: { authorization: "Bearer admin-key", "content-type": "application/json" },
      body: JSON.stringify({ userIds: ["user-7"], organizationRoleIds: [], password: "x" })
    })
    expect(response.status).toBe(400)
    await recorder.flush()
    const [event] = await allEvents()
    expect(event).toMatchObject({
      kind: "denial",
      operationId: "AssignOrganizationRolesToUsers",
      path: "/api/organizations/org-acme/users/roles",
      targets: {},
      request: null,
      organizationId: "org-acme"
    })
    expect(JSON.stringify(event)).not.toContain('"x"')
  })

  it("records only the path for a write denied before its body was read (401/403)", async () => {
    const { app, recorder } = setup()
    const c = writeCases.find((w) => w.route.operationId === "DeleteOrganizationUserRole")!
    await app.request(pathOf(c), requestOf(c, { key: "reader-key" }))
    await recorder.flush()
    expect((await allEvents())[0]).toMatchObject({ targets: c.targets, request: null, organizationId: "org-acme" })
  })

  it("does not record a read rejected by validation", async () => {
    const { app, recorder } = setup()
    const response = await app.request("/api/organizations?page_size=1000", {
      headers: { authorization: "Bearer admin-key" }
    })
    expect(response.status).toBe(400)
    await recorder.flush()
    expect(await allEvents()).toHaveLength(0)
  })
})
