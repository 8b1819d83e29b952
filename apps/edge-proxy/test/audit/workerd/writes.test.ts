import { Fixtures } from "@orgkit/testing"
import { env } from "cloudflare:workers"
import { describe, expect, it } from "vitest"
import type { AuditEvent } from "../../../src/audit/event.ts"
import { makeRecorder } from "../../../src/audit/recorder.ts"
import { redactedValue } from "../../../src/audit/redact.ts"
import { workersAuditStore } from "../../../src/audit/workers/index.ts"
import { allEvents, chaosRequest, checkChaos, runChaos } from "../support/chaos.ts"
import { flakyStore } from "../support/flaky.ts"
import { harness } from "../support/harness.ts"
import { pathOf, requestOf, stubUpstream, writeCases } from "../support/requests.ts"

const setup = () => {
  const store = workersAuditStore(env)
  const upstream = stubUpstream()
  const lines: Array<Record<string, unknown>> = []
  const recorder = makeRecorder({
    store,
    log: (line) => void lines.push({ ...line }),
    retry: { times: 2, baseDelayMs: 1 },
    clientIpHeader: "cf-connecting-ip"
  })
  return { store, upstream, lines, recorder, app: harness({ recorder, upstream: upstream.fetch }) }
}

describe("write path in workerd", () => {
  it("yields exactly one event per write operation (all 26) with the right fields and targets", async () => {
    const { store, upstream, recorder, app, lines } = setup()
    for (const [i, c] of writeCases.entries()) {
      const response = await app.request(
        pathOf(c),
        requestOf(c, { key: "admin-key", headers: { "x-request-id": `w-${i}`, "cf-connecting-ip": "192.0.2.1" } })
      )
      expect(response.status, c.route.operationId).toBe(c.route.successStatus)
    }
    await recorder.flush()
    expect(upstream.seen).toHaveLength(26)
    const events = await allEvents(store)
    expect(events).toHaveLength(26)
    for (const [i, c] of writeCases.entries()) {
      const mine = events.filter((e) => e.requestId === `w-${i}`)
      expect(mine, c.route.operationId).toHaveLength(1)
      expect(mine[0]).toMatchObject({
        kind: "write",
        operationId: c.route.operationId,
        method: c.route.method,
        path: pathOf(c),
        // CreateOrganization: the id from Logto's 201 body (the stub answers org-new).
        organizationId: c.params["id"] ?? "org-new",
        targets: c.targets,
        status: c.route.successStatus,
        clientIp: "192.0.2.1",
        outcome: "completed"
      })
    }
    expect(events.find((e) => e.operationId === "CreateOrganization")!.request).toMatchObject({
      customData: { apiToken: redactedValue, nested: { password: redactedValue } }
    })
    expect(lines.filter((l) => l["msg"] === "audit")).toHaveLength(26)
    expect(await store.verify()).toMatchObject({ ok: true, events: 26, entries: 52 })
  })

  it("records a known key's denials once each, only counts a 401, and forwards nothing", async () => {
    const { store, upstream, recorder, app } = setup()
    const c = writeCases.find((w) => w.route.operationId === "AddOrganizationUsers")!
    expect((await app.request(pathOf(c), requestOf(c))).status).toBe(401)
    expect((await app.request(pathOf(c), requestOf(c, { key: "reader-key" }))).status).toBe(403)
    const invalid = await app.request(pathOf(c), {
      method: "POST",
      headers: { authorization: "Bearer admin-key", "content-type": "application/json" },
      body: '{"userIds":[]}'
    })
    expect(invalid.status).toBe(400)
    await recorder.flush()
    expect(upstream.seen).toHaveLength(0)
    const events = await allEvents(store)
    expect(events.map((e) => [e.kind, e.status, e.errorCode])).toEqual([
      ["denial", 400, "guard.invalid_input"],
      ["denial", 403, "auth.forbidden"]
    ])
    expect(recorder.counters.unauthenticated).toBe(1)
  })

  it("refuses with 503 and forwards nothing when the Durable Object cannot accept", async () => {
    const store = workersAuditStore(env)
    const upstream = stubUpstream()
    const recorder = makeRecorder({
      store: { ...store, accept: () => Promise.reject(new Error("D1 overloaded")) },
      log: () => {}
    })
    const app = harness({ recorder, upstream: upstream.fetch })
    const c = writeCases.find((w) => w.route.operationId === "DeleteOrganization")!
    const response = await app.request(pathOf(c), requestOf(c, { key: "admin-key" }))
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ code: "proxy.audit_unavailable" })
    await recorder.flush()
    expect(upstream.seen).toHaveLength(0)
  })
})

describe("chaos in workerd", () => {
  it("keeps one event per forwarded write and forwards nothing refused (N=504, random store failures)", async () => {
    const N = 504
    const store = workersAuditStore(env)
    const flaky = flakyStore(
      store,
      { accept: 0.15, complete: 0.5, deny: 0.4, deadLetter: 0.25 },
      Fixtures.seededRandom(7)
    )
    const upstream = stubUpstream()
    const lines: Array<Record<string, unknown>> = []
    const recorder = makeRecorder({
      store: flaky.store,
      log: (line) => void lines.push({ ...line }),
      retry: { times: 3, baseDelayMs: 1 },
      acceptRetry: { times: 1, baseDelayMs: 1 },
      deadLetterRetry: { times: 1, baseDelayMs: 1 }
    })
    const app = harness({ recorder, upstream: upstream.fetch })
    const requests = Array.from({ length: N }, (_, i) =>
      chaosRequest(i, { alice: "alice", bob: "bob", carol: "carol" }, "member")
    )
    const results = await runChaos(requests, async (path, init) => await app.request(path, init))
    await recorder.flush()
    const letters = await store.deadLetters()
    expect(letters.length).toBeGreaterThan(0)
    flaky.heal()
    const first = await store.redeliver()
    expect(first).toMatchObject({ attempted: letters.length, failed: 0 })
    const second = await store.redeliver()
    expect(second.attempted).toBe(0)
    const events: Array<AuditEvent> = await allEvents(store)
    const tally = checkChaos({
      results,
      reached: upstream.seen,
      events,
      lines: lines.filter((l) => l["msg"] === "audit"),
      redeliveries: [first, second]
    })
    expect(tally.forwarded + tally.refused + tally.denied).toBe(N)
    expect(tally.refused).toBeGreaterThan(0)
    expect(await store.verify()).toMatchObject({ ok: true, events: events.length })
    console.log(JSON.stringify({ chaos: "workerd", ...tally, deadLetters: letters.length }))
  })
})
