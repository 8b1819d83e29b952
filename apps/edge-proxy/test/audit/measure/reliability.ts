/**
 * Figures for docs/RELIABILITY.md (issue 13 point 6), from a run: the real Node server (audit trail
 * in a SQLite file, cache on) in front of the fake Logto, load from separate autocannon processes.
 *
 * - quiet: cache-hit p99 alone;
 * - unauthenticated flood: DELETEs without a key at full speed beside the same hit load; requests
 *   sent, audit bytes grown (file + WAL), hit p99;
 * - locked store: another process holds the SQLite write lock; hit p99 beside writes that must be
 *   refused with 503, and what they got.
 *
 * Run: `node --disable-warning=ExperimentalWarning apps/edge-proxy/test/audit/measure/reliability.ts [seconds]`.
 * Prints one JSON object. Speed is measured here, never asserted in tests.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startNodeProxy } from "../../../src/adapters/node/server.ts"
import { client, directToken, keys, proxyEnv } from "../../fixtures/e2e.ts"
import { loopbackConfig } from "../../fixtures/node-proxy.ts"

const seconds = Number(process.argv[2] ?? "10")
const dir = mkdtempSync(join(tmpdir(), "orgkit-audit-measure-"))
const path = join(dir, "audit.sqlite")
const bytes = () =>
  [path, `${path}-wal`].reduce((sum, file) => {
    try {
      return sum + statSync(file).size
    } catch {
      return sum
    }
  }, 0)

const fake = await FakeLogto.serve({
  host: "127.0.0.1",
  port: 0,
  seed: Demo.seed,
  tokens: [directToken],
  clients: [client]
})
const proxy = await startNodeProxy(
  loopbackConfig({ ...proxyEnv(fake.url), ORGKIT_AUDIT_DB_PATH: path, ORGKIT_LOG_LEVEL: "silent" })
)
const acme = Demo.ids.organizations.acme
const hitUrl = `${proxy.url}/api/organizations/${acme}`
const admin = { authorization: `Bearer ${keys.admin.key}` }
await fetch(hitUrl, { headers: admin })

/** An autocannon process: `connections` for `seconds` against `hitUrl`. */
const autocannon = (
  connections: number,
  extra: ReadonlyArray<string>
): Promise<{ rps: number; p50Ms: number; p99Ms: number; requests: number; non2xx: number }> =>
  new Promise((resolve, reject) => {
    const cli = createRequire(import.meta.url).resolve("autocannon/autocannon.js")
    const child = spawn(
      process.execPath,
      [cli, "-c", String(connections), "-d", String(seconds), "-j", ...extra, hitUrl],
      { stdio: ["ignore", "pipe", "ignore"] }
    )
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk))
    child.on("error", reject)
    child.on("close", () => {
      const json = JSON.parse(out) as {
        requests: { average: number; total: number }
        latency: { p50: number; p99: number }
        non2xx: number
      }
      resolve({
        rps: json.requests.average,
        p50Ms: json.latency.p50,
        p99Ms: json.latency.p99,
        requests: json.requests.total,
        non2xx: json.non2xx
      })
    })
  })

/** Cache hits with the admin key. */
const hits = () => autocannon(8, ["-H", `authorization=${admin.authorization}`])

/** DELETEs without a key. */
const flood = () => autocannon(16, ["-m", "DELETE"])

const quiet = await hits()

const before = bytes()
const [underFlood, flooded] = await Promise.all([hits(), flood()])
const floodBytes = bytes() - before

const holder = spawn(
  process.execPath,
  [
    "-e",
    `const { DatabaseSync } = require("node:sqlite"); const db = new DatabaseSync(${JSON.stringify(path)});
     db.exec("BEGIN IMMEDIATE"); process.stdout.write("locked\\n"); process.stdin.on("data", () => process.exit(0));`
  ],
  { stdio: ["pipe", "pipe", "inherit"] }
)
await new Promise((resolve) => holder.stdout.once("data", resolve))
const writes: Array<number> = []
const state = { writing: true }
const writer = (async () => {
  while (state.writing) {
    const response = await fetch(hitUrl, {
      method: "PATCH",
      headers: { ...admin, "content-type": "application/json" },
      body: '{"description":"while locked"}'
    })
    writes.push(response.status)
    await response.arrayBuffer()
  }
})()
const locked = await hits()
state.writing = false
await writer
holder.stdin.end("x")

const round = (n: number) => Math.round(n * 100) / 100
console.log(
  JSON.stringify(
    {
      seconds,
      tool: "autocannon",
      quiet: { hitRps: round(quiet.rps), hitP50Ms: quiet.p50Ms, hitP99Ms: quiet.p99Ms },
      unauthenticatedFlood: {
        requests: flooded.requests,
        answered401: flooded.non2xx,
        auditBytesGrown: floodBytes,
        hitRps: round(underFlood.rps),
        hitP99Ms: underFlood.p99Ms
      },
      lockedStore: {
        hitRps: round(locked.rps),
        hitP99Ms: locked.p99Ms,
        writes: writes.length,
        refused503: writes.filter((s) => s === 503).length,
        other: writes.filter((s) => s !== 503)
      }
    },
    null,
    2
  )
)
await proxy.close()
await fake.close()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
