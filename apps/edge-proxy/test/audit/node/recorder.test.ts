/**
 * The recorder on its own, over a real store (SQLite in memory) whose calls fail when a test says so:
 * the event it builds from an attempt, the outcome it records, the one log line per event, the
 * retries, the dead-letter box and what happens when even that fails, the 503 path's closing entry,
 * which denials are recorded, and the counters. The end-to-end suites (`writes.test.ts`,
 * `hardening.test.ts`) drive it through the proxy; this one pins each field.
 */
import { RouteTable } from "@orgkit/core"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { AuditEvent } from "../../../src/audit/event.ts"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import {
  AuditUnavailable,
  auditUnavailableCode,
  clientIpFrom,
  fieldCaps,
  isRecordedDenial,
  makeRecorder,
  type RecordedAttempt,
  type RecorderOptions
} from "../../../src/audit/recorder.ts"
import type { AuditStore } from "../../../src/audit/store.ts"
import type { Principal } from "../../../src/principal.ts"

const t0 = 1_767_225_600_000
const routeOf = (operationId: string) => RouteTable.routes.find((r) => r.operationId === operationId)!
const admin: Principal = {
  id: "admin",
  name: "Platform team",
  scopes: new Set(["read", "write"]),
  organizations: undefined
}

/** What a test plans for the next calls of a store method: fail before the call, or after it (the acknowledgement lost). */
type Fault = "before" | "after"

let clock: number
let inner: NodeAuditStore
let faults: Record<"accept" | "complete" | "deny" | "deadLetter", Array<Fault>>
let calls: Record<"accept" | "complete" | "deny" | "deadLetter", number>
let lines: Array<Record<string, unknown>>

beforeEach(() => {
  clock = t0
  inner = openNodeAuditStore({ path: ":memory:", now: () => clock, redeliverEveryMs: 0, log: () => undefined })
  faults = { accept: [], complete: [], deny: [], deadLetter: [] }
  calls = { accept: 0, complete: 0, deny: 0, deadLetter: 0 }
  lines = []
})
afterEach(async () => {
  await inner.close()
})

const faulty = (): AuditStore => {
  const wrap = <A>(method: keyof typeof faults, call: () => Promise<A>): Promise<A> => {
    calls[method]++
    const fault = faults[method].shift()
    if (fault === "before") return Promise.reject(new Error(`${method} refused`))
    if (fault === "after")
      return call().then(() => {
        throw new Error(`${method} acknowledgement lost`)
      })
    return call()
  }
  return {
    ...inner,
    accept: (intent) => wrap("accept", () => inner.accept(intent)),
    complete: (eventId, outcome) => wrap("complete", () => inner.complete(eventId, outcome)),
    deny: (denial) => wrap("deny", () => inner.deny(denial)),
    deadLetter: (letter) => wrap("deadLetter", () => inner.deadLetter(letter))
  }
}

/** A recorder over the faulty store with quick retries; `defaults` names the options left to the recorder's defaults. */
const recorder = (options: Partial<RecorderOptions> = {}, defaults: ReadonlyArray<keyof RecorderOptions> = []) => {
  const all: Record<string, unknown> = {
    store: faulty(),
    now: () => clock,
    log: (line: Record<string, unknown>) => void lines.push({ ...line }),
    retry: { times: 2, baseDelayMs: 1 },
    acceptRetry: { times: 1, baseDelayMs: 1 },
    deadLetterRetry: { times: 1, baseDelayMs: 1 },
    ...options
  }
  for (const name of defaults) delete all[name]
  return makeRecorder(all as unknown as RecorderOptions)
}

const attempt = (overrides: Partial<RecordedAttempt> = {}): RecordedAttempt => ({
  requestId: "req-1",
  route: routeOf("AddOrganizationUsers"),
  params: { id: "org-acme" },
  principal: admin,
  method: "POST",
  path: "/api/organizations/org-acme/users",
  payload: { userIds: ["user-1", "user-2"] },
  headers: new Headers({ "user-agent": "suite/1" }),
  startedAt: t0,
  ...overrides
})

