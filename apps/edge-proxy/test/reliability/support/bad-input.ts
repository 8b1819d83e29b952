/**
 * The bad-input reliability suite, for either runtime of the proxy (`bad-input.test.ts`: the Node
 * server; `bad-input.workerd.test.ts`: the Worker in workerd). What it checks is in those files.
 */
import * as fc from "fast-check"
import { mkdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { badRequest } from "./arbitraries.ts"
import { cases, forwarded, raws } from "./nasty.ts"
import type { Case } from "./oracle.ts"
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
} from "./run.ts"
import { directToken, keys, type Stack } from "./stack.ts"

const full = process.env["ORGKIT_RELIABILITY"] === "full"
const generatedCount = full ? 10_000 : 350
const seed = Number(process.env["ORGKIT_RELIABILITY_SEED"] ?? 20_261_129)
const requestTimeoutMs = 10_000
/** Fails a run that hangs; never a measure of speed (a slow machine finishes within it). */
const hangGuardMs = full ? 60 * 60_000 : 15 * 60_000
const probeEvery = 1_000

/**
 * The methods among `cases` that workerd's HTTP server refuses with its own 501 before any Worker
 * runs, probed once each on `/healthz` without credentials.
 */
const refusedMethods = async (clients: Clients, cases: ReadonlyArray<Case>): Promise<Array<string>> => {
  const refused: Array<string> = []
  for (const method of new Set(cases.map((c) => c.method))) {
    const answer = await clients.proxy.send({ method, target: "/healthz", headers: [] }, clients.timeoutMs)
    if (answer.status === 501 && answer.body.toString("utf8").includes("Unrecognized request method")) {
      refused.push(method)
    }
  }
  return refused
}

/** The suite's options: which proxy runs, and how to start it with the fake behind it. */
export interface BadInputOptions {
  readonly runtime: "node" | "workerd"
  readonly start: () => Promise<Stack>
}

/** Registers the suite (its hooks and tests) in the calling test file. */
export const describeBadInput = (options: BadInputOptions): void => {
  const name = options.runtime === "node" ? "bad-input" : "bad-input-workerd"
  let stack: Stack
  let clients: Clients & { close: () => void }
  const tally: Tally = emptyTally()
  const probes = { sent: 0, failed: [] as Array<string> }
  let started = 0
  let platformRefused: ReadonlyArray<string> = []

  const report = (t: Tally, limit = 12): string =>
    t.failures
      .slice(0, limit)
      .map((f) => `- ${f.label}\n  ${f.request}\n  ${f.problems.join("\n  ")}`)
      .join("\n")

  const failuresOf = (from: number) => tally.failures.slice(from)

  beforeAll(async () => {
    stack = await options.start()
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
      `${name}: ${tally.tried} tried, ${tally.passed} passed, ${tally.failed} failed`,
      `${tally.passed} passed, ${tally.failed} failed`,
      `${name}: ${full ? "full" : "short"} run, seed ${seed}, ${generatedCount} generated + ${cases.length + forwarded.length + raws.length} hand-written, ${seconds.toFixed(1)} s, ${probes.sent} valid probes (${probes.failed.length} failed), proxy error log lines: ${stack?.errorLines.length ?? "?"}`,
      `${name}: by kind: ${groups}`,
      ...(platformRefused.length === 0
        ? []
        : [
            `${name}: not sent (workerd's HTTP server answers these methods with its own 501 before the Worker runs): ${platformRefused.join(", ")}`
          ]),
      `${name}: statuses: ${statuses}`,
      `${name}: compared with the fake's own answer: ${tally.logto.same} identical; documented differences: ${differs || "none"}; not compared: ${skipped || "none"}`
    ].join("\n")
    console.log(summary)
    const dir = join(tmpdir(), "orgkit-reliability")
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, `${name}.json`),
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

  describe(`bad input on ${options.runtime} (${full ? "full" : "short"} run)`, () => {
    it(
      `answers ${generatedCount} generated invalid requests with Logto's 4xx and forwards none of them`,
      async () => {
        const from = tally.failures.length
        const sample: Array<Case> = fc.sample(badRequest, { seed, numRuns: generatedCount })
        // workerd's HTTP server answers methods it does not know (`LINK`, `M-SEARCH`, …) with its own
        // 501 before any Worker runs (on Cloudflare, the edge decides): not the proxy's to answer.
        platformRefused = options.runtime === "node" ? [] : await refusedMethods(clients, sample)
        const generated = sample.filter((c) => !platformRefused.includes(c.method))
        for (let i = 0; i < generated.length; i++) {
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
      },
      hangGuardMs
    )

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

    // On Workers the HTTP layer in front of the Worker (Cloudflare's edge; workerd here) parses the
    // request line and headers, so raw protocol abuse is a question for the Node server only.
    it.runIf(options.runtime === "node")(
      "answers raw protocol abuse (bytes HTTP clients refuse to send) as Logto's Node server does, or with a Logto-shaped 4xx",
      async () => {
        const from = tally.failures.length
        for (const r of raws) await runRaw(stack, tally, r, 5_000)
        expect(failuresOf(from), report({ ...tally, failures: failuresOf(from) }, 40)).toEqual([])
      }
    )

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
}
