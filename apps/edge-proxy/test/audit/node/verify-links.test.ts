/**
 * `/audit/verify`'s link check on its own: forged chains in which every hash is right (each entry
 * rehashed, every later entry's `prevHash` rewritten to match), so that only the links between
 * entries (`prevId`) can tell. Verified through the store's `verify`, which `/audit/verify` answers.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { canonicalJson, sha256Hex } from "../../../src/audit/canonical.ts"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { intent, outcome } from "../support/fixtures.ts"

let dir: string
let store: NodeAuditStore
let clock = 1_767_225_600_000

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-links-"))
  clock = 1_767_225_600_000
  store = openNodeAuditStore({
    path: join(dir, "audit.sqlite"),
    now: () => clock,
    redeliverEveryMs: 0,
    unrecordedAfterMs: 60_000
  })
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** `n` completed writes (two entries each: intent, outcome); their event ids. */
const fill = async (n: number) => {
  const ids: Array<string> = []
  for (let i = 0; i < n; i++) {
    clock += 10
    const receipt = await store.accept(intent(clock, { requestId: `req-${i}` }))
    await store.complete(receipt.id, outcome())
    ids.push(receipt.id)
  }
  return ids
}

interface Row {
  readonly seq: number
  readonly id: string
  readonly entry: string
}

/**
 * Rewrites the chain behind the store's back: `edit` changes one parsed entry (by seq), then every
 * entry from there on is rehashed and relinked by hash, as a forger who knows the format would.
 */
const forge = async (edit: (seq: number, entry: Record<string, unknown>) => void) => {
  const db = new DatabaseSync(join(dir, "audit.sqlite"))
  const rows = db.prepare("SELECT seq, id, entry FROM audit_chain ORDER BY seq").all() as unknown as Array<Row>
  let prevHash = "0".repeat(64)
  for (const row of rows) {
    const entry = JSON.parse(row.entry) as Record<string, unknown>
    edit(row.seq, entry)
    entry["prevHash"] = prevHash
    const text = canonicalJson(entry)
    const hash = await sha256Hex(text)
    db.prepare("UPDATE audit_chain SET entry = ?, hash = ? WHERE seq = ?").run(text, hash, row.seq)
    prevHash = hash
  }
  db.close()
  return rows
}

describe("/audit/verify's link check", () => {
  it("verifies the untouched chain, and the chain rewritten without a change (the forger's rehash is faithful)", async () => {
    await fill(3)
    await forge(() => undefined)
    expect(await store.verify()).toMatchObject({ ok: true, events: 3, entries: 6 })
  })

  it("names the entry whose prevId points elsewhere, though every hash matches", async () => {
    const ids = await fill(4)
    const rows = await forge((seq, entry) => {
      if (seq === 5) entry["prevId"] = ids[0]
    })
    const entry5 = JSON.parse(rows[4]!.entry) as { prevId: string }
    expect(entry5.prevId).not.toBe(ids[0])
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: ids[2],
      reason: "entry 5 does not link to entry 4"
    })
  })

  it("names the first entry when it claims a predecessor", async () => {
    const ids = await fill(2)
    await forge((seq, entry) => {
      if (seq === 1) entry["prevId"] = ids[1]
    })
    expect(await store.verify()).toMatchObject({
      ok: false,
      firstBadEventId: ids[0],
      reason: "entry 1 does not link to entry 0"
    })
  })
})
