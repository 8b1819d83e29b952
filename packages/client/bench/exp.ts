import { fork } from "node:child_process"
import { createApiClient } from "@logto/api/management"
import { PromiseClient } from "@orgkit/client"
import { token } from "./server.ts"
const child = fork(new URL("./server.ts", import.meta.url), { execArgv: [] })
const port = await new Promise<number>((r) => child.once("message", (m: any) => r(m.port)))
const baseUrl = `http://127.0.0.1:${port}`
const id = "bench-org"
const a = PromiseClient.createOrgkitClient({ baseUrl, token })
const b = PromiseClient.createOrgkitClient({ baseUrl, token, retry: false })
const c = PromiseClient.createOrgkitClient({ baseUrl, token, retry: false, timeoutMs: Infinity })
const d = PromiseClient.createOrgkitClient({ baseUrl, token, retry: false, timeoutMs: Infinity, fetch: (r) => fetch(r) })
const logto = createApiClient({ baseUrl, getToken: async () => token })
const cases: Record<string, () => Promise<unknown>> = {
  default: () => a.getOrganization(id),
  noretry: () => b.getOrganization(id),
  "noretry+notimer": () => c.getOrganization(id),
  "…+Request": () => d.getOrganization(id),
  logto: () => logto.GET("/api/organizations/{id}", { params: { path: { id } } }),
  fetch: () => fetch(`${baseUrl}/api/organizations/${id}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json()),
}
const N = 300
const res: Record<string, Array<number>> = {}
for (let i = 0; i < 100; i++) for (const f of Object.values(cases)) await f()
for (let round = 0; round < 13; round++) for (const [k, f] of Object.entries(cases)) {
  const c0 = process.cpuUsage(); const s = performance.now(); for (let i = 0; i < N; i++) await f(); const us = (performance.now() - s) * 1000 / N
  const cu = process.cpuUsage(c0)
  ;(res[k] ??= []).push(us); (res[k + " cpu"] ??= []).push((cu.user + cu.system) / N)
}
const med = (v: Array<number>) => [...v].sort((x, y) => x - y)[6]!
for (const k of Object.keys(cases)) console.log(k.padEnd(18), med(res[k]!).toFixed(0), med(res[k + " cpu"]!).toFixed(0))
child.kill(); process.exit(0)
