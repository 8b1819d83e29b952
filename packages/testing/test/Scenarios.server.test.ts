import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe } from "vitest"
import { scenarios } from "./scenarios.ts"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const client = { clientId: "scenario-client", clientSecret: "scenario-secret" }
let child: ChildProcess
let url = ""

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [
      bin,
      "--port",
      "0",
      "--empty",
      "--token",
      "scenario-token",
      "--client-id",
      client.clientId,
      "--client-secret",
      client.clientSecret
    ],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  let output = ""
  for await (const chunk of child.stdout!) {
    output += String(chunk)
    const match = /listening on (http:\/\/\S+)/.exec(output)
    if (match !== null) {
      url = match[1]!
      break
    }
  }
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`the CLI did not print its URL: ${output}`)
})

afterAll(async () => {
  if (child.exitCode !== null) return
  const exited = once(child, "exit")
  child.kill("SIGTERM")
  const [code] = await exited
  if (code !== 0) throw new Error(`the CLI exited with ${String(code)} on SIGTERM`)
})

describe("scenarios over real HTTP (the orgkit-fake CLI)", () => {
  scenarios(() => ({ fetch: (request) => fetch(request), baseUrl: url, token: "scenario-token", client }))
})
