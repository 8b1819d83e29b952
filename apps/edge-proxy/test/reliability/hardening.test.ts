/**
 * The proxy's hardening against hostile callers and mistakes, as real processes and real sockets:
 * an oversize webhook body (the proxy's RSS must not grow with it), writes that are not idempotent
 * under upstream connection resets (at most once), and bad configurations (none may start).
 * Each test prints its figures (docs/RELIABILITY.md, Hardening). `ORGKIT_RELIABILITY=full` runs the
 * full sizes.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { type ChildProcess, spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { readFileSync } from "node:fs"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const full = process.env["ORGKIT_RELIABILITY"] === "full"
const app = join(import.meta.dirname, "../..")
const key = "hardening-key-0123456789"
const signingKey = "hardening-webhook-signing-key"
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const child of children) child.kill("SIGKILL")
})

const baseEnv = (logto: string): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "",
  HOST: "127.0.0.1",
  PORT: "0",
  LOGTO_ENDPOINT: logto,
  LOGTO_M2M_CLIENT_ID: Demo.client.clientId,
  LOGTO_M2M_CLIENT_SECRET: Demo.client.clientSecret,
  LOGTO_API_RESOURCE: FakeLogto.resource,
  ORGKIT_API_KEYS: JSON.stringify([{ id: "ops", name: "Ops", key, scopes: ["read", "write", "audit:read"] }]),
  ORGKIT_AUDIT_DB_PATH: ":memory:",
  ORGKIT_LOG_LEVEL: "error"
})

/** Starts `src/node.ts`; resolves with its URL once it listens, or with its exit code and output. */
const startProxy = (env: Record<string, string>) =>
  new Promise<{ url: string; child: ChildProcess } | { code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(app, "src/node.ts")], {
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.push(child)
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      const url = /"url":"(http:\/\/[^"]+)"/.exec(stdout)?.[1]
      if (url !== undefined) resolve({ url, child })
    })
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("exit", (code) => resolve({ code, stderr }))
  })

const rssOf = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m)
  return Number(line?.[1] ?? 0) * 1024
}

/** POSTs `bytes` of chunked body to the webhook; resolves with the status, or 0 if the socket was cut. */
const floodWebhook = (url: string, bytes: number, signature: string | undefined) =>
  new Promise<number>((resolve) => {
    const target = new URL(`${url}/webhooks/logto`)
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature === undefined ? {} : { "logto-signature-sha-256": signature })
      }
    })
    let status = 0
    request.on("response", (response) => {
      status = response.statusCode ?? 0
      response.resume()
      response.on("end", () => resolve(status))
    })
    request.on("error", () => resolve(status))
    const chunk = Buffer.alloc(1 << 20, 0x20)
    let sent = 0
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length
        if (!request.write(chunk)) return void request.once("drain", pump)
      }
      request.end()
    }
    pump()
  })

