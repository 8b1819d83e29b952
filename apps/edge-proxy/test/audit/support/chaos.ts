/**
 * The chaos scenario shared by the Node and workerd suites: N writes (and some denials) through
 * the harness while the store fails at random, then the invariants of issue 7:
 * every write that reached Logto has exactly one event, every refused write reached nothing,
 * every denial has one event, and redelivery doubles nothing.
 */
import { expect } from "vitest"
import type { AuditEvent } from "../../../src/audit/event.ts"
import type { AuditStore, RedeliveryReport } from "../../../src/audit/store.ts"

/** One request of the scenario. */
export interface ChaosRequest {
  readonly i: number
  readonly organizationId: string
  readonly path: string
  readonly init: RequestInit
  /** `write`: should reach Logto unless refused; `denial`: never reaches Logto. */
  readonly expect: "write" | "denial"
}

/** Organization ids for the scenario (at most 21 characters, as Logto allows). */
export const chaosOrganization = (i: number) => `chaos${String(i).padStart(6, "0")}`

const json = (key: string | undefined, method: string, body?: unknown): RequestInit => ({
  method,
  headers: {
    ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    ...(body === undefined ? {} : { "content-type": "application/json" })
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) })
})

/** The i-th request: every request touches its own organization, so each has its own path. */
export const chaosRequest = (
  i: number,
  users: { alice: string; bob: string; carol: string },
  role: string
): ChaosRequest => {
  const org = chaosOrganization(i)
  const base = `/api/organizations/${org}`
  const k = "admin-key"
  const variants: Array<Omit<ChaosRequest, "i" | "organizationId">> = [
    { path: base, init: json(k, "PATCH", { name: `Chaos ${i}`, customData: { apiKey: "secret" } }), expect: "write" },
    { path: `${base}/users`, init: json(k, "PUT", { userIds: [users.alice, users.bob] }), expect: "write" },
    { path: `${base}/users`, init: json(k, "POST", { userIds: [users.carol] }), expect: "write" },
    { path: `${base}/users/${users.alice}`, init: json(k, "DELETE"), expect: "write" },
    {
      path: `${base}/jit/email-domains`,
      init: json(k, "POST", { emailDomain: `${org}.example.com` }),
      expect: "write"
    },
    {
      path: `${base}/users/${users.bob}/roles`,
      init: json(k, "PUT", { organizationRoleIds: [role] }),
      expect: "write"
    },
    { path: base, init: json(k, "DELETE"), expect: "write" },
    { path: `${base}/users`, init: json("reader-key", "POST", { userIds: [users.carol] }), expect: "denial" },
    { path: `${base}/users`, init: json(k, "POST", { userIds: [] }), expect: "denial" }
  ]
  return { i, organizationId: org, ...variants[i % variants.length]! }
}

/** What the client saw. */
export interface ChaosResult {
  readonly request: ChaosRequest
  readonly status: number
  readonly code: string | undefined
}

/** Sends every request, `concurrency` at a time. */
export const runChaos = async (
  requests: ReadonlyArray<ChaosRequest>,
  send: (path: string, init: RequestInit) => Promise<Response>,
  concurrency = 16
): Promise<Array<ChaosResult>> => {
  const results: Array<ChaosResult> = []
  let next = 0
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++]!
      const headers = { ...(request.init.headers as Record<string, string>), "x-request-id": `chaos-${request.i}` }
      const response = await send(request.path, { ...request.init, headers })
      const text = await response.text()
      let code: string | undefined
      try {
        code = (JSON.parse(text) as { code?: string }).code
      } catch {
        code = undefined
      }
      results[request.i] = { request, status: response.status, code }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return results
}

/** Every event of a store. */
export const allEvents = async (store: AuditStore): Promise<Array<AuditEvent>> => {
  const events: Array<AuditEvent> = []
  for await (const event of store.export({})) events.push(event)
  return events
}

