import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sha256Hex } from "../../../src/audit/canonical.ts"
import { AuditEvent, VerifyResult } from "../../../src/audit/event.ts"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { makeRecorder } from "../../../src/audit/recorder.ts"
import { harness } from "../support/harness.ts"
import { pathOf, requestOf, stubUpstream, writeCases } from "../support/requests.ts"

let dir: string
let store: NodeAuditStore
let app: ReturnType<typeof harness>
let clock: number

const Page = Schema.Struct({ events: Schema.Array(AuditEvent), nextCursor: Schema.optionalKey(Schema.String) })
const decodePage = Schema.decodeUnknownSync(Page)

const get = (path: string, key?: string) =>
  app.request(path, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } })

// One data set for the file (the tamper test puts the entry back).
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-api-"))
  clock = 1_767_225_600_000
  store = openNodeAuditStore({ path: join(dir, "audit.sqlite"), redeliverEveryMs: 0, now: () => clock })
  const recorder = makeRecorder({ store, log: () => {}, now: () => clock })
  app = harness({ recorder, upstream: stubUpstream().fetch, now: () => clock })
  // 26 writes on org-acme by admin, 26 on org-globex by writer, one denial; one second apart.
  for (const [org, key] of [
    ["org-acme", "admin-key"],
    ["org-globex", "writer-key"]
  ] as const) {
    for (const c of writeCases) {
      clock += 1000
      const params = { ...c.params, ...(c.params["id"] === undefined ? {} : { id: org }) }
      await app.request(pathOf({ ...c, params }), requestOf(c, { key }))
    }
  }
  clock += 1000
  // A known key's denial is recorded (a request without a key would only be counted).
  await app.request("/api/organizations/org-acme", {
    method: "DELETE",
    headers: { authorization: "Bearer reader-key" }
  })
  await recorder.flush()
})
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("audit API scopes", () => {
  for (const path of [
    "/audit/events",
    "/audit/events/export",
    "/audit/verify",
    "/audit/chain",
    "/audit/dead-letters"
  ]) {
    it(`answers 401 without a principal and 403 without audit:read on ${path}`, async () => {
      const anonymous = await get(path)
      expect(anonymous.status).toBe(401)
      expect(await anonymous.json()).toMatchObject({ code: "auth.authorization_header_missing" })
      const writer = await get(path, "writer-key")
      expect(writer.status).toBe(403)
      expect(await writer.json()).toMatchObject({ code: "auth.forbidden" })
      expect((await get(path, "auditor-key")).status).toBe(200)
    })
  }

  it("limits an organization-restricted reader to its organizations", async () => {
    const events = decodePage(await (await get("/audit/events?limit=500", "acme-auditor-key")).json()).events
    expect(events.length).toBe(26)
    expect(new Set(events.map((e) => e.organizationId))).toEqual(new Set(["org-acme"]))
    expect((await get("/audit/events?organizationId=org-globex", "acme-auditor-key")).status).toBe(403)
    expect((await get("/audit/verify", "acme-auditor-key")).status).toBe(403)
    expect((await get("/audit/chain", "acme-auditor-key")).status).toBe(403)
    const exported = (await (await get("/audit/events/export", "acme-auditor-key")).text()).trim().split("\n")
    expect(exported).toHaveLength(26)
  })
})

describe("GET /audit/events", () => {
  it("lists newest first and filters by organization, actor, operation, status and time", async () => {
    const all = decodePage(await (await get("/audit/events?limit=500", "auditor-key")).json()).events
    expect(all).toHaveLength(53)
    expect(all.map((e) => e.seq)).toEqual(all.map((e) => e.seq).toSorted((a, b) => b - a))
    expect(all[0]).toMatchObject({ kind: "denial", status: 403, actor: { id: "reader", name: "Support team" } })

    const query = async (qs: string) =>
      decodePage(await (await get(`/audit/events?limit=500&${qs}`, "auditor-key")).json()).events
    expect((await query("organizationId=org-globex")).every((e) => e.organizationId === "org-globex")).toBe(true)
    expect(await query("organizationId=org-globex")).toHaveLength(25)
    expect((await query("actorId=writer")).every((e) => (e.actor as { id: string }).id === "writer")).toBe(true)
    expect(await query("actorId=reader")).toHaveLength(1)
    expect(await query("actorId=anonymous")).toHaveLength(0)
    expect((await query("operationId=AddOrganizationUsers")).map((e) => e.organizationId)).toEqual([
      "org-globex",
      "org-acme"
    ])
    expect(await query("status=204")).toHaveLength(writeCases.filter((c) => c.route.successStatus === 204).length * 2)
    const first = all[all.length - 1]!
    const from = Date.parse(first.time)
    const window = await query(`from=${new Date(from).toISOString()}&to=${from + 3000}`)
    expect(window.map((e) => e.time)).toEqual([from + 2000, from + 1000, from].map((t) => new Date(t).toISOString()))
    expect(await query(`from=${from + 1000}&to=${from + 2000}`)).toHaveLength(1)
    expect(await query("kind=denial")).toHaveLength(1)
    expect(await query("outcome=completed")).toHaveLength(53)
  })

  it("pages with nextCursor through every event exactly once", async () => {
    const seen: Array<string> = []
    let url = "/audit/events?limit=7&organizationId=org-acme"
    for (;;) {
      const page = decodePage(await (await get(url, "auditor-key")).json())
      seen.push(...page.events.map((e) => e.id))
      if (page.nextCursor === undefined) break
      url = `/audit/events?limit=7&organizationId=org-acme&cursor=${encodeURIComponent(page.nextCursor)}`
    }
    // 25 writes on org-acme (CreateOrganization has no organization) and the denial.
    expect(seen).toHaveLength(26)
    expect(new Set(seen).size).toBe(26)
  })

  it("answers 400 guard.invalid_input for a bad limit, status, time or cursor", async () => {
    for (const qs of [
      "limit=0",
      "limit=501",
      "limit=x",
      "status=abc",
      "status=99",
      "from=yesterday",
      "kind=read",
      "cursor=zzz"
    ]) {
      const response = await get(`/audit/events?${qs}`, "auditor-key")
      expect(response.status, qs).toBe(400)
      expect(await response.json(), qs).toMatchObject({ code: "guard.invalid_input" })
    }
  })
})

