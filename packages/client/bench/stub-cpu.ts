/** Client CPU per call with an in-process stub `fetch` (no I/O): a controlled view of pure overhead. */
import { createApiClient } from "@logto/api/management"
import { PromiseClient } from "@orgkit/client"
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
const logto = createApiClient({ baseUrl, getToken: async () => "t" })
const clients = {
  orgkit: {
    get: () => orgkit.getOrganization("org1"),
    post: () => orgkit.addOrganizationUsers("org1", { userIds: ["u1"] })
  },
  logto: {
    get: () => logto.GET("/api/organizations/{id}", { params: { path: { id: "org1" } } }),
    post: () =>
      logto.POST("/api/organizations/{id}/users", { params: { path: { id: "org1" } }, body: { userIds: ["u1"] } })
  }
} as const
const N = 5000
const results: Record<string, Array<number>> = {}
for (let round = 0; round < 9; round++) {
  for (const [name, c] of Object.entries(clients)) {
    for (const op of ["get", "post"] as const) {
      const start = performance.now()
      for (let i = 0; i < N; i++) await c[op]()
      if (round > 0) (results[`${name} ${op}`] ??= []).push(((performance.now() - start) * 1000) / N)
    }
  }
}
for (const [k, v] of Object.entries(results)) console.log(k.padEnd(12), Math.min(...v).toFixed(1), "µs (min of rounds)")
