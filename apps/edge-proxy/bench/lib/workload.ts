/**
 * A read-heavy workload through the proxy, run in its own process: reads Zipf-distributed over a set
 * of organizations, 10% writes (PATCH of the organization's description). It counts the upstream calls
 * the fake received, their peak rate over any 10 s window, and checks every read against the last
 * acknowledged write of its organization (a read that started after a write was acknowledged must not
 * return older data).
 */
import { fileURLToPath } from "node:url"
import { run } from "./proc.ts"

export interface WorkloadOptions {
  readonly proxyUrl: string
  readonly fakeUrl: string
  readonly key: string
  readonly fakeToken: string
  readonly requests: number
  readonly organizations?: number
  readonly concurrency?: number
}

export interface WorkloadResult {
  readonly reads: number
  readonly writes: number
  readonly errors: number
  readonly staleReads: number
  readonly upstreamReads: number
  readonly upstreamWrites: number
  readonly upstreamPer1000Reads: number
  readonly peakUpstreamPer10s: number
  readonly clientRps: number
}

/** Runs the workload in a child process and returns its result. */
export const runWorkload = async (options: WorkloadOptions): Promise<WorkloadResult> => {
  const { stdout } = await run(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(options)], { cpu: 1 })
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as WorkloadResult
}

const zipf = (n: number, s: number) => {
  const weights = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s)
  const total = weights.reduce((a, b) => a + b, 0)
  let acc = 0
  const cdf = weights.map((w) => (acc += w / total))
  return (random: number) => cdf.findIndex((c) => random <= c)
}

/** A small deterministic PRNG (mulberry32), so runs are comparable. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const main = async (options: WorkloadOptions) => {
  const n = options.organizations ?? 50
  const fake = (path: string, init: RequestInit = {}) =>
    fetch(`${options.fakeUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${options.fakeToken}`, "content-type": "application/json" }
    })
  const ids: Array<string> = []
  for (let i = 0; i < n; i++) {
    const response = await fake("/api/organizations", {
      method: "POST",
      body: JSON.stringify({ name: `zipf-${i}`, description: "v0" })
    })
    ids.push(((await response.json()) as { id: string }).id)
  }
  const acked = new Map<string, { version: number; at: number }>(ids.map((id) => [id, { version: 0, at: 0 }]))
  const headers = { authorization: `Bearer ${options.key}`, "content-type": "application/json" }
  // Steady state: every organization read once through the proxy before the measured window.
  for (const id of ids) await (await fetch(`${options.proxyUrl}/api/organizations/${id}`, { headers })).arrayBuffer()
  // The fake keeps a bounded log: clear it so that it holds exactly this workload's upstream calls.
  await (await fake("/__orgkit/requests", { method: "DELETE" })).arrayBuffer()
  const pick = zipf(n, 1.1)
  const random = prng(42)
  // Writes to one organization go one at a time, so its versions are acknowledged in order.
  const writing = new Map<string, Promise<void>>()
  let issued = 0
  let reads = 0
  let writes = 0
  let errors = 0
  let staleReads = 0
  let version = 0
  const t0 = performance.now()
  const worker = async () => {
    while (issued < options.requests) {
      issued++
      const id = ids[pick(random())]!
      if (random() < 0.1) {
        const previous = writing.get(id) ?? Promise.resolve()
        const write = previous.then(async () => {
          const next = ++version
          const response = await fetch(`${options.proxyUrl}/api/organizations/${id}`, {
            method: "PATCH",
            headers,
            body: JSON.stringify({ description: `v${next}` })
          })
          await response.arrayBuffer()
          if (!response.ok) errors++
          else {
            writes++
            acked.set(id, { version: next, at: performance.now() })
          }
        })
        writing.set(id, write)
        await write
      } else {
        const expected = acked.get(id)!.version
        const response = await fetch(`${options.proxyUrl}/api/organizations/${id}`, { headers })
        const text = await response.text()
        if (!response.ok) errors++
        else {
          reads++
          const seen = Number((JSON.parse(text) as { description: string }).description.slice(1))
          if (seen < expected) staleReads++
        }
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker))
  const elapsed = (performance.now() - t0) / 1000
  const log = (
    (await (await fake("/__orgkit/requests")).json()) as {
      requests: Array<{ method: string; path: string; at: number | string }>
    }
  ).requests
  const api = log.filter((r) => r.path.startsWith("/api/"))
  const upstreamReads = api.filter((r) => r.method === "GET").length
  const upstreamWrites = api.length - upstreamReads
  const times = api.map((r) => (typeof r.at === "number" ? r.at : Date.parse(r.at))).sort((a, b) => a - b)
  let peak = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 10_000) j++
    peak = Math.max(peak, i - j + 1)
  }
  const result: WorkloadResult = {
    reads,
    writes,
    errors,
    staleReads,
    upstreamReads,
    upstreamWrites,
    upstreamPer1000Reads: reads === 0 ? 0 : (upstreamReads / reads) * 1000,
    peakUpstreamPer10s: peak,
    clientRps: (reads + writes) / elapsed
  }
  console.log(JSON.stringify(result))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(JSON.parse(process.argv[2]!) as WorkloadOptions)
