/**
 * The benchmark's server: the fake Logto over real HTTP, in its own process, so that the server's
 * work does not share the client's event loop. Prints nothing; sends `{ port }` over IPC.
 */
import { FakeLogto } from "@orgkit/testing"

export const token = "bench-token"

export const seed = {
  users: [{ id: "bench-user", name: "Bench User" }],
  organizations: [{ id: "bench-org", name: "Bench Org", description: "Benchmark organization", users: ["bench-user"] }]
}

if (process.send !== undefined) {
  const server = await FakeLogto.serve({ port: 0, host: "127.0.0.1", tokens: [token], seed })
  process.send({ port: server.port })
  process.on("disconnect", () => void server.close().then(() => process.exit(0)))
}
