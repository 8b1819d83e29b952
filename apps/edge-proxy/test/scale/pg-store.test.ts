/**
 * The PostgreSQL audit store against a real PostgreSQL: three stores with their own connection pools
 * (as three proxy processes have) writing one chain, the migrations applied once, idempotency and
 * cursors across stores, signed checkpoints, tampering found, and fail closed while the server is down.
 * Each test works in a schema of its own.
 */
import { Client } from "pg"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { generateKeyPair, loadSigningKey, type SigningKey } from "../../src/audit/keys.ts"
import { openPostgresAuditStore, type PostgresAuditStore } from "../../src/audit/postgres/index.ts"
import { AuditInputError, AuditStoreError } from "../../src/audit/store.ts"
import { intent, outcome } from "../audit/support/fixtures.ts"
import { type Service, startPostgres } from "../fixtures/services.ts"

let postgres: Service
let schemaNo = 0
let schema = ""
const stores: Array<PostgresAuditStore> = []
const lines: Array<Record<string, unknown>> = []
let clock = 1_767_225_600_000

beforeAll(async () => {
  postgres = await startPostgres()
})
afterAll(async () => {
  await postgres?.close()
})
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  lines.length = 0
})

const newSchema = () => (schema = `t${process.pid}_${++schemaNo}`)

const open = async (options: { signingKey?: SigningKey; checkpointEvery?: number; timeoutMs?: number } = {}) => {
  const store = await openPostgresAuditStore({
    url: postgres.url,
    schema,
    now: () => clock,
    redeliverEveryMs: 0,
    heartbeatMs: 0,
    log: (line) => void lines.push(line),
    ...options
  })
  stores.push(store)
  return store
}

/** A plain connection into the test's schema, to look behind the stores' backs. */
const sqlOf = async <Row extends Record<string, unknown>>(text: string, params: Array<unknown> = []) => {
  const client = new Client({ connectionString: postgres.url, options: `-c search_path=${schema}` })
  await client.connect()
  try {
    return (await client.query<Row>(text, params)).rows
  } finally {
    await client.end()
  }
}

