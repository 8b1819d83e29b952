/**
 * `pnpm bench`: the proxy measured side by side against its anchors on this machine, every figure a
 * ratio from one run (the machine is shared and noisy; absolute numbers are printed for context only).
 *
 * Servers run pinned to core 0 and load generators to core 1 (as in notes/perf-anchors.md); each
 * comparison is interleaved over rounds with a rotating order, and the median of the per-round ratios
 * is reported. Results go to docs/BENCHMARKS.md (the previous run's table is kept below the new one).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { load, type LoadResult, loadTool } from "./lib/load.ts"
import { nginxAvailable, startNginx } from "./lib/nginx.ts"
import { profileIsolate } from "./lib/isolate-cpu.ts"
import { objectsWorker } from "./servers/objects-worker.ts"
import { cpuOf, run, type Started, start, waitFor } from "./lib/proc.ts"
import { type Row, renderMarkdown, renderTable } from "./lib/report.ts"
import { runWorkload } from "./lib/workload.ts"
import { startBalancer, writeLoad } from "./lib/balancer.ts"
import { startPostgres, startRedis } from "../test/fixtures/services.ts"
import * as Result from "effect/Result"
import { startNodeProxy } from "../src/adapters/node/server.ts"
import { decodeNodeConfig } from "../src/config.ts"
import { overloadEnv, rateLimitedFake, runOverload } from "../test/suite/overload.ts"

const app = resolve(import.meta.dirname, "..")
const repo = resolve(app, "../..")
const node = process.execPath
const quick = process.argv.includes("--quick")
const seconds = quick ? 2 : 5
const rounds = quick ? 1 : 3
const serverCpu = 0
const loadCpu = 1
const key = "bench-key-0123456789abcdefghijklmnopqrstuv"
const dir = mkdtempSync(join(tmpdir(), "orgkit-bench-"))
const started: Array<Started> = []
const rows: Array<Row> = []
const notes: Array<string> = []
// A random base, so that a server left over by an interrupted run cannot answer in place of this run's.
let port = 20_000 + Math.floor(Math.random() * 20_000)
const nextPort = () => port++

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const startFake = async () => {
  const fakePort = nextPort()
  const fake = start(
    "fake",
    node,
    [
      join(repo, "packages/testing/src/bin.ts"),
      "--port",
      String(fakePort),
      "--host",
      "127.0.0.1",
      "--token",
      "bench-token",
      "--client-id",
      "bench-proxy",
      "--client-secret",
      "bench-secret"
    ],
    { cpu: loadCpu }
  )
  started.push(fake)
  const url = `http://127.0.0.1:${fakePort}`
  await waitFor(`${url}/api/organizations`)
  return { url, process: fake }
}

const startProxy = async (fakeUrl: string, extraEnv: Record<string, string> = {}) => {
  const proxyPort = nextPort()
  const proxy = start("proxy", node, [join(app, "src/node.ts")], {
    cpu: serverCpu,
    env: {
      PORT: String(proxyPort),
      HOST: "127.0.0.1",
      LOGTO_ENDPOINT: fakeUrl,
      LOGTO_M2M_CLIENT_ID: "bench-proxy",
      LOGTO_M2M_CLIENT_SECRET: "bench-secret",
      ORGKIT_API_KEYS: JSON.stringify([{ id: "bench", name: "bench", key, scopes: ["read", "write", "audit:read"] }]),
      ORGKIT_AUDIT_DB_PATH: join(dir, `audit-${proxyPort}.sqlite`),
      ORGKIT_LOG_LEVEL: "silent",
      ...extraEnv
    }
  })
  started.push(proxy)
  const url = `http://127.0.0.1:${proxyPort}`
  await waitFor(`${url}/healthz`)
  return { url, process: proxy }
}

const fakeApi = (fakeUrl: string) => ({
  json: async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${fakeUrl}${path}`, {
      ...init,
      headers: { authorization: "Bearer bench-token", "content-type": "application/json", ...init.headers }
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path} -> ${response.status} ${text}`)
    return text === "" ? undefined : (JSON.parse(text) as unknown)
  }
})

/** Interleaves targets over rounds (rotating the order) and returns each target's per-round results. */
const interleaved = async (
  targets: ReadonlyArray<{
    readonly name: string
    readonly url: string
    readonly headers?: Record<string, string>
    readonly server?: Started
  }>,
  connections: number
) => {
  const results = new Map<string, Array<LoadResult & { serverCpuMicrosPerRequest: number }>>()
  for (const target of targets) {
    results.set(target.name, [])
    await load({
      url: target.url,
      connections,
      seconds: 1,
      ...(target.headers ? { headers: target.headers } : {}),
      cpu: loadCpu
    })
  }
  for (let round = 0; round < rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!)
    for (const target of order) {
      const before = target.server?.cpuSeconds() ?? 0
      const result = await load({
        url: target.url,
        connections,
        seconds,
        ...(target.headers ? { headers: target.headers } : {}),
        cpu: loadCpu
      })
      const cpu = (target.server?.cpuSeconds() ?? 0) - before
      if (result.errors > 0 || result.non2xx > 0)
        throw new Error(`${target.name}: ${result.errors} errors, ${result.non2xx} non-2xx`)
      results
        .get(target.name)!
        .push({ ...result, serverCpuMicrosPerRequest: result.requests > 0 ? (cpu * 1e6) / result.requests : 0 })
    }
  }
  return results
}

const ratio = (
  results: Map<string, ReadonlyArray<LoadResult>>,
  a: string,
  b: string,
  pick: (r: LoadResult) => number
) => median(results.get(a)!.map((r, i) => pick(r) / pick(results.get(b)![i]!)))

