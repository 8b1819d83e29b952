/**
 * Measures the two Node upstream adapters on the miss path: the proxy (Node server) in front of a
 * tiny loopback upstream that answers a fixed 411-byte organization, driven by autocannon, rounds
 * interleaved. Prints requests/s, p50/p99 latency and the proxy process's CPU per request.
 * Run: node scripts/measure-upstream.ts [seconds per run, default 5] [rounds, default 3]
 */
import autocannon from "autocannon"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { fetchUpstream } from "../src/adapters/fetch-upstream.ts"
import { nodeHttpUpstream } from "../src/adapters/node/http-upstream.ts"
import { startNodeProxy } from "../src/adapters/node/server.ts"
import type { NodeConfig } from "../src/config.ts"
import type { Upstream } from "../src/ports.ts"

const seconds = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 3)
const org = JSON.stringify({
  tenantId: "default",
  id: "acmecorp0001",
  name: "Acme",
  description: "Acme Corporation",
  customData: { plan: "enterprise", region: "eu", seats: 250, tags: ["a", "b"] },
  isMfaRequired: false,
  color: { primaryColor: "#1d4ed8", isDarkModeEnabled: false, darkPrimaryColor: "#000000" },
  branding: { logoUrl: "https://example.com/logo.png" },
  customCss: null,
  createdAt: 1767225600000
}).padEnd(411, " ")

const upstreamServer = http.createServer((req, res) => {
  req.resume()
  req.on("end", () => {
    if (req.url === "/oidc/token") {
      res.writeHead(200, { "content-type": "application/json" })
      return void res.end(JSON.stringify({ access_token: "t", expires_in: 3600, token_type: "Bearer" }))
    }
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", etag: '"19b-x"' })
    res.end(org)
  })
})
await new Promise<void>((resolve) => upstreamServer.listen(0, "127.0.0.1", resolve))
const origin = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}`
const key = "measure-key-0123456789"
const config: NodeConfig = {
  logtoEndpoint: origin,
  clientId: "c",
  clientSecret: "s",
  apiResource: "https://default.logto.app/api",
  apiKeys: [{ id: "m", name: "measure", key, scopes: ["read"] }],
  upstreamTimeoutMs: 10_000,
  port: 0,
  host: "127.0.0.1"
}
const adapters: Record<string, () => Upstream> = {
  "node:http keep-alive": () => nodeHttpUpstream({ origin }),
  "global fetch": () => fetchUpstream({ origin, fetch: (r) => fetch(r) })
}

const results: Record<string, Array<{ rps: number; p50: number; p99: number; cpuUs: number }>> = {}
for (let round = 0; round < rounds; round++) {
  for (const [name, make] of Object.entries(adapters)) {
    const proxy = await startNodeProxy(config, { upstream: make(), log: () => {} })
    const url = `${proxy.url}/api/organizations/acmecorp0001`
    await autocannon({ url, connections: 8, duration: 1, headers: { authorization: `Bearer ${key}` } })
    const cpu = process.cpuUsage()
    const run = await autocannon({
      url,
      connections: 8,
      duration: seconds,
      headers: { authorization: `Bearer ${key}` }
    })
    const used = process.cpuUsage(cpu)
    await proxy.close()
    // The proxy, the upstream and autocannon share this process: CPU per request covers all three.
    ;(results[name] ??= []).push({
      rps: run.requests.average,
      p50: run.latency.p50,
      p99: run.latency.p99,
      cpuUs: (used.user + used.system) / run.requests.total
    })
  }
}
upstreamServer.close()
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const [name, runs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(22)} rps ${median(runs.map((r) => r.rps))
      .toFixed(0)
      .padStart(6)} (runs ${runs.map((r) => r.rps.toFixed(0)).join(" / ")})` +
      `  p50 ${median(runs.map((r) => r.p50))} ms  p99 ${median(runs.map((r) => r.p99))} ms` +
      `  cpu/req ${median(runs.map((r) => r.cpuUs)).toFixed(0)} µs (proxy + upstream + load generator)`
  )
}