/** What `attempt()` is recorded as, in the stored event and in its log line. */
const recordedAttempt = {
  actor: { id: "admin", name: "Platform team" },
  operationId: "AddOrganizationUsers",
  method: "POST",
  path: "/api/organizations/org-acme/users",
  organizationId: "org-acme",
  targets: { userIds: ["user-1", "user-2"] },
  request: { userIds: ["user-1", "user-2"] },
  requestId: "req-1"
}

const events = async (): Promise<ReadonlyArray<AuditEvent>> => (await inner.query({})).events
const only = async () => {
  const all = await events()
  expect(all).toHaveLength(1)
  return all[0]!
}

describe("the event built from an attempt", () => {
  it("records who did what to which organization, and answers the event's place in the chain", async () => {
    const audit = recorder({ clientIpHeader: "X-Real-IP" })
    const receipt = await audit.accept(
      attempt({ headers: new Headers({ "user-agent": "suite/1", "x-real-ip": "198.51.100.7" }) })
    )
    const [entry] = await collect(inner.chain())
    expect(receipt).toStrictEqual({ id: expect.any(String), seq: 1, hash: entry!.hash })
    expect(await only()).toMatchObject({
      id: receipt.id,
      seq: 1,
      kind: "write",
      time: new Date(t0).toISOString(),
      ...recordedAttempt,
      clientIp: "198.51.100.7",
      userAgent: "suite/1",
      outcome: "pending"
    })
  })

  it("records an anonymous caller, no organization where the route has none or the path lacks it, and no IP without the header", async () => {
    const audit = recorder()
    await audit.accept(
      attempt({
        principal: undefined,
        route: routeOf("CreateOrganization"),
        params: {},
        path: "/api/organizations",
        payload: { name: "New" },
        headers: new Headers()
      })
    )
    await audit.accept(attempt({ requestId: "req-2", params: {} }))
    const [second, first] = await events()
    expect(first).toMatchObject({ actor: "anonymous", organizationId: null, clientIp: null, userAgent: null })
    expect(second).toMatchObject({ organizationId: null })
  })

  it("takes the body when there is no validated payload: parsed, marked unparsed, or none", async () => {
    const audit = recorder()
    const bytes = (text: string) => new TextEncoder().encode(text)
    await audit.accept(attempt({ requestId: "json", payload: undefined, body: bytes('{"userIds":["user-9"]}') }))
    await audit.accept(attempt({ requestId: "broken", payload: undefined, body: bytes("{not json") }))
    await audit.accept(attempt({ requestId: "empty", payload: undefined, body: new Uint8Array() }))
    await audit.accept(attempt({ requestId: "none", payload: undefined }))
    const byRequest = new Map((await events()).map((e) => [e.requestId, e]))
    expect(byRequest.get("json")?.request).toEqual({ userIds: ["user-9"] })
    expect(byRequest.get("broken")?.request).toEqual({ $unparsed: true, bytes: 9 })
    expect(byRequest.get("empty")?.request).toBeNull()
    expect(byRequest.get("none")?.request).toBeNull()
  })

  it("caps a field only past its limit, and each target id", async () => {
    const audit = recorder({ clientIpHeader: "x-real-ip" })
    const exactly = "r".repeat(fieldCaps.requestId)
    const long = "u".repeat(fieldCaps.targetId + 5)
    await audit.accept(
      attempt({
        requestId: exactly,
        payload: { userIds: [long, "user-2"] },
        headers: new Headers({ "x-real-ip": "i".repeat(fieldCaps.clientIp + 1) })
      })
    )
    const event = await only()
    expect(event.requestId).toBe(exactly)
    expect(event.clientIp).toBe(`${"i".repeat(fieldCaps.clientIp)}…`)
    expect(event.targets).toEqual({ userIds: [`${"u".repeat(fieldCaps.targetId)}…`, "user-2"] })
  })
})

