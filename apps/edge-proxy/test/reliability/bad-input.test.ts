/**
 * Reliability: bad input. Thousands of generated invalid requests (fast-check, derived from core's
 * route table and schemas, fixed seed) and hand-written nasty ones go through the proxy's Node
 * server over real loopback HTTP to the fake Logto (real HTTP too). Every one must get a 4xx with
 * a Logto-shaped body, exactly the answer the spec gives, and nothing may reach the fake (its
 * request log); the proxy must keep serving valid requests throughout and afterwards.
 *
 * Sizes: `ORGKIT_RELIABILITY=full` runs 10,000 generated requests (`pnpm test:reliability`);
 * otherwise 350 (the short version, part of the normal test run). `ORGKIT_RELIABILITY_SEED`
 * replays another seed. Prints `bad-input: N tried, N passed, N failed`; the failures, with their
 * exact requests, go to `$TMPDIR/orgkit-reliability/bad-input.json` as well.
 */
import * as fc from "fast-check"
import { mkdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { badRequest } from "./support/arbitraries.ts"
import { cases, forwarded, raws } from "./support/nasty.ts"
import type { Case } from "./support/oracle.ts"
import {
  type Clients,
  describe as describeCase,
  emptyTally,
  openClients,
  probe,
  record,
  runCase,
  runForwarded,
  runRaw,
  type Tally
} from "./support/run.ts"
import { directToken, keys, type Stack, startStack } from "./support/stack.ts"

const full = process.env["ORGKIT_RELIABILITY"] === "full"
const generatedCount = full ? 10_000 : 350
const seed = Number(process.env["ORGKIT_RELIABILITY_SEED"] ?? 20_261_129)
/** A run that takes longer than this stops and fails (the machine is shared; this is a bound, not a measure). */
const budgetMs = full ? 15 * 60_000 : 90_000
const requestTimeoutMs = 10_000
const probeEvery = 1_000

let stack: Stack
let clients: Clients & { close: () => void }
const tally: Tally = emptyTally()
const probes = { sent: 0, failed: [] as Array<string> }
let started = 0

const report = (t: Tally, limit = 12): string =>
  t.failures
    .slice(0, limit)
    .map((f) => `- ${f.label}\n  ${f.request}\n  ${f.problems.join("\n  ")}`)
    .join("\n")

const failuresOf = (from: number) => tally.failures.slice(from)

beforeAll(async () => {
  stack = await startStack()
  clients = openClients(stack, requestTimeoutMs)
  // The first forwarded request fetches the proxy's upstream token; do it before counting.
  const warm = await probe(stack, clients)
  if (warm.length > 0) throw new Error(`the proxy does not serve a valid request before the run: ${warm.join("; ")}`)
  started = performance.now()
})

afterAll(async () => {
  const seconds = (performance.now() - started) / 1000
  const groups = [...tally.byGroup]
    .map(([g, n]) => `${g} ${n.tried}${n.failed > 0 ? ` (${n.failed} failed)` : ""}`)
    .join(", ")
  const statuses = [...tally.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(" ")
  const differs = [...tally.logto.differs].map(([why, n]) => `${n} ${why}`).join("; ")
  const skipped = [...tally.logto.skipped].map(([why, n]) => `${n} ${why}`).join("; ")
  const summary = [
    `bad-input: ${tally.tried} tried, ${tally.passed} passed, ${tally.failed} failed`,
    `${tally.passed} passed, ${tally.failed} failed`,
    `bad-input: ${full ? "full" : "short"} run, seed ${seed}, ${generatedCount} generated + ${cases.length + forwarded.length + raws.length} hand-written, ${seconds.toFixed(1)} s, ${probes.sent} valid probes (${probes.failed.length} failed), proxy error log lines: ${stack?.errorLines.length ?? "?"}`,
    `bad-input: by kind: ${groups}`,
    `bad-input: statuses: ${statuses}`,
    `bad-input: compared with the fake's own answer: ${tally.logto.same} identical; documented differences: ${differs || "none"}; not compared: ${skipped || "none"}`
  ].join("\n")
  console.log(summary)
  const dir = join(tmpdir(), "orgkit-reliability")
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, "bad-input.json"),
    JSON.stringify(
      {
        run: full ? "full" : "short",
        seed,
        seconds,
        tried: tally.tried,
        passed: tally.passed,
        failed: tally.failed,
        byGroup: Object.fromEntries(tally.byGroup),
        byStatus: Object.fromEntries(tally.byStatus),
        probes,
        failures: tally.failures
      },
      null,
      2
    )
  )
  clients?.close()
  await stack?.close()
})

