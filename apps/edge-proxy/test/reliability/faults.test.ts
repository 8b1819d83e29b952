/**
 * Reliability: faults. The proxy's Node server in front of the fake Logto (real loopback HTTP,
 * caching and audit on a SQLite file in a temp dir) while things break:
 * - upstream outage (refused connections, 503) and slowness (latency over the upstream timeout):
 *   an expired entry is served `X-Cache: STALE` within the stale-if-error bound; without one the
 *   answer is a clean Logto-shaped 502/504 (or Logto's own 503); writes fail cleanly and are
 *   audited; everything recovers when the upstream returns;
 * - audit store outage (a wrapper around the SQLite store that fails on demand, before or after
 *   the real append): writes are refused with 503 `proxy.audit_unavailable` and nothing is
 *   forwarded (the fake's log); every accepted write has exactly one event; the chain verifies;
 * - token endpoint failure (wrong client secret, a 500 or a refused connection on `/oidc/token`,
 *   an expired token that cannot be renewed): clean 502 `proxy.upstream_auth_failed` /
 *   `proxy.upstream_unavailable`, nothing forwarded, recovery;
 * - process restart: the proxy as a child process (`node src/node.ts`) on one SQLite file, killed
 *   with SIGKILL and stopped with SIGTERM in the middle of write traffic, restarted on the same
 *   file: no acknowledged write lost its event, none doubled, every forwarded write has its
 *   intent, `/audit/verify` ok.
 *
 * Sizes: `ORGKIT_RELIABILITY=full` runs more cycles and writes (`pnpm test:reliability`).
 * Prints `faults: N tried, N passed, N failed` (one check = one assertion on one answer or log).
 */
import { Demo, Fixtures } from "@orgkit/testing"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { webPlatform } from "../../src/adapters/web-platform.ts"
import { openNodeAuditStore } from "../../src/audit/node/index.ts"
import { type AuditStore, AuditStoreError } from "../../src/audit/store.ts"
import {
  type Answer,
  auditEvents,
  auditVerify,
  call,
  directToken,
  eventually,
  fakeRequests,
  fakeWrites,
  isLogtoShaped,
  keys,
  proxyEnv,
  setFaults,
  startFake,
  startProxy,
  startSystem
} from "./support/system.ts"

const full = process.env["ORGKIT_RELIABILITY"] === "full"
const seed = Number(process.env["ORGKIT_RELIABILITY_SEED"] ?? 20_261_129)
const org = Demo.ids.organizations
const appDir = join(dirname(fileURLToPath(import.meta.url)), "../..")

const counts = { tried: 0, passed: 0, failed: 0 }
const failures: Array<string> = []
const notes: Array<string> = []
const started = performance.now()

/** One check: counted, and kept when it fails. */
const check = (ok: boolean, what: string) => {
  counts.tried++
  if (ok) counts.passed++
  else {
    counts.failed++
    failures.push(what)
  }
  return ok
}
const describeAnswer = (a: Answer) => `${a.status} ${a.headers.get("x-cache") ?? "-"} ${a.text.slice(0, 200)}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

afterAll(() => {
  console.log(
    [
      `faults: ${counts.tried} tried, ${counts.passed} passed, ${counts.failed} failed`,
      `${counts.passed} passed, ${counts.failed} failed`,
      `faults: ${full ? "full" : "short"} run, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      ...notes.map((n) => `faults: ${n}`),
      ...failures.slice(0, 30).map((f) => `faults: FAILED ${f}`)
    ].join("\n")
  )
})