const hitPath = async (fakeUrl: string) => {
  const proxy = await startProxy(fakeUrl)
  const orgs = (await fakeApi(fakeUrl).json("/api/organizations?page_size=1")) as Array<{ id: string }>
  const path = `/api/organizations/${orgs[0]!.id}`
  const headers = { authorization: `Bearer ${key}` }
  let cacheHeader: string | null = null
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${proxy.url}${path}`, { headers })
    writeFileSync(join(dir, "org.json"), Buffer.from(await response.arrayBuffer()))
    cacheHeader = response.headers.get("x-cache")
  }
  if (cacheHeader !== "HIT")
    notes.push(`the proxy answered x-cache: ${cacheHeader} on a repeated GET: the hit row measures that path`)
  const bodyFile = join(dir, "org.json")
  const barePort = nextPort()
  const bare = start("bare-hono", node, [join(app, "bench/servers/bare-hono.ts")], {
    cpu: serverCpu,
    env: { PORT: String(barePort), BENCH_BODY_FILE: bodyFile }
  })
  started.push(bare)
  await waitFor(`http://127.0.0.1:${barePort}/x`)
  const targets: Array<{ name: string; url: string; headers?: Record<string, string>; server?: Started }> = [
    { name: "bare", url: `http://127.0.0.1:${barePort}${path}`, headers, server: bare },
    { name: "proxy", url: `${proxy.url}${path}`, headers, server: proxy.process }
  ]
  let nginx: Started | undefined
  if (nginxAvailable()) {
    const nginxPort = nextPort()
    nginx = await startNginx({ dir, port: nginxPort, upstreamPort: nextPort(), bodyFile, cpu: serverCpu }).catch(
      (error: unknown) => {
        notes.push(`nginx could not serve a cache hit, row 2 skipped: ${(error as Error).message}`)
        return undefined
      }
    )
    if (nginx !== undefined) {
      started.push(nginx)
      targets.push({ name: "nginx", url: `http://127.0.0.1:${nginxPort}/org.json`, headers, server: nginx })
    }
  } else {
    notes.push("nginx is not installed: row 2 skipped (install it with `apt-get install nginx`)")
  }
  const results = await interleaved(targets, 32)
  const get = (name: string, pick: (r: LoadResult) => number) => median(results.get(name)!.map(pick))
  const tput = (r: LoadResult) => r.rps
  rows.push({
    id: "1",
    what: "cache hit vs bare Hono (Node, c=32): throughput",
    figure: ratio(results, "proxy", "bare", tput),
    target: "≥ 0.85×",
    pass: ratio(results, "proxy", "bare", tput) >= 0.85,
    detail: `${get("proxy", tput).toFixed(0)} vs ${get("bare", tput).toFixed(0)} req/s; CPU ${get("proxy", (r) => (r as never as { serverCpuMicrosPerRequest: number }).serverCpuMicrosPerRequest).toFixed(1)} vs ${get("bare", (r) => (r as never as { serverCpuMicrosPerRequest: number }).serverCpuMicrosPerRequest).toFixed(1)} µs/req`
  })
  const p99 = (r: LoadResult) => r.p99Ms
  rows.push({
    id: "1",
    what: "cache hit vs bare Hono: p99 latency",
    figure: ratio(results, "proxy", "bare", p99),
    target: "≤ 1.5×",
    pass: ratio(results, "proxy", "bare", p99) <= 1.5,
    detail: `p50 ${get("proxy", (r) => r.p50Ms).toFixed(3)} vs ${get("bare", (r) => r.p50Ms).toFixed(3)} ms; p99 ${get("proxy", p99).toFixed(3)} vs ${get("bare", p99).toFixed(3)} ms`
  })
  if (nginx !== undefined) {
    rows.push({
      id: "2",
      what: "cache hit vs nginx proxy_cache hit (1 worker): throughput",
      figure: ratio(results, "proxy", "nginx", tput),
      target: "≥ 0.6×",
      pass: ratio(results, "proxy", "nginx", tput) >= 0.6,
      detail: `${get("proxy", tput).toFixed(0)} vs ${get("nginx", tput).toFixed(0)} req/s; p99 ${get("proxy", p99).toFixed(3)} vs ${get("nginx", p99).toFixed(3)} ms`
    })
  }
  for (const r of [...results.values()].flat()) {
    if (r.generatorCpuSeconds > seconds * 0.95)
      notes.push(
        `the load generator used ${r.generatorCpuSeconds.toFixed(1)} of ${seconds} CPU-s in one run: that run was generator-bound`
      )
  }
  await proxy.process.stop()
  await bare.stop()
  await nginx?.stop()
}

const missPath = async (fakeUrl: string) => {
  const proxy = await startProxy(fakeUrl)
  const api = fakeApi(fakeUrl)
  const orgs = (await api.json("/api/organizations?page_size=1")) as Array<{ id: string }>
  const path = `/api/organizations/${orgs[0]!.id}`
  await api.json("/__orgkit/faults", { method: "PUT", body: JSON.stringify({ rules: [{ type: "latency", ms: 20 }] }) })
  try {
    const results = await interleaved(
      [
        {
          name: "direct",
          url: `${fakeUrl}${path}`,
          headers: { authorization: "Bearer bench-token", "cache-control": "no-cache" }
        },
        {
          name: "proxy",
          url: `${proxy.url}${path}`,
          headers: { authorization: `Bearer ${key}`, "cache-control": "no-cache" }
        }
      ],
      8
    )
    const p50 = (r: LoadResult) => r.p50Ms
    const figure = ratio(results, "proxy", "direct", p50)
    rows.push({
      id: "3",
      what: "miss path: p50 latency through the proxy vs straight to the upstream (20 ms upstream, c=8)",
      figure,
      target: "≤ 1.05×",
      pass: figure <= 1.05,
      detail: `p50 ${median(results.get("proxy")!.map(p50)).toFixed(2)} vs ${median(results.get("direct")!.map(p50)).toFixed(2)} ms; p99 ${median(results.get("proxy")!.map((r) => r.p99Ms)).toFixed(2)} vs ${median(results.get("direct")!.map((r) => r.p99Ms)).toFixed(2)} ms`
    })
  } finally {
    await api.json("/__orgkit/faults", { method: "PUT", body: JSON.stringify({ rules: [] }) })
    await proxy.process.stop()
  }
}