describe("the client IP header", () => {
  it("is none without a configured header, whatever the caller sends", () => {
    expect(clientIpFrom(undefined, new Headers({ undefined: "198.51.100.9" }))).toBeNull()
  })

  it("is none when the header is missing or its last address is empty", () => {
    expect(clientIpFrom("x-forwarded-for", new Headers())).toBeNull()
    expect(clientIpFrom("x-forwarded-for", new Headers({ "x-forwarded-for": "198.51.100.3, " }))).toBeNull()
    expect(clientIpFrom("x-forwarded-for", new Headers({ "x-forwarded-for": " 198.51.100.3 " }))).toBe("198.51.100.3")
  })
})

describe("the outcome and its log line", () => {
  it("records the outcome rounded, with no error code as null, and logs one info line with the chain position", async () => {
    const audit = recorder()
    const receipt = await audit.accept(attempt())
    clock = t0 + 5000
    await audit.settle(attempt(), receipt, { status: 201, errorCode: undefined, latencyMs: 12.6 })
    expect(await only()).toMatchObject({ status: 201, errorCode: null, latencyMs: 13, outcome: "completed" })
    expect(lines).toEqual([
      {
        time: new Date(t0 + 5000).toISOString(),
        level: "info",
        msg: "audit",
        auditEventId: receipt.id,
        kind: "write",
        ...recordedAttempt,
        clientIp: null,
        userAgent: "suite/1",
        status: 201,
        errorCode: null,
        latencyMs: 13,
        delivery: "recorded",
        seq: receipt.seq,
        hash: receipt.hash
      }
    ])
  })

  it("never records a negative latency, keeps Logto's error code, and marks an outcome that never came", async () => {
    const audit = recorder()
    const refused = await audit.accept(attempt({ requestId: "refused" }))
    await audit.settle(attempt(), refused, { status: 422, errorCode: "guard.invalid_input", latencyMs: -3 })
    const lost = await audit.accept(attempt({ requestId: "lost" }))
    await audit.settle(attempt(), lost, {
      status: 504,
      errorCode: "proxy.upstream_timeout",
      latencyMs: 1,
      unknown: true
    })
    const sent = await audit.accept(attempt({ requestId: "sent" }))
    await audit.settle(attempt(), sent, { status: 201, errorCode: undefined, latencyMs: 1, unknown: false })
    const byRequest = new Map((await events()).map((e) => [e.requestId, e]))
    expect(byRequest.get("refused")).toMatchObject({ status: 422, errorCode: "guard.invalid_input", latencyMs: 0 })
    expect(byRequest.get("lost")).toMatchObject({ status: 504, outcome: "unknown" })
    expect(byRequest.get("sent")).toMatchObject({ outcome: "completed" })
  })

  it("files a created organization under its new id, in the store and in the log line; an empty id is none", async () => {
    const audit = recorder()
    const create = attempt({ route: routeOf("CreateOrganization"), params: {}, path: "/api/organizations" })
    const made = await audit.accept(create)
    await audit.settle(create, made, { status: 201, errorCode: undefined, latencyMs: 1, createdId: "org-new" })
    const blank = await audit.accept({ ...create, requestId: "req-2" })
    await audit.settle(create, blank, { status: 201, errorCode: undefined, latencyMs: 1, createdId: "" })
    const byId = new Map((await events()).map((e) => [e.id, e]))
    expect(byId.get(made.id)?.organizationId).toBe("org-new")
    expect(byId.get(blank.id)?.organizationId).toBeNull()
    const filed = lines.map((l) => [l["auditEventId"], l["organizationId"]])
    expect(filed).toEqual([
      [made.id, "org-new"],
      [blank.id, null]
    ])
  })

  it("says duplicate when the outcome was recorded already, at level info", async () => {
    const audit = recorder()
    const receipt = await audit.accept(attempt())
    await audit.settle(attempt(), receipt, { status: 201, errorCode: undefined, latencyMs: 1 })
    await audit.settle(attempt(), receipt, { status: 201, errorCode: undefined, latencyMs: 1 })
    expect(lines.map((l) => [l["level"], l["delivery"]])).toEqual([
      ["info", "recorded"],
      ["info", "duplicate"]
    ])
  })

  it("retries a failed outcome, then dead-letters it with the attempts made; if that fails too, reports it lost", async () => {
    const audit = recorder()
    const receipt = await audit.accept(attempt())
    faults.complete.push("before", "after")
    await audit.settle(attempt(), receipt, { status: 201, errorCode: undefined, latencyMs: 1 })
    // The second try landed though its acknowledgement was lost: the third finds it there.
    expect(calls.complete).toBe(3)
    expect(lines.at(-1)).toMatchObject({ level: "info", delivery: "duplicate" })

    const second = await audit.accept(attempt({ requestId: "req-2" }))
    faults.complete.push("before", "before", "before")
    await audit.settle(attempt(), second, { status: 201, errorCode: undefined, latencyMs: 1 })
    expect(lines.at(-1)).toMatchObject({ level: "error", delivery: "dead_lettered" })
    expect(await inner.deadLetters()).toEqual([
      expect.objectContaining({
        kind: "outcome",
        eventId: second.id,
        payload: { status: 201, errorCode: null, latencyMs: 1 },
        error: "Error: complete refused",
        attempts: 3
      })
    ])

    const third = await audit.accept(attempt({ requestId: "req-3" }))
    faults.complete.push("before", "before", "before")
    faults.deadLetter.push("before", "before")
    await audit.settle(attempt(), third, { status: 201, errorCode: undefined, latencyMs: 1 })
    expect(lines.at(-1)).toMatchObject({ level: "error", delivery: "lost", auditEventId: third.id })
    expect(await inner.deadLetters()).toHaveLength(1)
  })
})

