/**
 * The `orgkit` CLI, run as a process: `keys new` / `keys hash` (the entry is one the proxy accepts,
 * and its key authenticates at a running proxy), `audit keygen`, and `audit export` / `audit verify`
 * against a running Node proxy with a signed chain: the same verdict as `GET /audit/verify`, the first
 * bad event named, non-zero exits.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NodeProxy } from "../../../src/adapters/node/server.ts"
import { loadSigningKey, parsePublicKeys } from "../../../src/audit/keys.ts"
import { localSqlDriver, type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import type { VerifyResult } from "../../../src/audit/event.ts"
import { client, directToken, keys, proxyEnv } from "../../fixtures/e2e.ts"
import { startLoopbackProxy } from "../../fixtures/node-proxy.ts"
import { collectingLog } from "../../fixtures/ports.ts"
import { orgkit, pnpmOrgkit, type Run } from "../support/cli.ts"
import { intent, outcome } from "../support/fixtures.ts"
import { eventAt, rewriteAndRehash, truncateAndRewriteHead } from "../support/tamper.ts"

let dir: string
let fake: FakeLogto.Server

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-cli-"))
  fake = await FakeLogto.serve({
    host: "127.0.0.1",
    port: 0,
    seed: Demo.seed,
    tokens: [directToken],
    clients: [client]
  })
})
afterAll(async () => {
  await fake?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("orgkit keys", () => {
  it("makes a key whose entry the proxy accepts and whose key authenticates there", async () => {
    const made = await pnpmOrgkit([
      "keys",
      "new",
      "--id",
      "billing",
      "--name",
      "Billing team",
      "--scopes",
      "read,write",
      "--organizations",
      `${Demo.ids.organizations.acme},x`
    ])
    expect(made.code).toBe(0)
    const [key, entryLine, ...rest] = made.stdout.trim().split("\n")
    expect(rest).toEqual([])
    expect(key).toMatch(/^ok_[A-Za-z0-9_-]{43}$/)
    const entry = JSON.parse(entryLine!) as Record<string, unknown>
    expect(entry).toEqual({
      id: "billing",
      name: "Billing team",
      keyHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      scopes: ["read", "write"],
      organizations: [Demo.ids.organizations.acme, "x"]
    })
    expect(made.stdout).not.toContain('"key"')
    // `keys hash` gives the same hash from standard input (a trailing newline ignored).
    const hashed = await orgkit(["keys", "hash"], { input: `${key}\n` })
    expect(hashed).toMatchObject({ code: 0, stdout: `${entry["keyHash"]}\n` })
    // The proxy starts with the entry, and the key reads its organization.
    const proxy = await startLoopbackProxy(
      { ...proxyEnv(fake.url), ORGKIT_API_KEYS: JSON.stringify([entry]) },
      { log: collectingLog() }
    )
    try {
      const ok = await fetch(`${proxy.url}/api/organizations/${Demo.ids.organizations.acme}`, {
        headers: { authorization: `Bearer ${key}` }
      })
      expect(ok.status).toBe(200)
      const other = await fetch(`${proxy.url}/api/organizations/${Demo.ids.organizations.globex}`, {
        headers: { authorization: `Bearer ${key}` }
      })
      expect(other.status).toBe(403)
    } finally {
      await proxy.close()
    }
  })

  it("refuses a bad entry naming the field, and an empty key on standard input (exit 2)", async () => {
    const bad = await orgkit(["keys", "new", "--id", "x", "--name", "X", "--scopes", "read,admin"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("scopes[1]")
    expect(bad.stdout).toBe("")
    expect(await orgkit(["keys", "hash"], { input: "\n" })).toMatchObject({ code: 2, stdout: "" })
    expect((await orgkit(["keys", "new", "--id", "x"])).code).toBe(2)
  })
})

describe("orgkit audit", () => {
  let store: NodeAuditStore
  let proxy: NodeProxy
  let privatePem: string
  let publicPem: string
  let generated: Run
  const witness = collectingLog()
  const path = () => join(dir, "audit.sqlite")
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }
  const auditKey = keys.admin.key

  beforeAll(async () => {
    generated = await orgkit(["audit", "keygen", "--private-out", join(dir, "signing.pem")])
    privatePem = readFileSync(join(dir, "signing.pem"), "utf8")
    publicPem = generated.stdout
    const signingKey = await loadSigningKey(privatePem)
    store = openNodeAuditStore({
      path: path(),
      redeliverEveryMs: 0,
      heartbeatMs: 0,
      checkpointEvery: 5,
      signingKey,
      log: witness
    })
    for (let i = 0; i < 12; i++) {
      const receipt = await store.accept(intent(Date.now() - 1000 + i, { requestId: `cli-${i}` }))
      await store.complete(receipt.id, outcome())
    }
    proxy = await startLoopbackProxy(proxyEnv(fake.url), { log: collectingLog(), auditStore: store })
  })
  afterAll(async () => {
    await proxy?.close()
    await store?.close()
  })

  const serverVerdict = async (): Promise<VerifyResult> =>
    (await (
      await fetch(`${proxy.url}/audit/verify`, { headers: { authorization: `Bearer ${auditKey}` } })
    ).json()) as VerifyResult

  it("keygen writes the private key and prints its public key and key id", async () => {
    expect(generated.code).toBe(0)
    const signingKey = await loadSigningKey(privatePem)
    expect((await parsePublicKeys(publicPem)).map((k) => k.keyId)).toEqual([signingKey.keyId])
    expect(generated.stderr).toContain(`key id ${signingKey.keyId}`)
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    expect(publicPem).not.toContain("PRIVATE")
  })

  it("serves the public key that keygen printed at GET /audit/public-key", async () => {
    const response = await fetch(`${proxy.url}/audit/public-key`, { headers: { authorization: `Bearer ${auditKey}` } })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(publicPem)
  })

  it("exports NDJSON with progress on stderr, and verifies the export and the proxy: ok, exit 0", async () => {
    const out = join(dir, "export.ndjson")
    const exported = await orgkit(["audit", "export", "--url", proxy.url, "--key", auditKey, "--out", out])
    expect(exported.code).toBe(0)
    expect(exported.stderr).toMatch(/exported 24 entries, \d+ checkpoints/)
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string })
    expect(lines[0]).toMatchObject({ kind: "export", v: 1 })
    expect(lines.filter((l) => l.kind === "entry")).toHaveLength(24)
    expect(lines.filter((l) => l.kind === "checkpoint").length).toBeGreaterThanOrEqual(5)
    const pub = file("public.pem", publicPem)
    const offline = await orgkit(["audit", "verify", "--export", out, "--public-key", pub])
    expect(offline.code).toBe(0)
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: true, events: 12, entries: 24, signed: true })
    const online = await orgkit(["audit", "verify", "--url", proxy.url, "--key", auditKey, "--public-key", pub])
    expect(online.code).toBe(0)
    expect(JSON.parse(online.stdout)).toMatchObject({ ok: true, events: 12, entries: 24 })
    expect(await serverVerdict()).toMatchObject({ ok: true, events: 12, entries: 24, signed: true })
    expect((await orgkit(["audit", "verify", "--public-key", pub])).code).toBe(2)
  })

  it("names the same first bad event as /audit/verify after a rewrite and rehash, exit 1", async () => {
    const db = localSqlDriver(new DatabaseSync(path()))
    // Checkpoint 3 covers entries 6..10: the signature localizes the rewrite to that range, whose first
    // event is the first one that may be bad.
    const victim = await eventAt(db, 6)
    await rewriteAndRehash(db, 7, (entry) => {
      ;(entry["event"] as Record<string, unknown>)["path"] = "/api/organizations/someone-else"
    })
    const pub = file("public.pem", publicPem)
    const cli = await orgkit(["audit", "verify", "--url", proxy.url, "--key", auditKey, "--public-key", pub])
    expect(cli.code).toBe(1)
    const verdict = JSON.parse(cli.stdout) as VerifyResult
    expect(verdict).toMatchObject({ ok: false, firstBadEventId: victim, checkpoint: 3 })
    expect(verdict.reason).toContain("entries 6..10 were changed")
    expect(cli.stderr).toContain(`FAILED at event ${victim}`)
    expect(await serverVerdict()).toMatchObject({ ok: false, firstBadEventId: victim, reason: verdict.reason })
  })

  it("catches a truncated chain given the latest checkpoint from the logs, exit 1", async () => {
    const log = file("proxy.log", witness.lines.map((l) => JSON.stringify(l)).join("\n"))
    await truncateAndRewriteHead(localSqlDriver(new DatabaseSync(path())), 4)
    const pub = file("public.pem", publicPem)
    const cli = await orgkit([
      "audit",
      "verify",
      "--url",
      proxy.url,
      "--key",
      auditKey,
      "--public-key",
      pub,
      "--checkpoint",
      log
    ])
    expect(cli.code).toBe(1)
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, reason: expect.stringContaining("truncated") })
  })
})