const upstreamBudget = async (fakeUrl: string) => {
  const withCache = await startProxy(fakeUrl)
  const cached = await runWorkload({
    proxyUrl: withCache.url,
    fakeUrl,
    key,
    fakeToken: "bench-token",
    requests: quick ? 500 : 2000
  })
  await withCache.process.stop()
  const withoutCache = await startProxy(fakeUrl, { ORGKIT_CACHE: "off" })
  const uncached = await runWorkload({
    proxyUrl: withoutCache.url,
    fakeUrl,
    key,
    fakeToken: "bench-token",
    requests: quick ? 500 : 2000
  })
  await withoutCache.process.stop()
  rows.push({
    id: "4",
    what: "upstream calls per 1,000 reads (Zipf over orgs, 10% writes), with cache",
    figure: cached.upstreamPer1000Reads,
    unit: "calls",
    target: "≤ 100",
    pass: cached.upstreamPer1000Reads <= 100,
    detail: `without cache: ${uncached.upstreamPer1000Reads.toFixed(0)}; ${cached.reads} reads, ${cached.writes} writes, ${cached.staleReads} stale reads, ${cached.errors} errors`
  })
  rows.push({
    id: "4",
    what: "peak upstream rate vs Logto Cloud's budget (200 per 10 s), with cache",
    figure: cached.peakUpstreamPer10s / 200,
    target: "informational",
    pass: undefined,
    detail: `peak ${cached.peakUpstreamPer10s} upstream calls in a 10 s window at ${cached.clientRps.toFixed(0)} client req/s (without cache: ${uncached.peakUpstreamPer10s})`
  })
}

/**
 * Row 8: three teams against the proxy in front of the fake playing Logto Cloud's limit, one sending
 * ten times its share (the overload suite's workload, longer), with and without the upstream budget.
 */
const overload = async () => {
  const runOnce = async (budget: boolean) => {
    const fake = await rateLimitedFake()
    const config = decodeNodeConfig({
      HOST: "127.0.0.1",
      PORT: "0",
      ...overloadEnv(fake.url, budget),
      ORGKIT_AUDIT_DB_PATH: ":memory:",
      ORGKIT_LOG_LEVEL: "silent"
    })
    if (Result.isFailure(config)) throw config.failure
    const proxy = await startNodeProxy(config.success)
    const target = {
      call: (path: string, init?: RequestInit) => fetch(proxy.url + path, init),
      logtoStatuses: () => Promise.resolve(fake.fake.requests().map((r) => r.status))
    }
    const result = await runOverload(target, quick ? 8 : 20)
    const statuses = await target.logtoStatuses()
    await proxy.close()
    await fake.close()
    const behaved = result.teams.flatMap((t) => [t.reads, t.writes])
    const total = behaved.reduce((n, t) => n + t.ok + t.refused + t.other.length, 0)
    const ok = behaved.reduce((n, t) => n + t.ok, 0)
    return {
      share: ok / total,
      total,
      upstream429: statuses.filter((s) => s === 429).length,
      upstream: statuses.length
    }
  }
  const with_ = await runOnce(true)
  const without = await runOnce(false)
  rows.push({
    id: "8",
    what: "overload (one team at 10× its share): well-behaved requests answered 2xx, with the upstream budget",
    figure: with_.share * 100,
    unit: "%",
    target: "100%",
    pass: with_.share === 1,
    detail: `${with_.total} well-behaved requests; without the budget: ${(without.share * 100).toFixed(1)}%`
  })
  rows.push({
    id: "8",
    what: "overload: Logto's own 429s (the fake at 80 per 2 s), with the upstream budget (60 per 2 s)",
    figure: with_.upstream429,
    unit: "429s",
    target: "0",
    pass: with_.upstream429 === 0,
    detail: `${with_.upstream} upstream requests; without the budget: ${without.upstream429} of ${without.upstream} answered 429`
  })
}

/**
 * Row 9: the audit write path with and without checkpoint signing (the Node store, 16 concurrent
 * writers, each write an intent and an outcome), runs alternating in one process
 * (`test/audit/measure/signing.ts`).
 */
const auditSigning = async () => {
  const out = await run(
    node,
    [
      "--disable-warning=ExperimentalWarning",
      join(app, "test/audit/measure/signing.ts"),
      String(quick ? 1_000 : 4_000)
    ],
    { cwd: repo, cpu: serverCpu }
  )
  type Run = { readonly writesPerSecond: number; readonly msPerWrite: number; readonly checkpoints: number }
  const r = JSON.parse(out.stdout) as {
    writes: number
    unsigned: Run
    signedEvery100: Run
    signedEvery10: Run
    unsignedAgain: Run
    signedEvery100Again: Run
    signatureMicros: number
  }
  const ratio100 = median([
    r.signedEvery100.msPerWrite / r.unsigned.msPerWrite,
    r.signedEvery100Again.msPerWrite / r.unsignedAgain.msPerWrite
  ])
  rows.push({
    id: "9",
    what: "audit write path: time per write with checkpoints signed every 100 entries vs unsigned (Node store)",
    figure: ratio100,
    unit: "×",
    target: "informational",
    pass: undefined,
    detail: `${r.writes} writes × 2 runs each: unsigned ${r.unsigned.msPerWrite}/${r.unsignedAgain.msPerWrite} ms, signed ${r.signedEvery100.msPerWrite}/${r.signedEvery100Again.msPerWrite} ms per write (${r.signedEvery100.checkpoints} checkpoints); every 10 entries: ${r.signedEvery10.msPerWrite} ms; one Ed25519 signature ${r.signatureMicros} µs`
  })
}

