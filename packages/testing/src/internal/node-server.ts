/**
 * Serving a fetch-style handler on Node's `http` module. `node:http` is loaded with
 * `process.getBuiltinModule` at call time, so bundles for workerd never see it.
 */
import type * as Http from "node:http"
import { RouteTable } from "@orgkit/core"

/** A listening server. */
export interface Server<A> {
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string
  readonly port: number
  readonly host: string
  readonly fake: A
  /** Stops listening, closes every connection and disposes the fake. */
  readonly close: () => Promise<void>
}

interface Handler {
  readonly handle: (request: Request) => Promise<Response | undefined>
  readonly dispose: () => Promise<void>
}

const loadHttp = (): typeof Http => {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule
  const http = get?.("node:http") as typeof Http | undefined
  if (http === undefined)
    throw new Error("FakeLogto.serve needs Node.js 22 or later (node:http); use FakeLogto.make(...).fetch elsewhere")
  return http
}

const forbiddenMethods = new Set(["TRACE", "TRACK", "CONNECT"])

const toRequest = async (req: Http.IncomingMessage, fallbackHost: string): Promise<Request> => {
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!
    if (name.startsWith(":")) continue
    headers.append(name, req.rawHeaders[i + 1]!)
  }
  const url = `http://${req.headers.host ?? fallbackHost}${req.url ?? "/"}`
  const method = req.method ?? "GET"
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers })
  const chunks: Array<Uint8Array> = []
  for await (const chunk of req) chunks.push(chunk as Uint8Array)
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) {
    body.set(c, at)
    at += c.byteLength
  }
  return new Request(url, { method, headers, body })
}

const write = async (res: Http.ServerResponse, response: Response): Promise<void> => {
  const headers: Record<string, string | Array<string>> = {}
  response.headers.forEach((value, name) => {
    // Logto sends each Link relation as its own header line.
    headers[name] = name === "link" ? value.split(/,\s*(?=<)/) : value
  })
  if (response.body === null) {
    res.writeHead(response.status, headers)
    res.end()
    return
  }
  const body = new Uint8Array(await response.arrayBuffer())
  headers["content-length"] = String(body.byteLength)
  res.writeHead(response.status, headers)
  res.end(body)
}

/** Listens on `host:port` and serves `fake.handle`; `undefined` answers drop the connection. */
export const listen = <A extends Handler>(
  fake: A,
  options: { readonly port: number; readonly host: string }
): Promise<Server<A>> => {
  const http = loadHttp()
  const fallbackHost = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`
  const server = http.createServer((req, res) => {
    // WHATWG Request refuses these methods; answer them as a path without that method (404 or 405).
    if (forbiddenMethods.has(req.method ?? "")) {
      const matched = RouteTable.match(req.method!, new URL(req.url ?? "/", "http://fake").pathname)
      const [status, text, allow] =
        matched._tag === "NotFound"
          ? [404, "Not Found", undefined]
          : [405, "Method Not Allowed", matched._tag === "Route" ? [] : matched.allow]
      res.writeHead(status, {
        "content-type": "text/plain; charset=utf-8",
        ...(allow === undefined ? {} : { allow: allow.join(", ") })
      })
      return void res.end(text)
    }
    toRequest(req, fallbackHost)
      .then((request) => fake.handle(request))
      .then((response) => (response === undefined ? void req.socket.destroy() : write(res, response)))
      .catch((error: unknown) => {
        // The client went away mid-request: nothing to answer, nothing to report.
        if (req.destroyed || (error as { code?: string }).code === "ECONNRESET") return void res.destroy()
        if (res.headersSent) return void res.destroy()
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" })
        res.end(JSON.stringify({ message: "Internal server error." }))
        console.error("orgkit fake: unexpected error", error)
      })
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port, options.host, () => {
      server.off("error", reject)
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : options.port
      const host = options.host.includes(":") ? `[${options.host}]` : options.host
      let closing: Promise<void> | undefined
      resolve({
        url: `http://${host}:${port}`,
        port,
        host: options.host,
        fake,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }).then(() => fake.dispose()))
      })
    })
  })
}
