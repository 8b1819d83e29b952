/**
 * The shared suite against the Node server (`@hono/node-server` on 127.0.0.1, keep-alive upstream
 * over real loopback HTTP to the fake started by the global setup), plus what only a raw socket can
 * send.
 */
import http from "node:http"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import type { NodeProxy } from "../../src/adapters/node/server.ts"
import { keys, proxyEnv } from "../fixtures/e2e.ts"
import { startLoopbackProxy } from "../fixtures/node-proxy.ts"
import { collectingLog } from "../fixtures/ports.ts"
import { fake, type Target, upstreamCallsDuring } from "../suite/harness.ts"
import { proxySuite } from "../suite/index.ts"

let proxy: NodeProxy
const log = collectingLog()

beforeAll(async () => {
  proxy = await startLoopbackProxy(proxyEnv(inject("fakeUrl")), { log })
})
afterAll(() => proxy?.close())

const target = (): Target => ({
  runtime: "node",
  origin: proxy.url,
  call: (path, init) => fetch(proxy.url + path, { ...init, redirect: "manual" }),
  fakeUrl: inject("fakeUrl")
})

proxySuite(target)

/** Sends a request line exactly as given (no client-side URL normalization). */
const raw = (path: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(proxy.url)
    const request = http.request({ host: url.hostname, port: url.port, path, headers, agent: false }, (response) => {
      let body = ""
      response.on("data", (chunk: Buffer) => (body += chunk.toString()))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on("error", reject)
    request.end()
  })

describe("node server", () => {
  it("never lets a raw dot-segment path reach another route", async () => {
    const t = target()
    for (const path of [
      "/api/organizations/x/users/../../../oidc/token",
      "/api/organizations/%2e%2e/%2e%2e/__orgkit/requests"
    ]) {
      const [response, calls] = await upstreamCallsDuring(t, () =>
        raw(path, { authorization: `Bearer ${keys.admin.key}` })
      )
      expect(response).toEqual({ status: 404, body: "Not Found" })
      expect(calls).toEqual([])
    }
  })

  it("writes one JSON log line per request, with the request id", async () => {
    const before = log.lines.length
    const response = await fetch(`${proxy.url}/api/organizations?page=abc`, {
      headers: { authorization: `Bearer ${keys.admin.key}`, "x-request-id": "node-log-check" }
    })
    expect(response.headers.get("x-request-id")).toBe("node-log-check")
    const lines = log.lines.slice(before)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      msg: "request",
      requestId: "node-log-check",
      operationId: "ListOrganizations",
      keyId: "admin",
      status: 400,
      code: "guard.invalid_pagination"
    })
  })

  it("keeps the upstream connection alive across requests", async () => {
    const t = target()
    const [, calls] = await upstreamCallsDuring(t, async () => {
      // no-cache: each read must reach Logto (a repeated read is otherwise a cache hit).
      for (let i = 0; i < 3; i++)
        await fetch(`${proxy.url}/api/organizations`, {
          headers: { authorization: `Bearer ${keys.admin.key}`, "cache-control": "no-cache" }
        })
    })
    expect(calls.filter((c) => c.path === "/api/organizations")).toHaveLength(3)
    await fake.clearFaults(t)
  })
})