const clientOverhead = async () => {
  const out = await run(node, [join(repo, "packages/client/bench/overhead.ts"), "--json"], { cwd: repo })
  type Summary = {
    orgkit: number
    logto: number
    fetch: number
    orgkitVsLogto: number
    orgkitVsFetch: number
    orgkitCpu: number
    logtoCpu: number
    fetchCpu: number
    orgkitVsLogtoCpu: number
    orgkitVsFetchCpu: number
  }
  const json = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { get: Summary; post: Summary }
  for (const method of ["get", "post"] as const) {
    const r = json[method]
    rows.push({
      id: "5",
      what: `client per-call time vs @logto/api (${method.toUpperCase()}, same local fake)`,
      figure: r.orgkitVsLogto,
      target: "≤ 1.25×",
      pass: r.orgkitVsLogto <= 1.25,
      detail: `orgkit ${r.orgkit.toFixed(1)} µs, @logto/api ${r.logto.toFixed(1)} µs, bare fetch ${r.fetch.toFixed(1)} µs per call; vs bare fetch ${r.orgkitVsFetch.toFixed(2)}×`
    })
    rows.push({
      id: "5",
      what: `client CPU per call vs @logto/api (${method.toUpperCase()}, same run)`,
      figure: r.orgkitVsLogtoCpu,
      target: "informational",
      pass: undefined,
      detail: `client CPU orgkit ${r.orgkitCpu.toFixed(1)} µs, @logto/api ${r.logtoCpu.toFixed(1)} µs, bare fetch ${r.fetchCpu.toFixed(1)} µs per call; vs bare fetch ${r.orgkitVsFetchCpu.toFixed(2)}×`
    })
  }
}

const workersBundle = async () => {
  const out = join(dir, "worker-dist")
  await run("pnpm", ["exec", "wrangler", "deploy", "--dry-run", "--minify", "--outdir", out], { cwd: app })
  const { gzipSync } = await import("node:zlib")
  const { readdirSync, statSync } = await import("node:fs")
  const files = readdirSync(out).filter((f) => f.endsWith(".js") || f.endsWith(".mjs"))
  const raw = files.reduce((n, f) => n + statSync(join(out, f)).size, 0)
  const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).length, 0)
  rows.push({
    id: "6",
    what: "Workers bundle (wrangler deploy --dry-run --minify), gzip",
    figure: gzip / 1000,
    unit: "KB",
    target: "≤ 150 KB",
    pass: gzip <= 150_000,
    detail: `${(raw / 1000).toFixed(1)} KB minified, ${(gzip / 1000).toFixed(1)} KB gzip, ${files.length} file(s)`
  })
  const devPort = nextPort()
  const dev = start(
    "wrangler-dev",
    "pnpm",
    ["exec", "wrangler", "dev", "--port", String(devPort), "--ip", "127.0.0.1"],
    {
      cwd: app,
      env: {
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_HIDE_BANNER: "true",
        CI: "1"
      }
    }
  )
  started.push(dev)
  const startup = await waitFor(`http://127.0.0.1:${devPort}/healthz`, 60_000)
  rows.push({
    id: "6",
    what: "start-up in workerd (wrangler dev: bundle + workerd until /healthz answers)",
    figure: startup / 1000,
    unit: "s",
    target: "informational",
    pass: undefined,
    detail: "includes wrangler's esbuild bundling"
  })
  await dev.stop()
}

const fakeAtScale = async () => {
  const out = await run(node, ["--expose-gc", join(repo, "packages/testing/bench/scale.ts"), "--json"], {
    cwd: repo,
    cpu: serverCpu
  })
  const json = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as {
    ratios: Record<string, number>
    seedSeconds: number
    heapMb: number
  }
  // A `q` search scans every organization, as Logto's ILIKE does: it is reported, not judged.
  const indexed = Object.entries(json.ratios).filter(([name]) => !name.includes("scan"))
  const worst = indexed.sort((a, b) => b[1] - a[1])[0]!
  rows.push({
    id: "7",
    what: "fake at scale: latency at 100k vs 1k organizations (worst operation)",
    figure: worst[1],
    target: "≈ 1× (indexed)",
    pass: undefined,
    detail: `${worst[0]}; seeding 100k orgs + 1M memberships ${json.seedSeconds.toFixed(1)} s, heap ${json.heapMb.toFixed(0)} MB; all: ${Object.entries(
      json.ratios
    )
      .map(([k, v]) => `${k} ${v.toFixed(2)}×`)
      .join(", ")}`
  })
}

/**
 * Rows 9-11: several Node processes on one Redis and one PostgreSQL (README, Deployment) against one
 * process with its memory and SQLite. Every server here shares core 0 (three replicas get the CPU of
 * one); Redis and PostgreSQL run unpinned, as the services they stand for run on machines of their own.
 */