describe("upstream outage and slowness", () => {
  it("serves expired entries as STALE, answers clean 502/504 without one, audits failed writes, and recovers", async () => {
    // The proxy's clock is a manual one: the entries expire when the test moves it past max-age.
    let offsetMs = 0
    const expire = () => {
      offsetMs += 1_100 // max-age 1 s; stale-if-error 300 s
    }
    const system = await startSystem({
      env: { ORGKIT_CACHE_MAX_AGE_S: "1", ORGKIT_UPSTREAM_TIMEOUT_MS: "800" },
      start: { platform: { ...webPlatform, now: () => Date.now() + offsetMs } }
    })
    const from = failures.length
    try {
      const get = (path: string) => call(system.proxy.url, keys.admin.key, "GET", path)
      const cached = [`/api/organizations/${org.acme}`, `/api/organizations/${org.acme}/users`]
      const faults: Array<{ name: string; rules: Array<Record<string, unknown>>; uncached: (a: Answer) => boolean }> = [
        {
          name: "refused connections",
          rules: [{ type: "outage", mode: "refuse" }],
          uncached: (a) => a.status === 502 && isLogtoShaped(a.json, "proxy.upstream_unavailable")
        },
        {
          name: "503 outage",
          rules: [{ type: "outage", mode: "503" }],
          // Logto's own 503 passes through (its plain-text body), or the proxy's Logto-shaped 502.
          uncached: (a) => a.status === 503 || (a.status === 502 && isLogtoShaped(a.json))
        },
        {
          name: "latency over the upstream timeout",
          rules: [{ type: "latency", ms: 2_000 }],
          uncached: (a) => a.status === 504 && isLogtoShaped(a.json, "proxy.upstream_timeout")
        }
      ]
      const cycles = full ? 4 : 1
      let version = 0
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (const fault of faults) {
          const warm = await Promise.all(cached.map(get))
          check(
            warm.every((a) => a.status === 200),
            `${fault.name}: warm-up ${warm.map(describeAnswer)}`
          )
          expire()
          await setFaults(system.fake.url, fault.rules)
          const t0 = performance.now()
          const stale = await Promise.all(cached.map(get))
          notes.push(`${fault.name}: stale answers in ${(performance.now() - t0).toFixed(0)} ms`)
          for (const [i, a] of stale.entries())
            check(
              a.status === 200 && a.headers.get("x-cache") === "STALE" && a.text === warm[i]!.text,
              `${fault.name}: stale ${cached[i]}: ${describeAnswer(a)}`
            )
          const uncached = await get(
            `/api/organizations/${org.initech}/users/${Demo.ids.users.carol}/scopes?c=${cycle}`
          )
          check(fault.uncached(uncached), `${fault.name}: uncached read: ${describeAnswer(uncached)}`)
          const requestId = `outage-${cycle}-${fault.name.replaceAll(" ", "-")}`
          const patch = await call(
            system.proxy.url,
            keys.admin.key,
            "PATCH",
            `/api/organizations/${org.globex}`,
            { description: `outage ${cycle}` },
            { "x-request-id": requestId }
          )
          check(
            patch.status >= 502 && patch.status <= 504 && patch.status !== 500,
            `${fault.name}: write during the fault: ${describeAnswer(patch)}`
          )
          await setFaults(system.fake.url, [])
          const events = await eventually(
            () => auditEvents(system.proxy.url, "kind=write"),
            (es) => es.some((e) => e.requestId === requestId && e.outcome === "completed")
          )
          const event = events.filter((e) => e.requestId === requestId)
          check(
            event.length === 1 && event[0]!.status === patch.status,
            `${fault.name}: the failed write's event: ${JSON.stringify(event)}`
          )
          // Recovery: a change made at Logto shows on the next read of the expired entry.
          version++
          const direct = await call(system.fake.url, directToken, "PATCH", `/api/organizations/${org.acme}`, {
            description: `recovered ${version}`
          })
          check(direct.status === 200, `${fault.name}: direct PATCH: ${describeAnswer(direct)}`)
          expire()
          const fresh = await get(cached[0]!)
          check(
            fresh.status === 200 &&
              fresh.headers.get("x-cache") !== "STALE" &&
              (fresh.json as { description?: string }).description === `recovered ${version}`,
            `${fault.name}: recovery: ${describeAnswer(fresh)}`
          )
        }
      }
      const verify = await auditVerify(system.proxy.url)
      check(verify.ok, `outage: verify ${JSON.stringify(verify)}`)
      // 5xx answers are logged at level error by design; a proxy bug shows as 500 proxy.internal_error.
      const bugs = system.errorLines.filter((l) => l["status"] === 500)
      check(bugs.length === 0, `outage: proxy 500s ${JSON.stringify(bugs)}`)
    } finally {
      await setFaults(system.fake.url, []).catch(() => undefined)
      await system.close()
    }
    expect(failures.slice(from)).toEqual([])
  })
})

/** A store whose `accept` fails on demand: before the real append, or after it (the ack is lost). */
const flakyStore = (inner: AuditStore, random: () => number) => {
  const control = { down: false, rate: 0, before: 0, after: 0 }
  const store: AuditStore = {
    ...inner,
    accept: async (intent) => {
      if (control.down || (control.rate > 0 && random() < control.rate / 2)) {
        control.before++
        throw new AuditStoreError("injected: the store is unreachable")
      }
      const receipt = await inner.accept(intent)
      if (control.rate > 0 && random() < control.rate / 2) {
        control.after++
        throw new AuditStoreError("injected: the acknowledgement was lost")
      }
      return receipt
    }
  }
  return { store, control }
}