const overBudget = () => performance.now() - started > budgetMs

describe(`bad input (${full ? "full" : "short"} run)`, () => {
  it(`answers ${generatedCount} generated invalid requests with Logto's 4xx and forwards none of them`, async () => {
    const from = tally.failures.length
    const generated: Array<Case> = fc.sample(badRequest, { seed, numRuns: generatedCount })
    for (let i = 0; i < generated.length; i++) {
      if (overBudget()) {
        record(
          tally,
          {
            label: "budget: time",
            request: `stopped after ${i} generated requests`,
            problems: [`over the ${budgetMs / 1000} s budget`],
            logto: "skipped"
          },
          0,
          "budget"
        )
        break
      }
      const c = generated[i]!
      try {
        await runCase(stack, clients, tally, c)
      } catch (error) {
        record(
          tally,
          {
            label: c.label,
            request: describeCase(c),
            problems: [`the suite itself failed: ${String(error)}`],
            logto: "skipped"
          },
          0,
          "suite error"
        )
      }
      if ((i + 1) % probeEvery === 0) {
        probes.sent++
        probes.failed.push(...(await probe(stack, clients)))
      }
    }
    expect(failuresOf(from), report({ ...tally, failures: failuresOf(from) })).toEqual([])
    expect(probes.failed).toEqual([])
  })

  it("answers hand-written nasty requests (huge, deep, invalid UTF-8, content types, path tricks, methods) with Logto's 4xx", async () => {
    const from = tally.failures.length
    for (const c of cases) await runCase(stack, clients, tally, c)
    expect(failuresOf(from), report({ ...tally, failures: failuresOf(from) }, 40)).toEqual([])
  })

  it("passes on what only Logto can judge (long and encoded ids, missing entities) as one request on one of the 36 routes, answering Logto's 4xx", async () => {
    const from = tally.failures.length
    for (const f of forwarded) await runForwarded(stack, clients, tally, f)
    expect(failuresOf(from), report({ ...tally, failures: failuresOf(from) }, 40)).toEqual([])
  })

  it("answers raw protocol abuse (bytes HTTP clients refuse to send) as Logto's Node server does, or with a Logto-shaped 4xx", async () => {
    const from = tally.failures.length
    for (const r of raws) await runRaw(stack, tally, r, 5_000)
    expect(failuresOf(from), report({ ...tally, failures: failuresOf(from) }, 40)).toEqual([])
  })

  it("keeps serving: valid reads and writes are answered exactly as the fake answers them, with no proxy error logged", async () => {
    const errorsBefore = stack.errorLines.length
    probes.sent++
    const read = await probe(stack, clients)
    probes.failed.push(...read)
    const created = await clients.proxy.send(
      {
        method: "POST",
        target: "/api/organizations",
        headers: [
          ["authorization", `Bearer ${keys.admin.key}`],
          ["content-type", "application/json"]
        ],
        body: new TextEncoder().encode(JSON.stringify({ name: "After the storm" }))
      },
      requestTimeoutMs
    )
    expect(created.status).toBe(201)
    const id = (JSON.parse(created.body.toString("utf8")) as { id: string }).id
    const viaProxy = await clients.proxy.send(
      { method: "GET", target: `/api/organizations/${id}`, headers: [["authorization", `Bearer ${keys.admin.key}`]] },
      requestTimeoutMs
    )
    const direct = await clients.fake.send(
      { method: "GET", target: `/api/organizations/${id}`, headers: [["authorization", `Bearer ${directToken}`]] },
      requestTimeoutMs
    )
    expect([viaProxy.status, viaProxy.body.toString("utf8")]).toEqual([200, direct.body.toString("utf8")])
    const deleted = await clients.proxy.send(
      {
        method: "DELETE",
        target: `/api/organizations/${id}`,
        headers: [["authorization", `Bearer ${keys.admin.key}`]]
      },
      requestTimeoutMs
    )
    expect(deleted.status).toBe(204)
    expect(read).toEqual([])
    expect(stack.errorLines.slice(errorsBefore)).toEqual([])
  })
})