/** The invariants, checked after the store healed and dead letters were redelivered. */
export const checkChaos = (input: {
  readonly results: ReadonlyArray<ChaosResult>
  /** What Logto (the fake, or a stub) received: method and path. */
  readonly reached: ReadonlyArray<{ readonly method: string; readonly path: string; readonly status?: number }>
  readonly events: ReadonlyArray<AuditEvent>
  /** Audit log lines (`msg: "audit"`). */
  readonly lines: ReadonlyArray<Record<string, unknown>>
  readonly redeliveries: ReadonlyArray<RedeliveryReport>
}) => {
  const { results, reached, events, lines } = input
  const byPath = new Map<string, Array<{ method: string; status?: number }>>()
  for (const r of reached) {
    const list = byPath.get(r.path) ?? []
    list.push(r)
    byPath.set(r.path, list)
  }
  // Nothing reached Logto twice.
  for (const [path, list] of byPath) expect(list, path).toHaveLength(1)
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
  const eventsByRequest = new Map<string, Array<AuditEvent>>()
  for (const e of events) {
    const list = eventsByRequest.get(e.requestId) ?? []
    list.push(e)
    eventsByRequest.set(e.requestId, list)
  }
  const lost = new Set(
    lines.filter((l) => l["delivery"] === "lost" || l["closedAs"] === "lost").map((l) => l["requestId"])
  )
  const tally = { forwarded: 0, refused: 0, denied: 0, lost: lost.size, refusedWithEvent: 0 }
  for (const { request, status, code } of results) {
    const requestId = `chaos-${request.i}`
    const upstream = byPath.get(request.path)?.filter((r) => r.method === request.init.method) ?? []
    const mine = eventsByRequest.get(requestId) ?? []
    const logged = lines.filter((l) => l["requestId"] === requestId)
    expect(logged, `${requestId}: one audit log line`).toHaveLength(1)
    if (request.expect === "denial") {
      tally.denied++
      expect(upstream, `${requestId}: a denial reaches nothing`).toHaveLength(0)
      expect(mine.length, `${requestId}: one denial event`).toBe(lost.has(requestId) ? mine.length : 1)
      if (mine.length === 1) expect(mine[0]).toMatchObject({ kind: "denial", status, outcome: "completed" })
      continue
    }
    if (status === 503 && code === "proxy.audit_unavailable") {
      tally.refused++
      expect(upstream, `${requestId}: a refused write reaches nothing`).toHaveLength(0)
      expect(mine.length, `${requestId}: at most the refused intent`).toBeLessThanOrEqual(1)
      if (mine.length === 1) {
        tally.refusedWithEvent++
        if (!lost.has(requestId)) {
          expect(mine[0]).toMatchObject({
            kind: "write",
            status: 503,
            errorCode: "proxy.audit_unavailable",
            outcome: "completed"
          })
        }
      }
      expect(logged[0]).toMatchObject({ delivery: "refused" })
      continue
    }
    tally.forwarded++
    expect(upstream, `${requestId}: the write reached Logto once`).toHaveLength(1)
    if (upstream[0]!.status !== undefined) expect(upstream[0]!.status).toBe(status)
    expect(mine, `${requestId}: exactly one event`).toHaveLength(1)
    const event = mine[0]!
    expect(event).toMatchObject({ kind: "write", path: request.path, organizationId: request.organizationId })
    if (lost.has(requestId) && event.outcome !== "completed") {
      // The recorder could not confirm its outcome anywhere (and it did not land): the event says
      // so (pending, then outcome_unrecorded). A lost acknowledgement may also have landed: then it
      // is complete and must be right.
      expect(["pending", "outcome_unrecorded"]).toContain(event.outcome)
    } else {
      expect(event).toMatchObject({ status, outcome: "completed" })
    }
  }
  // Every event belongs to one of the requests.
  expect(events.every((e) => /^chaos-\d+$/.test(e.requestId))).toBe(true)
  return tally
}