describe("audit store outage", () => {
  it("refuses writes with 503 proxy.audit_unavailable, forwards none of them, and loses no accepted write", async () => {
    const fake = await startFake()
    const dir = mkdtempSync(join(tmpdir(), "orgkit-reliability-"))
    const inner = openNodeAuditStore({ path: join(dir, "audit.sqlite") })
    const { store, control } = flakyStore(inner, Fixtures.seededRandom(seed))
    const { proxy, errorLines } = await startProxy(fake.url, join(dir, "audit.sqlite"), {}, { auditStore: store })
    const from = failures.length
    const sent: Array<{ requestId: string; status: number; code: string | undefined }> = []
    const patch = async (requestId: string, n: number) => {
      const a = await call(
        proxy.url,
        keys.admin.key,
        "PATCH",
        `/api/organizations/${[org.acme, org.globex, org.initech][n % 3]}`,
        { description: `audit ${requestId}` },
        { "x-request-id": requestId }
      )
      sent.push({ requestId, status: a.status, code: (a.json as { code?: string } | undefined)?.code })
      return a
    }
    try {
      // The store is down: every write refused, nothing forwarded, reads still served.
      control.down = true
      const before = (await fakeWrites(fake.url)).length
      const down = full ? 200 : 30
      for (let i = 0; i < down; i++) {
        const a = await patch(`down-${i}`, i)
        check(a.status === 503 && isLogtoShaped(a.json, "proxy.audit_unavailable"), `store down: ${describeAnswer(a)}`)
      }
      check((await fakeWrites(fake.url)).length === before, "store down: a refused write reached the fake")
      const read = await call(proxy.url, keys.admin.key, "GET", `/api/organizations/${org.acme}`)
      check(read.status === 200, `store down: read ${describeAnswer(read)}`)
      // Back up.
      control.down = false
      const up = await patch("up-0", 0)
      check(up.status === 200, `store back: ${describeAnswer(up)}`)
      // Flaky: 30% of appends fail, half of them after the append landed; 4 concurrent writers.
      control.rate = 0.3
      const flaky = full ? 1_000 : 120
      let next = 0
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < flaky) {
            const n = next++
            const a = await patch(`flaky-${n}`, n)
            check(
              a.status === 200 || (a.status === 503 && isLogtoShaped(a.json, "proxy.audit_unavailable")),
              `flaky store: ${describeAnswer(a)}`
            )
          }
        })
      )
      control.rate = 0
      const accepted = sent.filter((s) => s.status === 200)
      const refused = sent.filter((s) => s.status === 503)
      check(
        (await fakeWrites(fake.url)).length - before === accepted.length,
        `flaky store: the fake saw ${(await fakeWrites(fake.url)).length - before} writes, ${accepted.length} were accepted`
      )
      const events = await eventually(
        () => auditEvents(proxy.url, "kind=write"),
        (es) => es.every((e) => e.outcome === "completed")
      )
      const byRequest = new Map<string, number>()
      for (const e of events) byRequest.set(e.requestId ?? "", (byRequest.get(e.requestId ?? "") ?? 0) + 1)
      const lost = accepted.filter((s) => byRequest.get(s.requestId) !== 1)
      check(lost.length === 0, `accepted writes without exactly one event: ${JSON.stringify(lost.slice(0, 5))}`)
      const refusedWithEvent = events.filter(
        (e) =>
          refused.some((r) => r.requestId === e.requestId) &&
          !(e.status === 503 && e.errorCode === "proxy.audit_unavailable")
      )
      check(
        refusedWithEvent.length === 0,
        `refused writes whose event does not say 503: ${JSON.stringify(refusedWithEvent.slice(0, 5))}`
      )
      const verify = await auditVerify(proxy.url)
      check(verify.ok, `audit outage: verify ${JSON.stringify(verify)}`)
      notes.push(
        `audit store outage: ${down} writes while down (all refused), ${flaky} with a flaky store: ${accepted.length - 1} accepted, ${refused.length - down} refused (${control.before} failures before the append, ${control.after} after it), ${events.length} write events, verify ${verify.ok ? "ok" : "FAILED"}`
      )
      const bugs = errorLines.filter((l) => l["status"] === 500)
      check(bugs.length === 0, `audit outage: proxy 500s ${JSON.stringify(bugs.slice(0, 3))}`)
    } finally {
      await proxy.close()
      inner.close()
      await fake.close()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(failures.slice(from)).toEqual([])
  })
})

