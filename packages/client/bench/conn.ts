import { createServer } from "node:http"
import { PromiseClient } from "@orgkit/client"
let conns = 0
const org = JSON.stringify({ tenantId: "default", id: "o", name: "Acme", description: null, customData: {}, isMfaRequired: false, color: {}, branding: {}, customCss: null, createdAt: 1 })
const server = createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end(org) }) })
server.on("connection", () => conns++)
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
const baseUrl = `http://127.0.0.1:${(server.address() as any).port}`
const a = PromiseClient.createOrgkitClient({ baseUrl, token: "t" })
for (let i = 0; i < 200; i++) await a.getOrganization("o")
console.log("orgkit lean conns", conns); conns = 0
for (let i = 0; i < 200; i++) await fetch(`${baseUrl}/x`).then((r) => r.json())
console.log("fetch conns", conns)
server.close(); process.exit(0)