describe("a write the store does not accept", () => {
  it("is accepted after one quick retry", async () => {
    const audit = recorder()
    faults.accept.push("before")
    const receipt = await audit.accept(attempt())
    expect(calls.accept).toBe(2)
    expect(receipt.seq).toBe(1)
  })

  it("is refused with AuditUnavailable naming the event and the store's error, and closed as refused where it landed", async () => {
    const audit = recorder()
    faults.accept.push("after", "after")
    clock = t0 + 40
    const refused = await audit.accept(attempt()).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(AuditUnavailable)
    expect(refused).toMatchObject({
      name: "AuditUnavailable",
      message: "The audit trail is unavailable; the write was not forwarded."
    })
    const { eventId, cause } = refused as AuditUnavailable
    expect((cause as Error).message).toBe("accept acknowledgement lost")
    // The 503 the proxy answers: `settle` waits for the closing entry.
    await audit.settle(attempt(), undefined, { status: 503, errorCode: auditUnavailableCode, latencyMs: 40 })
    expect(await only()).toMatchObject({
      id: eventId,
      status: 503,
      errorCode: auditUnavailableCode,
      latencyMs: 40,
      outcome: "completed"
    })
    expect(lines).toEqual([
      expect.objectContaining({
        level: "error",
        auditEventId: eventId,
        kind: "write",
        status: 503,
        delivery: "refused",
        closedAs: "recorded",
        error: "Error: accept acknowledgement lost"
      })
    ])
  })

  it("is closed as unknown to the store when the intent never landed", async () => {
    const audit = recorder()
    faults.accept.push("before", "before")
    await expect(audit.accept(attempt())).rejects.toBeInstanceOf(AuditUnavailable)
    await audit.settle(attempt(), undefined, { status: 503, errorCode: auditUnavailableCode, latencyMs: 0 })
    expect(await events()).toEqual([])
    expect(lines).toEqual([expect.objectContaining({ delivery: "refused", closedAs: "unknown" })])
  })

  it("makes the 503's settle wait for the closing entry, and only that request's", async () => {
    const audit = recorder()
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    const store = faulty()
    const slow = makeRecorder({
      store: {
        ...store,
        accept: () => Promise.reject(new Error("down")),
        complete: async (id, outcome) => (await held, store.complete(id, outcome))
      },
      now: () => clock,
      log: (line) => void lines.push({ ...line }),
      acceptRetry: { times: 0, baseDelayMs: 1 }
    })
    await expect(slow.accept(attempt())).rejects.toBeInstanceOf(AuditUnavailable)
    let settled = false
    const settling = slow
      .settle(attempt(), undefined, { status: 503, errorCode: auditUnavailableCode, latencyMs: 0 })
      .then(() => (settled = true))
    // Another request's 503 does not wait for it.
    await slow.settle(attempt({ requestId: "other" }), undefined, {
      status: 503,
      errorCode: auditUnavailableCode,
      latencyMs: 0
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(false)
    release()
    await settling
    expect(lines).toEqual([expect.objectContaining({ delivery: "refused", closedAs: "unknown" })])
    await audit.flush()
  })
})

describe("denials", () => {
  it("records a known key's 403 on any route and its error on a write, as one complete event and one line", async () => {
    const audit = recorder()
    await audit.settle(attempt({ route: routeOf("ListOrganizations"), params: {}, method: "GET" }), undefined, {
      status: 403,
      errorCode: "auth.forbidden",
      latencyMs: 2
    })
    await audit.settle(attempt({ requestId: "invalid" }), undefined, {
      status: 400,
      errorCode: "guard.invalid_input",
      latencyMs: 3
    })
    const [invalid, forbidden] = await events()
    expect(forbidden).toMatchObject({
      kind: "denial",
      operationId: "ListOrganizations",
      status: 403,
      outcome: "completed"
    })
    expect(invalid).toMatchObject({ kind: "denial", status: 400, errorCode: "guard.invalid_input", latencyMs: 3 })
    expect(lines.map((l) => [l["kind"], l["level"], l["delivery"], l["auditEventId"]])).toEqual([
      ["denial", "info", "recorded", forbidden!.id],
      ["denial", "info", "recorded", invalid!.id]
    ])
  })

  it("dead-letters a denial the store keeps refusing", async () => {
    const audit = recorder()
    faults.deny.push("before", "before", "before")
    await audit.deny(attempt(), { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    expect(lines).toEqual([expect.objectContaining({ kind: "denial", level: "error", delivery: "dead_lettered" })])
    expect(await inner.deadLetters()).toEqual([expect.objectContaining({ kind: "denial", attempts: 3 })])
  })

  it("records no denial for a read's 400, a 401, a refused write, or a caller without a key", async () => {
    const audit = recorder()
    const read = attempt({ route: routeOf("ListOrganizations"), params: {}, method: "GET" })
    await audit.settle(read, undefined, { status: 400, errorCode: "guard.invalid_input", latencyMs: 1 })
    await audit.settle(attempt(), undefined, { status: 401, errorCode: "auth.unauthorized", latencyMs: 1 })
    await audit.settle(attempt(), undefined, { status: 503, errorCode: auditUnavailableCode, latencyMs: 1 })
    await audit.settle(attempt({ principal: undefined }), undefined, { status: 403, errorCode: "x", latencyMs: 1 })
    await audit.settle(attempt(), { id: "" }, { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    const recorded = await events()
    expect(recorded.map((e) => [e.kind, e.status])).toEqual([["denial", 403]])
    expect(calls.complete).toBe(0)
    expect(audit.counters).toEqual({ unauthenticated: 0, denialsOverCeiling: 0 })
  })

  it("decides which answers are recorded denials", () => {
    const write = routeOf("AddOrganizationUsers")
    const read = routeOf("ListOrganizations")
    const outcome = (status: number, errorCode?: string) => ({ status, errorCode, latencyMs: 0 })
    expect(isRecordedDenial(read, admin, outcome(403))).toBe(true)
    expect(isRecordedDenial(read, admin, outcome(404))).toBe(false)
    expect(isRecordedDenial(write, admin, outcome(400))).toBe(true)
    expect(isRecordedDenial(write, admin, outcome(399))).toBe(false)
    expect(isRecordedDenial(write, admin, outcome(401))).toBe(false)
    expect(isRecordedDenial(write, undefined, outcome(403))).toBe(false)
    expect(isRecordedDenial(write, admin, outcome(503, auditUnavailableCode))).toBe(false)
    expect(isRecordedDenial(write, admin, outcome(503, "proxy.upstream_unavailable"))).toBe(true)
  })
})

describe("counters and shutdown", () => {
  it("counts a request without a key answered 401 and nothing else, and shows the counters as Prometheus lines", async () => {
    const audit = recorder({ denialsPerMinute: 1 })
    await audit.settle(attempt({ principal: undefined }), undefined, { status: 401, errorCode: "x", latencyMs: 1 })
    await audit.settle(attempt({ principal: undefined }), undefined, { status: 404, errorCode: "x", latencyMs: 1 })
    await audit.settle(attempt(), undefined, { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    await audit.settle(attempt(), undefined, { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    expect(audit.counters).toEqual({ unauthenticated: 1, denialsOverCeiling: 1 })
    expect(audit.metrics()).toBe(
      "# HELP orgkit_audit_unrecorded_total Requests the audit trail counted instead of recording.\n" +
        "# TYPE orgkit_audit_unrecorded_total counter\n" +
        'orgkit_audit_unrecorded_total{reason="unauthenticated"} 1\n' +
        'orgkit_audit_unrecorded_total{reason="denial_ceiling"} 1\n'
    )
  })

  it("flushes every delivery in flight, including ones started while flushing", async () => {
    const audit = recorder()
    const receipt = await audit.accept(attempt())
    faults.complete.push("before")
    void audit.settle(attempt(), receipt, { status: 201, errorCode: undefined, latencyMs: 1 })
    void audit.deny(attempt({ requestId: "denied" }), { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    await audit.flush()
    expect(lines.map((l) => l["delivery"]).sort()).toEqual(["recorded", "recorded"])
    expect(audit.store).toBeDefined()
  })
})

describe("defaults and caps from the options", () => {
  it("writes its lines as JSON on standard output without a log sink", async () => {
    const printed = vi.spyOn(console, "log").mockImplementation(() => undefined)
    try {
      const audit = recorder({}, ["log"])
      await audit.deny(attempt(), { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
      expect(printed).toHaveBeenCalledTimes(1)
      expect(JSON.parse(printed.mock.calls[0]![0] as string)).toMatchObject({ msg: "audit", kind: "denial" })
    } finally {
      printed.mockRestore()
    }
  })

  it("retries an intent once by default, then refuses it", async () => {
    const defaults = recorder({}, ["acceptRetry"])
    faults.accept.push("before")
    expect((await defaults.accept(attempt())).seq).toBe(1)
    faults.accept.push("before", "before")
    await expect(defaults.accept(attempt({ requestId: "req-2" }))).rejects.toBeInstanceOf(AuditUnavailable)
    expect(calls.accept).toBe(4)
  })

  it("retries the dead-letter write twice by default", async () => {
    const defaults = recorder({}, ["deadLetterRetry"])
    faults.deny.push("before", "before", "before")
    faults.deadLetter.push("before", "before")
    await defaults.deny(attempt(), { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    expect(calls.deadLetter).toBe(3)
    expect(lines).toEqual([expect.objectContaining({ delivery: "dead_lettered" })])
  })

  it("caps the recorded body and the targets at the configured sizes", async () => {
    const capped = recorder({ maxRequestBytes: 16, maxTargets: 1 })
    await capped.accept(attempt())
    const event = await only()
    expect(event.request).toEqual({ $truncated: true, bytes: 31, preview: '{"userIds":["use' })
    expect(event.targets).toMatchObject({ userIds: ["user-1"] })
  })
})

describe("the closing entry of a refused write", () => {
  it("is dead-lettered when the store refuses it too, and flush waits for it", async () => {
    const audit = recorder()
    faults.accept.push("before", "before")
    faults.complete.push("before", "before", "before")
    const refused = (await audit.accept(attempt()).catch((error: unknown) => error)) as AuditUnavailable
    await audit.flush()
    expect(lines).toEqual([expect.objectContaining({ delivery: "refused", closedAs: "dead_lettered" })])
    expect(await inner.deadLetters()).toEqual([
      expect.objectContaining({
        kind: "outcome",
        eventId: refused.eventId,
        payload: expect.objectContaining({ status: 503, errorCode: auditUnavailableCode }),
        error: "Error: complete refused",
        attempts: 3
      })
    ])
  })

  it("makes the request's settle wait for every refusal of that request, however they end", async () => {
    const releases: Array<() => void> = []
    const store = faulty()
    const slow = makeRecorder({
      store: {
        ...store,
        accept: () => Promise.reject(new Error("down")),
        complete: async (id, outcome) => {
          await new Promise<void>((resolve) => releases.push(resolve))
          return store.complete(id, outcome)
        }
      },
      now: () => clock,
      log: (line) => void lines.push({ ...line }),
      acceptRetry: { times: 0, baseDelayMs: 1 }
    })
    await expect(slow.accept(attempt())).rejects.toBeInstanceOf(AuditUnavailable)
    await expect(slow.accept(attempt())).rejects.toBeInstanceOf(AuditUnavailable)
    await vi.waitFor(() => expect(releases).toHaveLength(2))
    // The second refusal's closing entry lands first: the request's settle still waits for the first's.
    releases[1]!()
    await vi.waitFor(() => expect(lines).toHaveLength(1))
    let settled = false
    const settling = slow
      .settle(attempt(), undefined, { status: 503, errorCode: auditUnavailableCode, latencyMs: 0 })
      .then(() => (settled = true))
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(false)
    releases[0]!()
    await settling
    expect(lines).toHaveLength(2)
    // A later refusal of the same request starts over.
    await expect(slow.accept(attempt())).rejects.toBeInstanceOf(AuditUnavailable)
    await vi.waitFor(() => expect(releases).toHaveLength(3))
    settled = false
    const again = slow
      .settle(attempt(), undefined, { status: 503, errorCode: auditUnavailableCode, latencyMs: 0 })
      .then(() => (settled = true))
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(false)
    releases[2]!()
    await again
  })

  it("keeps a write's organization in its log line when Logto also answers a created id", async () => {
    const audit = recorder()
    const receipt = await audit.accept(attempt())
    await audit.settle(attempt(), receipt, { status: 201, errorCode: undefined, latencyMs: 1, createdId: "org-other" })
    expect(lines[0]).toMatchObject({ organizationId: "org-acme" })
  })

  it("lets flush end when a delivery failed (its log sink threw)", async () => {
    const audit = makeRecorder({
      store: faulty(),
      now: () => clock,
      log: () => {
        throw new Error("log sink broken")
      }
    })
    await expect(audit.deny(attempt(), { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })).rejects.toThrow(
      "log sink broken"
    )
    await audit.flush()
    expect(await events()).toHaveLength(1)
  })
})

describe("summaries on a clock", () => {
  const unauthenticated = (audit: ReturnType<typeof recorder>) =>
    audit.settle(attempt({ principal: undefined }), undefined, { status: 401, errorCode: "x", latencyMs: 1 })
  const summaries = (prefix: string) => lines.filter((l) => String(l["msg"]).startsWith(prefix))

  afterEach(() => {
    vi.useRealTimers()
  })

  it("summarizes requests without a key at once, then at most once a minute, exactly when the minute is over", async () => {
    vi.useFakeTimers({ now: t0 })
    const audit = recorder({ now: () => Date.now() })
    await unauthenticated(audit) // at t0: summarized at once
    vi.setSystemTime(t0 + 10_000)
    await unauthenticated(audit) // counted, summarized at t0 + 60 s
    vi.advanceTimersByTime(49_999)
    expect(summaries("audit: unauthenticated")).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(summaries("audit: unauthenticated").map((l) => [l["level"], l["count"], l["total"]])).toEqual([
      ["warn", 1, 1],
      ["warn", 1, 2]
    ])
    vi.setSystemTime(t0 + 70_000)
    await unauthenticated(audit) // 10 s after the last line: waits for its minute
    vi.advanceTimersByTime(50_000)
    expect(summaries("audit: unauthenticated").map((l) => l["total"])).toEqual([1, 2, 3])
    vi.setSystemTime(t0 + 180_000)
    await unauthenticated(audit) // exactly a minute after the last line: at once
    expect(summaries("audit: unauthenticated").map((l) => l["total"])).toEqual([1, 2, 3, 4])
  })

  it("writes no empty summary when a request at the minute's end was summarized before the timer ran", async () => {
    vi.useFakeTimers({ now: t0 })
    const audit = recorder({ now: () => Date.now() })
    await unauthenticated(audit) // at t0: at once
    vi.setSystemTime(t0 + 10_000)
    await unauthenticated(audit) // its line is due at t0 + 60 s
    vi.setSystemTime(t0 + 60_000)
    await unauthenticated(audit) // a minute after the last line: at once, with both
    vi.advanceTimersByTime(60_000)
    expect(summaries("audit: unauthenticated").map((l) => [l["count"], l["total"]])).toEqual([
      [1, 1],
      [2, 3]
    ])
  })

  it("summarizes a key's denials over the ceiling: the first at once, the count exactly when the minute ends", async () => {
    const minute = Math.floor(t0 / 60_000) * 60_000
    vi.useFakeTimers({ now: minute + 30_000 })
    const audit = recorder({ now: () => Date.now(), denialsPerMinute: 1 })
    const deny = () => audit.settle(attempt(), undefined, { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    await deny()
    await deny()
    expect(summaries("audit: denials").map((l) => [l["level"], l["first"], l["count"]])).toEqual([
      ["warn", "AddOrganizationUsers", undefined]
    ])
    await deny()
    vi.advanceTimersByTime(29_999)
    expect(summaries("audit: denials")).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(summaries("audit: denials").map((l) => [l["count"], l["minute"]])).toEqual([
      [undefined, new Date(minute).toISOString()],
      [2, new Date(minute).toISOString()]
    ])
  })

  it("summarizes a past minute's denials at the key's next denial when no timer ran (Workers), and only if any were over", async () => {
    const minute = Math.floor(t0 / 60_000) * 60_000
    clock = minute + 1000
    const audit = recorder({ denialsPerMinute: 1 })
    const deny = () => audit.settle(attempt(), undefined, { status: 403, errorCode: "auth.forbidden", latencyMs: 1 })
    await deny()
    await deny()
    await deny()
    clock = minute + 61_000 // the next minute; the real timer is a minute away
    await deny()
    expect(summaries("audit: denials").map((l) => [l["count"], l["minute"]])).toEqual([
      [undefined, new Date(minute).toISOString()],
      [2, new Date(minute).toISOString()]
    ])
    clock = minute + 121_000 // one more minute: the last one had no denial over the ceiling
    await deny()
    expect(summaries("audit: denials")).toHaveLength(2)
  })
})

async function collect<A>(items: AsyncIterable<A>): Promise<Array<A>> {
  const out: Array<A> = []
  for await (const item of items) out.push(item)
  return out
}