describe("PostgreSQL audit store", () => {
  it("applies the SQLite migrations once when three processes start at once, with 64-bit integers", async () => {
    newSchema()
    await Promise.all([open(), open(), open()])
    const applied = await sqlOf<{ name: string }>("SELECT name FROM d1_migrations ORDER BY id")
    expect(applied.map((r) => r.name)).toEqual([
      "0001_audit_chain.sql",
      "0002_audit_dead_letters.sql",
      "0003_audit_checkpoints.sql"
    ])
    const types = await sqlOf<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'audit_events' AND column_name IN ('seq', 'time_ms')`,
      [schema]
    )
    expect(types.map((t) => t.data_type)).toEqual(["bigint", "bigint"])
  })

  it("appends from three stores at once into one chain that verifies, each append once", async () => {
    newSchema()
    const [a, b, c] = [await open(), await open(), await open()]
    const all = [a, b, c]
    const receipts = await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        const store = all[i % 3]!
        const receipt = await store.accept(intent(clock + i, { requestId: `req-${i}` }))
        // The outcome through another process, as a retry through the load balancer would land.
        expect(await all[(i + 1) % 3]!.complete(receipt.id, outcome())).toBe("recorded")
        return receipt
      })
    )
    expect(new Set(receipts.map((r) => r.seq)).size).toBe(150)
    for (const store of all) {
      const verdict = await store.verify()
      expect(verdict).toMatchObject({ ok: true, events: 150, entries: 300 })
    }
    const [count] = await sqlOf<{ n: number }>("SELECT count(*)::int AS n FROM audit_chain")
    expect(count!.n).toBe(300)
  })

  it("is idempotent across stores: the same intent twice is one event, an outcome twice is a duplicate", async () => {
    newSchema()
    const [a, b] = [await open(), await open()]
    const input = intent(clock)
    const [first, second] = await Promise.all([a.accept(input), b.accept(input)])
    expect(second).toEqual(first)
    expect(await b.complete(first.id, outcome())).toBe("recorded")
    expect(await a.complete(first.id, outcome())).toBe("duplicate")
    expect(await a.complete(intent(clock + 1).id, outcome())).toBe("unknown")
    await expect(a.accept({ ...input, id: "not-a-uuid" })).rejects.toBeInstanceOf(AuditInputError)
    expect(await a.verify()).toMatchObject({ ok: true, events: 1, entries: 2 })
  })

  it("answers the same pages and cursors through any store", async () => {
    newSchema()
    const [a, b] = [await open(), await open()]
    for (let i = 0; i < 12; i++) {
      const r = await (i % 2 === 0 ? a : b).accept(intent(clock + i, { requestId: `req-${i}` }))
      await (i % 2 === 0 ? b : a).complete(r.id, outcome())
    }
    const pageA = await a.query({}, undefined, 5)
    const pageB = await b.query({}, undefined, 5)
    expect(pageB).toEqual(pageA)
    const nextFromB = await b.query({}, pageA.nextCursor, 5)
    const nextFromA = await a.query({}, pageA.nextCursor, 5)
    expect(nextFromB).toEqual(nextFromA)
    expect(nextFromA.events.map((e) => e.requestId)).toEqual(["req-6", "req-5", "req-4", "req-3", "req-2"])
  })

  it("signs checkpoints over the one chain (a start checkpoint per process) that verify", async () => {
    newSchema()
    const key = await loadSigningKey((await generateKeyPair()).privatePem)
    const all = [
      await open({ signingKey: key, checkpointEvery: 10 }),
      await open({ signingKey: key, checkpointEvery: 10 })
    ]
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const receipt = await all[i % 2]!.accept(intent(clock + i))
        await all[(i + 1) % 2]!.complete(receipt.id, outcome())
      })
    )
    await all[0]!.heartbeat()
    const verdict = await all[1]!.verify()
    expect(verdict).toMatchObject({ ok: true, events: 60, entries: 120, signed: true })
    const reasons = (await sqlOf<{ body: string }>("SELECT body FROM audit_checkpoints ORDER BY n")).map(
      (r) => (JSON.parse(r.body) as { checkpoint: { reason: string } }).checkpoint.reason
    )
    expect(reasons.filter((r) => r === "start")).toHaveLength(2)
    expect(reasons.filter((r) => r === "events").length).toBeGreaterThan(3)
    expect(lines.filter((l) => l["msg"] === "audit checkpoint")).toHaveLength(reasons.length)
  })

  it("names an event whose entry was changed behind the stores' backs", async () => {
    newSchema()
    const store = await open()
    const ids: Array<string> = []
    for (let i = 0; i < 5; i++) ids.push((await store.accept(intent(clock + i))).id)
    await sqlOf("UPDATE audit_chain SET entry = replace(entry, 'org-acme', 'org-evil') WHERE id = $1", [ids[2]])
    expect(await store.verify()).toMatchObject({ ok: false, firstBadEventId: ids[2] })
  })

  it("fails closed while PostgreSQL is down and goes on with the same chain once it is back", async () => {
    newSchema()
    const store = await open({ timeoutMs: 1_000 })
    await store.accept(intent(clock))
    await postgres.kill()
    try {
      await expect(store.accept(intent(clock + 1))).rejects.toBeInstanceOf(AuditStoreError)
    } finally {
      await postgres.start()
    }
    const next = intent(clock + 2)
    let receipt: Awaited<ReturnType<PostgresAuditStore["accept"]>> | undefined
    // PostgreSQL is recovering: retry until it accepts (the test's timeout bounds the wait).
    while (receipt === undefined) {
      receipt = await store.accept(next).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100))
        return undefined
      })
    }
    expect(receipt?.seq).toBe(2)
    expect(await store.verify()).toMatchObject({ ok: true, events: 2 })
  })
})