describe("GET /audit/events/export", () => {
  it("streams the same events as NDJSON", async () => {
    const response = await get("/audit/events/export?organizationId=org-acme", "auditor-key")
    expect(response.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8")
    const lines = (await response.text()).split("\n")
    expect(lines.pop()).toBe("")
    const exported = lines.map((line) => Schema.decodeUnknownSync(AuditEvent)(JSON.parse(line)))
    const listed = decodePage(
      await (await get("/audit/events?limit=500&organizationId=org-acme", "auditor-key")).json()
    ).events
    expect(exported).toEqual(listed)
  })
})

describe("GET /audit/verify and /audit/chain", () => {
  it("verifies the chain, and names the event once one is tampered with", async () => {
    const ok = Schema.decodeUnknownSync(VerifyResult)(await (await get("/audit/verify", "auditor-key")).json())
    expect(ok).toMatchObject({ ok: true, events: 53, entries: 105 })
    const victim = decodePage(
      await (await get("/audit/events?limit=1&operationId=DeleteOrganizationUser", "auditor-key")).json()
    ).events[0]!
    const db = new DatabaseSync(join(dir, "audit.sqlite"))
    db.prepare("UPDATE audit_chain SET entry = replace(entry, 'user-path-1', 'user-path-2') WHERE id = ?").run(
      victim.id
    )
    const bad = await (await get("/audit/verify", "auditor-key")).json()
    expect(bad).toMatchObject({ ok: false, firstBadEventId: victim.id })
    db.prepare("UPDATE audit_chain SET entry = replace(entry, 'user-path-2', 'user-path-1') WHERE id = ?").run(
      victim.id
    )
    db.close()
    expect(await (await get("/audit/verify", "auditor-key")).json()).toMatchObject({ ok: true })
  })

  it("serves the raw chain so anyone can recompute it with SHA-256", async () => {
    const lines = (await (await get("/audit/chain", "auditor-key")).text())
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            seq: number
            entry: string
            hash: string
          }
      )
    expect(lines).toHaveLength(105)
    let prev = "0".repeat(64)
    for (const line of lines) {
      expect(await sha256Hex(line.entry)).toBe(line.hash)
      expect((JSON.parse(line.entry) as { prevHash: string }).prevHash).toBe(prev)
      prev = line.hash
    }
    const tail = (await (await get("/audit/chain?after=100", "auditor-key")).text()).trim().split("\n")
    expect(tail).toHaveLength(5)
    expect((await get("/audit/chain?after=-1", "auditor-key")).status).toBe(400)
  })
})

describe("GET /audit/dead-letters", () => {
  it("lists open dead letters, and resolved ones with all=1", async () => {
    const event = decodePage(await (await get("/audit/events?limit=1&kind=write", "auditor-key")).json()).events[0]!
    await store.deadLetter({
      kind: "outcome",
      eventId: event.id,
      payload: { status: 204, errorCode: null, latencyMs: 1 },
      error: "x",
      attempts: 6
    })
    const open = await (await get("/audit/dead-letters", "auditor-key")).json()
    expect(open).toMatchObject({ deadLetters: [{ eventId: event.id, kind: "outcome", resolvedAt: null }] })
    await store.redeliver()
    expect(await (await get("/audit/dead-letters", "auditor-key")).json()).toEqual({ deadLetters: [] })
    expect(await (await get("/audit/dead-letters?all=1", "auditor-key")).json()).toMatchObject({
      deadLetters: [{ eventId: event.id, resolution: "duplicate" }]
    })
  })
})