describe("hardening (reliability)", () => {
  it("an oversize webhook body, signed or not, is refused without the proxy's memory growing with it", async () => {
    const fake = await FakeLogto.serve({ seed: Demo.seed, clients: [Demo.client] })
    const started = await startProxy({ ...baseEnv(fake.url), LOGTO_WEBHOOK_SIGNING_KEY: signingKey })
    if (!("url" in started)) throw new Error(`the proxy did not start: ${started.stderr}`)
    const pid = started.child.pid!
    const before = rssOf(pid)
    const mib = full ? 1_536 : 128
    const unsigned = await floodWebhook(started.url, mib << 20, undefined)
    const signed = await floodWebhook(
      started.url,
      mib << 20,
      createHmac("sha256", signingKey).update("x").digest("hex")
    )
    const after = rssOf(pid)
    const grownMiB = (after - before) / (1 << 20)
    console.log(
      `hardening: oversize webhook: ${mib} MiB unsigned -> ${unsigned}, ${mib} MiB signed -> ${signed}; RSS ${(before / (1 << 20)).toFixed(1)} -> ${(after / (1 << 20)).toFixed(1)} MiB (+${grownMiB.toFixed(1)} MiB)`
    )
    expect([0, 401]).toContain(unsigned)
    expect([0, 413]).toContain(signed)
    expect(grownMiB).toBeLessThan(64)
    // Still serving.
    const health = await fetch(`${started.url}/healthz`)
    expect(health.status).toBe(200)
    started.child.kill("SIGTERM")
    await fake.close()
  })

  it("a write that is not idempotent reaches Logto at most once when connections are reset after it arrived", async () => {
    const fake = await FakeLogto.serve({ seed: Demo.seed, clients: [Demo.client] })
    // A relay that forwards every request to the fake, then resets every second connection instead
    // of answering (the write did happen): the proxy must not send it again.
    let count = 0
    const relay = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", async () => {
        const headers = new Headers()
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          const name = req.rawHeaders[i]!.toLowerCase()
          if (name !== "host" && name !== "connection" && name !== "content-length")
            headers.append(name, req.rawHeaders[i + 1]!)
        }
        const answer = await fetch(fake.url + req.url, {
          method: req.method ?? "GET",
          headers,
          ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) })
        })
        const body = Buffer.from(await answer.arrayBuffer())
        if (req.method === "POST" && req.url === "/api/organizations" && ++count % 2 === 0)
          return void req.socket.destroy()
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" })
        res.end(body)
      })
    })
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve))
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`
    const started = await startProxy(baseEnv(relayUrl))
    if (!("url" in started)) throw new Error(`the proxy did not start: ${started.stderr}`)
    const creates = full ? 400 : 40
    const statuses: Record<number, number> = {}
    for (let i = 0; i < creates; i++) {
      const response = await fetch(`${started.url}/api/organizations`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ name: `at-most-once-${i}` })
      })
      statuses[response.status] = (statuses[response.status] ?? 0) + 1
      await response.arrayBuffer()
    }
    const names = fake.fake
      .requests()
      .filter((r) => r.method === "POST" && r.path === "/api/organizations")
      .map((r) => r.status)
    const list = (await (
      await fetch(`${fake.url}/api/organizations?q=at-most-once-&page_size=100&page=1`, {
        headers: {
          authorization: `Bearer ${((await (await fetch(`${fake.url}/oidc/token`, tokenRequest())).json()) as { access_token: string }).access_token}`
        }
      })
    ).json()) as Array<{ name: string }>
    const total = Number(names.length)
    console.log(
      `hardening: at most once: ${creates} CreateOrganization sent, answers ${JSON.stringify(statuses)}; Logto received ${total} creates (${list.length >= 100 ? "≥100" : list.length} listed), duplicates: ${total - creates}`
    )
    expect(total).toBe(creates)
    expect(statuses[201] ?? 0).toBe(creates / 2)
    expect(statuses[502] ?? 0).toBe(creates / 2)
    // The audit trail says which ones nobody can know about.
    // (Outcomes are settled after the answer: poll until the last one is in.)
    const unknownEvents = async () =>
      (
        (await (
          await fetch(`${started.url}/audit/events?status=502&limit=500`, {
            headers: { authorization: `Bearer ${key}` }
          })
        ).json()) as { events: Array<{ outcome: string; operationId: string }> }
      ).events.map((e) => [e.operationId, e.outcome])
    await expect
      .poll(unknownEvents)
      .toEqual(Array.from({ length: creates / 2 }, () => ["CreateOrganization", "unknown"]))
    started.child.kill("SIGTERM")
    relay.closeAllConnections()
    relay.close()
    await fake.close()
  })

  it("no bad configuration starts the proxy: each is refused at start, naming the problem", async () => {
    const good = baseEnv("http://127.0.0.1:9")
    const keys = (entry: Record<string, unknown>) =>
      JSON.stringify([{ id: "a", name: "A", scopes: ["read"], ...entry }])
    const bad: Array<[string, Record<string, string>, string]> = [
      [
        "a misspelt key field",
        { ORGKIT_API_KEYS: keys({ key: "0123456789abcdef", orgs: ["o1"] }) },
        'unknown field "orgs"'
      ],
      [
        "the empty string's hash",
        {
          ORGKIT_API_KEYS: keys({
            keyHash: `sha256:${"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`
          })
        },
        "empty string"
      ],
      ["a misspelt setting", { ORGKIT_CACHE_MAXAGE_S: "5" }, "ORGKIT_CACHE_MAXAGE_S"],
      ["no keys", { ORGKIT_API_KEYS: "[]" }, "ORGKIT_API_KEYS"],
      ["keys that are not JSON", { ORGKIT_API_KEYS: "[{id:" }, "not valid JSON"],
      ["a short plaintext key", { ORGKIT_API_KEYS: keys({ key: "short" }) }, "ORGKIT_API_KEYS"],
      [
        "both key and keyHash",
        { ORGKIT_API_KEYS: keys({ key: "0123456789abcdef", keyHash: `sha256:${"ab".repeat(32)}` }) },
        "exactly one"
      ],
      [
        "an unknown scope",
        { ORGKIT_API_KEYS: JSON.stringify([{ id: "a", name: "A", key: "0123456789abcdef", scopes: ["admin"] }]) },
        "ORGKIT_API_KEYS"
      ],
      ["an endpoint with a path", { LOGTO_ENDPOINT: "https://tenant.logto.app/api" }, "LOGTO_ENDPOINT"],
      ["an endpoint with credentials", { LOGTO_ENDPOINT: "https://u:p@tenant.logto.app" }, "LOGTO_ENDPOINT"],
      ["no client secret", { LOGTO_M2M_CLIENT_SECRET: "" }, "LOGTO_M2M_CLIENT_SECRET"],
      ["a rate that is not one", { ORGKIT_UPSTREAM_BUDGET: "200 per 10s" }, "ORGKIT_UPSTREAM_BUDGET"],
      [
        "a zero quota",
        { ORGKIT_API_KEYS: keys({ key: "0123456789abcdef", rateLimit: { requests: 0, perSeconds: 1 } }) },
        "ORGKIT_API_KEYS"
      ],
      [
        "headers slower than the request",
        { ORGKIT_HEADERS_TIMEOUT_MS: "60000", ORGKIT_REQUEST_TIMEOUT_MS: "1000" },
        "ORGKIT_HEADERS_TIMEOUT_MS"
      ],
      ["a short metrics token", { ORGKIT_METRICS_TOKEN: "short" }, "ORGKIT_METRICS_TOKEN"],
      ["cache on/off misspelt", { ORGKIT_CACHE: "yes" }, "ORGKIT_CACHE"],
      ["a bad log level", { ORGKIT_LOG_LEVEL: "debug" }, "ORGKIT_LOG_LEVEL"]
    ]
    let startedCount = 0
    const problems: Array<string> = []
    for (const [what, env, named] of bad) {
      const result = await startProxy({ ...good, ...env })
      if ("url" in result) {
        startedCount++
        result.child.kill("SIGKILL")
        problems.push(`${what}: started`)
      } else if (result.code !== 1 || !result.stderr.includes(named)) {
        problems.push(`${what}: exit ${result.code}, stderr ${result.stderr.slice(0, 200)}`)
      }
    }
    console.log(
      `hardening: bad configurations: ${bad.length} tried, ${startedCount} started, ${bad.length - problems.length} refused naming the problem`
    )
    expect(problems).toEqual([])
  })
})

const tokenRequest = (): RequestInit => ({
  method: "POST",
  headers: {
    authorization: `Basic ${btoa(`${Demo.client.clientId}:${Demo.client.clientSecret}`)}`,
    "content-type": "application/x-www-form-urlencoded"
  },
  body: new URLSearchParams({ grant_type: "client_credentials", resource: FakeLogto.resource, scope: "all" }).toString()
})
