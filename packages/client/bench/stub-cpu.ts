/**
 * The client's own work per call, with an in-process stub `fetch` (no I/O): time per call (min of
 * rounds) and bytes allocated per call, for the Promise API, the Effect API (`FetchHttpClient`) and
 * `@logto/api`. Bytes allocated do not move with the machine's load, as time does: run with a young
 * generation large enough that no collection runs during a round,
 * `node --min-semi-space-size=64 --max-semi-space-size=64 bench/stub-cpu.ts`
 * (rounds in which a collection ran anyway are left out, and said so).
 */
import { getHeapStatistics } from "node:v8"
import { createApiClient } from "@logto/api/management"
import { LogtoClient, PromiseClient } from "@orgkit/client"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as FetchHttpClient from "effect/http/FetchHttpClient"

const org = JSON.stringify({
  tenantId: "default",
  id: "org1",
  name: "Acme",
  description: null,
  customData: {},
  isMfaRequired: false,
  color: {},
  branding: {},
  customCss: null,
  createdAt: 1
})
const stubFetch = async (input: Request | string | URL, init?: RequestInit) => {
  const method = input instanceof Request ? input.method : (init?.method ?? "GET")
  return method === "POST"
    ? new Response('{"userIds":["u1"]}', { status: 201, headers: { "content-type": "application/json" } })
    : new Response(org, { status: 200, headers: { "content-type": "application/json" } })
}
;(globalThis as { fetch: unknown }).fetch = stubFetch
const baseUrl = "http://127.0.0.1:1"
const orgkit = PromiseClient.createOrgkitClient({ baseUrl, token: "t" })
const runtime = ManagedRuntime.make(
  LogtoClient.layerOptions({ baseUrl, token: "t" }).pipe(Layer.provide(FetchHttpClient.layer))
)
const effectClient = await runtime.runPromise(LogtoClient.LogtoClient)
const effectGet = effectClient.organizations.getOrganization({ params: { id: "org1" } })
const effectPost = effectClient.users.addOrganizationUsers({ params: { id: "org1" }, payload: { userIds: ["u1"] } })
const logto = createApiClient({ baseUrl, getToken: async () => "t" })
const clients = {
  orgkit: {
    get: () => orgkit.getOrganization("org1"),
    post: () => orgkit.addOrganizationUsers("org1", { userIds: ["u1"] })
  },
  "orgkit (Effect API)": {
    get: () => runtime.runPromise(effectGet),
    post: () => runtime.runPromise(effectPost)
  },
  logto: {
    get: () => logto.GET("/api/organizations/{id}", { params: { path: { id: "org1" } } }),
    post: () =>
      logto.POST("/api/organizations/{id}/users", { params: { path: { id: "org1" } }, body: { userIds: ["u1"] } })
  }
} as const

const N = 5000
const time: Record<string, Array<number>> = {}
for (let round = 0; round < 9; round++) {
  for (const [name, c] of Object.entries(clients)) {
    for (const op of ["get", "post"] as const) {
      const start = performance.now()
      for (let i = 0; i < N; i++) await c[op]()
      if (round > 0) (time[`${name} ${op}`] ??= []).push(((performance.now() - start) * 1000) / N)
    }
  }
}

// Heap growth over a round of calls; a round in which a collection ran shrinks the heap and is left out.
const A = 300
const bytes: Record<string, Array<number>> = {}
let collected = 0
for (let round = 0; round < 7; round++) {
  for (const [name, c] of Object.entries(clients)) {
    for (const op of ["get", "post"] as const) {
      const before = getHeapStatistics().used_heap_size
      for (let i = 0; i < A; i++) await c[op]()
      const grown = getHeapStatistics().used_heap_size - before
      if (grown > 0) (bytes[`${name} ${op}`] ??= []).push(grown / A)
      else collected++
    }
  }
}
const median = (xs: ReadonlyArray<number> | undefined) => {
  if (xs === undefined || xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]!
}
console.log("client                    op     µs/call (min of rounds)   bytes allocated/call (median)")
for (const [key, v] of Object.entries(time)) {
  const [name, op] = [key.slice(0, key.lastIndexOf(" ")), key.slice(key.lastIndexOf(" ") + 1)]
  console.log(
    `${name.padEnd(25)} ${op.toUpperCase().padEnd(6)} ${Math.min(...v)
      .toFixed(1)
      .padStart(10)}              ${median(bytes[key]).toFixed(0).padStart(10)}`
  )
}
if (collected > 0) console.log(`\n${collected} allocation rounds left out (a collection ran during them)`)
await orgkit.close()
await runtime.dispose()
