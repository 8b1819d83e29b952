/**
 * The audit trail through the proxy's own Worker entry (`src/worker.ts`: config from the bindings,
 * the recorder, the AuditLog Durable Object in front of D1, signed checkpoints) in front of the fake
 * Logto on loopback: every write leaves exactly one event, read back through `/audit`; a request
 * without a key leaves none; the chain verifies with its signatures.
 */
import { env, exports } from "cloudflare:workers"
import { describe, expect, inject, it } from "vitest"
import type { AuditEvent, VerifyResult } from "../../../src/audit/event.ts"
import { parsePublicKeys } from "../../../src/audit/keys.ts"
import { workersAuditStore } from "../../../src/audit/workers/index.ts"
import { ids, keys } from "../../fixtures/e2e.ts"
import { fake, type Target } from "../../suite/harness.ts"
import { organization, writes } from "../../suite/operations.ts"

const origin = "https://proxy.example"
const target: Target = {
  runtime: "workerd",
  origin,
  call: (path, init) => exports.default.fetch(new Request(origin + path, { ...init, redirect: "manual" })),
  fakeUrl: inject("fakeUrl")
}
const admin = { authorization: `Bearer ${keys.admin.key}` }

const events = async (): Promise<Array<AuditEvent>> =>
  ((await (await target.call("/audit/events?limit=500", { headers: admin })).json()) as { events: Array<AuditEvent> })
    .events

describe("the Worker entry's audit trail", () => {
  it("leaves exactly one completed event per write of all 26 write operations, read through /audit", async () => {
    const suffix = Date.now().toString(36)
    const sent: Array<{ operationId: string; org: string; status: number }> = []
    for (const [i, c] of writes.entries()) {
      const org = `aud${suffix}${i}`
      await fake.seed(target, { organizations: [organization(org, `Audit ${i}`)] })
      const response = await target.call(c.path(org), {
        ...c.init,
        headers: { ...(c.init?.headers as Record<string, string> | undefined), ...admin }
      })
      expect(response.status, c.operationId).toBeLessThan(300)
      sent.push({ operationId: c.operationId, org, status: response.status })
    }
    const created = await target.call("/api/organizations", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ name: `Audit create ${suffix}` })
    })
    expect(created.status).toBe(201)
    const createdId = ((await created.json()) as { id: string }).id
    sent.push({ operationId: "CreateOrganization", org: createdId, status: 201 })
    expect(new Set(sent.map((s) => s.operationId)).size).toBe(26)

    await expect
      .poll(async () => (await events()).filter((e) => e.kind === "write" && e.outcome === "completed").length, {
        timeout: 20_000
      })
      .toBe(26)
    const recorded = (await events()).filter((e) => e.kind === "write")
    expect(recorded).toHaveLength(26)
    for (const s of sent) {
      const mine = recorded.filter((e) => e.operationId === s.operationId && e.organizationId === s.org)
      expect(mine, s.operationId).toHaveLength(1)
      expect(mine[0]).toMatchObject({ status: s.status, actor: { id: "admin" }, outcome: "completed" })
    }
    expect(recorded.find((e) => e.operationId === "AddOrganizationUsers")?.targets).toEqual({
      userIds: [ids.users.carol]
    })
  })

  it("keeps no record of a request without a valid key, and verifies with the run's public key", async () => {
    const before = (await events()).length
    for (const authorization of [undefined, "Bearer not-a-key-000000000"]) {
      const response = await target.call(`/api/organizations/${ids.organizations.acme}/users`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify({ userIds: [ids.users.carol] })
      })
      expect(response.status).toBe(401)
    }
    expect((await events()).length).toBe(before)
    const served = await target.call("/audit/public-key", { headers: admin })
    expect(served.status).toBe(200)
    const pem = await served.text()
    expect((await parsePublicKeys(pem)).map((k) => k.keyId)).toEqual(
      (await parsePublicKeys(env.TEST_PUBLIC_KEY)).map((k) => k.keyId)
    )
    // The AuditLog object signs its start checkpoint as it starts (here: for this heartbeat).
    expect((await workersAuditStore(env).heartbeat())?.checkpoint.reason).toBe("heartbeat")
    const verdict = (await (await target.call("/audit/verify", { headers: admin })).json()) as VerifyResult
    expect(verdict).toMatchObject({ ok: true, signed: true })
    expect(verdict.checkpoints).toBe(2)
  })
})
