/**
 * A loop of GetOrganization calls against the fake Logto (a separate process, real HTTP on
 * 127.0.0.1), to profile the client's GET path:
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts [promise|effect|logto|fetch] [calls]`.
 * `promise` runs the Promise API, `effect` the Effect API on `FetchHttpClient`;
 * `logto` and `fetch` run `@logto/api` and a bare `fetch`, for comparison.
 */
import { createApiClient } from "@logto/api/management"
import { LogtoClient, PromiseClient } from "@orgkit/client"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { start, token } from "./server.ts"

const api = process.argv[2] ?? "promise"
const calls = Number(process.argv[3] ?? 20000)

const { child, port } = await start()
const baseUrl = `http://127.0.0.1:${port}`
const id = "bench-org"

const loop = async (get: () => Promise<unknown>) => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < calls; i++) await get()
  const cpu = process.cpuUsage(cpu0)
  console.log(
    `${api}: ${calls} GETs, ${(((performance.now() - t0) * 1000) / calls).toFixed(1)} µs/call, client CPU ${((cpu.user + cpu.system) / calls).toFixed(1)} µs/call (user ${(cpu.user / calls).toFixed(1)}, system ${(cpu.system / calls).toFixed(1)})`
  )
}

if (api === "promise") {
  const client = PromiseClient.createOrgkitClient({ baseUrl, token })
  await loop(() => client.getOrganization(id))
  await client.close()
} else if (api === "logto") {
  const logto = createApiClient({ baseUrl, getToken: async () => token })
  await loop(() => logto.GET("/api/organizations/{id}", { params: { path: { id } } }))
} else if (api === "fetch") {
  const headers = { authorization: `Bearer ${token}` }
  await loop(() => fetch(`${baseUrl}/api/organizations/${id}`, { headers }).then((r) => r.json()))
} else {
  const runtime = ManagedRuntime.make(
    LogtoClient.layerOptions({ baseUrl, token }).pipe(Layer.provide(FetchHttpClient.layer))
  )
  const client = await runtime.runPromise(LogtoClient.LogtoClient)
  const get = client.organizations.getOrganization({ params: { id } })
  await loop(() => runtime.runPromise(get))
  await runtime.dispose()
}
child.disconnect()
