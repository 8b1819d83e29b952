import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Demo, FakeLogto } from "../src/index.ts"
import { ids, world } from "./fixtures/world.ts"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

/** Starts the CLI and resolves with its URL and everything it printed so far. */
const start = async (
  args: ReadonlyArray<string>
): Promise<{ child: ChildProcess; url: string; output: () => string }> => {
  const child = spawn(process.execPath, [bin, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout!.on("data", (chunk) => (output += String(chunk)))
  child.stderr!.on("data", (chunk) => (output += String(chunk)))
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match !== null) resolve(match[1]!)
    }
    child.stdout!.on("data", check)
    child.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)))
  })
  return { child, url, output: () => output }
}

/** Raw response headers as sent on the wire (repeated lines kept). */
const rawHeaders = (url: string, token: string) =>
  new Promise<Array<string>>((resolve, reject) => {
    httpRequest(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume()
      resolve(res.rawHeaders)
    })
      .on("error", reject)
      .end()
  })

describe("orgkit-fake CLI", () => {
  it("starts with the demo data set and credentials, prints its URL, and stops cleanly on SIGINT", async () => {
    const { child, url, output } = await start([])
    expect(output()).toContain("demo data set")
    const orgs = await fetch(`${url}/api/organizations`, { headers: { authorization: `Bearer ${Demo.token}` } })
    expect(orgs.headers.get("total-number")).toBe("3")
    const token = await fetch(`${url}/oidc/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${btoa(`${Demo.client.clientId}:${Demo.client.clientSecret}`)}`
      },
      body: `grant_type=client_credentials&resource=${encodeURIComponent(FakeLogto.resource)}&scope=all`
    })
    expect(token.status).toBe(200)
    const exited = once(child, "exit")
    child.kill("SIGINT")
    expect((await exited)[0]).toBe(0)
    expect(output()).toContain("stopped (SIGINT)")
  })

  it("loads a seed file and accepts only the given token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orgkit-fake-"))
    const file = join(dir, "seed.json")
    writeFileSync(file, JSON.stringify(world))
    const { child, url } = await start(["--seed", file, "--token", "file-token"])
    const r = await fetch(`${url}/api/organizations/${ids.org}/users`, {
      headers: { authorization: "Bearer file-token" }
    })
    expect(r.headers.get("total-number")).toBe("3")
    expect(
      (await fetch(`${url}/api/organizations`, { headers: { authorization: `Bearer ${Demo.token}` } })).status
    ).toBe(401)
    const exited = once(child, "exit")
    child.kill("SIGTERM")
    expect((await exited)[0]).toBe(0)
  })

  it("exits with an error for an invalid seed file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orgkit-fake-"))
    const file = join(dir, "bad.json")
    writeFileSync(file, JSON.stringify({ organizations: [{ name: "X", users: ["ghost"] }] }))
    const child = spawn(process.execPath, [bin, "--port", "0", "--seed", file], { stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (c) => (stderr += String(c)))
    const [code] = await once(child, "exit")
    expect(code).toBe(1)
    expect(stderr).toContain('unknown user "ghost"')
  })
})

describe("FakeLogto.serve", () => {
  let server: FakeLogto.Server
  beforeAll(async () => {
    server = await FakeLogto.serve({ seed: world })
  })
  afterAll(() => server.close())

  it("serves real sockets and exposes the fake", async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    server.fake.store.deleteUser(ids.u3)
    const r = await fetch(`${server.url}/api/organizations/${ids.org}/users`, {
      headers: { authorization: `Bearer ${server.fake.token}` }
    })
    expect(r.headers.get("total-number")).toBe("2")
    expect(r.headers.get("content-length")).toBe(String((await r.arrayBuffer()).byteLength))
  })

  it("sends each Link relation as its own header line", async () => {
    const raw = await rawHeaders(`${server.url}/api/organizations?page=2&page_size=1`, server.fake.token!)
    const links = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === "link")
    expect(links.map((l) => /rel="(\w+)"/.exec(l)![1])).toEqual(["first", "prev", "last", "next"])
  })

  it("answers HEAD with the GET body's Content-Length and no body", async () => {
    const get = await fetch(`${server.url}/api/organizations`, {
      headers: { authorization: `Bearer ${server.fake.token}` }
    })
    const head = await fetch(`${server.url}/api/organizations`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${server.fake.token}` }
    })
    expect(head.headers.get("content-length")).toBe(String((await get.arrayBuffer()).byteLength))
    expect((await head.arrayBuffer()).byteLength).toBe(0)
  })

  it("answers a body over 1 MiB with a plain-text 404", async () => {
    const r = await fetch(`${server.url}/api/organizations`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.fake.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "big", customCss: "x".repeat(1_100_000) })
    })
    expect(r.status).toBe(404)
    expect(await r.text()).toBe("Not Found")
  })

  it("answers TRACE like any method a path lacks (the fetch API cannot carry it)", async () => {
    const { request } = await import("node:http")
    const send = (path: string) =>
      new Promise<{ status: number; allow: string | undefined; body: string }>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { method: "TRACE" }, (res) => {
          let body = ""
          res.on("data", (d: Buffer) => (body += d.toString()))
          res.on("end", () => resolve({ status: res.statusCode!, allow: res.headers.allow, body }))
        })
        req.on("error", reject)
        req.end()
      })
    expect(await send(`/api/organizations/${ids.org}`)).toEqual({
      status: 405,
      allow: "HEAD, GET, PATCH, DELETE",
      body: "Method Not Allowed"
    })
    expect(await send("/api/nothing")).toEqual({ status: 404, allow: undefined, body: "Not Found" })
  })

  it("closes idempotently", async () => {
    const other = await FakeLogto.serve({ port: 0 })
    await Promise.all([other.close(), other.close()])
    await expect(fetch(`${other.url}/api/organizations`)).rejects.toThrow(TypeError)
  })
})
