/**
 * The Node entry points as an operator runs them, as real processes: start-up errors in one line,
 * requests in flight drained on SIGTERM, slow callers cut off, and the demo on loopback only.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import http from "node:http"
import net from "node:net"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

const app = join(import.meta.dirname, "../..")
const children: Array<ChildProcess> = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL")
})

const key = "server-test-key-0123456789"

/** A Logto that issues tokens and answers organization reads after `delayMs`. */
const slowLogto = async (delayMs: number) => {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      if (req.url === "/oidc/token") {
        res.writeHead(200, { "content-type": "application/json" })
        return void res.end(JSON.stringify({ access_token: "t", token_type: "Bearer", expires_in: 3600, scope: "all" }))
      }
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" })
        res.end(JSON.stringify({ id: "o1", name: "Slow" }))
      }, delayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() }
}

const start = (script: string, env: Record<string, string>) => {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(app, "src", script)], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const output = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const look = () => {
        const found = stdout.match(pattern)
        if (found !== null) return resolve(found)
        if (child.exitCode !== null) return reject(new Error(`exited ${child.exitCode}: ${stderr}`))
        setTimeout(look, 20)
      }
      look()
    })
  return { child, exited, output, stderr: () => stderr, stdout: () => stdout }
}

const proxyEnv = (logto: string, extra: Record<string, string> = {}) => ({
  HOST: "127.0.0.1",
  PORT: "0",
  LOGTO_ENDPOINT: logto,
  LOGTO_M2M_CLIENT_ID: "m2m",
  LOGTO_M2M_CLIENT_SECRET: "secret",
  ORGKIT_API_KEYS: JSON.stringify([{ id: "ops", name: "Ops", key, scopes: ["read", "write"] }]),
  ORGKIT_CACHE: "off",
  ORGKIT_AUDIT: "off",
  ORGKIT_LOG_LEVEL: "warn",
  ...extra
})

describe("the Node server as a process", () => {
  it("says in one line why it cannot start (the port is taken), and exits 1", async () => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const port = (taken.address() as net.AddressInfo).port
    const proxy = start("node.ts", proxyEnv("http://127.0.0.1:9", { PORT: String(port) }))
    expect(await proxy.exited).toBe(1)
    taken.close()
    const lines = proxy.stderr().trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^Could not start the proxy on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`))
  })

  it("refuses to start on a misspelt setting, naming it, and starts nothing", async () => {
    const proxy = start("node.ts", proxyEnv("http://127.0.0.1:9", { ORGKIT_CACHE_MAXAGE_S: "5" }))
    expect(await proxy.exited).toBe(1)
    expect(proxy.stderr()).toContain("ORGKIT_CACHE_MAXAGE_S: is not a setting of the proxy")
    expect(proxy.stdout()).not.toContain("listening")
  })

  it("on SIGTERM, finishes the request in flight, refuses new connections, then exits 0", async () => {
    const logto = await slowLogto(600)
    const proxy = start("node.ts", proxyEnv(logto.url, { ORGKIT_SHUTDOWN_GRACE_MS: "5000" }))
    const url = (await proxy.output(/"url":"(http:\/\/[^"]+)"/))[1]!
    const inFlight = fetch(`${url}/api/organizations/o1`, { headers: { authorization: `Bearer ${key}` } })
    await new Promise((resolve) => setTimeout(resolve, 200))
    proxy.child.kill("SIGTERM")
    const answer = await inFlight
    expect([answer.status, await answer.json()]).toEqual([200, { id: "o1", name: "Slow" }])
    expect(await proxy.exited).toBe(0)
    await expect(fetch(`${url}/healthz`)).rejects.toThrow("fetch failed")
    logto.close()
  })

  it("closes a connection whose headers do not arrive within ORGKIT_HEADERS_TIMEOUT_MS", async () => {
    const proxy = start(
      "node.ts",
      proxyEnv("http://127.0.0.1:9", { ORGKIT_HEADERS_TIMEOUT_MS: "300", ORGKIT_REQUEST_TIMEOUT_MS: "600" })
    )
    const url = new URL((await proxy.output(/"url":"(http:\/\/[^"]+)"/))[1]!)
    const socket = net.connect(Number(url.port), "127.0.0.1")
    let received = ""
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()))
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n")
    await new Promise<void>((resolve) => socket.once("close", () => resolve()))
    expect(received).toMatch(/^HTTP\/1\.1 408/)
  })

  it("runs the demo on loopback even with HOST=0.0.0.0 in the environment", async () => {
    const demo = start("demo.ts", { HOST: "0.0.0.0", PORT: "0", ORGKIT_LOG_LEVEL: "warn" })
    const port = Number((await demo.output(/proxy: +http:\/\/127\.0\.0\.1:(\d+)/))[1])
    // The listening socket's local address, from the kernel's table: 127.0.0.1, not 0.0.0.0.
    const hex = port.toString(16).toUpperCase().padStart(4, "0")
    const listening = readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .filter((line) => line.includes(`:${hex} 00000000:0000 0A`))
      .map((line) => line.trim().split(/\s+/)[1]!.split(":")[0])
    expect(listening).toEqual(["0100007F"])
  })
})
