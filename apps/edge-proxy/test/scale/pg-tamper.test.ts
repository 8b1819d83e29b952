/**
 * The tamper matrix of issue 15 (`test/audit/support/tamper-matrix.ts`, the same cases as on SQLite)
 * on the PostgreSQL store against a real PostgreSQL: an insider edits the tables through a connection
 * of its own, and every case is judged twice, by `GET /audit/verify` of a proxy serving that store
 * (`startNodeProxy`, what `src/node.ts` runs) and by `orgkit audit verify --url` run as a process
 * with the public key the proxy serves at `/audit/public-key` (and the witness's checkpoint as a log
 * line, `--checkpoint`). `/audit/verify` takes no checkpoint from outside: the verdict given one is the
 * store's `verify({ latest })`, as in the SQLite matrix. Each case has a schema of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Pool } from "pg"
import { afterAll, beforeAll, expect } from "vitest"
import type { NodeProxy } from "../../src/adapters/node/server.ts"
import type { SignedCheckpoint } from "../../src/audit/checkpoint.ts"
import type { VerifyResult } from "../../src/audit/event.ts"
import { openPostgresAuditStore } from "../../src/audit/postgres/index.ts"
import { int8Types, poolDriver } from "../../src/audit/postgres/pg-sql.ts"
import { orgkit } from "../audit/support/cli.ts"
import { tamperMatrix } from "../audit/support/tamper-matrix.ts"
import { keys, proxyEnv } from "../fixtures/e2e.ts"
import { startLoopbackProxy } from "../fixtures/node-proxy.ts"
import { collectingLog } from "../fixtures/ports.ts"
import { type Service, startPostgres } from "../fixtures/services.ts"

let postgres: Service
let dir: string
let schemaNo = 0
let schema = ""
let insider: Pool | undefined
const auditKey = keys.admin.key
// `/audit` never reaches Logto: nothing listens here.
const upstream = "http://127.0.0.1:9"

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-pg-tamper-"))
  postgres = await startPostgres()
})
afterAll(async () => {
  await postgres?.close()
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}

/** `GET /audit/verify` of the proxy. */
const served = async (proxy: NodeProxy): Promise<VerifyResult> => {
  const response = await fetch(`${proxy.url}/audit/verify`, { headers: { authorization: `Bearer ${auditKey}` } })
  expect(response.status).toBe(200)
  return (await response.json()) as VerifyResult
}

/** `orgkit audit verify --url` against the proxy, with the public keys it serves: its verdict, exit code and message checked. */
const cli = async (
  proxy: NodeProxy,
  witness: ReadonlyArray<Record<string, unknown>>,
  latest: SignedCheckpoint | undefined
): Promise<VerifyResult> => {
  const publicKeys = await fetch(`${proxy.url}/audit/public-key`, {
    headers: { authorization: `Bearer ${auditKey}` }
  })
  expect(publicKeys.status).toBe(200)
  const args = ["audit", "verify", "--url", proxy.url, "--key", auditKey]
  args.push("--public-key", file("public.pem", await publicKeys.text()))
  if (latest !== undefined) {
    // The witness: the store's log up to the line of that checkpoint (the CLI takes the log's last one).
    const upTo = witness.findIndex((l) => (l["checkpoint"] as { n?: unknown } | undefined)?.n === latest.checkpoint.n)
    expect(upTo).toBeGreaterThanOrEqual(0)
    const log = witness.slice(0, upTo + 1).map((l) => JSON.stringify(l))
    args.push("--checkpoint", file("proxy.log", `${log.join("\n")}\n`))
  }
  const run = await orgkit(args)
  const verdict = JSON.parse(run.stdout) as VerifyResult
  expect(run.code).toBe(verdict.ok ? 0 : 1)
  if (!verdict.ok)
    expect(run.stderr).toContain(`FAILED at event ${verdict.firstBadEventId || "(none)"}: ${verdict.reason}`)
  return verdict
}

tamperMatrix("PostgreSQL", {
  fresh: () => {
    schema = `tamper_${process.pid}_${++schemaNo}`
  },
  open: async (options) => {
    const witness = collectingLog()
    const store = await openPostgresAuditStore({ ...options, url: postgres.url, schema, log: witness })
    const proxy = await startLoopbackProxy(proxyEnv(upstream), { log: collectingLog(), auditStore: store })
    return {
      store,
      inside: (latest) => (latest === undefined ? served(proxy) : store.verify({ latest })),
      offline: (latest) => cli(proxy, witness.lines, latest),
      close: async () => {
        await proxy.close()
        await store.close()
      }
    }
  },
  raw: () =>
    poolDriver(
      (insider ??= new Pool({ connectionString: postgres.url, options: `-c search_path=${schema}`, types: int8Types }))
    ),
  cleanUp: async () => {
    await insider?.end()
    insider = undefined
  }
})