const scale = async (fakeUrl: string) => {
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()])
  const shared = { ORGKIT_CACHE_REDIS_URL: redis.url, ORGKIT_AUDIT_DATABASE_URL: postgres.url }
  const headers = { authorization: `Bearer ${key}` }
  const api = fakeApi(fakeUrl)
  const orgs = (await api.json("/api/organizations?page_size=20")) as Array<{ id: string }>
  try {
    const memory = await startProxy(fakeUrl)
    const viaRedis = await startProxy(fakeUrl, shared)
    const path = `/api/organizations/${orgs[0]!.id}`
    for (const proxy of [memory, viaRedis]) {
      let cache: string | null = null
      for (let i = 0; i < 3; i++) cache = (await fetch(`${proxy.url}${path}`, { headers })).headers.get("x-cache")
      if (cache !== "HIT") notes.push(`row 9: a repeated GET answered x-cache: ${cache}`)
    }
    const results = await interleaved(
      [
        { name: "memory", url: `${memory.url}${path}`, headers, server: memory.process },
        { name: "redis", url: `${viaRedis.url}${path}`, headers, server: viaRedis.process }
      ],
      32
    )
    const get = (name: string, pick: (r: LoadResult) => number) => median(results.get(name)!.map(pick))
    const tput = (r: LoadResult) => r.rps
    const p99 = (r: LoadResult) => r.p99Ms
    rows.push({
      id: "9",
      what: "cache hit through Redis vs in memory (Node, c=32): throughput",
      figure: ratio(results, "redis", "memory", tput),
      target: "informational",
      pass: undefined,
      detail: `${get("redis", tput).toFixed(0)} vs ${get("memory", tput).toFixed(0)} req/s`
    })
    rows.push({
      id: "9",
      what: "cache hit through Redis vs in memory: p99 latency",
      figure: ratio(results, "redis", "memory", p99),
      target: "informational",
      pass: undefined,
      detail: `p50 ${get("redis", (r) => r.p50Ms).toFixed(3)} vs ${get("memory", (r) => r.p50Ms).toFixed(3)} ms; p99 ${get("redis", p99).toFixed(3)} vs ${get("memory", p99).toFixed(3)} ms`
    })
    await memory.process.stop()
    await viaRedis.process.stop()

    const workload = async (replicas: number, env: Record<string, string>) => {
      const proxies = await Promise.all(Array.from({ length: replicas }, () => startProxy(fakeUrl, env)))
      const balancer = await startBalancer(proxies.map((p) => p.url))
      try {
        return await runWorkload({
          proxyUrl: balancer.url,
          fakeUrl,
          key,
          fakeToken: "bench-token",
          requests: quick ? 500 : 2000
        })
      } finally {
        await balancer.close()
        await Promise.all(proxies.map((p) => p.process.stop()))
      }
    }
    const one = await workload(1, {})
    const threeApart = await workload(3, {})
    const threeShared = await workload(3, shared)
    rows.push({
      id: "10",
      what: "upstream calls per 1,000 reads: three processes on Redis vs one (round-robin balancer)",
      figure: threeShared.upstreamPer1000Reads / one.upstreamPer1000Reads,
      target: "informational",
      pass: undefined,
      detail: `${threeShared.upstreamPer1000Reads.toFixed(0)} vs ${one.upstreamPer1000Reads.toFixed(0)} calls per 1,000 reads; three with their own memory: ${threeApart.upstreamPer1000Reads.toFixed(0)}; stale reads ${threeShared.staleReads} on Redis, ${threeApart.staleReads} with their own memory, ${one.staleReads} with one`
    })

    const writers = { key, organizations: orgs.map((o) => o.id), concurrency: 16, seconds: quick ? 2 : 5 }
    const sqlite = await startProxy(fakeUrl)
    const alone = await writeLoad({ ...writers, url: sqlite.url })
    await sqlite.process.stop()
    const proxies = await Promise.all(Array.from({ length: 3 }, () => startProxy(fakeUrl, shared)))
    const balancer = await startBalancer(proxies.map((p) => p.url))
    const together = await writeLoad({ ...writers, url: balancer.url })
    await balancer.close()
    await Promise.all(proxies.map((p) => p.process.stop()))
    rows.push({
      id: "11",
      what: "audited writes per second: three processes on PostgreSQL vs one on SQLite (c=16)",
      figure: together.perSecond / alone.perSecond,
      target: "informational",
      pass: undefined,
      detail: `${together.perSecond.toFixed(0)} vs ${alone.perSecond.toFixed(0)} writes/s; refused or failed: ${together.failed} vs ${alone.failed}`
    })
  } finally {
    await Promise.all([redis.close(), postgres.close()])
  }
}

/**
 * Rows 12-13 (issue 20): the Workers hit in workerd, each Worker in its own workerd (Miniflare,
 * `bench/servers/workerd.ts`) pinned to core 0, wrk on core 1: a bare Hono Worker answering the same
 * bytes, the proxy's hit in each cache mode (strict: the organization's Durable Object, in the same
 * workerd here, asked about every 5 ms within its default read lease, and on every hit with
 * `ORGKIT_CACHE_READ_LEASE_MS=0`; near: the isolate's copy), and the proxy with `ORGKIT_CACHE=off`
 * (every read to the fake). CPU is the workerd process's, per request. The proxy logs at `warn` (no
 * line per 200).
 */
