/**
 * A signing-key rotation on Workers, as an operator does it: the proxy's Worker (bundled as wrangler
 * would, in Miniflare) with the AuditLog Durable Object and D1 persisted in a folder, run first with
 * key A, then restarted with key B and A's public key in ORGKIT_AUDIT_PUBLIC_KEYS. The chain keeps
 * verifying across the rotation through `/audit/verify`; without A's public key it does not.
 */
import { readD1Migrations } from "@cloudflare/vitest-plugin"
import { convertV4MiniflareOptions, Miniflare } from "miniflare"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, inject, it } from "vitest"
import { generateKeyPair } from "../../src/audit/keys.ts"
import { keys, proxyEnv } from "../fixtures/e2e.ts"
import { buildWorker } from "../fixtures/worker-build.ts"

const dir = mkdtempSync(join(tmpdir(), "orgkit-rotation-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const admin = { authorization: `Bearer ${keys.admin.key}` }

/** The Worker with its audit trail persisted under `dir`, signing with `signingKey`. */
const start = async (scriptPath: string, bindings: Record<string, string>) => {
  const mf = new Miniflare({
    ...convertV4MiniflareOptions({
      cf: false,
      workers: [
        {
          name: "proxy",
          modules: true,
          scriptPath,
          modulesRoot: dir,
          compatibilityDate: "2026-11-01",
          bindings: {
            ...proxyEnv(inject("fakeUrl")),
            ORGKIT_CACHE: "off",
            ORGKIT_AUDIT_CHECKPOINT_EVERY: "2",
            ...bindings
          },
          d1Databases: { AUDIT_DB: "00000000-0000-4000-8000-0000000000a2" },
          durableObjects: { AUDIT_LOG: { className: "AuditLog", useSQLite: true } }
        }
      ]
    }),
    // D1 and the Durable Object's storage survive a restart, as in production.
    resourcePersistencePath: join(dir, "persist")
  })
  await mf.ready
  const db = await mf.getD1Database("AUDIT_DB")
  for (const migration of await readD1Migrations(join(import.meta.dirname, "../../migrations"))) {
    for (const query of migration.queries)
      await db
        .prepare(query)
        .run()
        .catch(() => undefined)
  }
  const worker = await mf.getWorker("proxy")
  const call = async (path: string, init: { method?: string; body?: string } = {}) => {
    const response = await worker.fetch(`https://proxy.example${path}`, {
      method: init.method ?? "GET",
      headers: { ...admin, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      ...(init.body === undefined ? {} : { body: init.body })
    })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }
  return { mf, call }
}

describe("audit signing-key rotation on Workers (Durable Object + D1, persisted)", () => {
  it("verifies across a rotation with the old public key configured, and not without it", async () => {
    const scriptPath = await buildWorker(dir)
    const a = await generateKeyPair()
    const b = await generateKeyPair()
    const write = (call: Awaited<ReturnType<typeof start>>["call"], name: string) =>
      call("/api/organizations", { method: "POST", body: JSON.stringify({ name }) })

    const first = await start(scriptPath, { ORGKIT_AUDIT_SIGNING_KEY: a.privatePem })
    for (let i = 0; i < 3; i++) expect((await write(first.call, `rotation-a-${i}`)).status).toBe(201)
    expect((await first.call("/audit/verify")).json).toMatchObject({ ok: true, signed: true })
    await first.mf.dispose()

    const second = await start(scriptPath, {
      ORGKIT_AUDIT_SIGNING_KEY: b.privatePem,
      ORGKIT_AUDIT_PUBLIC_KEYS: a.publicPem
    })
    for (let i = 0; i < 3; i++) expect((await write(second.call, `rotation-b-${i}`)).status).toBe(201)
    const verdict = (await second.call("/audit/verify")).json
    expect(verdict).toMatchObject({ ok: true, signed: true, events: 6 })
    await second.mf.dispose()

    const forgotten = await start(scriptPath, { ORGKIT_AUDIT_SIGNING_KEY: b.privatePem })
    expect((await forgotten.call("/audit/verify")).json).toMatchObject({
      ok: false,
      reason: expect.stringContaining("none of the public keys")
    })
    await forgotten.mf.dispose()
  })
})
