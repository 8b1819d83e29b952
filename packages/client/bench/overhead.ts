/**
 * Per-call overhead of the Promise client against the same local fake Logto (a separate process,
 * real HTTP on 127.0.0.1), side by side with Logto's official client (`@logto/api`, openapi-fetch,
 * static token) and a bare `fetch`, for a GET (GetOrganization) and a POST (AddOrganizationUsers,
 * idempotent so the server's state never grows).
 *
 * Calls are sequential (one in flight), so time per call = client + loopback + server. The clients
 * run in short interleaved rounds; the report gives each one's median time per call and client CPU
 * per call, and the ratios of per-round medians. Usage: `pnpm --filter @orgkit/client bench`
 * (env ROUNDS, CALLS to change the run length).
 */
import { execFileSync } from "node:child_process"
import { availableParallelism } from "node:os"
import { createApiClient } from "@logto/api/management"
import { createOrgkitClient } from "@orgkit/client"
import { start, token } from "./server.ts"

const rounds = Number(process.env.ROUNDS ?? 15)
const calls = Number(process.env.CALLS ?? 400)

const { child, port } = await start()
// Server on core 0, clients on core 1 (as `pnpm bench` does), so neither steals the other's core.
const pinned = (() => {
  if (availableParallelism() < 2) return false
  try {
    execFileSync("taskset", ["-pc", "0", String(child.pid)], { stdio: "ignore" })
    execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()
const baseUrl = `http://127.0.0.1:${port}`
const id = "bench-org"
const body = { userIds: ["bench-user"] }

const orgkit = createOrgkitClient({ baseUrl, token })
const logto = createApiClient({ baseUrl, getToken: async () => token })
const auth = { authorization: `Bearer ${token}` }

const ok = <A>(result: { data?: A; error?: unknown }): A => {
  if (result.error !== undefined || result.data === undefined)
    throw new Error(`@logto/api: ${JSON.stringify(result.error)}`)
  return result.data
}
const okResponse = async (response: Response) => {
  if (!response.ok) throw new Error(`fetch: ${response.status}`)
  return response.json()
}

type Client = { readonly get: () => Promise<unknown>; readonly post: () => Promise<unknown> }
const clients: Record<string, Client> = {
  "@orgkit/client": {
    get: () => orgkit.getOrganization(id),
    post: () => orgkit.addOrganizationUsers(id, body)
  },
  "@logto/api": {
    get: () => logto.GET("/api/organizations/{id}", { params: { path: { id } } }).then(ok),
    post: () => logto.POST("/api/organizations/{id}/users", { params: { path: { id } }, body }).then(ok)
  },
  fetch: {
    get: () => fetch(`${baseUrl}/api/organizations/${id}`, { headers: auth }).then(okResponse),
    post: () =>
      fetch(`${baseUrl}/api/organizations/${id}/users`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(body)
      }).then(okResponse)
  }
}

const names = Object.keys(clients)
const ops = ["get", "post"] as const
type Sample = { wall: number; cpu: number }
const samples: Record<string, Array<Sample>> = {}

const measure = async (run: () => Promise<unknown>, n: number): Promise<Sample> => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await run()
  const wall = ((performance.now() - t0) * 1000) / n
  const cpu = process.cpuUsage(cpu0)
  return { wall, cpu: (cpu.user + cpu.system) / n }
}

// Warm-up: JIT, connection pools, the fake's caches.
for (const name of names) for (const op of ops) await measure(clients[name]![op], 200)

for (let round = 0; round < rounds; round++) {
  // rotate the order so that no client always runs first or last
  const order = names.map((_, i) => names[(i + round) % names.length]!)
  for (const op of ops) {
    for (const name of order) (samples[`${name} ${op}`] ??= []).push(await measure(clients[name]![op], calls))
  }
}

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const ratio = (a: string, b: string, key: keyof Sample) =>
  median(samples[a]!.map((s, i) => s[key] / samples[b]![i]![key]))

console.log(
  `fake Logto on ${baseUrl} (separate process${pinned ? ", on core 0; clients on core 1" : ""}); ${rounds} rounds × ${calls} sequential calls per client and operation`
)
console.log(`node ${process.version}\n`)
console.log("client           op     µs/call (median)   client CPU µs/call")
for (const op of ops) {
  for (const name of names) {
    const s = samples[`${name} ${op}`]!
    console.log(
      `${name.padEnd(16)} ${op.toUpperCase().padEnd(6)} ${median(s.map((x) => x.wall))
        .toFixed(1)
        .padStart(10)}         ${median(s.map((x) => x.cpu))
        .toFixed(1)
        .padStart(10)}`
    )
  }
}
console.log("\nratios (median of per-round ratios)      time    client CPU")
for (const op of ops) {
  for (const [a, b] of [
    ["@orgkit/client", "@logto/api"],
    ["@orgkit/client", "fetch"],
    ["@logto/api", "fetch"]
  ] as const) {
    console.log(
      `${op.toUpperCase().padEnd(5)} ${a} / ${b}`.padEnd(40),
      ratio(`${a} ${op}`, `${b} ${op}`, "wall").toFixed(3).padStart(6),
      ratio(`${a} ${op}`, `${b} ${op}`, "cpu").toFixed(3).padStart(10)
    )
  }
}
// `--json`: one machine-readable line last, for the repository's `pnpm bench` table.
if (process.argv.includes("--json")) {
  const summary = (op: (typeof ops)[number]) => ({
    orgkit: median(samples[`@orgkit/client ${op}`]!.map((x) => x.wall)),
    logto: median(samples[`@logto/api ${op}`]!.map((x) => x.wall)),
    fetch: median(samples[`fetch ${op}`]!.map((x) => x.wall)),
    orgkitVsLogto: ratio(`@orgkit/client ${op}`, `@logto/api ${op}`, "wall"),
    orgkitVsFetch: ratio(`@orgkit/client ${op}`, `fetch ${op}`, "wall"),
    orgkitCpu: median(samples[`@orgkit/client ${op}`]!.map((x) => x.cpu)),
    logtoCpu: median(samples[`@logto/api ${op}`]!.map((x) => x.cpu)),
    fetchCpu: median(samples[`fetch ${op}`]!.map((x) => x.cpu)),
    orgkitVsLogtoCpu: ratio(`@orgkit/client ${op}`, `@logto/api ${op}`, "cpu"),
    orgkitVsFetchCpu: ratio(`@orgkit/client ${op}`, `fetch ${op}`, "cpu")
  })
  console.log(JSON.stringify({ get: summary("get"), post: summary("post") }))
}
await orgkit.close()
child.disconnect()