const workersHit = async (fakeUrl: string) => {
  const orgs = (await fakeApi(fakeUrl).json("/api/organizations?page_size=1")) as Array<{ id: string }>
  const path = `/api/organizations/${orgs[0]!.id}`
  const headers = { authorization: `Bearer ${key}` }
  // The dev registry through which a `proxy-remote` Worker finds the `objects` workerd (rows 12b).
  const registry = join(dir, "registry")
  const worker = async (
    name: string,
    kind: "proxy" | "bare" | "objects" | "proxy-remote",
    bindings: Record<string, string>,
    inspectorPort?: number
  ) => {
    const workerPort = nextPort()
    const server = start(name, node, [join(app, "bench/servers/workerd.ts")], {
      cpu: serverCpu,
      env: {
        BENCH_DIR: dir,
        PORT: String(workerPort),
        WORKER: kind,
        BENCH_BINDINGS: JSON.stringify(bindings),
        BENCH_REGISTRY: registry,
        ...(inspectorPort === undefined ? {} : { BENCH_INSPECTOR_PORT: String(inspectorPort) })
      }
    })
    started.push(server)
    const url = `http://127.0.0.1:${workerPort}`
    await waitFor(`${url}/healthz`, 60_000).catch((error: unknown) => {
      throw new Error(`${name}: ${(error as Error).message}: ${server.output().slice(-500)}`)
    })
    for (let i = 0; i < 50 && !/ready \d+/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 100))
    const pid = Number(/ready (\d+)/.exec(server.output())?.[1])
    if (!Number.isInteger(pid)) throw new Error(`${name}: no workerd pid in ${server.output()}`)
    // The isolate's process only (not Miniflare's Node parent).
    return { url, pid, server: { ...server, cpuSeconds: () => cpuOf(pid) } }
  }
  const proxyBindings = (extra: Record<string, string>) => ({
    LOGTO_ENDPOINT: fakeUrl,
    LOGTO_M2M_CLIENT_ID: "bench-proxy",
    LOGTO_M2M_CLIENT_SECRET: "bench-secret",
    LOGTO_API_RESOURCE: "https://default.logto.app/api",
    ORGKIT_API_KEYS: JSON.stringify([{ id: "bench", name: "bench", key, scopes: ["read", "write"] }]),
    ORGKIT_AUDIT: "off",
    ORGKIT_LOG_LEVEL: "warn",
    ...extra
  })
  const strict = await worker("workerd-strict", "proxy", proxyBindings({}))
  // The bound is longer than the run: every request in it is a hit.
  const nearBindings = proxyBindings({ ORGKIT_CACHE_MODE: "near", ORGKIT_CACHE_NEAR_MAX_STALE_MS: "300000" })
  const near = await worker("workerd-near", "proxy", nearBindings)
  const off = await worker("workerd-off", "proxy", proxyBindings({ ORGKIT_CACHE: "off" }))
  const unleased = await worker("workerd-unleased", "proxy", proxyBindings({ ORGKIT_CACHE_READ_LEASE_MS: "0" }))
  let body: string | undefined
  for (const [name, target] of [
    ["strict", strict],
    ["near", near],
    ["strict without read leases", unleased]
  ] as const) {
    let cache: string | null = null
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${target.url}${path}`, { headers })
      body = await response.text()
      cache = response.headers.get("x-cache")
    }
    if (cache !== "HIT") notes.push(`row 12: the ${name} Worker answered x-cache: ${cache} on a repeated GET`)
  }
  const bare = await worker("workerd-bare", "bare", { BENCH_BODY: body! })
  const results = await interleaved(
    [
      { name: "bare", url: `${bare.url}${path}`, headers, server: bare.server },
      { name: "near", url: `${near.url}${path}`, headers, server: near.server },
      { name: "strict", url: `${strict.url}${path}`, headers, server: strict.server },
      { name: "unleased", url: `${unleased.url}${path}`, headers, server: unleased.server },
      { name: "off", url: `${off.url}${path}`, headers, server: off.server }
    ],
    32
  )
  const get = (name: string, pick: (r: LoadResult) => number) => median(results.get(name)!.map(pick))
  const cpu = (r: LoadResult) => (r as LoadResult & { serverCpuMicrosPerRequest: number }).serverCpuMicrosPerRequest
  const tput = (r: LoadResult) => r.rps
  const side = (a: string, b: string) =>
    `${get(a, tput).toFixed(0)} vs ${get(b, tput).toFixed(0)} req/s; p50 ${get(a, (r) => r.p50Ms).toFixed(3)} vs ${get(b, (r) => r.p50Ms).toFixed(3)} ms; p99 ${get(a, (r) => r.p99Ms).toFixed(3)} vs ${get(b, (r) => r.p99Ms).toFixed(3)} ms; CPU ${get(a, cpu).toFixed(1)} vs ${get(b, cpu).toFixed(1)} µs/req; throughput ${ratio(results, a, b, tput).toFixed(2)}×`
  for (const mode of ["near", "strict"] as const) {
    const figure = ratio(results, mode, "bare", cpu)
    rows.push({
      id: "12",
      what: `Workers: cache hit (${mode}) vs bare Hono Worker (workerd, c=32): CPU per request`,
      figure,
      target: "≤ 1.5×",
      pass: figure <= 1.5,
      detail: side(mode, "bare")
    })
  }
  const unleasedCpu = ratio(results, "unleased", "bare", cpu)
  rows.push({
    id: "12",
    what: "Workers: cache hit (strict, ORGKIT_CACHE_READ_LEASE_MS=0: the object asked on every hit) vs bare Hono Worker: CPU per request",
    figure: unleasedCpu,
    target: "informational",
    pass: undefined,
    detail: side("unleased", "bare")
  })
  for (const mode of ["near", "strict"] as const) {
    rows.push({
      id: "13",
      what: `Workers: cache hit (${mode}) vs ORGKIT_CACHE=off (every read to the local fake): throughput`,
      figure: ratio(results, mode, "off", tput),
      target: "informational",
      pass: undefined,
      detail: side(mode, "off")
    })
  }
  // One caller at a time: what a hit adds to the loopback round trip in each mode.
  const single = await interleaved(
    [
      { name: "bare", url: `${bare.url}${path}`, headers, server: bare.server },
      { name: "near", url: `${near.url}${path}`, headers, server: near.server },
      { name: "strict", url: `${strict.url}${path}`, headers, server: strict.server }
    ],
    1
  )
  const p50 = (name: string) => median(single.get(name)!.map((r) => r.p50Ms))
  rows.push({
    id: "13",
    what: "Workers: p50 latency of a hit at c=1, near vs strict (the Durable Object in the same workerd here)",
    figure: ratio(single, "near", "strict", (r) => r.p50Ms),
    target: "informational",
    pass: undefined,
    detail: `p50 near ${p50("near").toFixed(3)} ms, strict ${p50("strict").toFixed(3)} ms, bare Hono Worker ${p50("bare").toFixed(3)} ms`
  })
  // Rows 12b measure the call to the object itself: every hit asks it (no read lease).
  await apartFromObjects({
    path,
    headers,
    body: body!,
    strict: unleased,
    worker,
    bindings: proxyBindings({ ORGKIT_CACHE_READ_LEASE_MS: "0" }),
    nearBindings
  })
  for (const target of [bare, near, strict, unleased, off]) await target.server.stop()
}

/**
 * Rows 12b (issue 20, informational): the strict hit that asks its object (no read lease), with the
 * cache's Durable Objects in a workerd of their own, as deployed (on Cloudflare the object runs in
 * another isolate, usually on another machine, and the Worker's billed CPU and CPU limit count its
 * own isolate only). The same bundle runs twice: `orgkit-objects` hosts `CacheShard` and
 * `CacheRegistry`; the proxy's Worker binds them by script name, and Miniflare routes each call
 * through its dev registry (a proxy Durable Object in Miniflare's `dev-registry-proxy` Worker, then
 * workerd's debug port over TCP to the other workerd). Every workerd is pinned to core 0. Two readings:
 * - each workerd's CPU from /proc, interleaved with a bare Hono Worker and the combined strict
 *   Worker of row 12; the Worker's workerd also runs Miniflare's hop, which a deployment does not;
 * - each isolate's own share, from V8 CPU profiles through workerd's inspector: busy samples (all
 *   but `(idle)`) per request, against the bare Hono Worker's isolate profiled alike.
 */
const apartFromObjects = async (context: {
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly strict: { readonly url: string; readonly server: Started }
  readonly worker: (
    name: string,
    kind: "objects" | "proxy-remote" | "proxy" | "bare",
    bindings: Record<string, string>,
    inspectorPort?: number
  ) => Promise<{ readonly url: string; readonly pid: number; readonly server: Started }>
  readonly bindings: Record<string, string>
  readonly nearBindings: Record<string, string>
}) => {
  const { path, headers, body, strict, worker, bindings, nearBindings } = context
  const inspectors = {
    objects: nextPort(),
    proxy: nextPort(),
    bare: nextPort(),
    together: nextPort(),
    near: nextPort()
  }
  const objects = await worker("workerd-objects", "objects", bindings, inspectors.objects)
  const proxy = await worker("workerd-proxy-remote", "proxy-remote", bindings, inspectors.proxy)
  const bare = await worker("workerd-bare-inspected", "bare", { BENCH_BODY: body }, inspectors.bare)
  // Row 12's setup (the objects in the Worker's own isolate), profiled alike, to check the split.
  const together = await worker("workerd-strict-inspected", "proxy", bindings, inspectors.together)
  // And the near hit (no object call), for scale.
  const near = await worker("workerd-near-inspected", "proxy", nearBindings, inspectors.near)
  try {
    let cache: string | null = null
    for (const target of [proxy, together, near]) {
      for (let i = 0; i < 3; i++) cache = (await fetch(`${target.url}${path}`, { headers })).headers.get("x-cache")
      if (cache !== "HIT") notes.push(`row 12b: a profiled proxy Worker answered x-cache: ${cache} on a repeated GET`)
    }
    // interleaved reads the Worker's CPU before and after each of its runs; the objects' workerd is
    // read at the same instants, so each pair of readings spans exactly one run.
    const objectsReadings: Array<number> = []
    const split = {
      ...proxy.server,
      cpuSeconds: () => {
        objectsReadings.push(cpuOf(objects.pid))
        return proxy.server.cpuSeconds()
      }
    }
    const results = await interleaved(
      [
        { name: "bare", url: `${bare.url}${path}`, headers, server: bare.server },
        { name: "strict", url: `${strict.url}${path}`, headers, server: strict.server },
        { name: "apart", url: `${proxy.url}${path}`, headers, server: split }
      ],
      32
    )
    const cpu = (r: LoadResult) => (r as LoadResult & { serverCpuMicrosPerRequest: number }).serverCpuMicrosPerRequest
    const objectsMicros = results
      .get("apart")!
      .map((r, i) => ((objectsReadings[2 * i + 1]! - objectsReadings[2 * i]!) * 1e6) / r.requests)
    const micros = (name: string) => median(results.get(name)!.map(cpu))
    const bareRuns = results.get("bare")!.map(cpu)

    // Profiled runs, in rotating order: each isolate's busy samples per request.
    const interval = 500
    const isolates = {
      bare: [[inspectors.bare, "bare"]],
      together: [[inspectors.together, "proxy"]],
      near: [[inspectors.near, "proxy"]],
      apart: [
        [inspectors.proxy, "proxy-remote"],
        [inspectors.proxy, "dev-registry-proxy"],
        [inspectors.objects, objectsWorker]
      ]
    } as const
    const perRequest: Record<string, Array<number>> = {}
    const profiled = [
      ["bare", bare.url],
      ["apart", proxy.url],
      ["together", together.url],
      ["near", near.url]
    ] as const
    for (let round = 0; round < rounds; round++) {
      for (const [target, url] of profiled.map((_, i) => profiled[(i + round) % profiled.length]!)) {
        const stops = await Promise.all(isolates[target].map(([port, name]) => profileIsolate(port, name, interval)))
        const result = await load({ url: `${url}${path}`, connections: 32, seconds, headers, cpu: loadCpu })
        const times = await Promise.all(stops.map((stop) => stop()))
        isolates[target].forEach(([, name], i) =>
          (perRequest[target === "apart" ? name : target] ??= []).push(
            (times[i]!.busySamples * interval) / result.requests
          )
        )
      }
    }
    const sampled = (name: string) => median(perRequest[name]!)
    const sampledRatio = (name: string) => median(perRequest[name]!.map((m, i) => m / perRequest["bare"]![i]!))
    const procLine = `/proc per request: bare Hono Worker's workerd ${micros("bare").toFixed(1)} µs; the Worker's workerd ${micros("apart").toFixed(1)} µs (with Miniflare's hop); the objects' workerd ${median(objectsMicros).toFixed(1)} µs; both objects and Worker in one workerd (row 12's setup, same rounds) ${micros("strict").toFixed(1)} µs; throughput ${median(results.get("apart")!.map((r) => r.rps)).toFixed(0)} vs ${median(results.get("bare")!.map((r) => r.rps)).toFixed(0)} req/s (bare)`
    const sampleLine = `isolate samples × ${interval} µs per request: bare Hono Worker ${sampled("bare").toFixed(1)}, the proxy Worker ${sampled("proxy-remote").toFixed(1)}, Miniflare's dev-registry hop ${sampled("dev-registry-proxy").toFixed(1)}, the objects' Worker ${sampled(objectsWorker).toFixed(1)}; the proxy Worker with its objects in its own isolate (row 12's setup) ${sampled("together").toFixed(1)} (${sampledRatio("together").toFixed(2)}× bare); the near hit's isolate ${sampled("near").toFixed(1)} (${sampledRatio("near").toFixed(2)}× bare)`
    rows.push({
      id: "12b",
      what: "Workers: strict hit asking its object (ORGKIT_CACHE_READ_LEASE_MS=0), the Worker's isolate vs bare Hono Worker's (Durable Objects in another workerd; V8 profile samples per request, c=32)",
      figure: sampledRatio("proxy-remote"),
      target: "informational",
      pass: undefined,
      detail: sampleLine
    })
    rows.push({
      id: "12b",
      what: "Workers: strict hit asking its object (ORGKIT_CACHE_READ_LEASE_MS=0), the Durable Objects' isolate per hit vs bare Hono Worker's per request (V8 profile samples)",
      figure: sampledRatio(objectsWorker),
      target: "informational",
      pass: undefined,
      detail: sampleLine
    })
    rows.push({
      id: "12b",
      what: "Workers: strict hit asking its object (ORGKIT_CACHE_READ_LEASE_MS=0), CPU of the Worker's workerd (objects in another, plus Miniflare's hop to them) vs bare Hono Worker's (/proc)",
      figure: ratio(results, "apart", "bare", cpu),
      target: "informational",
      pass: undefined,
      detail: procLine
    })
    rows.push({
      id: "12b",
      what: "Workers: strict hit asking its object (ORGKIT_CACHE_READ_LEASE_MS=0), CPU of the Durable Objects' workerd per hit vs bare Hono Worker's per request (/proc)",
      figure: median(objectsMicros.map((m, i) => m / bareRuns[i]!)),
      target: "informational",
      pass: undefined,
      detail: procLine
    })
  } finally {
    for (const target of [bare, together, near, proxy, objects]) await target.server.stop()
  }
}

/** `--only=<text>`: run the sections whose name contains it, print their rows, write no file. */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length)

