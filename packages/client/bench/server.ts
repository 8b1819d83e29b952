/**
 * The benchmark's server: the fake Logto over real HTTP, in its own process, so that the server's
 * work does not share the client's event loop. Prints nothing; sends `{ port }` over IPC.
 */
import { fork } from "node:child_process"
import { FakeLogto } from "@orgkit/testing"

export const token = "bench-token"

export const seed = {
  users: [{ id: "bench-user", name: "Bench User" }],
  organizations: [{ id: "bench-org", name: "Bench Org", description: "Benchmark organization", users: ["bench-user"] }]
}

/** Starts this module as the server in a child process; resolves with the process and its port. */
export const start = async () => {
  const child = fork(new URL("./server.ts", import.meta.url), {
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port))
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)))
  })
  return { child, port }
}

if (process.send !== undefined) {
  const server = await FakeLogto.serve({ port: 0, host: "127.0.0.1", tokens: [token], seed })
  process.send({ port: server.port })
  process.on("disconnect", () => void server.close().then(() => process.exit(0)))
}