describe("token endpoint failure", () => {
  it("answers clean 502s when the proxy cannot get a token, forwards nothing, and recovers", async () => {
    const fake = await startFake()
    const dir = mkdtempSync(join(tmpdir(), "orgkit-reliability-"))
    const from = failures.length
    const started: Array<{ close: () => Promise<void> }> = []
    const start = async (env: Record<string, string>) => {
      const p = await startProxy(fake.url, join(dir, `audit-${started.length}.sqlite`), {
        ORGKIT_CACHE: "off",
        ORGKIT_UPSTREAM_TIMEOUT_MS: "1000",
        ...env
      })
      started.push(p.proxy)
      return p.proxy
    }
    const apiRequests = async () => (await fakeRequests(fake.url)).filter((r) => r.path.startsWith("/api/")).length
    try {
      // Wrong client secret.
      const wrong = await start({ LOGTO_M2M_CLIENT_SECRET: "not-the-secret" })
      const before = await apiRequests()
      for (const [method, body] of [
        ["GET", undefined],
        ["PATCH", { description: "never" }]
      ] as const) {
        const a = await call(wrong.url, keys.admin.key, method, `/api/organizations/${org.acme}`, body)
        check(
          a.status === 502 && isLogtoShaped(a.json, "proxy.upstream_auth_failed"),
          `wrong secret ${method}: ${describeAnswer(a)}`
        )
      }
      check((await apiRequests()) === before, "wrong secret: a request reached /api without a token")
      // The token endpoint fails (500, then refused connections), then comes back.
      for (const [name, rule, expected] of [
        [
          "token 500",
          { type: "error", status: 500, operations: ["token"] },
          ["proxy.upstream_auth_failed", "proxy.upstream_unavailable"]
        ],
        ["token refused", { type: "outage", mode: "refuse", operations: ["token"] }, ["proxy.upstream_unavailable"]],
        ["token slow", { type: "latency", ms: 2_000, operations: ["token"] }, ["proxy.upstream_timeout"]]
      ] as const) {
        const proxy = await start({})
        await setFaults(fake.url, [rule])
        const a = await call(proxy.url, keys.admin.key, "GET", `/api/organizations/${org.acme}`)
        check(
          (a.status === 502 || a.status === 503 || a.status === 504) &&
            isLogtoShaped(a.json) &&
            (expected as ReadonlyArray<string>).includes((a.json as { code: string }).code),
          `${name}: ${describeAnswer(a)}`
        )
        await setFaults(fake.url, [])
        const b = await call(proxy.url, keys.admin.key, "GET", `/api/organizations/${org.acme}`)
        check(b.status === 200, `${name}: recovery ${describeAnswer(b)}`)
      }
      // A token that expires while the token endpoint is down: no renewal, clean answer, recovery.
      const proxy = await start({})
      const ok = await call(proxy.url, keys.admin.key, "GET", `/api/organizations/${org.acme}`)
      check(ok.status === 200, `expiry: first read ${describeAnswer(ok)}`)
      const expire = await call(fake.url, directToken, "POST", "/__orgkit/tokens/expire")
      check(expire.status < 300, `expiry: POST /__orgkit/tokens/expire ${describeAnswer(expire)}`)
      await setFaults(fake.url, [{ type: "error", status: 500, operations: ["token"] }])
      const expired = await call(proxy.url, keys.admin.key, "GET", `/api/organizations/${org.acme}`)
      check(
        (expired.status === 502 || expired.status === 503) && isLogtoShaped(expired.json),
        `expiry with the token endpoint down: ${describeAnswer(expired)}`
      )
      await setFaults(fake.url, [])
      const renewed = await call(proxy.url, keys.admin.key, "GET", `/api/organizations/${org.acme}`)
      check(renewed.status === 200, `expiry: recovery ${describeAnswer(renewed)}`)
    } finally {
      for (const p of started) await p.close()
      await fake.close()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(failures.slice(from)).toEqual([])
  })
})

/** The proxy as a child process (`node src/node.ts`); resolves once it listens. */
const spawnProxy = (env: Record<string, string>) =>
  new Promise<{ child: ChildProcess; url: string; exited: Promise<number | string> }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--no-warnings", "src/node.ts"], {
      cwd: appDir,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const exited = new Promise<number | string>((done) =>
      child.once("exit", (code, signal) => done(signal ?? code ?? -1))
    )
    let out = ""
    let err = ""
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()))
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      const line = out.split("\n").find((l) => l.includes('"listening"'))
      if (line !== undefined) resolve({ child, url: (JSON.parse(line) as { url: string }).url, exited })
    })
    void exited.then((code) => reject(new Error(`the proxy exited (${code}) before listening: ${out}${err}`)))
  })

