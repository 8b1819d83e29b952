import http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fetchUpstream } from "../../src/adapters/fetch-upstream.ts"
import { nodeHttpUpstream } from "../../src/adapters/node/http-upstream.ts"
import type { Upstream } from "../../src/ports.ts"

let server: http.Server
let origin: string
const sockets = new Set<string>()

beforeAll(async () => {
  server = http.createServer((req, res) => {
    sockets.add(`${req.socket.remotePort}`)
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 400)
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      res.writeHead(201, [
        ["content-type", "application/json; charset=utf-8"],
        ["link", '<a>; rel="first"'],
        ["link", '<b>; rel="next"'],
        ["x-echo-method", req.method ?? ""],
        ["x-echo-auth", req.headers.authorization ?? ""]
      ])
      res.end(JSON.stringify({ path: req.url, body: Buffer.concat(chunks).toString() }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())))

const adapters: Array<[string, () => Upstream & { close?: () => void }]> = [
  ["node:http keep-alive", () => nodeHttpUpstream({ origin })],
  ["fetch", () => fetchUpstream({ origin, fetch: (r) => fetch(r) })]
]

describe.each(adapters)("upstream over %s", (_, make) => {
  it("sends method, target, headers and body and reads the whole answer", async () => {
    const upstream = make()
    const response = await upstream.send({
      method: "POST",
      target: "/api/organizations/a%2Fb?q=1",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: new TextEncoder().encode('{"x":1}'),
      timeoutMs: 1_000,
      idempotent: false
    })
    expect(response.status).toBe(201)
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({
      path: "/api/organizations/a%2Fb?q=1",
      body: '{"x":1}'
    })
    expect(response.headers.get("x-echo-auth")).toBe("Bearer t")
    expect(response.headers.get("link")).toBe('<a>; rel="first", <b>; rel="next"')
    upstream.close?.()
  })

  it("fails with a timeout when the answer is late", async () => {
    const upstream = make()
    await expect(
      upstream.send({ method: "GET", target: "/slow", headers: {}, timeoutMs: 100, idempotent: true })
    ).rejects.toMatchObject({
      name: "UpstreamFailure",
      reason: "timeout"
    })
    upstream.close?.()
  })

  it("fails as unavailable when nothing listens", async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const upstream =
      make === adapters[0]![1]
        ? nodeHttpUpstream({ origin: `http://127.0.0.1:${port}` })
        : fetchUpstream({ origin: `http://127.0.0.1:${port}`, fetch: (r) => fetch(r) })
    await expect(
      upstream.send({ method: "GET", target: "/", headers: {}, timeoutMs: 1_000, idempotent: true })
    ).rejects.toMatchObject({
      reason: "unavailable"
    })
  })
})

describe("node:http upstream", () => {
  it("reuses one connection for sequential requests", async () => {
    sockets.clear()
    const upstream = nodeHttpUpstream({ origin })
    for (let i = 0; i < 5; i++)
      await upstream.send({ method: "GET", target: "/x", headers: {}, timeoutMs: 1_000, idempotent: true })
    expect(sockets.size).toBe(1)
    upstream.close()
  })
})

describe("node:http upstream: at most once", () => {
  /** A Logto that reads each request whole, then resets the connection instead of answering every second one. */
  const resetting = async () => {
    const received: Array<string> = []
    let count = 0
    const logto = http.createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        received.push(`${req.method} ${req.url}`)
        if (++count % 2 === 0) req.socket.destroy()
        else res.end("{}")
      })
    })
    await new Promise<void>((resolve) => logto.listen(0, "127.0.0.1", resolve))
    const upstream = nodeHttpUpstream({ origin: `http://127.0.0.1:${(logto.address() as AddressInfo).port}` })
    return {
      upstream,
      received,
      close: () => (upstream.close(), logto.closeAllConnections(), new Promise((r) => logto.close(r)))
    }
  }
  const send = (upstream: Upstream, method: string, idempotent: boolean) =>
    upstream.send({
      method,
      target: `/api/organizations`,
      headers: {},
      body: new Uint8Array(2),
      timeoutMs: 2_000,
      idempotent
    })

  it("never resends a write that is not idempotent once its bytes left: the outcome is unknown", async () => {
    const { upstream, received, close } = await resetting()
    await send(upstream, "GET", true)
    await expect(send(upstream, "POST", false)).rejects.toMatchObject({
      name: "UpstreamFailure",
      reason: "unavailable"
    })
    expect(received).toEqual(["GET /api/organizations", "POST /api/organizations"])
    await close()
  })

  it("resends an idempotent request once on a reused connection that Logto reset", async () => {
    const { upstream, received, close } = await resetting()
    await send(upstream, "GET", true)
    const answer = await send(upstream, "PUT", true)
    expect(answer.status).toBe(200)
    expect(received).toEqual(["GET /api/organizations", "PUT /api/organizations", "PUT /api/organizations"])
    await close()
  })
})

describe("node:http upstream: Logto's long Link headers", () => {
  it("accepts a header block over Node's 16 KiB default (Logto echoes a long q in every Link line)", async () => {
    const q = "x".repeat(12_000)
    const logto = http.createServer((req, res) => {
      req.resume()
      res.writeHead(200, [
        ["content-type", "application/json"],
        ["link", `<http://logto/organizations?q=${q}&page=1>; rel="first"`],
        ["link", `<http://logto/organizations?q=${q}&page=2>; rel="last"`]
      ])
      res.end("[]")
    })
    await new Promise<void>((resolve) => logto.listen(0, "127.0.0.1", resolve))
    const upstream = nodeHttpUpstream({ origin: `http://127.0.0.1:${(logto.address() as AddressInfo).port}` })
    const answer = await upstream.send({
      method: "GET",
      target: "/api/organizations",
      headers: {},
      timeoutMs: 2_000,
      idempotent: true
    })
    expect(answer.status).toBe(200)
    expect(answer.headers.get("link")?.length).toBeGreaterThan(24_000)
    upstream.close()
    logto.close()
  })
})
