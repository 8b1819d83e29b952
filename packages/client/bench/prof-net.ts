import { fork } from "node:child_process"
import { createApiClient } from "@logto/api/management"
import { PromiseClient } from "@orgkit/client"
import { token } from "./server.ts"
const child = fork(new URL("./server.ts", import.meta.url), { execArgv: [] })
const port = await new Promise<number>((r) => child.once("message", (m: any) => r(m.port)))
const baseUrl = `http://127.0.0.1:${port}`
const mode = process.argv[2]
const orgkit = PromiseClient.createOrgkitClient({ baseUrl, token })
const logto = createApiClient({ baseUrl, getToken: async () => token })
for (let i = 0; i < 4000; i++) mode === "logto" ? await logto.GET("/api/organizations/{id}", { params: { path: { id: "bench-org" } } }) : await orgkit.getOrganization("bench-org")
await orgkit.close(); child.kill()