const section = async (name: string, body: () => Promise<void>) => {
  if (only !== undefined && !name.includes(only)) return
  const t0 = performance.now()
  try {
    await body()
  } catch (error) {
    notes.push(`${name} failed: ${(error as Error).message.split("\n")[0]}`)
  }
  console.error(`[bench] ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

const main = async () => {
  const t0 = performance.now()
  console.error(`[bench] load generator: ${loadTool()}, ${rounds} round(s) × ${seconds} s per target`)
  const fake = await startFake()
  await section("hit path (rows 1-2)", () => hitPath(fake.url))
  await section("miss path (row 3)", () => missPath(fake.url))
  await section("upstream budget (row 4)", () => upstreamBudget(fake.url))
  await section("workers hit in workerd (rows 12-13)", () => workersHit(fake.url))
  await section("several processes on Redis and PostgreSQL (rows 9-11)", () => scale(fake.url))
  await fake.process.stop()
  await section("overload (row 8)", overload)
  await section("audit signing (row 9)", auditSigning)
  await section("client overhead (row 5)", clientOverhead)
  await section("workers bundle (row 6)", workersBundle)
  if (!quick) await section("fake at scale (row 7)", fakeAtScale)
  const table = renderTable(rows)
  console.log(table)
  for (const note of notes) console.log(`note: ${note}`)
  if (only !== undefined) return
  mkdirSync(join(repo, "docs"), { recursive: true })
  const docs = join(repo, "docs/BENCHMARKS.md")
  const previous = existsSync(docs) ? readFileSync(docs, "utf8") : undefined
  writeFileSync(
    docs,
    renderMarkdown({
      rows,
      notes,
      previous,
      tool: loadTool(),
      seconds,
      rounds,
      totalSeconds: (performance.now() - t0) / 1000
    })
  )
  console.log(`written: ${docs}`)
}

const cleanup = async () => {
  await Promise.all(started.map((s) => s.stop()))
  rmSync(dir, { recursive: true, force: true })
}
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)))
await main().finally(cleanup)
