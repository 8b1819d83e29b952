/**
 * Issue 13's audit hardening, through the real Node server (`startNodeProxy`: the pipeline
 * production runs) in front of the fake Logto, on a SQLite file:
 *
 * - an unauthenticated flood leaves the audit file byte for byte as it was, and is summarized once;
 * - a known key's denials are recorded up to the per-key ceiling, then counted and summarized;
 * - another process holding the SQLite write lock refuses writes (503 `proxy.audit_unavailable`,
 *   nothing forwarded) while the proxy keeps answering everything else (the wait is in the SQLite
 *   thread, not on the event loop);
 * - the audit log line of CreateOrganization carries the created id, like the stored event.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NodeProxy } from "../../../src/adapters/node/server.ts"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { client, directToken, keys, proxyEnv } from "../../fixtures/e2e.ts"
import { startLoopbackProxy } from "../../fixtures/node-proxy.ts"
import { collectingLog } from "../../fixtures/ports.ts"

let dir: string
let fake: FakeLogto.Server

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-hardening-"))
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

const acme = Demo.ids.organizations.acme
const apiCalls = () => fake.fake.requests().filter((r) => r.path.startsWith("/api/")).length

/** The bytes of the SQLite file and its WAL. */
const bytesOf = (path: string) =>
  [path, `${path}-wal`].reduce((sum, file) => {
    try {
      return sum + statSync(file).size
    } catch {
      return sum
    }
  }, 0)

const started = async (name: string) => {
  const path = join(dir, name)
  const store = openNodeAuditStore({ path, redeliverEveryMs: 0, heartbeatMs: 0, log: () => undefined })
  const log = collectingLog()
  const proxy = await startLoopbackProxy(proxyEnv(fake.url), { log, auditStore: store })
  return { path, store, log, proxy }
}

const stop = async (proxy: NodeProxy, store: NodeAuditStore) => {
  await proxy.close()
  await store.close()
}

describe("an unauthenticated caller costs nothing durable", () => {
  it("leaves the audit file as it was after 300 writes and reads without a valid key, summarized in one log line", async () => {
    const { path, store, log, proxy } = await started("flood.sqlite")
    try {
      const before = bytesOf(path)
      const calls = apiCalls()
      const sends: Array<Promise<Response>> = []
      for (let i = 0; i < 300; i++) {
        const auth = i % 3 === 0 ? {} : { authorization: i % 3 === 1 ? "Bearer not-a-key-00000000" : "Basic eDp5" }
        sends.push(
          fetch(`${proxy.url}/api/organizations/${i % 2 === 0 ? acme : "x".repeat(5000)}/users`, {
            method: i % 5 === 0 ? "GET" : "POST",
            headers: { ...auth, "content-type": "application/json" },
            ...(i % 5 === 0 ? {} : { body: '{"userIds":["u"]}' })
          })
        )
      }
      const statuses = new Set((await Promise.all(sends)).map((r) => r.status))
      expect([...statuses]).toEqual([401])
      expect(apiCalls()).toBe(calls)
      expect((await store.verify()).events).toBe(0)
      expect(bytesOf(path)).toBe(before)
      const summaries = log.lines.filter((l) => l["msg"] === "audit: unauthenticated requests (not recorded)")
      expect(summaries).toEqual([expect.objectContaining({ count: 1, total: 1 })])
      expect(log.lines.filter((l) => l["msg"] === "audit")).toEqual([])
    } finally {
      await stop(proxy, store)
    }
  })
})

describe("a known key's denials", () => {
  it("are recorded up to 60 a minute per key, then counted and summarized", async () => {
    const { store, log, proxy } = await started("ceiling.sqlite")
    try {
      for (let i = 0; i < 70; i++) {
        const response = await fetch(`${proxy.url}/api/organizations/${acme}/users`, {
          method: "POST",
          headers: { authorization: `Bearer ${keys.reader.key}`, "content-type": "application/json" },
          body: '{"userIds":["u"]}'
        })
        expect(response.status).toBe(403)
      }
      await expect.poll(async () => (await store.verify()).events).toBe(60)
      const over = log.lines.filter(
        (l) => l["msg"] === "audit: denials over the per-key ceiling (counted, not recorded)"
      )
      expect(over).toEqual([expect.objectContaining({ keyId: "reader", ceiling: 60, first: "AddOrganizationUsers" })])
    } finally {
      await stop(proxy, store)
    }
  })
})