describe("process restart on Node with SQLite", () => {
  it("keeps every acknowledged write's audit event across SIGKILL and SIGTERM in the middle of traffic", async () => {
    const fake = await startFake()
    const dir = mkdtempSync(join(tmpdir(), "orgkit-reliability-"))
    const dbPath = join(dir, "audit.sqlite")
    const env = { ...proxyEnv(fake.url, dbPath), ORGKIT_LOG_LEVEL: "error" }
    const from = failures.length
    const answers: Array<{ requestId: string; status: number }> = []
    const signals: Array<NodeJS.Signals> = full
      ? ["SIGKILL", "SIGTERM", "SIGKILL", "SIGTERM", "SIGKILL", "SIGTERM"]
      : ["SIGKILL", "SIGTERM"]
    const perRun = full ? 150 : 25
    let running: Awaited<ReturnType<typeof spawnProxy>> | undefined
    try {
      for (const [round, signal] of signals.entries()) {
        running = await spawnProxy(env)
        const url = running.url
        // Shared with the writers below, which run concurrently with the loops that read it.
        const progress = { acked: 0, stop: false }
        // Resolves once `perRun` writes are acknowledged: the signal comes after so much traffic.
        let reached!: () => void
        const enough = new Promise<void>((resolve) => (reached = resolve))
        let n = 0
        const writers = Array.from({ length: 4 }, async () => {
          while (!progress.stop) {
            const requestId = `restart-${round}-${n++}`
            const a = await call(
              url,
              keys.admin.key,
              "PATCH",
              `/api/organizations/${[org.acme, org.globex, org.initech][n % 3]}`,
              { description: requestId },
              { "x-request-id": requestId },
              5_000
            )
            answers.push({ requestId, status: a.status })
            if (a.status === 200 && ++progress.acked === perRun) reached()
            else if (a.status === 0) await sleep(20)
          }
        })
        await enough
        running.child.kill(signal)
        const code = await running.exited
        await sleep(100)
        progress.stop = true
        await Promise.all(writers)
        running = undefined
        notes.push(`restart round ${round + 1}: ${signal} after ${progress.acked} acknowledged writes (exit ${code})`)
      }
      running = await spawnProxy(env)
      const events = await auditEvents(running.url, "kind=write")
      const byRequest = new Map<string, Array<(typeof events)[number]>>()
      for (const e of events) byRequest.set(e.requestId ?? "", [...(byRequest.get(e.requestId ?? "") ?? []), e])
      const acked = answers.filter((a) => a.status === 200)
      const lost = acked.filter((a) => (byRequest.get(a.requestId) ?? []).length !== 1)
      check(lost.length === 0, `acknowledged writes without exactly one event: ${JSON.stringify(lost.slice(0, 5))}`)
      const wrong = acked.filter((a) => {
        const e = byRequest.get(a.requestId)?.[0]
        return e !== undefined && e.outcome === "completed" && e.status !== 200
      })
      check(
        wrong.length === 0,
        `acknowledged writes whose event has another status: ${JSON.stringify(wrong.slice(0, 5))}`
      )
      const doubled = [...byRequest].filter(([, es]) => es.length > 1)
      check(doubled.length === 0, `events recorded twice: ${JSON.stringify(doubled.slice(0, 3))}`)
      const forwarded = (await fakeWrites(fake.url)).length
      check(forwarded <= events.length, `the fake saw ${forwarded} writes, the audit has ${events.length} intents`)
      const verify = await auditVerify(running.url)
      check(verify.ok, `restart: verify ${JSON.stringify(verify)}`)
      const pending = events.filter((e) => e.outcome !== "completed")
      const unanswered = answers.filter((a) => a.status === 0).length
      const other = answers.filter((a) => a.status !== 0 && a.status !== 200)
      check(other.length === 0, `restart: answers other than 200 or none: ${JSON.stringify(other.slice(0, 5))}`)
      notes.push(
        `restart: ${answers.length} writes sent over ${signals.length} restarts, ${acked.length} acknowledged, ${unanswered} without an answer, ${forwarded} reached the fake, ${events.length} write events (${pending.length} without an outcome: answered-or-forwarded when the process died), verify ${verify.ok ? "ok" : "FAILED"} (${verify.entries} entries)`
      )
    } finally {
      if (running !== undefined) {
        running.child.kill("SIGTERM")
        await running.exited
      }
      await fake.close()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(failures.slice(from)).toEqual([])
  })
})