describe("a locked audit store", () => {
  it("refuses writes with 503 and forwards nothing, while the proxy keeps answering other requests", async () => {
    const { path, store, log, proxy } = await started("locked.sqlite")
    // Another process takes the write lock and holds it until told to stop (a backup, the sqlite3 shell).
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const { DatabaseSync } = require("node:sqlite");
         const db = new DatabaseSync(${JSON.stringify(path)});
         db.exec("BEGIN IMMEDIATE");
         process.stdout.write("locked\\n");
         process.stdin.on("data", () => { db.exec("ROLLBACK"); db.close(); process.exit(0) });`
      ],
      { stdio: ["pipe", "pipe", "inherit"] }
    )
    try {
      await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()))
      const calls = apiCalls()
      const order: Array<string> = []
      const write = fetch(`${proxy.url}/api/organizations/${acme}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${keys.admin.key}`, "content-type": "application/json" },
        body: '{"description":"while locked"}'
      }).then(async (response) => {
        order.push("write")
        return { status: response.status, body: (await response.json()) as { code?: string } }
      })
      // While the write waits for the lock, reads are answered (the wait is not on the event loop).
      for (let i = 0; i < 5; i++) {
        const read = await fetch(`${proxy.url}/api/organizations/${acme}`, {
          headers: { authorization: `Bearer ${keys.admin.key}` }
        })
        expect(read.status).toBe(200)
        expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200)
        order.push("read")
      }
      const refused = await write
      expect(order.slice(0, 5)).toEqual(["read", "read", "read", "read", "read"])
      expect(refused).toEqual({ status: 503, body: expect.objectContaining({ code: "proxy.audit_unavailable" }) })
      // The reads were cache hits after the first; the refused write never reached Logto.
      expect(fake.fake.requests().filter((r) => r.method === "PATCH")).toEqual([])
      expect(apiCalls()).toBeLessThanOrEqual(calls + 5)
    } finally {
      holder.stdin!.end("unlock\n")
      await new Promise((resolve) => holder.once("exit", resolve))
    }
    try {
      // Once the lock is gone, writes go through again.
      const after = await fetch(`${proxy.url}/api/organizations/${acme}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${keys.admin.key}`, "content-type": "application/json" },
        body: '{"description":"after the lock"}'
      })
      expect(after.status).toBe(200)
      // The refused write has its line (written once its closing delivery ended).
      await expect
        .poll(() => log.lines.filter((l) => l["msg"] === "audit").map((l) => [l["method"], l["delivery"]]), {
          timeout: 20_000
        })
        .toEqual(expect.arrayContaining([["PATCH", "refused"]]))
    } finally {
      await stop(proxy, store)
    }
  })
})

describe("log lines match the stored events", () => {
  it("files the CreateOrganization line under the created id", async () => {
    const { store, log, proxy } = await started("created.sqlite")
    try {
      const response = await fetch(`${proxy.url}/api/organizations`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys.admin.key}`, "content-type": "application/json" },
        body: '{"name":"Hardening Inc"}'
      })
      expect(response.status).toBe(201)
      const { id } = (await response.json()) as { id: string }
      await expect.poll(() => log.lines.filter((l) => l["msg"] === "audit").length).toBe(1)
      expect(log.lines.find((l) => l["msg"] === "audit")).toMatchObject({
        operationId: "CreateOrganization",
        organizationId: id
      })
      const page = await store.query({ operationId: "CreateOrganization" })
      expect(page.events.map((e) => e.organizationId)).toEqual([id])
    } finally {
      await stop(proxy, store)
    }
  })
})
